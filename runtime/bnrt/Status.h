//===- Status.h - Errors of the bnc runtime ---------------------*- C++ -*-===//
//
// Part of bnrt, the bnc runtime. Every failure is a Status with a message
// that names the tensor or entry and says what was expected; the throwing
// API wraps the same message in bnrt::Error. Nothing aborts.
//
//===----------------------------------------------------------------------===//

#ifndef BNRT_STATUS_H
#define BNRT_STATUS_H

#include <stdexcept>
#include <string>
#include <utility>

namespace bnrt {

/// Success, or an error with a message for a person.
class [[nodiscard]] Status {
public:
  static Status success() { return Status(); }
  static Status error(std::string message) {
    return Status(std::move(message), /*failed=*/true);
  }

  bool ok() const { return !failed; }
  explicit operator bool() const { return ok(); }
  const std::string &message() const { return text; }

private:
  Status() = default;
  Status(std::string message, bool failed)
      : text(std::move(message)), failed(failed) {}

  std::string text;
  bool failed = false;
};

/// What the throwing API throws.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Throws Error with the message of `status` unless it is a success.
inline void throwIfError(const Status &status) {
  if (!status.ok())
    throw Error(status.message());
}

} // namespace bnrt

#endif // BNRT_STATUS_H
