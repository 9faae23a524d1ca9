// Replays the parser's fuzz corpus (props/corpus/parser/: the seeds, and every crasher or
// interesting input the libFuzzer target found) through ParserCheck, exactly as
// parser_fuzz.cc does, so the ordinary test suite keeps every input that once mattered.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/escape.h"
#include "base/file.h"
#include "props/parser_check.h"

namespace ggs::props {
namespace {

std::string ReadAll(const std::filesystem::path& path) {
  Result<std::string> bytes = ReadFile(path.string());
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : "";
}

TEST(ParserCorpus, EveryInputKeepsTheParserInvariantsInEveryChunking) {
  const std::filesystem::path dir = std::filesystem::path(GGS_SOURCE_DIR) / "props/corpus/parser";
  int inputs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string data = ReadAll(entry.path());
    if (data.empty()) continue;
    ++inputs;
    const std::string_view bytes = std::string_view(data).substr(1);
    const ParserLimits limits = FuzzLimits(static_cast<uint8_t>(data[0]));
    EXPECT_EQ(CheckParser(bytes, limits, SomeChunkings(bytes.size(), data.size())), "")
        << entry.path().filename() << ": " << ReadableBytes(data.substr(0, 200));
  }
  EXPECT_GE(inputs, 12);
}

}  // namespace
}  // namespace ggs::props
