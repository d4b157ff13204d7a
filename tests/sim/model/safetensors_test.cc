#include "sim/model/safetensors.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/sim/model/model_test_util.h"

namespace tpsim {
namespace {

using testing_model::ExpectRefusal;
using testing_model::LengthPrefix;
using testing_model::SafetensorsImage;
using testing_model::ScratchDir;
using testing_model::WriteFile;
using Code = Status::Code;

// An AWQ-style layer: int32 qweight [8, 2], int32 qzeros [1, 2], fp16 scales [1, 16], in data order
// qweight (64 B), qzeros (8 B), scales (32 B); written in a different key order on purpose.
constexpr char kAwqHeader[] =
    R"({"l.scales": {"dtype": "F16", "shape": [1, 16], "data_offsets": [72, 104]},
        "l.qweight": {"dtype": "I32", "shape": [8, 2], "data_offsets": [0, 64]},
        "l.qzeros": {"dtype": "I32", "shape": [1, 2], "data_offsets": [64, 72]},
        "__metadata__": {"format": "pt", "quant": "awq"}})";
constexpr std::size_t kAwqDataBytes = 104;

TEST(SafetensorsTest, ReadsTensorsInDataOrder) {
  ScratchDir tmp;
  const std::string path = tmp / "layer.safetensors";
  WriteFile(path, SafetensorsImage(kAwqHeader, kAwqDataBytes));
  StatusOr<std::vector<SafetensorsTensor>> t = ReadSafetensorsHeader(path);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->size(), 3u);
  EXPECT_EQ((*t)[0].name, "l.qweight");
  EXPECT_EQ((*t)[0].dtype, DType::kI32);
  EXPECT_EQ((*t)[0].shape, (std::vector<std::int64_t>{8, 2}));
  EXPECT_EQ((*t)[0].bytes, 64);
  EXPECT_EQ((*t)[0].elements(), 16);
  EXPECT_EQ((*t)[1].name, "l.qzeros");
  EXPECT_EQ((*t)[1].begin, 64);
  EXPECT_EQ((*t)[2].name, "l.scales");
  EXPECT_EQ((*t)[2].dtype, DType::kF16);
  EXPECT_EQ((*t)[2].end, 104);
  Bytes total = 0;
  for (const SafetensorsTensor& x : *t) total += x.bytes;
  EXPECT_EQ(total, static_cast<Bytes>(kAwqDataBytes));
}

TEST(SafetensorsTest, ScalarsEmptyTensorsPaddingAndEmptyHeaders) {
  // A scalar (shape []) holds one element; a zero-sized dimension holds none. The header is padded
  // with spaces to a multiple of 8 as the reference writer does.
  std::string header =
      R"({"s": {"dtype": "F64", "shape": [], "data_offsets": [0, 8]},
          "z": {"dtype": "BF16", "shape": [0, 7], "data_offsets": [8, 8]}})";
  header += std::string((8 - header.size() % 8) % 8, ' ');
  StatusOr<std::vector<SafetensorsTensor>> t =
      ParseSafetensorsHeader(header, 8 + header.size() + 8, "h");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].name, "s");
  EXPECT_TRUE((*t)[0].shape.empty());
  EXPECT_EQ((*t)[0].bytes, 8);
  EXPECT_EQ((*t)[1].bytes, 0);

  StatusOr<std::vector<SafetensorsTensor>> none = ParseSafetensorsHeader("{}", 8 + 2, "h");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->empty());
}

TEST(SafetensorsTest, DataRegionSizeComesFromTheFileSize) {
  // The data region is a 64 MiB sparse hole: its size bounds the offsets, its bytes are never needed.
  ScratchDir tmp;
  const std::string path = tmp / "big.safetensors";
  const std::uint64_t data = 64ull << 20;
  std::string header = R"({"w": {"dtype": "U8", "shape": [67108864], "data_offsets": [0, 67108864]}})";
  WriteFile(path, LengthPrefix(header.size()) + header);
  std::filesystem::resize_file(path, 8 + header.size() + data);
  StatusOr<std::vector<SafetensorsTensor>> t = ReadSafetensorsHeader(path);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->size(), 1u);
  EXPECT_EQ((*t)[0].bytes, static_cast<Bytes>(data));
}

