// The flag-table machinery on a struct of its own (it knows nothing of EngineArgs): look-up by name,
// alias, '_' spelling and --no- form; storing into every kind of field with int narrowing; the range
// check; and the rules for flags written several times or in several sources.
#include "sim/flags/flag_table.h"

#include <gtest/gtest.h>

#include "sim/flags/occurrences.h"

namespace tpsim::flags {
namespace {

struct Toy {
  std::string name = "a";
  int size = 1;
  bool eager = false;
  std::optional<int> block;
  std::optional<std::int64_t> length;
  std::optional<double> fraction;
  std::optional<bool> chunked;
};

std::vector<FlagSpec<Toy>> Specs() {
  return {
      {.name = "name", .field = &Toy::name, .rule = ChoiceRule({"a", "b"})},
      {.name = "size", .aliases = {"-s", "-sz", "--sz"}, .field = &Toy::size, .rule = IntegerRule(Between(1, 8))},
      {.name = "eager", .field = &Toy::eager, .rule = BoolRule()},
      {.name = "block-size", .field = &Toy::block, .rule = IntegerRule(PowerOfTwoBetween(1, 256))},
      {.name = "length", .field = &Toy::length, .rule = CountRule(AtLeast(1))},
      {.name = "fraction", .field = &Toy::fraction, .rule = RealRule(AboveUpTo(0, 1))},
      {.name = "chunked", .field = &Toy::chunked, .rule = BoolRule(), .bool_syntax = BoolSyntax::kSwitchOrValue},
      {.name = "port", .field = std::monostate{}, .rule = TextRule(), .memory = MemoryEffect::kNone},
  };
}

const FlagTable<Toy>& Table() {
  static const FlagTable<Toy> kTable(Specs());
  return kTable;
}

TEST(FlagTableTest, FindsEverySpelling) {
  const FlagTable<Toy>& t = Table();
  for (const char* s : {"size", "--size", "-s", "-sz", "--sz", "sz"}) {
    ASSERT_NE(t.Find(s), nullptr) << s;
    EXPECT_EQ(t.Find(s)->name, "size") << s;
  }
  EXPECT_EQ(t.Find("block_size")->name, "block-size");
  bool negated = false;
  EXPECT_EQ(t.Find("--no-eager", &negated)->name, "eager");
  EXPECT_TRUE(negated);
  EXPECT_EQ(t.Find("--no-size", &negated), nullptr);  // --no- only for booleans
  EXPECT_EQ(t.Find("--nothing"), nullptr);
  EXPECT_FALSE(t.Find("port")->stored());
  EXPECT_TRUE(t.Find("chunked")->takes_value());
  EXPECT_FALSE(t.Find("eager")->takes_value());
}

TEST(FlagTableTest, StoresEveryFieldKind) {
  Toy toy;
  const FlagTable<Toy>& t = Table();
  ASSERT_TRUE(ApplyText(*t.Find("name"), "argument --name", "b", &toy).ok());
  ASSERT_TRUE(ApplyText(*t.Find("size"), "argument --size", "4", &toy).ok());
  ASSERT_TRUE(ApplyText(*t.Find("eager"), "argument --eager", "true", &toy).ok());
  ASSERT_TRUE(ApplyText(*t.Find("block-size"), "argument --block-size", "32", &toy).ok());
  ASSERT_TRUE(ApplyText(*t.Find("length"), "argument --length", "32k", &toy).ok());
  ASSERT_TRUE(ApplyText(*t.Find("fraction"), "argument --fraction", "0.5", &toy).ok());
  ASSERT_TRUE(ApplyText(*t.Find("chunked"), "argument --chunked", "false", &toy).ok());
  ASSERT_TRUE(ApplyText(*t.Find("port"), "argument --port", "8000", &toy).ok());
  EXPECT_EQ(toy.name, "b");
  EXPECT_EQ(toy.size, 4);
  EXPECT_TRUE(toy.eager);
  EXPECT_EQ(toy.block, 32);
  EXPECT_EQ(toy.length, 32000);
  EXPECT_EQ(toy.fraction, 0.5);
  EXPECT_EQ(toy.chunked, false);
  EXPECT_TRUE(ValidateAll(t, toy).ok());
}

TEST(FlagTableTest, ParseErrorsNameTheFlagAsWrittenAndRangeErrorsByName) {
  Toy toy;
  const FlagSpec<Toy>& size = *Table().Find("size");
  EXPECT_EQ(ApplyText(size, "argument --sz", "x", &toy).message(), "argument --sz: invalid int value: 'x'");
  EXPECT_EQ(ApplyText(size, "argument --sz", "99999999999", &toy).message(),
            "argument --sz: invalid int value: '99999999999' (out of range)");
  ASSERT_TRUE(ApplyText(size, "argument --sz", "9", &toy).ok());  // parses; the range check refuses
  EXPECT_EQ(ValidateAll(Table(), toy).message(), "--size must be between 1 and 8, got 9");
  EXPECT_EQ(ParseFor(size, "argument --sz", std::nullopt).status().message(), "argument --sz: expected one argument");
}

TEST(FlagTableTest, ReadFieldSeesOnlySetOptionals) {
  Toy toy;
  EXPECT_FALSE(ReadField(*Table().Find("length"), toy).has_value());
  EXPECT_EQ(std::get<std::int64_t>(*ReadField(*Table().Find("size"), toy)), 1);
  EXPECT_FALSE(ReadField(*Table().Find("port"), toy).has_value());
}

TEST(OccurrencesTest, CommandLineBeatsConfigFileFlagByFlag) {
  Toy toy;
  std::vector<const FlagSpec<Toy>*> given;
  const std::vector<Occurrence> written = {
      {"--size", "2", kConfigFileRank, "--config x.ini"},
      {"--length", "100", kConfigFileRank, "--config x.ini"},
      {"--sz", "4", kCommandLineRank, ""},
      {"--eager", std::nullopt, kCommandLineRank, ""},
      {"--eager", std::nullopt, kCommandLineRank, ""},  // the same twice says the same thing
  };
  ASSERT_TRUE(ApplyOccurrences(Table(), written, &toy, &given).ok());
  EXPECT_EQ(toy.size, 4);
  EXPECT_EQ(toy.length, 100);
  EXPECT_TRUE(toy.eager);
  ASSERT_EQ(given.size(), 3u);  // table order
  EXPECT_EQ(given[0]->name, "size");
  EXPECT_EQ(given[1]->name, "eager");
  EXPECT_EQ(given[2]->name, "length");
}

TEST(OccurrencesTest, DisagreementsAndBadValuesAreRefused) {
  Toy toy;
  EXPECT_EQ(ApplyOccurrences(Table(), {{"--sz", "2", 1, ""}, {"--size", "4", 1, ""}}, &toy).message(),
            "--sz and --size disagree");
  EXPECT_EQ(ApplyOccurrences(Table(), {{"--eager", std::nullopt, 1, ""}, {"--no-eager", std::nullopt, 1, ""}}, &toy)
                .message(),
            "--eager and --no-eager disagree");
  EXPECT_TRUE(ApplyOccurrences(Table(), {{"--sz", "2", 1, ""}, {"--size", "2", 1, ""}}, &toy).ok());
  EXPECT_EQ(ApplyOccurrences(Table(), {{"--length", "ten", 0, "--config x.ini"}}, &toy).message(),
            "--config x.ini: argument --length: invalid human_readable_int value: 'ten'");
  EXPECT_EQ(ApplyOccurrences(Table(), {{"--eager", "maybe", 0, ""}}, &toy).message(),
            "argument --eager: invalid bool value: 'maybe' (true or false)");
  Toy off;
  off.eager = true;
  ASSERT_TRUE(ApplyOccurrences(Table(), {{"--no-eager", std::nullopt, 1, ""}}, &off).ok());
  EXPECT_FALSE(off.eager);
}

}  // namespace
}  // namespace tpsim::flags
