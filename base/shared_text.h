// SharedText: an immutable string whose copies share one buffer. A game's source is held
// once, by the games registry, and every table that runs that version holds a copy of the
// same SharedText: a thousand tables of a 100 KB game cost the server 100 KB, not 100 MB.
// Built from a std::string (implicitly, as a std::string would be); reads as a
// std::string_view or a const std::string&. Empty by default.
//
// Thread: the text never changes, and copies may live on different threads.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace ggs {

class SharedText {
 public:
  SharedText() = default;
  SharedText(std::string text)  // NOLINT(google-explicit-constructor): a drop-in string.
      : text_(text.empty() ? nullptr : std::make_shared<const std::string>(std::move(text))) {}
  SharedText(const char* text) : SharedText(std::string(text)) {}  // NOLINT: as above.
  explicit SharedText(std::string_view text) : SharedText(std::string(text)) {}

  const std::string& str() const { return text_ != nullptr ? *text_ : Empty(); }
  operator std::string_view() const { return str(); }  // NOLINT: as above.
  bool empty() const { return text_ == nullptr; }
  size_t size() const { return str().size(); }
  // Whether the two hold one buffer (a copy of each other), not just equal text.
  bool Shares(const SharedText& other) const { return text_ == other.text_; }

  friend bool operator==(const SharedText& a, const SharedText& b) {
    return a.text_ == b.text_ || a.str() == b.str();
  }
  friend bool operator==(const SharedText& a, const std::string& b) { return a.str() == b; }
  friend bool operator==(const SharedText& a, std::string_view b) { return a.str() == b; }
  friend bool operator==(const SharedText& a, const char* b) { return a.str() == b; }
  friend std::ostream& operator<<(std::ostream& out, const SharedText& t) { return out << t.str(); }

 private:
  static const std::string& Empty() {
    static const std::string empty;
    return empty;
  }
  std::shared_ptr<const std::string> text_;  // Null when empty.
};

}  // namespace ggs
