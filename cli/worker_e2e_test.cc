// End-to-end tests of `ggs worker`: the real binary as a child with pipes for stdin, stdout
// and stderr, fed event batches, its replies read back; and the containment unit the worker
// is for: a game that never returns stops its own worker, which can then be killed.
// Every wait is bounded, and every child is reaped.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/protocol.h"
#include "core/sandbox.h"
#include "core/vm_wire.h"
#include "core/vm_wire_test_support.h"

extern char** environ;

namespace ggs {
namespace {

using Kind = VmEvent::Kind;
using Clock = std::chrono::steady_clock;

constexpr int kWaitMs = 5000;

constexpr char kEcho[] = R"JS(
var seats = 2;
function playerCommand(p, c, a) { GGS.localStorage.setItem(c, a); GGS.sendCommand(p, c, a); }
)JS";

constexpr char kSpinner[] = R"JS(
function playerCommand(p, c, a) { if (c === "spin") { while (true) {} } GGS.sendCommandToAll(c, a); }
)JS";

// A `ggs worker` child with its three standard streams on pipes, run with `flags`. The
// destructor kills and reaps it if it still runs.
class WorkerChild {
 public:
  explicit WorkerChild(std::vector<std::string> flags = {}) {
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe2 failed";
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
    std::string binary = GGS_BINARY;
    flags.insert(flags.begin(), {binary, "worker"});
    std::vector<char*> argv;
    for (std::string& flag : flags) argv.push_back(flag.data());
    argv.push_back(nullptr);
    const int spawned = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    stderr_ = err[0];
    if (spawned != 0) {
      pid_ = 0;
      ADD_FAILURE() << "posix_spawn " << binary << ": " << spawned;
    }
  }
  ~WorkerChild() {
    Kill();
    for (int fd : {stdin_, stdout_, stderr_}) {
      if (fd >= 0) ::close(fd);
    }
  }
  WorkerChild(const WorkerChild&) = delete;
  WorkerChild& operator=(const WorkerChild&) = delete;

