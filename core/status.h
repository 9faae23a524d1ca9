// Status and Result: how every fallible ggs function reports success or failure.
// A Status is either ok or carries a machine-readable code and a human message. The codes
// are the wire error codes of core/protocol.h, the transport codes below, or a code that
// its function's contract names. Result<T> is a value or a non-ok Status.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace ggs {

// The transport codes: how a client's connection failed, as opposed to what a server
// answered. Compare with the predicates of Status, not with the strings.
namespace transport {
inline constexpr char kIo[] = "io";            // A system call failed (connect, send, ...).
inline constexpr char kTimeout[] = "timeout";  // Nothing arrived before the deadline.
inline constexpr char kClosed[] = "closed";    // The peer closed the connection.
}  // namespace transport

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string code, std::string message) {
    Status s;
    s.code_ = std::move(code);
    s.message_ = std::move(message);
    return s;
  }

  static Status Io(std::string message) { return Error(transport::kIo, std::move(message)); }
  static Status Timeout(std::string message) {
    return Error(transport::kTimeout, std::move(message));
  }
  static Status Closed(std::string message) {
    return Error(transport::kClosed, std::move(message));
  }

  bool ok() const { return code_.empty(); }
  bool IsIo() const { return code_ == transport::kIo; }
  bool IsTimeout() const { return code_ == transport::kTimeout; }
  bool IsClosed() const { return code_ == transport::kClosed; }
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const { return ok() ? "ok" : code_ + ": " + message_; }

 private:
  std::string code_;  // Empty means ok.
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design.
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design.

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  // REQUIRES: ok().
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T& operator*() { return *value_; }
  T* operator->() { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace ggs
