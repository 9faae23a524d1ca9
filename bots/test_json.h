// Test support: a strict little JSON reader, so tests can check that the swarm's JSON is
// well formed and read its figures. Test-only; included by *_test.cc.
#pragma once

#include <cctype>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ggs::bots::test {

struct Json {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> array;
  std::map<std::string, Json> object;

  bool Has(const std::string& key) const { return object.count(key) > 0; }
  // The member `key`, or a null value when absent.
  const Json& operator[](const std::string& key) const {
    static const Json kNull;
    const auto it = object.find(key);
    return it == object.end() ? kNull : it->second;
  }
};

class JsonReader {
 public:
  // The document, or nullopt when it is not exactly one well-formed JSON value.
  static std::optional<Json> Parse(std::string_view text) {
    JsonReader r(text);
    std::optional<Json> v = r.Value();
    r.Space();
    if (!v || r.at_ != text.size()) return std::nullopt;
    return v;
  }

 private:
  explicit JsonReader(std::string_view text) : text_(text) {}

  void Space() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
  }
  bool Eat(char c) {
    Space();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  bool Word(std::string_view w) {
    if (text_.substr(at_, w.size()) != w) return false;
    at_ += w.size();
    return true;
  }

  std::optional<Json> Value() {
    Space();
    if (at_ >= text_.size()) return std::nullopt;
    Json v;
    const char c = text_[at_];
    if (c == '{') return Object();
    if (c == '[') return Array();
    if (c == '"') {
      std::optional<std::string> s = String();
      if (!s) return std::nullopt;
      v.kind = Json::Kind::kString;
      v.string = *s;
      return v;
    }
    if (Word("null")) return v;
    if (Word("true") || Word("false")) {
      v.kind = Json::Kind::kBool;
      v.boolean = text_[at_ - 1] == 'e' && text_[at_ - 2] == 'u';
      return v;
    }
    return Number();
  }

  std::optional<Json> Number() {
    const std::string rest(text_.substr(at_, 64));
    char* end = nullptr;
    Json v;
    v.kind = Json::Kind::kNumber;
    v.number = std::strtod(rest.c_str(), &end);
    if (end == rest.c_str()) return std::nullopt;
    at_ += static_cast<size_t>(end - rest.c_str());
    return v;
  }

  std::optional<std::string> String() {
    if (!Eat('"')) return std::nullopt;
    std::string out;
    while (at_ < text_.size() && text_[at_] != '"') {
      char c = text_[at_++];
      if (static_cast<unsigned char>(c) < 0x20) return std::nullopt;
      if (c == '\\') {
        if (at_ >= text_.size()) return std::nullopt;
        c = text_[at_++];
        if (c == 'n')
          c = '\n';
        else if (c == 't')
          c = '\t';
        else if (c == 'r')
          c = '\r';
        else if (c == 'u') {
          if (at_ + 4 > text_.size()) return std::nullopt;
          c = static_cast<char>(
              std::strtol(std::string(text_.substr(at_, 4)).c_str(), nullptr, 16));
          at_ += 4;
        } else if (c != '"' && c != '\\' && c != '/') {
          return std::nullopt;
        }
      }
      out += c;
    }
    if (at_ >= text_.size()) return std::nullopt;
    ++at_;
    return out;
  }

  std::optional<Json> Array() {
    Eat('[');
    Json v;
    v.kind = Json::Kind::kArray;
    if (Eat(']')) return v;
    do {
      std::optional<Json> item = Value();
      if (!item) return std::nullopt;
      v.array.push_back(std::move(*item));
    } while (Eat(','));
    if (!Eat(']')) return std::nullopt;
    return v;
  }

  std::optional<Json> Object() {
    Eat('{');
    Json v;
    v.kind = Json::Kind::kObject;
    if (Eat('}')) return v;
    do {
      Space();
      std::optional<std::string> key = String();
      if (!key || !Eat(':')) return std::nullopt;
      std::optional<Json> item = Value();
      if (!item || v.object.count(*key)) return std::nullopt;  // Duplicate keys are a bug.
      v.object[*key] = std::move(*item);
    } while (Eat(','));
    if (!Eat('}')) return std::nullopt;
    return v;
  }

  std::string_view text_;
  size_t at_ = 0;
};

}  // namespace ggs::bots::test
