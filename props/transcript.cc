// Transcript: recording, and the session file's syntax.
#include "props/transcript.h"

#include <charconv>
#include <sstream>

#include "base/file.h"

namespace ggs::props {
namespace {

bool ParseSize(std::string_view text, size_t* out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool ParseConfigItem(std::string_view item, ModelConfig* config) {
  const size_t eq = item.find('=');
  if (eq == std::string_view::npos) return false;
  const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
  size_t n = 0;
  if (!ParseSize(value, &n)) return false;
  if (key == "clients")
    config->clients = static_cast<int>(n);
  else if (key == "max_header")
    config->limits.max_header = n;
  else if (key == "max_payload")
    config->limits.max_payload = n;
  else if (key == "restarts")
    config->restarts = n != 0;
  else if (key == "uploads")
    config->uploads = n != 0;
  else if (key == "grace_ms")
    config->grace_ms = static_cast<int>(n);
  else if (key == "kills")
    config->kills = n != 0;
  else
    return false;
  return true;
}

bool ParseConfig(std::string_view line, ModelConfig* config) {
  while (!line.empty()) {
    const size_t space = line.find(' ');
    const std::string_view item = line.substr(0, space);
    line.remove_prefix(space == std::string_view::npos ? line.size() : space + 1);
    if (!item.empty() && !ParseConfigItem(item, config)) return false;
  }
  return true;
}

Status BadLine(int number, const std::string& why) {
  return Status::Error("bad_session", "line " + std::to_string(number) + ": " + why);
}

}  // namespace

void Transcript::BeginStep(int index, const Step& step) {
  entries_.push_back({false, "# [" + std::to_string(index) + "] " + Describe(step)});
  entries_.push_back({true, "step " + ToLine(step)});
}

void Transcript::Note(const std::string& line) { entries_.push_back({false, "#   " + line}); }

void Transcript::Clear() { entries_.clear(); }

std::string Transcript::Text(const ModelConfig& config,
                             const std::vector<std::string>& header) const {
  std::string out;
  for (const std::string& line : header) out += "# " + line + "\n";
  out += ConfigLine(config) + "\n";
  for (const Entry& e : entries_) out += e.text + "\n";
  return out;
}

std::string ConfigLine(const ModelConfig& config) {
  return "config clients=" + std::to_string(config.clients) +
         " max_header=" + std::to_string(config.limits.max_header) +
         " max_payload=" + std::to_string(config.limits.max_payload) +
         " restarts=" + (config.restarts ? "1" : "0") + " uploads=" + (config.uploads ? "1" : "0") +
         " grace_ms=" + std::to_string(config.grace_ms) + " kills=" + (config.kills ? "1" : "0");
}

Result<SessionFile> ParseSessionFile(const std::string& text) {
  SessionFile file;
  bool have_config = false;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("config ")) {
      if (!ParseConfig(std::string_view(line).substr(7), &file.config))
        return BadLine(number, "bad config");
      have_config = true;
      continue;
    }
    if (!line.starts_with("step ")) return BadLine(number, "expected 'config', 'step' or '#'");
    Result<Step> step = ParseStep(std::string_view(line).substr(5));
    if (!step.ok()) return BadLine(number, step.status().message());
    file.steps.push_back(std::move(step.value()));
  }
  if (!have_config) return Status::Error("bad_session", "no config line");
  return file;
}

Result<SessionFile> ReadSessionFile(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  Result<SessionFile> file = ParseSessionFile(*text);
  if (!file.ok()) return Status::Error(file.status().code(), path + ": " + file.status().message());
  return file;
}

}  // namespace ggs::props
