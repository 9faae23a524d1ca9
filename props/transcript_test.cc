// Tests of the session file: what a transcript writes, ParseSessionFile reads back.
#include "props/transcript.h"

#include <gtest/gtest.h>

namespace ggs::props {
namespace {

TEST(Transcript, SessionFileRoundTrips) {
  ModelConfig config;
  config.clients = 3;
  config.limits = {512, 4096};
  config.restarts = false;
  Transcript t;
  Step connect;
  connect.op = Op::kConnect;
  Step ping;
  ping.text = std::string("a b\0\n", 5);
  t.BeginStep(0, connect);
  t.Note("c0 connects");
  t.BeginStep(1, ping);
  t.Note("c0 << pong \"a b\\x00\\n\"");
  const std::string text = t.Text(config, {"a header line"});
  EXPECT_EQ(text.substr(0, 16), "# a header line\n");
  Result<SessionFile> file = ParseSessionFile(text);
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->config, config);
  EXPECT_EQ(file->steps, (std::vector<Step>{connect, ping}));
}

TEST(Transcript, BadLinesAreNamed) {
  EXPECT_EQ(ParseSessionFile("step op=ping client=0\n").status().message(), "no config line");
  EXPECT_EQ(ParseSessionFile("config clients=2\nhello\n").status().message(),
            "line 2: expected 'config', 'step' or '#'");
  EXPECT_EQ(ParseSessionFile("config colour=2\n").status().message(), "line 1: bad config");
  EXPECT_EQ(
      ParseSessionFile("config clients=2\r\n# note\r\nstep op=nap client=0\r\n").status().message(),
      "line 3: bad field 'op=nap'");
}

}  // namespace
}  // namespace ggs::props