  // Sends `events` as one batch, in one write.
  void Send(const std::vector<VmEvent>& events) {
    std::string batch;
    for (const VmEvent& e : events) AppendEvent(batch, e);
    SendBytes(batch);
  }
  void SendBytes(const std::string& bytes) {
    ASSERT_EQ(::write(stdin_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  void CloseStdin() {
    ::close(stdin_);
    stdin_ = -1;
  }

  // Reads until `n` replies have arrived or `timeout_ms` has passed; returns what arrived.
  std::vector<VmReply> Receive(size_t n, int timeout_ms = kWaitMs) {
    std::vector<VmReply> replies;
    const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (replies.size() < n) {
      while (std::optional<VmReply> r = reader_.NextReply()) replies.push_back(std::move(*r));
      if (replies.size() >= n || !reader_.error().ok()) break;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) break;
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[65536];
      const ssize_t got = ::read(stdout_, buf, sizeof buf);
      if (got <= 0) break;
      reader_.Feed(std::string_view(buf, static_cast<size_t>(got)));
    }
    EXPECT_TRUE(reader_.error().ok()) << reader_.error().ToString();
    return replies;
  }

  // Waits up to `timeout_ms` for the child to exit by itself; returns its wait status.
  std::optional<int> Wait(int timeout_ms = kWaitMs) {
    const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (pid_ > 0 && Clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return std::nullopt;
  }

  bool Running() {
    int status = 0;
    return pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == 0;
  }

  // Sends SIGKILL and reaps the child; returns its wait status, or nullopt without a child.
  std::optional<int> Kill() {
    if (pid_ <= 0) return std::nullopt;
    ::kill(pid_, SIGKILL);
    int status = 0;
    const pid_t reaped = ::waitpid(pid_, &status, 0);
    pid_ = 0;
    return reaped > 0 ? std::optional<int>(status) : std::nullopt;
  }

  // What the child wrote to stderr so far (call once it has exited).
  std::string Stderr() {
    std::string text;
    char buf[4096];
    pollfd p{stderr_, POLLIN, 0};
    while (::poll(&p, 1, 0) > 0) {
      const ssize_t got = ::read(stderr_, buf, sizeof buf);
      if (got <= 0) break;
      text.append(buf, static_cast<size_t>(got));
    }
    return text;
  }

 private:
  pid_t pid_ = 0;
  int stdin_ = -1;
  int stdout_ = -1;
  int stderr_ = -1;
  VmWireReader reader_;
};

VmEvent Open(uint64_t seq, uint64_t table, const char* source) {
  return testing_support::MakeOpen(seq, table, source);
}

VmEvent Command(uint64_t seq, uint64_t table, std::string command, std::string args = "") {
  return testing_support::MakeCommand(seq, table, 1, std::move(command), std::move(args));
}

TEST(WorkerE2eTest, AnswersTwoTablesFromOneBatchAndExitsAtEndOfInput) {
  WorkerChild worker;
  worker.Send({Open(1, 100, kEcho), Open(2, 200, kSpinner), Command(3, 100, "a", "x\ny"),
               Command(4, 200, "b", "\xff\n"), Command(5, 100, "c"), Command(6, 300, "d")});
  const std::vector<VmReply> replies = worker.Receive(6);
  ASSERT_EQ(replies.size(), 6u);
  for (size_t i = 0; i < replies.size(); ++i) EXPECT_EQ(replies[i].seq, i + 1);
  EXPECT_TRUE(replies[0].status.ok()) << replies[0].status.ToString();
  EXPECT_EQ(replies[0].seats, 2);
  EXPECT_EQ(replies[1].seats, kDefaultSeats);
  EXPECT_EQ(replies[2].table, 100u);
  ASSERT_EQ(replies[2].effects.sends.size(), 1u);
  EXPECT_EQ(replies[2].effects.sends[0].player_id, 1);
  EXPECT_EQ(replies[2].effects.sends[0].command, "a");
  EXPECT_EQ(replies[2].effects.sends[0].args, "x\ny");
  ASSERT_EQ(replies[2].effects.writes.size(), 1u);
  EXPECT_EQ(replies[2].effects.writes[0].key, "a");
  EXPECT_EQ(replies[3].table, 200u);
  ASSERT_EQ(replies[3].effects.sends.size(), 1u);
  EXPECT_EQ(replies[3].effects.sends[0].player_id, 0);
  EXPECT_EQ(replies[3].effects.sends[0].args, "\xff\n");
  EXPECT_TRUE(replies[3].effects.writes.empty());
  EXPECT_EQ(replies[4].effects.sends.at(0).command, "c");
  EXPECT_EQ(replies[5].status.code(), error::kNoSuchTable);
  for (const VmReply& r : replies) EXPECT_EQ(r.memory_used > 0, r.status.ok());

  worker.CloseStdin();
  const std::optional<int> status = worker.Wait();
  ASSERT_TRUE(status.has_value()) << "the worker did not exit at the end of its input";
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
}

TEST(WorkerE2eTest, AnEndlessGameStopsOnlyItsWorkerWhichCanBeKilled) {
  WorkerChild worker;
  worker.Send({Open(1, 100, kEcho), Open(2, 200, kSpinner)});
  ASSERT_EQ(worker.Receive(2).size(), 2u);
  // The other table's events sent before the endless one are all answered.
  worker.Send({Command(3, 100, "before"), Command(4, 200, "fine")});
  const std::vector<VmReply> before = worker.Receive(2);
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[0].effects.sends.at(0).command, "before");
  EXPECT_EQ(before[1].effects.sends.at(0).command, "fine");

  worker.Send({Command(5, 200, "spin"), Command(6, 100, "after")});
  EXPECT_TRUE(worker.Receive(1, 300).empty()) << "a worker inside while(true) answered";
  EXPECT_TRUE(worker.Running());

  const std::optional<int> status = worker.Kill();
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);
}

TEST(WorkerE2eTest, ABrokenStreamExitsTwoWithAMessage) {
  WorkerChild worker;
  std::string bytes;
  AppendEvent(bytes, Open(1, 100, kEcho));
  bytes += std::string("\x09\x00\x00\x00\x7f", 5) + std::string(8, '!');
  worker.SendBytes(bytes);
  const std::vector<VmReply> replies = worker.Receive(1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_TRUE(replies[0].status.ok());
  const std::optional<int> status = worker.Wait();
  ASSERT_TRUE(status.has_value()) << "the worker did not exit on a broken stream";
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  const std::string err = worker.Stderr();
  EXPECT_NE(err.find(wire::kBadWire), std::string::npos) << err;
}

// The hardening flags a pool starts its workers with.
const std::vector<std::string> kHardened = {"--sandbox", "--address-space", "1073741824"};

TEST(WorkerSandboxTest, ASandboxedWorkerStillAnswersEventsAndExitsZero) {
  WorkerChild worker(kHardened);
  worker.Send({Open(1, 100, kEcho), Command(2, 100, "a", std::string(100000, 'x')),
               Command(3, 300, "nowhere")});
  const std::vector<VmReply> replies = worker.Receive(3);
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_TRUE(replies[0].status.ok()) << replies[0].status.ToString();
  ASSERT_EQ(replies[1].effects.sends.size(), 1u);
  EXPECT_EQ(replies[1].effects.sends[0].args.size(), 100000u);
  EXPECT_EQ(replies[2].status.code(), error::kNoSuchTable);

  worker.CloseStdin();
  const std::optional<int> status = worker.Wait();
  ASSERT_TRUE(status.has_value()) << "the sandboxed worker did not exit at the end of its input";
  EXPECT_TRUE(WIFEXITED(*status)) << "signal " << WTERMSIG(*status);
  EXPECT_EQ(WEXITSTATUS(*status), 0) << worker.Stderr();
}

TEST(WorkerSandboxTest, AScriptErrorAndAnOutOfMemoryGameStayInsideTheSandbox) {
  constexpr char kFailing[] = R"JS(
function playerCommand(p, c, a) {
  if (c === "throw") throw new Error("no " + Date.now());
  var s = "x"; while (true) { s = s + s; }
}
)JS";
  WorkerChild worker(kHardened);
  worker.Send({Open(1, 100, kFailing), Command(2, 100, "throw"), Command(3, 100, "grow")});
  const std::vector<VmReply> replies = worker.Receive(3);
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[1].status.code(), error::kScriptError);
  EXPECT_EQ(replies[2].status.code(), error::kScriptError);
  EXPECT_TRUE(worker.Running());
}

