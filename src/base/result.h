// Result<T>: a value or a failed Status (C++20 has no std::expected).
//
//   Result<int> r = ParseInt("12");
//   if (!r.ok()) return r.status();
//   int v = *r;
#pragma once

#include <cassert>
#include <optional>
#include <utility>

#include "base/status.h"

namespace dw {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "Result from an OK status needs a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T&& operator*() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace dw

#define DW_CONCAT_INNER_(a, b) a##b
#define DW_CONCAT_(a, b) DW_CONCAT_INNER_(a, b)
// DW_ASSIGN_OR_RETURN(auto x, Foo()); returns Foo()'s status if it failed.
#define DW_ASSIGN_OR_RETURN(lhs, expr)                              \
  auto DW_CONCAT_(_dw_res_, __LINE__) = (expr);                     \
  if (!DW_CONCAT_(_dw_res_, __LINE__).ok())                         \
    return DW_CONCAT_(_dw_res_, __LINE__).status();                 \
  lhs = std::move(*DW_CONCAT_(_dw_res_, __LINE__))
