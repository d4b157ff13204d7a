#include "sim/report/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/testing/temp_path.h"

namespace tpsim {
namespace {

TEST(OutputFileTest, AFullDeviceIsAnError) {
  const int fd = ::open("/dev/full", O_WRONLY);
  ASSERT_GE(fd, 0);
  const Status s = WriteAllToFd(fd, "hello", "out");
  EXPECT_EQ(s.code(), Status::Code::kInternal);
  EXPECT_EQ(s.message(), "out: No space left on device");
  ::close(fd);
}

TEST(OutputFileTest, NewFileIsWrittenWholeAndNeverOverwritten) {
  const std::string path = testing::TempPath("output_file_test.txt");
  std::filesystem::remove(path);
  ASSERT_TRUE(WriteNewFile(path, "abc", "f").ok());
  std::ifstream in(path);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "abc");
  const Status again = WriteNewFile(path, "xyz", "f");
  EXPECT_EQ(again.message(), "f: File exists");
  std::filesystem::remove(path);
}

// The first error sticks; the stream learns of it (badbit) and later output is dropped.
TEST(OutputFileTest, StreamBufKeepsTheFirstError) {
  const int fd = ::open("/dev/full", O_WRONLY);
  ASSERT_GE(fd, 0);
  FdStreamBuf buf(fd, "standard output");
  std::ostream out(&buf);
  out << "row\n";
  EXPECT_TRUE(out.good()) << "buffered, not yet written";
  out.flush();
  EXPECT_FALSE(out.good());
  EXPECT_EQ(buf.error().message(), "standard output: No space left on device");
  EXPECT_EQ(buf.Flush().message(), "standard output: No space left on device");
  ::close(fd);
}

TEST(OutputFileTest, StreamBufWritesEverythingAndLineBuffersWhenAsked) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  FdStreamBuf buf(p[1], "pipe", /*line_buffered=*/true);
  std::ostream out(&buf);
  out << "one\ntw";
  char got[16] = {0};
  ASSERT_EQ(::read(p[0], got, sizeof(got)), 6) << "everything up to and with the line was written";
  EXPECT_EQ(std::string(got, 6), "one\ntw");
  // More than the buffer (and than the pipe holds): read on another thread meanwhile.
  std::string rest;
  std::thread reader([&] {
    char chunk[4096];
    for (ssize_t n; (n = ::read(p[0], chunk, sizeof(chunk))) > 0;) rest.append(chunk, static_cast<std::size_t>(n));
  });
  out << std::string(100000, 'x');
  EXPECT_TRUE(buf.Flush().ok());
  ::close(p[1]);
  reader.join();
  EXPECT_EQ(rest, std::string(100000, 'x'));
  ::close(p[0]);
}

}  // namespace
}  // namespace tpsim
