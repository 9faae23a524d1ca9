// End-to-end tests of `ggs serve --workers`: a game that loops forever, blows its memory or
// floods stops only its own table, briefly; its player gets the error; a table that keeps
// killing its worker is closed; a worker killed from outside costs its players nothing but
// a pause. Against a real server with real worker processes on loopback.
#include <signal.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "base/process_tree.h"
#include "cli/e2e_support.h"

namespace ggs::e2e {
namespace {

constexpr char kRunaway[] = R"JS(
var seats = 4;
function playerCommand(id, c, a) {
  if (c === 'say') GGS.sendCommand(id, 'said', a);
  else if (c === 'set') GGS.world.setItem('k', a);
  else if (c === 'get') GGS.sendCommand(id, 'value', String(GGS.world.getItem('k')));
  else if (c === 'spin') { GGS.world.setItem('k', 'spun'); for (;;) {} }
  else if (c === 'regex') { /^(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'); }
  else if (c === 'recurse') { (function f() { f(); })(); }
  else if (c === 'bomb') { var s = 'x'; for (;;) s = s + s; }
  else if (c === 'flood') { for (var i = 0; i < 10000000; i++) GGS.sendCommandToAll('f', 'xxxxxxxx'); }
}
)JS";

class WorkersTest : public E2eTest {
 protected:
  void StartWorkers(std::vector<std::string> extra = {}) {
    std::vector<std::string> flags = {"--workers", "2", "--event-budget-ms", "100"};
    flags.insert(flags.end(), extra.begin(), extra.end());
    StartServer(flags);
  }
  // A player at a new table of the runaway game.
  std::unique_ptr<SyncClient> NewTable() {
    std::unique_ptr<SyncClient> c = Connect();
    if (!c) return nullptr;
    Hello(*c);
    Define(*c, kRunaway);
    return c;
  }
  static std::string Ask(SyncClient& c, const std::string& cmd, const std::string& args,
                         const std::string& reply) {
    EXPECT_TRUE(c.SendGame(cmd, args).ok());
    return Expect(c, reply).payload;
  }
  // The process ids of the server's worker children.
  std::vector<pid_t> Workers() const { return ChildProcesses(server_->pid()); }
};

TEST_F(WorkersTest, ARunawayCallbackStopsOnlyItsOwnTable) {
  StartWorkers({"--restart-limit", "10"});
  auto a = NewTable();
  auto b = NewTable();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(Ask(*a, "say", "before", "said"), "before");
  ASSERT_TRUE(a->SendGame("set", "kept").ok());
  Expect(*a, "world_set");
  for (const char* culprit : {"spin", "regex", "recurse", "bomb", "flood"}) {
    SCOPED_TRACE(culprit);
    ASSERT_TRUE(a->SendGame(culprit, "").ok());
    // The neighbour's round trip works while the culprit runs (or has just been stopped).
    EXPECT_EQ(Ask(*b, "say", culprit, "said"), culprit);
    Result<Packet> error = a->Receive(10000);
    while (error.ok() && ClientCommandOf(*error) == "f") error = a->Receive(10000);
    ASSERT_TRUE(error.ok()) << error.status().ToString();
    ASSERT_EQ(ClientCommandOf(*error), command::kError) << error->payload;
    const std::string_view code = ErrorCodeOf(*error);
    EXPECT_TRUE(code == error::kScriptTimeout || code == error::kScriptError) << code;
    // The culprit's table works again, and nothing the culprit wrote happened.
    EXPECT_EQ(Ask(*a, "get", "", "value"), "kept");
  }
}

TEST_F(WorkersTest, ATableThatKeepsKillingItsWorkerIsClosed) {
  StartWorkers({"--restart-limit", "2"});
  auto a = NewTable();
  auto b = NewTable();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->SendGame("spin", "").ok());
  ExpectError(*a, "script_timeout");
  ASSERT_TRUE(a->SendGame("spin", "").ok());
  ExpectError(*a, "script_timeout");
  ExpectError(*a, "table_crashed");
  ASSERT_TRUE(a->SendGame("say", "x").ok());
  ExpectError(*a, "table_crashed");
  EXPECT_EQ(Ask(*b, "say", "fine", "said"), "fine");
}

TEST_F(WorkersTest, AWorkerKilledFromOutsideCostsOnlyAPause) {
  StartWorkers();
  std::vector<std::unique_ptr<SyncClient>> players;
  for (int i = 0; i < 6; ++i) {
    players.push_back(NewTable());
    ASSERT_TRUE(players.back());
    ASSERT_TRUE(players.back()->SendGame("set", "v" + std::to_string(i)).ok());
    Expect(*players.back(), "world_set");
  }
  const std::vector<pid_t> before = Workers();
  ASSERT_EQ(before.size(), 2u);
  ASSERT_EQ(kill(before[0], SIGKILL), 0);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(Ask(*players[i], "get", "", "value"), "v" + std::to_string(i)) << i;
  }
  std::vector<pid_t> after = Workers();
  for (int i = 0; i < 100 && after.size() < 2; ++i) {  // The replacement may still be starting.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    after = Workers();
  }
  EXPECT_EQ(after.size(), 2u);
  EXPECT_EQ(std::count(after.begin(), after.end(), before[0]), 0);
}

}  // namespace
}  // namespace ggs::e2e
