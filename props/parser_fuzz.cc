// The parser's libFuzzer target: every input must keep ParserCheck's invariants, under
// AddressSanitizer and UndefinedBehaviorSanitizer. The first byte picks small or default
// limits, so that the fuzzer reaches the limit checks with short inputs. Build and run with
// `cmake --build build --target run_parser_fuzz` (props/CMakeLists.txt); crashers and new
// interesting inputs belong in props/corpus/parser/, which corpus_test.cc replays.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "props/parser_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const ggs::ParserLimits limits = ggs::props::FuzzLimits(data[0]);
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string broken =
      ggs::props::CheckParser(bytes, limits, ggs::props::SomeChunkings(bytes.size(), size));
  if (!broken.empty()) {
    std::fprintf(stderr, "parser invariant broken: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
