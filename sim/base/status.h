// Status: the result of an operation that can fail, LevelDB-style. Errors are values: a function that
// can fail returns a Status (or StatusOr<T>) and never throws across module boundaries.
//
// Codes and what the CLI does with them (DESIGN §6):
//   kInvalidArgument, kNotFound, kFailedPrecondition -> one line on stderr, exit 2
//   kResourceExhausted  -> a memory verdict ("vLLM would fail"); an answer, exit 0
//   kUnavailable        -> a missing GPU/driver when one was asked for; exit 2
//   kInternal           -> a bug or a CUDA/NCCL/MPI failure; exit 1
// Thread-compatible value type.
#ifndef TPSIM_SIM_BASE_STATUS_H_
#define TPSIM_SIM_BASE_STATUS_H_

#include <string>
#include <string_view>
#include <utility>

namespace tpsim {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,
    kNotFound,
    kFailedPrecondition,
    kResourceExhausted,
    kUnavailable,
    kInternal,
  };

  Status() = default;  // OK
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {Code::kFailedPrecondition, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {Code::kResourceExhausted, std::move(m)};
  }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "INVALID_ARGUMENT: message", or "OK".
  std::string ToString() const;
  // The same status with "context: " in front of the message. OK stays OK.
  Status WithContext(std::string_view context) const;

  // Exit code of the CLI for this status (see the table above).
  int ExitCode() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

std::string_view CodeName(Status::Code code);

}  // namespace tpsim

#define TPSIM_STATUS_CONCAT_INNER_(a, b) a##b
#define TPSIM_STATUS_CONCAT_(a, b) TPSIM_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (a Status) is not OK.
#define TPSIM_RETURN_IF_ERROR(expr)              \
  do {                                           \
    ::tpsim::Status tpsim_status_ = (expr);      \
    if (!tpsim_status_.ok()) return tpsim_status_; \
  } while (0)

// `lhs = value of expr` (a StatusOr<T>), or returns its error from the enclosing function.
#define TPSIM_ASSIGN_OR_RETURN(lhs, expr)                                             \
  auto TPSIM_STATUS_CONCAT_(tpsim_or_, __LINE__) = (expr);                            \
  if (!TPSIM_STATUS_CONCAT_(tpsim_or_, __LINE__).ok())                                \
    return TPSIM_STATUS_CONCAT_(tpsim_or_, __LINE__).status();                        \
  lhs = std::move(TPSIM_STATUS_CONCAT_(tpsim_or_, __LINE__)).value()

#endif  // TPSIM_SIM_BASE_STATUS_H_