TEST(SafetensorsTest, RefusesHostileFiles) {
  ScratchDir tmp;
  struct Case {
    const char* label;
    std::string bytes;
    std::vector<std::string_view> needles;
  };
  const std::string ok_header = R"({"w": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}})";
  const Case cases[] = {
      {"empty file", "", {"file is 0 bytes", "8-byte"}},
      {"four bytes", std::string("\x10\x00\x00\x00", 4), {"file is 4 bytes"}},
      {"header length zero", LengthPrefix(0) + "{}", {"header length 0"}},
      {"header length 2^60", LengthPrefix(1ull << 60) + ok_header,
       {"header length 1152921504606846976 exceeds the 100000000-byte limit"}},
      {"header length 2^64-1", LengthPrefix(~0ull) + ok_header, {"header length", "exceeds"}},
      {"header past end of file", LengthPrefix(4096) + ok_header,
       {"header length 4096 exceeds the file"}},
      {"header not JSON", LengthPrefix(5) + "{abc}", {"header: not valid JSON"}},
      {"binary header", LengthPrefix(4) + std::string("\xff\xfe\x00\x01", 4) + "xxxx",
       {"header: not valid JSON"}},
      {"header an array", SafetensorsImage("[1, 2]", 0),
       {"header: expected a JSON object, got an array"}},
      {"shape overflow",
       SafetensorsImage(R"({"w": {"dtype": "F16", "shape": [4294967296, 4294967296, 4],
                         "data_offsets": [0, 8]}})", 8),
       {"tensor 'w'", "element count overflows 64 bits"}},
      {"bytes overflow",
       SafetensorsImage(R"({"w": {"dtype": "F64", "shape": [2305843009213693952],
                         "data_offsets": [0, 8]}})", 8),
       {"tensor 'w'", "byte count overflows 64 bits"}},
      {"offsets past the end",
       SafetensorsImage(R"({"w": {"dtype": "F16", "shape": [64], "data_offsets": [0, 128]}})", 64),
       {"tensor 'w': data_offsets: end 128 is past the end of the data region (64 bytes)"}},
      {"dtype/bytes mismatch",
       SafetensorsImage(R"({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 8]}})", 8),
       {"tensor 'w'", "span 8 bytes", "float32 needs 16"}},
      {"unknown dtype",
       SafetensorsImage(R"({"w": {"dtype": "Q4_K", "shape": [2], "data_offsets": [0, 4]}})", 4),
       {"tensor 'w': dtype: unknown safetensors dtype 'Q4_K'"}},
      {"negative dim",
       SafetensorsImage(R"({"w": {"dtype": "F16", "shape": [2, -1], "data_offsets": [0, 4]}})", 4),
       {"shape: expected an array of non-negative integers", "-1"}},
      {"float dim",
       SafetensorsImage(R"({"w": {"dtype": "F16", "shape": [2.5], "data_offsets": [0, 4]}})", 4),
       {"shape", "2.5 (float)"}},
      {"shape not array",
       SafetensorsImage(R"({"w": {"dtype": "F16", "shape": 2, "data_offsets": [0, 4]}})", 4),
       {"shape: expected an array"}},
      {"reversed offsets",
       SafetensorsImage(R"({"w": {"dtype": "F16", "shape": [0], "data_offsets": [8, 4]}})", 8),
       {"data_offsets: begin 8 is after end 4"}},
      {"negative offset",
       SafetensorsImage(R"({"w": {"dtype": "F16", "shape": [2], "data_offsets": [-4, 0]}})", 8),
       {"data_offsets: expected [begin, end]"}},
      {"three offsets",
       SafetensorsImage(R"({"w": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4, 8]}})", 8),
       {"data_offsets", "3 element(s)"}},
      {"missing offsets", SafetensorsImage(R"({"w": {"dtype": "F16", "shape": [2]}})", 8),
       {"tensor 'w': data_offsets: missing"}},
      {"entry not object", SafetensorsImage(R"({"w": [0, 4]})", 8),
       {"tensor 'w': expected an object, got an array"}},
      {"metadata not strings",
       SafetensorsImage(R"({"__metadata__": {"step": 7}})", 0),
       {"__metadata__: value of 'step' must be a string"}},
      {"metadata not object", SafetensorsImage(R"({"__metadata__": "pt"})", 0),
       {"__metadata__: expected an object of strings"}},
      {"newline in tensor name",
       SafetensorsImage(R"({"a\nb": {"dtype": "F16", "shape": [2], "data_offsets": [0, 5]}})", 8),
       {"tensor 'a\\nb'"}},
  };
  int i = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    const std::string path = tmp / ("case" + std::to_string(i++) + ".safetensors");
    WriteFile(path, c.bytes);
    StatusOr<std::vector<SafetensorsTensor>> t = ReadSafetensorsHeader(path);
    ASSERT_FALSE(t.ok()) << c.label << " was accepted";
    ExpectRefusal(t.status(), Code::kInvalidArgument, {path + ": "});
    for (std::string_view needle : c.needles) {
      EXPECT_NE(t.status().message().find(needle), std::string::npos)
          << "message lacks '" << needle << "': " << t.status().message();
    }
  }
}

TEST(SafetensorsTest, MissingFileIsNotFoundAndDirectoryIsRefused) {
  ScratchDir tmp;
  ExpectRefusal(ReadSafetensorsHeader(tmp / "nope.safetensors").status(), Code::kNotFound,
                {"nope.safetensors: no such file"});
  ExpectRefusal(ReadSafetensorsHeader(tmp.path().string()).status(), Code::kInvalidArgument,
                {"is a directory"});
}

TEST(SafetensorsTest, ParseChecksTheDeclaredFileSize) {
  const std::string header = R"({"w": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}})";
  EXPECT_TRUE(ParseSafetensorsHeader(header, 8 + header.size() + 4, "h").ok());
  ExpectRefusal(ParseSafetensorsHeader(header, 8 + header.size() + 3, "h").status(),
                Code::kInvalidArgument, {"h: tensor 'w'", "past the end of the data region (3 bytes)"});
  ExpectRefusal(ParseSafetensorsHeader(header, 4, "h").status(), Code::kInvalidArgument,
                {"h: header length", "exceeds the file (4 bytes)"});
  ExpectRefusal(ParseSafetensorsHeader("", 100, "h").status(), Code::kInvalidArgument,
                {"h: header length 0"});
}

}  // namespace
}  // namespace tpsim
