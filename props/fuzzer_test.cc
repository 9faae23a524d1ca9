// Tests of the fuzzer against a real `ggs serve` child: a bounded run passes, a session file
// replays with a readable record, and every kept regression session (props/regressions/)
// still passes.
#include "props/fuzzer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "base/file.h"

namespace ggs::props {
namespace {

FuzzOptions Options() {
  FuzzOptions o;
  o.binary = GGS_BINARY;
  o.games_dir = std::string(GGS_SOURCE_DIR) + "/games";
  o.output = (std::filesystem::temp_directory_path() /
              ("ggs-props-fuzzer-test-" + std::to_string(getpid()) + ".txt"))
                 .string();
  return o;
}

std::string WriteSession(const std::string& name, const std::string& text) {
  const std::string path =
      (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()) + ".txt"))
          .string();
  EXPECT_TRUE(WriteFile(path, text).ok());
  return path;
}

TEST(Fuzzer, ABoundedRunPasses) {
  FuzzOptions o = Options();
  o.sessions = 40;
  o.seed = 20261121;
  o.max_steps = 30;
  std::ostringstream log;
  Result<FuzzResult> result = RunFuzz(o, log);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_TRUE(result->passed) << result->failure << "\n" << result->transcript;
  EXPECT_EQ(result->cases, 40);
  EXPECT_GT(result->steps, 40);
}

TEST(Fuzzer, ReplayRecordsWhatCameBack) {
  const std::string path =
      WriteSession("ggs-props-replay",
                   "config clients=2 max_header=1024 max_payload=8192 restarts=1\n"
                   "step op=connect client=0\n"
                   "step op=hello client=0 mode=game game=chat\n"
                   "step op=restart client=0\n"
                   "step op=connect client=1\n"
                   "step op=hello client=1 mode=resume target=0\n"
                   "step op=game client=1 command=message text=hi\n");
  const ReplayResult replay = Replay(path, Options());
  const std::string& transcript = replay.transcript;
  std::filesystem::remove(path);
  EXPECT_TRUE(replay.status.ok()) << replay.status.message() << "\n" << transcript;
  EXPECT_NE(transcript.find("c1 << message \"guest1: hi\""), std::string::npos) << transcript;
  EXPECT_NE(transcript.find("c0 << hello \"<player#0>,true,<table#0>\""), std::string::npos);
}

TEST(Fuzzer, ReplayRefusesASessionTheModelCannotFollow) {
  const std::string path =
      WriteSession("ggs-props-bad",
                   "config clients=1 max_header=1024 max_payload=8192 restarts=1\n"
                   "step op=ping client=0\n");
  const ReplayResult replay = Replay(path, Options());
  std::filesystem::remove(path);
  EXPECT_EQ(replay.status.code(), "bad_session") << replay.status.message();
}

// A session's outcome may hang on the server's random tokens (which table sorts first), so
// each is played a few times.
TEST(Fuzzer, EveryKeptRegressionSessionPasses) {
  constexpr int kPlays = 4;
  const std::filesystem::path dir = std::filesystem::path(GGS_SOURCE_DIR) / "props/regressions";
  int sessions = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".txt") continue;
    ++sessions;
    for (int play = 0; play < kPlays; ++play) {
      const ReplayResult replay = Replay(entry.path().string(), Options());
      ASSERT_TRUE(replay.status.ok()) << entry.path().filename() << " (play " << play + 1
                                      << "): " << replay.status.message() << "\n"
                                      << replay.transcript;
    }
  }
  EXPECT_GE(sessions, 1);
}

}  // namespace
}  // namespace ggs::props
