// An output directory written all or nothing (issue 13): how `--timeline DIR` reaches the disk.
//
//  1. OutputDir(DIR), when the command starts, records what DIR is then: absent, or a directory (its
//     device and inode). Nothing is created.
//  2. Files go into a fresh staging directory beside DIR (PARENT/.NAME.tpsim-XXXXXX, mkdtemp), never
//     into DIR itself; every write is checked (output_file.h).
//  3. Commit(), holding an exclusive flock on PARENT, looks at DIR again and puts the staging
//     directory in its place: rename(2) when DIR is absent, renameat2(RENAME_EXCHANGE) when DIR is an
//     empty directory or tpsim's own earlier output; the old contents are then removed. So DIR is at
//     every moment either what it was or the complete new output; a stale rank3.csv from an earlier
//     run never survives.
//
// Refused (InvalidArgument, exit 2; DIR untouched): DIR is not a directory or is a symbolic link; DIR
// holds a file tpsim did not write; DIR is ".", ".." or "/"; DIR changed between 1 and 3 (another
// process wrote it meanwhile: of two concurrent runs into one directory the first to commit wins, the
// other gets exit 2).
//
// How tpsim recognises its own output: the marker file DIR/.tpsim-output, written last, names every
// file tpsim wrote there (relative paths, one a line, after a first comment line). A directory is
// tpsim's when it holds the marker and nothing but the files it names (and their sub-directories).
//
// A process killed between 2 and 3 can leave its hidden staging directory beside DIR; DIR itself is
// then as it was. Not thread-safe; one OutputDir per target and process.
#ifndef TPSIM_SIM_REPORT_OUTPUT_DIR_H_
#define TPSIM_SIM_REPORT_OUTPUT_DIR_H_

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "sim/base/status_or.h"

namespace tpsim {

// The marker file's name inside an output directory.
inline constexpr char kOutputMarker[] = ".tpsim-output";

class OutputDir {
 public:
  // `target` as the user gave it (trailing slashes are ignored).
  explicit OutputDir(std::string target);
  ~OutputDir();  // removes the staging directory unless committed
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  const std::string& target() const { return target_; }

  // The staging directory (created on first call, with the missing parents of the target), or its
  // sub-directory `subdir` ("" or one path component such as "tp2", created as needed). Checks first
  // that the target could be replaced, so that a refused target is refused before anything is written.
  StatusOr<std::string> StagingPath(const std::string& subdir = "");
  // Writes `data` to staging/`rel` ("trace.json" or "tp2/trace.json").
  Status Write(const std::string& rel, std::string_view data);
  // Counts staging/`rel`, written by another program (gnuplot), as tpsim's.
  void Adopt(const std::string& rel);
  // Step 3 above. After an error nothing has changed at the target.
  Status Commit();

 private:
  struct State {
    bool exists = false;
    bool is_dir = false;
    bool is_symlink = false;
    dev_t dev = 0;
    ino_t ino = 0;
    int error = 0;  // errno of a failed lstat other than ENOENT
  };
  static State Inspect(const std::string& path);
  Status CheckReplaceable(const State& now) const;
  Status Swap();

  std::string target_;
  std::string parent_;
  std::string name_;
  State initial_;
  std::string staging_;  // "" until created
  std::vector<std::string> files_;
  bool committed_ = false;
};

}  // namespace tpsim

#endif  // TPSIM_SIM_REPORT_OUTPUT_DIR_H_
