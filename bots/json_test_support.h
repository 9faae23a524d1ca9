// Test support: reads a document the swarm wrote with nlohmann::json, as strictly as the
// tests need. nlohmann accepts an object that names a member twice (keeping the last); a
// report that does so is a bug in its writer, so it is refused here. Test-only.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ggs::bots::test {

// The document, or nullopt when `text` is not exactly one well-formed JSON value or when
// one of its objects names a member twice.
inline std::optional<nlohmann::json> ParseStrictJson(std::string_view text) {
  using Event = nlohmann::json::parse_event_t;
  std::vector<std::set<std::string>> keys_of_open_objects;
  bool repeated_key = false;
  auto note_keys = [&](int, Event event, nlohmann::json& parsed) {
    if (event == Event::object_start) keys_of_open_objects.emplace_back();
    if (event == Event::object_end) keys_of_open_objects.pop_back();
    if (event == Event::key &&
        !keys_of_open_objects.back().insert(parsed.get<std::string>()).second) {
      repeated_key = true;
    }
    return true;
  };
  nlohmann::json doc = nlohmann::json::parse(text, note_keys, /*allow_exceptions=*/false);
  if (doc.is_discarded() || repeated_key) return std::nullopt;
  return doc;
}

}  // namespace ggs::bots::test
