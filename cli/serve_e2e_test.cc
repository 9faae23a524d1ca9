// End-to-end tests of `ggs serve`: a real server process on a loopback port, driven over
// TCP with the shared codec. Games here are small inline scripts; the shipped games have
// their own end-to-end tests.
#include <signal.h>

#include <chrono>
#include <thread>

#include "cli/e2e_support.h"

namespace ggs::e2e {
namespace {

// A probe game: each command exercises one piece of the GGS API.
constexpr char kProbeGame[] = R"JS(
var seats = 3;
function playerJoined(id) { GGS.sendCommandToAll('joined', String(id)); }
function playerLeft(id) { GGS.sendCommandToAll('left', String(id)); }
function restored() { GGS.log('restored'); }
function playerResumed(id) { GGS.sendCommand(id, 'welcome_back', String(id)); }
function playerCommand(id, cmd, args) {
  var kv = args.split('=');
  if (cmd === 'whoami') return GGS.sendCommand(id, 'you', String(id));
  if (cmd === 'set') return GGS.world.setItem(kv[0], kv[1]);
  if (cmd === 'lset') { GGS.localStorage.setItem(kv[0], kv[1]); return GGS.sendCommand(id, 'ok', ''); }
  if (cmd === 'get') return GGS.sendCommand(id, 'value', String(GGS.world.getItem(args)));
  if (cmd === 'lget') return GGS.sendCommand(id, 'value', String(GGS.localStorage.getItem(args)));
  if (cmd === 'setthrow') {
    GGS.world.setItem(args, 'x');
    GGS.sendCommandToAll('leak', '');
    throw new Error('boom');
  }
  if (cmd === 'hog') { var a = []; for (;;) a.push('xxxxxxxxxxxxxxxxxxxxxxxx' + a.length); }
  if (cmd === 'echo') return GGS.sendCommand(id, 'echo', args);
  if (cmd === 'spam') { for (var i = 0; i < Number(args); i++) GGS.sendCommand(id, 's', ''); return; }
  if (cmd === 'fill') { for (var j = 0; j < Number(args); j++) GGS.localStorage.setItem('f' + j, ''); return; }
  if (cmd === 'players') return GGS.sendCommand(id, 'players', GGS.players().join(','));
  if (cmd === 'later') {
    GGS.setTimeout(function () { GGS.sendCommandToAll('fired', args); }, 30);
    return;
  }
  GGS.sendCommand(id, 'unknown', cmd);
}
)JS";

class ServeTest : public E2eTest {
 protected:
  // A new ad-hoc table whose creator defines the probe game.
  HelloReply NewProbeTable(SyncClient& creator) {
    HelloReply r = Hello(creator);
    EXPECT_FALSE(r.defined);
    Define(creator, kProbeGame);
    Expect(creator, "joined");
    return r;
  }
  // Seats `guest` at `host`'s probe table; both see the guest join.
  HelloReply JoinProbeTable(SyncClient& guest, SyncClient& host, const HelloReply& table) {
    HelloReply r = Hello(guest, table.table);
    Expect(host, "joined");
    Expect(guest, "joined");
    return r;
  }
  std::string Ask(SyncClient& c, const std::string& cmd, const std::string& args,
                  const std::string& reply) {
    EXPECT_TRUE(c.SendGame(cmd, args).ok());
    return Expect(c, reply).payload;
  }
};

TEST_F(ServeTest, HelloDefineAndJoinByTableToken) {
  StartServer();
  auto a = Connect(), b = Connect();
  const HelloReply ra = Hello(*a);
  EXPECT_FALSE(ra.defined);
  EXPECT_EQ(ra.player.size(), 36u);
  EXPECT_EQ(ra.table.size(), 36u);
  const HelloReply rb = Hello(*b, ra.table);
  EXPECT_TRUE(rb.defined);
  EXPECT_EQ(rb.table, ra.table);
  EXPECT_NE(rb.player, ra.player);
  // B is seated but may not define; A defines and both hear it, then the join hooks run.
  ASSERT_TRUE(b->SendServer("define", kProbeGame).ok());
  ExpectError(*b, "not_creator");
  Define(*a, kProbeGame);
  Expect(*b, "defined");
  for (SyncClient* c : {a.get(), b.get()}) {
    EXPECT_EQ(Expect(*c, "joined").payload, "1");
    EXPECT_EQ(Expect(*c, "joined").payload, "2");
  }
  EXPECT_EQ(Ask(*b, "whoami", "", "you"), "2");
  EXPECT_EQ(Ask(*a, "players", "", "players"), "1,2");
  ASSERT_TRUE(a->SendServer("define", kProbeGame).ok());
  ExpectError(*a, "already_defined");
}

TEST_F(ServeTest, PingIsAnsweredWithItsPayloadBeforeAndAfterHello) {
  StartServer();
  auto a = Connect();
  ASSERT_TRUE(a->SendServer("ping", "12345").ok());
  EXPECT_EQ(Expect(*a, "pong").payload, "12345");
  NewProbeTable(*a);
  ASSERT_TRUE(a->SendServer("ping", "x").ok());
  EXPECT_EQ(Expect(*a, "pong").payload, "x");
}

TEST_F(ServeTest, WorldSetBroadcastsAndStorageReadsBack) {
  StartServer();
  auto a = Connect(), b = Connect();
  const HelloReply ra = NewProbeTable(*a);
  JoinProbeTable(*b, *a, ra);
  ASSERT_TRUE(a->SendGame("set", "color=red").ok());
  EXPECT_EQ(Expect(*a, "world_set").payload, "color=red");
  EXPECT_EQ(Expect(*b, "world_set").payload, "color=red");
  EXPECT_EQ(Ask(*b, "get", "color", "value"), "red");
  EXPECT_EQ(Ask(*b, "get", "missing", "value"), "null");
  EXPECT_EQ(Ask(*a, "lset", "secret=1", "ok"), "");
  EXPECT_EQ(Ask(*b, "lget", "secret", "value"), "1");
}

TEST_F(ServeTest, ThrowingCallbackChangesNothingAndTheTableGoesOn) {
  StartServer();
  auto a = Connect(), b = Connect();
  const HelloReply ra = NewProbeTable(*a);
  JoinProbeTable(*b, *a, ra);
  ASSERT_TRUE(a->SendGame("setthrow", "k").ok());
  const Packet err = ExpectError(*a, "script_error");
  EXPECT_NE(err.payload.find("boom"), std::string::npos) << err.payload;
  // Neither the broadcast nor the write happened: B's next packet is its own answer.
  EXPECT_EQ(Ask(*b, "get", "k", "value"), "null");
  EXPECT_EQ(Ask(*a, "echo", "still here", "echo"), "still here");
}

TEST_F(ServeTest, TimersFireAfterTheCallbackCommits) {
  StartServer();
  auto a = Connect();
  NewProbeTable(*a);
  ASSERT_TRUE(a->SendGame("later", "tick").ok());
  EXPECT_EQ(Expect(*a, "fired").payload, "tick");
}

TEST_F(ServeTest, ScriptOverTheMemoryCapGetsOutOfMemoryNotTheServer) {
  StartServer({"--table-memory", "4MiB"});
  auto a = Connect();
  NewProbeTable(*a);
  ASSERT_TRUE(a->SendGame("hog", "").ok());
  const Packet err = ExpectError(*a, "script_error");
  EXPECT_NE(err.payload.find("out of memory"), std::string::npos) << err.payload;
  EXPECT_EQ(Ask(*a, "echo", "alive", "echo"), "alive");
  auto b = Connect();
  ASSERT_TRUE(b->SendServer("ping", "1").ok());
  Expect(*b, "pong");
}

// Each limit on what a callback may do is a script_error that names its flag; the callback's
// effects never happen, and the table goes on.
TEST_F(ServeTest, ACallbackPastAGameLimitFailsAndNamesTheFlag) {
  StartServer({"--max-sends-per-event", "100", "--max-keys", "50"});
  auto a = Connect();
  NewProbeTable(*a);
  ASSERT_TRUE(a->SendGame("spam", "101").ok());
  Packet err = ExpectError(*a, "script_error");
  EXPECT_NE(err.payload.find("--max-sends-per-event"), std::string::npos) << err.payload;
  ASSERT_TRUE(a->SendGame("fill", "51").ok());
  err = ExpectError(*a, "script_error");
  EXPECT_NE(err.payload.find("--max-keys"), std::string::npos) << err.payload;
  EXPECT_EQ(Ask(*a, "lget", "f0", "value"), "null");  // None of the 51 writes happened.
  ASSERT_TRUE(a->SendGame("spam", "100").ok());
  for (int i = 0; i < 100; ++i) Expect(*a, "s");
  EXPECT_EQ(Ask(*a, "echo", "alive", "echo"), "alive");
}

TEST_F(ServeTest, ResumeByTokenKeepsSeatAndPlayerId) {
  StartServer();
  auto a = Connect(), b = Connect();
  const HelloReply ra = NewProbeTable(*a);
  const HelloReply rb = JoinProbeTable(*b, *a, ra);
  b.reset();  // Drops the connection; B keeps its seat for the grace period.
  auto b2 = Connect();
  const HelloReply again = Hello(*b2, "", "", rb.player);
  EXPECT_EQ(again.player, rb.player);
  EXPECT_EQ(again.table, ra.table);
  EXPECT_TRUE(again.defined);
  EXPECT_EQ(Expect(*b2, "welcome_back").payload, "2");
  EXPECT_EQ(Ask(*b2, "whoami", "", "you"), "2");
  EXPECT_EQ(Ask(*a, "players", "", "players"), "1,2");
}

TEST_F(ServeTest, ResumeOnASecondConnectionClosesTheFirst) {
  StartServer();
  auto a = Connect();
  const HelloReply ra = NewProbeTable(*a);
  auto a2 = Connect();
  EXPECT_EQ(Hello(*a2, "", "", ra.player).player, ra.player);
  Expect(*a2, "welcome_back");
  ExpectError(*a, "resumed");
  EXPECT_TRUE(a->WaitClosed());
  EXPECT_EQ(Ask(*a2, "whoami", "", "you"), "1");
}

TEST_F(ServeTest, GraceExpiryTellsTheGameThePlayerLeft) {
  StartServer({"--reconnect-grace", "0.3"});
  auto a = Connect(), b = Connect();
  const HelloReply ra = NewProbeTable(*a);
  const HelloReply rb = Hello(*b, ra.table);
  Expect(*a, "joined");
  b.reset();
  EXPECT_EQ(Expect(*a, "left", 5000).payload, "2");
  auto b2 = Connect();
  ASSERT_TRUE(
      b2->Send(Packet{{{header::kServerCommand, "hello"}, {header::kToken, rb.player}}, ""}).ok());
  ExpectError(*b2, "no_such_player");
}

TEST_F(ServeTest, ByeLeavesAtOnceAndTheLastPlayerEndsTheTable) {
  StartServer();
  auto a = Connect(), b = Connect();
  const HelloReply ra = NewProbeTable(*a);
  JoinProbeTable(*b, *a, ra);
  ASSERT_TRUE(b->SendServer("bye").ok());
  Expect(*b, "bye");
  EXPECT_TRUE(b->WaitClosed());
  EXPECT_EQ(Expect(*a, "left").payload, "2");
  ASSERT_TRUE(a->SendServer("bye").ok());
  Expect(*a, "bye");
  auto c = Connect();
  ASSERT_TRUE(c->SendServer("hello", ra.table).ok());
  ExpectError(*c, "no_such_table");
}

TEST_F(ServeTest, RestartAfterSigtermBringsBackTablesStateAndPlayers) {
  StartServer();
  HelloReply ra;
  {
    auto a = Connect();
    ra = NewProbeTable(*a);
    ASSERT_TRUE(a->SendGame("set", "score=7").ok());
    Expect(*a, "world_set");
    EXPECT_EQ(Ask(*a, "lset", "private=yes", "ok"), "");
  }
  EXPECT_EQ(server_->Stop(), 0);
  StartServer();
  auto a = Connect();
  const HelloReply again = Hello(*a, "", "", ra.player);
  EXPECT_EQ(again.table, ra.table);
  EXPECT_TRUE(again.defined);
  Expect(*a, "welcome_back");
  EXPECT_EQ(Ask(*a, "whoami", "", "you"), "1");
  EXPECT_EQ(Ask(*a, "get", "score", "value"), "7");
  EXPECT_EQ(Ask(*a, "lget", "private", "value"), "yes");
}

TEST_F(ServeTest, RestartAfterSigkillLosesAtMostTheLastFlushInterval) {
  StartServer();
  HelloReply ra;
  auto a = Connect();
  ra = NewProbeTable(*a);
  ASSERT_TRUE(a->SendGame("set", "score=9").ok());
  Expect(*a, "world_set");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // Many flush intervals (20 ms).
  server_->Kill();
  a.reset();
  StartServer();
  auto a2 = Connect();
  EXPECT_EQ(Hello(*a2, "", "", ra.player).table, ra.table);
  Expect(*a2, "welcome_back");
  EXPECT_EQ(Ask(*a2, "get", "score", "value"), "9");
}

TEST_F(ServeTest, UploadNeedsTheAdminToken) {
  StartServer({"--admin-token", "s3cret"});
  auto c = Connect();
  ASSERT_TRUE(c->SendUpload("probe", "wrong", kProbeGame).ok());
  ExpectError(*c, "unauthorized");
  ASSERT_TRUE(c->SendUpload("probe", "s3cret", kProbeGame).ok());
  EXPECT_EQ(Expect(*c, "uploaded").payload, "probe,1");
  ASSERT_TRUE(c->SendUpload("probe", "s3cret", kProbeGame).ok());
  EXPECT_EQ(Expect(*c, "uploaded").payload, "probe,2");
  ASSERT_TRUE(c->SendUpload("probe", "s3cret", "function playerCommand( {").ok());
  ExpectError(*c, "define_failed");
  Packet unclear = ServerCommand(command::kUpload, kProbeGame);
  unclear.Add(header::kGame, "probe").Add(header::kAdminToken, "s3cret").Add(header::kLive, "yes");
  ASSERT_TRUE(c->Send(unclear).ok());
  ExpectError(*c, "bad_request");
  ASSERT_TRUE(c->SendUpload("probe", "s3cret", kProbeGame, true).ok());
  EXPECT_EQ(Expect(*c, "uploaded").payload, "probe,3,0,0");  // No table runs it yet.
  // The uploaded game is playable by name.
  auto p = Connect();
  const HelloReply r = Hello(*p, "", "probe");
  EXPECT_TRUE(r.defined);
  EXPECT_EQ(Expect(*p, "joined").payload, "1");
}

TEST_F(ServeTest, UploadIsRefusedWithoutAConfiguredToken) {
  StartServer();
  auto c = Connect();
  ASSERT_TRUE(c->SendUpload("probe", "", kProbeGame).ok());
  ExpectError(*c, "unauthorized");
}

TEST_F(ServeTest, GameByNameFillsTablesSeatBySeat) {
  StartServer({"--admin-token", "t"});
  auto admin = Connect();
  std::string duo = kProbeGame;
  duo.replace(duo.find("seats = 3"), 9, "seats = 2");
  ASSERT_TRUE(admin->SendUpload("duo", "t", duo).ok());
  Expect(*admin, "uploaded");
  auto a = Connect(), b = Connect(), c = Connect();
  const HelloReply ra = Hello(*a, "", "duo");
  const HelloReply rb = Hello(*b, "", "duo");
  const HelloReply rc = Hello(*c, "", "duo");
  EXPECT_EQ(ra.table, rb.table);
  EXPECT_NE(rc.table, ra.table);
  auto d = Connect();
  ASSERT_TRUE(d->SendServer("hello", ra.table).ok());
  ExpectError(*d, "table_full");
  ASSERT_TRUE(
      d->Send(Packet{{{header::kServerCommand, "hello"}, {header::kGame, "nope"}}, ""}).ok());
  ExpectError(*d, "no_such_game");
}

// Every request error keeps the connection open: the same client goes on to ping.
TEST_F(ServeTest, RequestErrorsKeepTheConnectionOpen) {
  StartServer();
  auto c = Connect();
  auto expect_then_ping = [&](const std::string& raw, const std::string& code) {
    ASSERT_TRUE(c->SendRaw(raw).ok());
    ExpectError(*c, code);
    ASSERT_TRUE(c->SendServer("ping", "ok").ok());
    EXPECT_EQ(Expect(*c, "pong").payload, "ok");
  };
  expect_then_ping("Game-Command: move\n\n", "no_hello");
  expect_then_ping("Server-Command: define\n\n", "no_hello");
  expect_then_ping("Server-Command: dance\n\n", "unknown_command");
  expect_then_ping("Server-Command: ping\nGame-Command: move\n\n", "bad_request");
  expect_then_ping("Token: x\n\n", "bad_request");
  expect_then_ping("Server-Command: hello\nContent-Length: 4\n\nnone", "no_such_table");
  expect_then_ping("Server-Command: hello\nGame: chess\n\n", "no_such_game");
  expect_then_ping("Server-Command: hello\nToken: 00000000-0000-4000-8000-000000000000\n\n",
                   "no_such_player");
  const HelloReply r = Hello(*c);
  expect_then_ping("Game-Command: move\n\n", "not_defined");
  expect_then_ping("Server-Command: hello\n\n", "already_hello");
  expect_then_ping("Server-Command: define\nContent-Length: 10\n\nfunction (", "define_failed");
  expect_then_ping("Server-Command: define\nContent-Length: 12\n\nvar x = 1;\n\n", "define_failed");
  Define(*c, kProbeGame);
  Expect(*c, "joined");
  expect_then_ping("Game-Command: setthrow\nContent-Length: 1\n\nk", "script_error");
  expect_then_ping(std::string("Game-Command: echo\nContent-Length: 3\n\na\0b", 41), "bad_request");
  expect_then_ping("Game-Command: x\nToken: " + std::string(36, 'f') + "\n\n", "bad_request");
  EXPECT_EQ(r.player.size(), 36u);
}

struct FramingCase {
  const char* name;
  std::string bytes;
  const char* code;
};

TEST_F(ServeTest, FramingErrorsAreAnsweredThenCloseOnlyThatConnection) {
  StartServer({"--max-header", "256", "--max-payload", "4KiB"});
  auto bystander = Connect();
  NewProbeTable(*bystander);
  const std::vector<FramingCase> cases = {
      {"no colon", "hello there\n\n", "malformed"},
      {"negative length", "Server-Command: ping\nContent-Length: -5\n\n", "malformed"},
      {"binary junk", std::string("\x00\xff\xfe\x01\n\n", 6), "malformed"},
      {"oversize header", "Server-Command: ping\nX: " + std::string(400, 'a'), "header_too_large"},
      {"oversize payload", "Server-Command: ping\nContent-Length: 5000\n\n", "payload_too_large"},
  };
  for (const FramingCase& f : cases) {
    SCOPED_TRACE(f.name);
    auto c = Connect();
    ASSERT_TRUE(c->SendRaw(f.bytes).ok());
    ExpectError(*c, f.code);
    EXPECT_TRUE(c->WaitClosed());
  }
  EXPECT_EQ(Ask(*bystander, "echo", "unharmed", "echo"), "unharmed");
}

TEST_F(ServeTest, ServerFullIsAnsweredAndClosed) {
  StartServer({"--max-connections", "2"});
  // The start-up probe's connection may still be closing on the server side.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto a = Connect(), b = Connect();
  ASSERT_TRUE(a->SendServer("ping", "a").ok());
  Expect(*a, "pong");
  ASSERT_TRUE(b->SendServer("ping", "b").ok());
  Expect(*b, "pong");
  auto c = Connect();
  ExpectError(*c, "server_full");
  EXPECT_TRUE(c->WaitClosed());
  a.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto d = Connect();
  ASSERT_TRUE(d->SendServer("ping", "d").ok());
  Expect(*d, "pong");
}

TEST_F(ServeTest, PacketsSplitAtEveryByteAreUnderstood) {
  StartServer();
  auto c = Connect();
  const std::string wire = "Server-Command: ping\r\nContent-Length: 3\r\n\r\nabc";
  for (char ch : wire) {
    ASSERT_TRUE(c->SendRaw(std::string(1, ch)).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(Expect(*c, "pong").payload, "abc");
}

}  // namespace
}  // namespace ggs::e2e
