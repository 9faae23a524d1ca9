// Tests of Render: well-formed steps are one packet in every spelling, and each corruption
// frames exactly as the session model predicts when the real parser reads it — the model's
// framing predictions are checked here, independently of any server.
#include "props/render.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/protocol.h"
#include "props/parser_check.h"
#include "props/session_model.h"
#include "props/step_check.h"
#include "props/step_gen.h"

namespace ggs::props {
namespace {

namespace gen = rc::gen;

RenderContext FakeContext(const ParserLimits& limits) {
  RenderContext c;
  c.player_token = [](int i) { return "00000000-0000-4000-8000-0000000000p" + std::to_string(i); };
  c.table_token = [](int i) { return "00000000-0000-4000-8000-0000000000t" + std::to_string(i); };
  c.client_token = [](int i) { return "00000000-0000-4000-8000-0000000000c" + std::to_string(i); };
  c.limits = limits;
  c.chat_source = "var seats = 64;\nfunction playerCommand() {}\n";
  c.game_sources["chat"] = c.chat_source;
  c.admin_token = "the-token";
  return c;
}

std::vector<size_t> Offsets(const std::string& bytes, const std::vector<int>& splits) {
  std::vector<size_t> cuts;
  size_t at = 0;
  const std::vector<std::string> pieces = Cut(bytes, splits);
  for (size_t i = 0; i + 1 < pieces.size(); ++i) cuts.push_back(at += pieces[i].size());
  return cuts;
}

RC_GTEST_PROP(Render, EveryCorruptionFramesAsTheModelPredicts, ()) {
  ModelConfig config;
  config.limits =
      *gen::element(ParserLimits{1024, 8192}, ParserLimits{512, 100}, ParserLimits{8192, 1 << 20});
  Model model = InitialModel(config);
  model.clients[0].open = true;
  const Step step = *GenCorruptStep(model, 0);
  RC_PRE(Applicable(model, step));
  const std::string bytes = Render(step, FakeContext(config.limits));
  const ParseOutcome parsed = ParseInChunks(bytes, Offsets(bytes, step.splits), config.limits);
  const ClientExpectation expected = Predict(model, step).clients[0];
  if (step.corruption == Corruption::kTruncatedPayload) {
    RC_ASSERT(parsed.packets.empty());
    RC_ASSERT(parsed.error_code == "");
    return;
  }
  RC_ASSERT(!expected.packets.empty());
  RC_ASSERT(parsed.error_code == expected.packets.back().error_code);
  RC_ASSERT(parsed.packets.size() == expected.packets.size() - 1);
  for (size_t i = 0; i < parsed.packets.size(); ++i) {
    RC_ASSERT(*parsed.packets[i].Find(header::kServerCommand) == "ping");
    RC_ASSERT(parsed.packets[i].payload == expected.packets[i].payload.value_or(""));
  }
}

RC_GTEST_PROP(Render, EveryWellFormedStepIsOnePacket, ()) {
  ModelConfig config;
  config.uploads = *gen::arbitrary<bool>();
  config.grace_ms = *gen::element(0, 1000);
  Model model = InitialModel(config);
  const int walk = *gen::inRange(0, 15);
  for (int i = 0; i < walk; ++i) {
    const Step step = *GenStep(model);
    if (Applicable(model, step)) model = Predict(model, step).next;
  }
  const Step step = *GenStep(model);
  RC_PRE(Applicable(model, step));
  RC_PRE(step.op != Op::kCorrupt);
  const std::string bytes = Render(step, FakeContext(config.limits));
  if (step.op == Op::kConnect || step.op == Op::kDisconnect || step.op == Op::kRestart ||
      step.op == Op::kWait || step.op == Op::kKill) {
    RC_ASSERT(bytes.empty());
    return;
  }
  const ParseOutcome parsed = ParseInChunks(bytes, Offsets(bytes, step.splits), config.limits);
  RC_ASSERT(parsed.error_code == "");
  RC_ASSERT(parsed.packets.size() == 1u);
  RC_ASSERT(parsed.buffered == 0u);
}

TEST(Render, CutKeepsEveryByteInOrder) {
  EXPECT_EQ(Cut("abcdef", {}), std::vector<std::string>{"abcdef"});
  EXPECT_EQ(Cut("abcdef", {500, 0, 1000, 500, 167}), (std::vector<std::string>{"a", "bc", "def"}));
  EXPECT_EQ(Cut("", {500}), std::vector<std::string>{""});
}

TEST(Render, SpellingsAreTheOnesAsked) {
  Encoding e;
  e.crlf = true;
  e.name_case = 2;
  e.padding = 2;
  e.length_first = true;
  e.length_zeros = 2;
  EXPECT_EQ(EncodeRequest({{{header::kServerCommand, "ping"}}, "abc"}, e),
            "CONTENT-LENGTH:\t003\t\r\nSERVER-COMMAND:\tping\t\r\n\r\nabc");
  Encoding omit;
  omit.omit_empty_length = true;
  omit.name_case = 3;
  EXPECT_EQ(EncodeRequest({{{header::kGame, "x"}}, ""}, omit), "gAmE: x\n\n");
}

TEST(Render, AnUploadSendsTheShippedSourceWithTheTokenAndLiveWhenAsked) {
  Step upload;
  upload.op = Op::kUpload;
  upload.game = "chat";
  const RenderContext c = FakeContext(ParserLimits{});
  EXPECT_EQ(Render(upload, c), "Server-Command: upload\nGame: chat\nAdmin-Token: the-token\n" +
                                   ("Content-Length: " + std::to_string(c.chat_source.size())) +
                                   "\n\n" + c.chat_source);
  upload.live = true;
  EXPECT_NE(Render(upload, c).find("\nLive: true\n"), std::string::npos);
}

TEST(Render, PayloadsGrowByTheirFiller) {
  Step ping;
  ping.op = Op::kPing;
  ping.text = "ab";
  ping.number = 70000;
  const std::string bytes = Render(ping, FakeContext(ParserLimits{}));
  EXPECT_EQ(bytes.substr(0, 44), "Server-Command: ping\nContent-Length: 70002\n\n");
  EXPECT_EQ(bytes.substr(44, 5), "ab012");
  EXPECT_EQ(bytes.size(), 44u + 70002u);
}

TEST(Render, ChatGetsTheSeatsItAsksFor) {
  const std::string source = ScriptSource(Script::kChat, 3, "// chat\nvar seats = 64;\nvar x;\n");
  EXPECT_EQ(source, "// chat\nvar seats = 3;\nvar x;\n");
  EXPECT_NE(ScriptSource(Script::kEcho, 2, "").find("var seats = 2;"), std::string::npos);
  EXPECT_NE(ScriptSource(Script::kHostile, 3, "").find("var seats = 3;"), std::string::npos);
}

}  // namespace
}  // namespace ggs::props
