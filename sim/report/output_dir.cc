#include "sim/report/output_dir.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/base/input_util.h"
#include "sim/report/output_file.h"

namespace tpsim {

namespace fs = std::filesystem;

namespace {

// The marker's first line; the file names follow, one a line.
constexpr char kMarkerHeader[] =
    "# written by tpsim: the files below are tpsim's; the next run into this directory replaces them all";
// A marker larger than this is not tpsim's.
constexpr std::uint64_t kMaxMarkerBytes = 1 << 20;

std::string Quoted(const std::string& path) { return "'" + OneLine(path, 200) + "'"; }

// The umask in force (read without changing it, from /proc; 022 when unavailable).
mode_t CurrentUmask() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Umask:", 0) == 0) return static_cast<mode_t>(std::strtol(line.c_str() + 6, nullptr, 8));
  }
  return 022;
}

// mkdir -p of `dir`; NotFound "<dir>: <reason>" (a file on the way, no permission).
Status MakeParents(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::NotFound("cannot create " + Quoted(dir) + ": " + ec.message());
  return Status::Ok();
}

// The names listed in `dir`'s marker, or an empty set when there is none or it is not tpsim's.
bool ReadMarker(const std::string& dir, std::set<std::string>* names) {
  StatusOr<std::string> text = ReadWholeFile(dir + "/" + kOutputMarker, kMaxMarkerBytes);
  if (!text.ok()) return false;
  std::istringstream in(*text);
  std::string line;
  if (!std::getline(in, line) || line != kMarkerHeader) return false;
  while (std::getline(in, line)) {
    if (!line.empty()) names->insert(line);
  }
  return true;
}

// The first entry under `dir` that tpsim did not write, or "" when every entry is tpsim's (the
// directory is empty, or it has a marker naming all its files).
std::string FirstForeignEntry(const std::string& dir) {
  std::set<std::string> names;
  const bool marked = ReadMarker(dir, &names);
  std::set<std::string> parents;
  for (const std::string& n : names) {
    for (std::size_t p = n.find('/'); p != std::string::npos; p = n.find('/', p + 1)) {
      parents.insert(n.substr(0, p));
    }
  }
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string rel = fs::relative(it->path(), dir, ec).string();
    if (!marked) return rel;
    const fs::file_status st = it->symlink_status(ec);
    if (rel == kOutputMarker && fs::is_regular_file(st)) continue;
    if (fs::is_directory(st) && parents.count(rel)) continue;
    if (fs::is_regular_file(st) && names.count(rel)) continue;
    return rel;
  }
  if (ec) return "(unreadable: " + ec.message() + ")";
  return "";
}

// Removes what FirstForeignEntry accepted: the listed files, the marker, their directories. Anything
// else that appeared meanwhile stays (with the directory holding it).
void RemoveOurs(const std::string& dir) {
  std::set<std::string> names;
  ReadMarker(dir, &names);
  std::vector<std::string> dirs;
  for (const std::string& n : names) {
    ::unlink((dir + "/" + n).c_str());
    for (std::size_t p = n.find('/'); p != std::string::npos; p = n.find('/', p + 1)) {
      dirs.push_back(n.substr(0, p));
    }
  }
  ::unlink((dir + "/" + kOutputMarker).c_str());
  // Deepest first.
  std::sort(dirs.begin(), dirs.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const std::string& d : dirs) ::rmdir((dir + "/" + d).c_str());
  ::rmdir(dir.c_str());
}

// An exclusive flock on a directory, released on destruction.
class DirLock {
 public:
  explicit DirLock(const std::string& dir) : fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (fd_ >= 0) {
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
    }
  }
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

}  // namespace

OutputDir::OutputDir(std::string target) : target_(std::move(target)) {
  std::string t = target_;
  while (t.size() > 1 && t.back() == '/') t.pop_back();
  const std::size_t slash = t.rfind('/');
  parent_ = slash == std::string::npos ? "." : (slash == 0 ? "/" : t.substr(0, slash));
  name_ = slash == std::string::npos ? t : t.substr(slash + 1);
  initial_ = Inspect(t);
}

OutputDir::~OutputDir() {
  if (!staging_.empty() && !committed_) {
    std::error_code ec;
    fs::remove_all(staging_, ec);
  }
}

OutputDir::State OutputDir::Inspect(const std::string& path) {
  State s;
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) s.error = errno;
    return s;
  }
  s.exists = true;
  s.is_dir = S_ISDIR(st.st_mode);
  s.is_symlink = S_ISLNK(st.st_mode);
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  return s;
}

