// Helpers shared by the tests of sim/model: a scratch directory, file writers, safetensors images and
// the check every refusal must pass (right code, one line, names the problem).
#ifndef TPSIM_TESTS_SIM_MODEL_MODEL_TEST_UTIL_H_
#define TPSIM_TESTS_SIM_MODEL_MODEL_TEST_UTIL_H_

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "sim/base/status.h"

namespace tpsim::testing_model {

// A fresh directory under the system temp dir, removed with its contents on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string leaf = "tpsim_model_" + std::to_string(::getpid()) + "_" +
                       (info ? std::string(info->test_suite_name()) + "." + info->name() : "x");
    path_ = std::filesystem::temp_directory_path() / leaf;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& leaf) const { return (path_ / leaf).string(); }

 private:
  std::filesystem::path path_;
};

inline void WriteFile(const std::string& path, std::string_view bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

// 8-byte little-endian length.
inline std::string LengthPrefix(std::uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return s;
}

// A whole safetensors file: length prefix, `header`, then `data_bytes` bytes of 0xab.
inline std::string SafetensorsImage(std::string_view header, std::size_t data_bytes) {
  return LengthPrefix(header.size()) + std::string(header) + std::string(data_bytes, '\xab');
}

// A refusal must carry `code`, be one line, and contain each of `needles`.
inline void ExpectRefusal(const Status& s, Status::Code code,
                          std::initializer_list<std::string_view> needles) {
  ASSERT_FALSE(s.ok()) << "expected a refusal";
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_EQ(s.message().find('\n'), std::string::npos) << "not one line: " << s.message();
  EXPECT_EQ(s.message().find('\r'), std::string::npos) << "not one line: " << s.message();
  for (std::string_view needle : needles) {
    EXPECT_NE(s.message().find(needle), std::string::npos)
        << "message lacks '" << needle << "': " << s.message();
  }
}

}  // namespace tpsim::testing_model

#endif  // TPSIM_TESTS_SIM_MODEL_MODEL_TEST_UTIL_H_
