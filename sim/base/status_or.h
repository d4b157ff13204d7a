// StatusOr<T>: either a value or a non-OK Status. A small variant; std::expected is C++23.
#ifndef TPSIM_SIM_BASE_STATUS_OR_H_
#define TPSIM_SIM_BASE_STATUS_OR_H_

#include <cstdlib>
#include <utility>
#include <variant>

#include "sim/base/status.h"

namespace tpsim {

template <typename T>
class [[nodiscard]] StatusOr {
 public:
  // REQUIRES: !status.ok(). An OK status without a value is turned into an internal error.
  StatusOr(Status status) : v_(std::move(status)) {  // NOLINT(runtime/explicit)
    if (std::get<Status>(v_).ok()) v_ = Status::Internal("StatusOr built from an OK status");
  }
  StatusOr(T value) : v_(std::move(value)) {}  // NOLINT(runtime/explicit)

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  // REQUIRES: ok(). Aborts otherwise: reading a missing value is a bug.
  const T& value() const& { Check(); return std::get<T>(v_); }
  T& value() & { Check(); return std::get<T>(v_); }
  T&& value() && { Check(); return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  void Check() const {
    if (!ok()) std::abort();
  }
  std::variant<Status, T> v_;
};

}  // namespace tpsim

#endif  // TPSIM_SIM_BASE_STATUS_OR_H_