Status OutputDir::CheckReplaceable(const State& now) const {
  const std::string what = "--timeline " + Quoted(target_);
  if (name_.empty() || name_ == "." || name_ == ".." || name_ == "/") {
    return Status::InvalidArgument(what + ": name a directory to create or replace, not " + Quoted(name_));
  }
  if (now.error != 0) return Status::NotFound(what + ": " + std::strerror(now.error));
  if (!now.exists) return Status::Ok();
  if (now.is_symlink) {
    return Status::InvalidArgument(what + ": is a symbolic link; tpsim replaces directories only");
  }
  if (!now.is_dir) return Status::InvalidArgument(what + ": exists and is not a directory; not overwritten");
  const std::string foreign = FirstForeignEntry(parent_ + "/" + name_);
  if (!foreign.empty()) {
    return Status::InvalidArgument(what + ": holds files tpsim did not write (" + OneLine(foreign, 80) +
                                   "); give an empty or new directory");
  }
  return Status::Ok();
}

StatusOr<std::string> OutputDir::StagingPath(const std::string& subdir) {
  if (staging_.empty()) {
    TPSIM_RETURN_IF_ERROR(CheckReplaceable(Inspect(parent_ + "/" + name_)));
    TPSIM_RETURN_IF_ERROR(MakeParents(parent_));
    std::string pattern = parent_ + "/." + name_ + ".tpsim-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      return Status::NotFound("--timeline " + Quoted(target_) + ": cannot create a directory beside it: " +
                              std::strerror(errno));
    }
    staging_ = pattern;
  }
  if (subdir.empty()) return staging_;
  const std::string path = staging_ + "/" + subdir;
  if (::mkdir(path.c_str(), 0777) != 0 && errno != EEXIST) {
    return Status::Internal(Quoted(path) + ": " + std::strerror(errno));
  }
  return path;
}

Status OutputDir::Write(const std::string& rel, std::string_view data) {
  const std::size_t slash = rel.rfind('/');
  const std::string subdir = slash == std::string::npos ? "" : rel.substr(0, slash);
  TPSIM_RETURN_IF_ERROR(StagingPath(subdir).status());
  TPSIM_RETURN_IF_ERROR(
      WriteNewFile(staging_ + "/" + rel, data, "--timeline " + Quoted(target_) + ": cannot write " + rel));
  Adopt(rel);
  return Status::Ok();
}

void OutputDir::Adopt(const std::string& rel) { files_.push_back(rel); }

Status OutputDir::Commit() {
  TPSIM_ASSIGN_OR_RETURN(std::string staging, StagingPath());
  std::string marker = std::string(kMarkerHeader) + "\n";
  for (const std::string& f : files_) marker += f + "\n";
  TPSIM_RETURN_IF_ERROR(WriteNewFile(staging + "/" + kOutputMarker, marker,
                                    "--timeline " + Quoted(target_) + ": cannot write " + kOutputMarker));
  // mkdtemp made the staging directory 0700; the output gets the mode mkdir(2) would have given it.
  if (::chmod(staging.c_str(), 0777 & ~CurrentUmask()) != 0) {
    return Status::Internal(Quoted(staging) + ": " + std::strerror(errno));
  }
  TPSIM_RETURN_IF_ERROR(Swap());
  committed_ = true;
  return Status::Ok();
}

Status OutputDir::Swap() {
  const std::string path = parent_ + "/" + name_;
  const std::string what = "--timeline " + Quoted(target_);
  const Status changed = Status::InvalidArgument(
      what + ": written by another process while this tpsim ran; left as the other one wrote it");
  DirLock lock(parent_);
  if (!lock.ok()) return Status::Internal(what + ": cannot lock " + Quoted(parent_) + ": " + std::strerror(errno));
  const State now = Inspect(path);
  if (now.exists != initial_.exists || (now.exists && (now.dev != initial_.dev || now.ino != initial_.ino))) {
    return changed;
  }
  TPSIM_RETURN_IF_ERROR(CheckReplaceable(now));
  if (!now.exists) {
    if (::rename(staging_.c_str(), path.c_str()) != 0) {
      if (errno == EEXIST || errno == ENOTEMPTY) return changed;
      return Status::Internal(what + ": " + std::strerror(errno));
    }
    return Status::Ok();
  }
  // An empty directory or tpsim's earlier output: exchange atomically, then remove the old one (now at
  // the staging path).
  if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) {
    RemoveOurs(staging_);
    return Status::Ok();
  }
  if (errno != EINVAL && errno != ENOSYS) {
    return Status::Internal(what + ": cannot replace it: " + std::strerror(errno));
  }
  // A file system without RENAME_EXCHANGE: move the old directory aside, then the new one in (still
  // under the lock; for a moment the target is absent, never partial).
  std::string old = parent_ + "/." + name_ + ".tpsim-old-XXXXXX";
  if (::mkdtemp(old.data()) == nullptr || ::rename(path.c_str(), old.c_str()) != 0) {
    return Status::Internal(what + ": cannot replace it: " + std::strerror(errno));
  }
  if (::rename(staging_.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::rename(old.c_str(), path.c_str());
    return Status::Internal(what + ": cannot replace it: " + std::strerror(err));
  }
  RemoveOurs(old);
  return Status::Ok();
}

}  // namespace tpsim
