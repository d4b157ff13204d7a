#include "sim/base/status.h"

namespace tpsim {

std::string_view CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "OK";
    case Status::Code::kInvalidArgument: return "INVALID_ARGUMENT";
    case Status::Code::kNotFound: return "NOT_FOUND";
    case Status::Code::kFailedPrecondition: return "FAILED_PRECONDITION";
    case Status::Code::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case Status::Code::kUnavailable: return "UNAVAILABLE";
    case Status::Code::kInternal: return "INTERNAL";
  }
  return "UNKNOWN";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + message_;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, std::string(context) + ": " + message_);
}

int Status::ExitCode() const {
  switch (code_) {
    case Code::kOk:
    case Code::kResourceExhausted:
      return 0;
    case Code::kInternal:
      return 1;
    default:
      return 2;
  }
}

}  // namespace tpsim