TEST(WorkerSandboxTest, ABrokenStreamStillExitsTwoWithAMessage) {
  WorkerChild worker(kHardened);
  worker.SendBytes(std::string("\x09\x00\x00\x00\x7f", 5) + std::string(8, '!'));
  const std::optional<int> status = worker.Wait();
  ASSERT_TRUE(status.has_value()) << "the worker did not exit on a broken stream";
  EXPECT_TRUE(WIFEXITED(*status)) << "signal " << WTERMSIG(*status);
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  EXPECT_NE(worker.Stderr().find(wire::kBadWire), std::string::npos);
}

TEST(WorkerSandboxTest, OpeningAFileInsideTheSandboxKillsTheWorkerWithSigsys) {
  if (!kHardeningWorks) GTEST_SKIP() << "a sanitizer build runs workers unhardened";
  WorkerChild worker({"--sandbox", "--try-open-after-sandbox"});
  const std::optional<int> status = worker.Wait();
  ASSERT_TRUE(status.has_value()) << "the worker neither died nor exited";
  ASSERT_TRUE(WIFSIGNALED(*status)) << "exit status " << WEXITSTATUS(*status);
  EXPECT_EQ(WTERMSIG(*status), SIGSYS);
}

TEST(WorkerSandboxTest, WithoutTheSandboxTheSameOpenSucceeds) {
  WorkerChild worker({"--try-open-after-sandbox"});
  const std::optional<int> status = worker.Wait();
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 3);
}

TEST(WorkerE2eTest, IsHiddenFromHelp) {
  std::string command = std::string(GGS_BINARY) + " --help";
  FILE* help = ::popen(command.c_str(), "r");
  ASSERT_NE(help, nullptr);
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, help)) > 0;) text.append(buf, n);
  ::pclose(help);
  EXPECT_NE(text.find("serve"), std::string::npos) << text;
  EXPECT_EQ(text.find("worker"), std::string::npos) << text;
}

}  // namespace
}  // namespace ggs
