// Tests of WorkerPool against real `ggs worker` processes: replies in order, one write per
// worker per turn, a budget overrun killed and named, a worker killed from outside replaced.
// The loop runs on the test thread; every wait is bounded by a deadline that fails the test
// instead of hanging it, no test measures time, and every test ends by proving that the
// loop closed cleanly.
#include "core/worker_pool.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/file.h"
#include "core/loop.h"
#include "core/protocol.h"
#include "core/sandbox.h"
#include "core/vm_wire_test_support.h"
#include "testing/temp_dir.h"

namespace ggs {
namespace {

using Kind = VmEvent::Kind;

// Longer than any test should take; reaching it fails the test instead of hanging it.
constexpr uint64_t kDeadlineMs = 10000;

constexpr char kEcho[] = R"JS(
function playerCommand(p, c, a) {
  if (c === "spin") { while (true) {} }
  GGS.sendCommand(p, c, a);
}
)JS";

struct Loss {
  size_t worker = 0;
  std::vector<VmEvent> unanswered;
  uint64_t culprit_seq = 0;
  Status why;
};

class RecordingOwner final : public WorkerPool::Owner {
 public:
  void OnReply(size_t worker, VmReply reply) override {
    replies.emplace_back(worker, std::move(reply));
  }
  void OnWorkerLost(size_t worker, std::vector<VmEvent> unanswered, uint64_t culprit_seq,
                    Status why) override {
    losses.push_back(Loss{worker, std::move(unanswered), culprit_seq, std::move(why)});
  }

  std::vector<std::pair<size_t, VmReply>> replies;
  std::vector<Loss> losses;
};

class WorkerPoolTest : public ::testing::Test {
 protected:
  // As in ggs's main: a write to a dead worker fails instead of ending the process.
  static void SetUpTestSuite() { std::signal(SIGPIPE, SIG_IGN); }

  void StartPool(size_t workers, uint64_t budget_ms = 1000, std::string binary = GGS_BINARY) {
    WorkerPoolOptions options;
    options.binary = std::move(binary);
    options.workers = workers;
    options.event_budget_ms = budget_ms;
    options.address_space = size_t{1} << 30;
    pool_ = std::make_unique<WorkerPool>(&loop_, &owner_, options);
    const Status s = pool_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Runs the loop until `done()` holds or the deadline passes; returns done().
  bool RunUntil(const std::function<bool()>& done) {
    const Timers::Id poll = loop_.Start(1, true, [&] {
      if (done()) loop_.Quit();
    });
    const Timers::Id deadline = loop_.Start(kDeadlineMs, false, [&] { loop_.Quit(); });
    loop_.Run();
    loop_.Stop(poll);
    loop_.Stop(deadline);
    return done();
  }

  bool RunUntilReplies(size_t n) {
    return RunUntil([&] { return owner_.replies.size() >= n; });
  }

  VmEvent Open(uint64_t table) { return testing_support::MakeOpen(++seq_, table, kEcho); }

  VmEvent Command(uint64_t table, std::string command) {
    ++seq_;
    return testing_support::MakeCommand(seq_, table, 1, std::move(command), std::to_string(seq_));
  }

  // Sends `event` to `worker` and returns its seq.
  uint64_t Send(size_t worker, VmEvent event) {
    const uint64_t seq = event.seq;
    pool_->Send(worker, std::move(event));
    return seq;
  }

  void TearDown() override {
    pool_.reset();
    EXPECT_TRUE(loop_.Close());
  }

  Loop loop_;
  RecordingOwner owner_;
  std::unique_ptr<WorkerPool> pool_;
  uint64_t seq_ = 0;
};

TEST_F(WorkerPoolTest, TwoWorkersAnswerEveryTableInOrder) {
  StartPool(2);
  ASSERT_EQ(pool_->size(), 2u);
  EXPECT_NE(pool_->pid(0), 0);
  EXPECT_NE(pool_->pid(0), pool_->pid(1));
  std::map<uint64_t, std::vector<uint64_t>> sent;  // Table -> seqs sent, in order.
  for (uint64_t table = 1; table <= 4; ++table) {
    sent[table].push_back(Send(table % 2, Open(table)));
  }
  for (int round = 0; round < 5; ++round) {
    for (uint64_t table = 1; table <= 4; ++table) {
      sent[table].push_back(Send(table % 2, Command(table, "c")));
    }
  }
  ASSERT_TRUE(RunUntilReplies(24)) << owner_.replies.size() << " replies";
  std::map<uint64_t, std::vector<uint64_t>> answered;
  for (const auto& [worker, reply] : owner_.replies) {
    EXPECT_EQ(worker, reply.table % 2);
    EXPECT_TRUE(reply.status.ok()) << reply.status.ToString();
    answered[reply.table].push_back(reply.seq);
    if (reply.effects.sends.empty()) continue;
    EXPECT_EQ(reply.effects.sends[0].args, std::to_string(reply.seq));
  }
  EXPECT_EQ(answered, sent);
  EXPECT_TRUE(owner_.losses.empty());
  EXPECT_EQ(pool_->restarts(), 0u);
}

TEST_F(WorkerPoolTest, EventsSentInOneTurnLeaveInOneWrite) {
  StartPool(1);
  Send(0, Open(7));
  for (int i = 0; i < 100; ++i) Send(0, Command(7, "c"));
  ASSERT_TRUE(RunUntilReplies(101));
  EXPECT_EQ(pool_->writes(), 1u);
  for (size_t i = 0; i < owner_.replies.size(); ++i) {
    EXPECT_EQ(owner_.replies[i].second.seq, i + 1);
  }
}

TEST_F(WorkerPoolTest, AnEventOverItsBudgetGetsItsWorkerKilledAndNamed) {
  StartPool(2, 50);
  Send(0, Open(1));
  Send(0, Open(2));
  Send(1, Open(3));
  ASSERT_TRUE(RunUntilReplies(3));
  const pid_t first = pool_->pid(0);

  const uint64_t before = Send(0, Command(2, "before"));
  const uint64_t spin = Send(0, Command(1, "spin"));
  const uint64_t after = Send(0, Command(2, "after"));
  ASSERT_TRUE(RunUntil([&] { return !owner_.losses.empty(); }));
  const Loss& loss = owner_.losses[0];
  EXPECT_EQ(loss.worker, 0u);
  EXPECT_EQ(loss.why.code(), worker_error::kScriptTimeout) << loss.why.ToString();
  EXPECT_EQ(loss.culprit_seq, spin);
  // The spinning event and the one after it are unanswered; the one before it too, unless
  // the worker read it, and answered it, in an earlier batch.
  std::vector<uint64_t> unanswered;
  for (const VmEvent& e : loss.unanswered) unanswered.push_back(e.seq);
  if (unanswered.size() == 3) {
    EXPECT_EQ(unanswered, (std::vector<uint64_t>{before, spin, after}));
  } else {
    EXPECT_EQ(unanswered, (std::vector<uint64_t>{spin, after}));
    ASSERT_EQ(owner_.replies.size(), 4u);
    EXPECT_EQ(owner_.replies[3].second.seq, before);
  }
  EXPECT_EQ(pool_->restarts(), 1u);
  EXPECT_NE(pool_->pid(0), 0);
  EXPECT_NE(pool_->pid(0), first);

  // The replacement has no tables; it answers a fresh kOpen, and the other worker was never
  // touched.
  const size_t seen = owner_.replies.size();
  const uint64_t reopen = Send(0, Open(2));
  const uint64_t other = Send(1, Command(3, "still"));
  ASSERT_TRUE(RunUntilReplies(seen + 2));
  for (size_t i = seen; i < owner_.replies.size(); ++i) {
    const VmReply& reply = owner_.replies[i].second;
    EXPECT_TRUE(reply.seq == reopen || reply.seq == other) << reply.seq;
    EXPECT_TRUE(reply.status.ok()) << reply.status.ToString();
  }
  EXPECT_EQ(owner_.losses.size(), 1u);
}

// Regression: a worker whose first batch held an endless event was taken for one that cannot
// start, and replaced only a second later, while every table on it waited.
TEST_F(WorkerPoolTest, AWorkerStoppedByTheBudgetBeforeItAnsweredIsReplacedAtOnce) {
  StartPool(1, 50);
  Send(0, Open(1));
  const uint64_t spin = Send(0, Command(1, "spin"));
  ASSERT_TRUE(RunUntil([&] { return !owner_.losses.empty(); }));
  EXPECT_EQ(owner_.losses[0].culprit_seq, spin);
  EXPECT_NE(pool_->pid(0), 0);  // Started again already.
  const size_t seen = owner_.replies.size();
  Send(0, Open(1));
  ASSERT_TRUE(RunUntilReplies(seen + 1));
}

// Regression: a table that loops again right after its rebuild took down the answers of
// every event batched before it, its neighbours' rebuilds and replays included, kill after
// kill. An isolated table's events are run only after the replies before them are sent.
TEST_F(WorkerPoolTest, AnIsolatedTableCannotTakeItsBatchMatesAnswersDown) {
  StartPool(1, 50);
  VmEvent suspect = Open(1);
  suspect.isolate = true;
  const uint64_t open_suspect = Send(0, std::move(suspect));
  const uint64_t open_neighbour = Send(0, Open(2));
  const uint64_t neighbour = Send(0, Command(2, "x"));
  const uint64_t spin = Send(0, Command(1, "spin"));
  ASSERT_TRUE(RunUntil([&] { return !owner_.losses.empty(); }));
  ASSERT_EQ(owner_.losses[0].unanswered.size(), 1u);
  EXPECT_EQ(owner_.losses[0].unanswered[0].seq, spin);
  std::vector<uint64_t> answered;
  for (const auto& [worker, reply] : owner_.replies) answered.push_back(reply.seq);
  EXPECT_EQ(answered, (std::vector<uint64_t>{open_suspect, open_neighbour, neighbour}));
}

TEST_F(WorkerPoolTest, AWorkerKilledFromOutsideIsReplaced) {
  StartPool(2);
  Send(1, Open(1));
  ASSERT_TRUE(RunUntilReplies(1));
  const pid_t victim = pool_->pid(1);
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  ASSERT_TRUE(RunUntil([&] { return !owner_.losses.empty(); }));
  const Loss& loss = owner_.losses[0];
  EXPECT_EQ(loss.worker, 1u);
  EXPECT_EQ(loss.why.code(), worker_error::kWorkerCrashed);
  EXPECT_NE(loss.why.message().find("signal 9"), std::string::npos) << loss.why.message();
  EXPECT_EQ(loss.culprit_seq, 0u);
  EXPECT_TRUE(loss.unanswered.empty());
  EXPECT_EQ(pool_->restarts(), 1u);
  EXPECT_NE(pool_->pid(1), victim);

  const uint64_t seq = Send(1, Open(1));
  ASSERT_TRUE(RunUntilReplies(2));
  EXPECT_EQ(owner_.replies[1].second.seq, seq);
  EXPECT_TRUE(owner_.replies[1].second.status.ok());
}

TEST_F(WorkerPoolTest, EventsToADeadWorkerAreReportedUnanswered) {
  StartPool(1);
  Send(0, Open(1));
  ASSERT_TRUE(RunUntilReplies(1));
  ASSERT_EQ(::kill(pool_->pid(0), SIGKILL), 0);
  // Sent before the pool has noticed: written to a dead worker, or never written.
  const uint64_t lost = Send(0, Command(1, "lost"));
  ASSERT_TRUE(RunUntil([&] { return !owner_.losses.empty(); }));
  ASSERT_EQ(owner_.losses[0].unanswered.size(), 1u);
  EXPECT_EQ(owner_.losses[0].unanswered[0].seq, lost);
  EXPECT_EQ(owner_.losses[0].unanswered[0].command, "lost");
}

// The first line of /proc/PID/FILE that starts with `key`, or "" when there is none.
std::string ProcLine(pid_t pid, const std::string& file, const std::string& key) {
  Result<std::string> text = ReadFile("/proc/" + std::to_string(pid) + "/" + file);
  if (!text.ok()) return "";
  for (size_t at = 0; at < text->size();) {
    size_t end = text->find('\n', at);
    if (end == std::string::npos) end = text->size();
    const std::string line = text->substr(at, end - at);
    if (line.starts_with(key)) return line;
    at = end + 1;
  }
  return "";
}

TEST_F(WorkerPoolTest, WorkersRunUnderTheFilterAndTheAddressSpaceCap) {
  StartPool(1);
  Send(0, Open(1));
  // Once it has answered, the worker is past its hardening.
  ASSERT_TRUE(RunUntilReplies(1));
  const pid_t pid = pool_->pid(0);
  if (!kHardeningWorks) GTEST_SKIP() << "a sanitizer build runs workers unhardened";
  EXPECT_EQ(ProcLine(pid, "status", "Seccomp:"), "Seccomp:\t2");
  EXPECT_NE(ProcLine(pid, "limits", "Max address space").find("1073741824"), std::string::npos)
      << ProcLine(pid, "limits", "Max address space");
}

TEST_F(WorkerPoolTest, AWorkerThatAnswersGarbageIsKilledAsCrashed) {
  // A stand-in for a worker whose reply stream breaks: it reads, then writes a frame with an
  // unknown type byte, then waits to be killed.
  TempDir dir("ggs-worker-pool");
  ASSERT_TRUE(dir.ok()) << dir.error();
  const std::string script = dir.File("garbage-worker");
  ASSERT_TRUE(WriteFile(script,
                        "#!/bin/sh\nhead -c 4 >/dev/null\n"
                        "printf '\\001\\000\\000\\000\\177'\nexec sleep 30\n")
                  .ok());
  ASSERT_EQ(::chmod(script.c_str(), 0755), 0);
  StartPool(1, 1000, script);
  const uint64_t seq = Send(0, Open(1));
  ASSERT_TRUE(RunUntil([&] { return !owner_.losses.empty(); }));
  const Loss& loss = owner_.losses[0];
  EXPECT_EQ(loss.why.code(), worker_error::kWorkerCrashed);
  EXPECT_NE(loss.why.message().find(wire::kBadWire), std::string::npos) << loss.why.message();
  ASSERT_EQ(loss.unanswered.size(), 1u);
  EXPECT_EQ(loss.unanswered[0].seq, seq);
  EXPECT_TRUE(owner_.replies.empty());
}

TEST_F(WorkerPoolTest, AReplacementThatCannotStartIsTriedAgainAndGetsTheEventsSentMeanwhile) {
  TempDir dir("ggs-worker-pool");
  ASSERT_TRUE(dir.ok()) << dir.error();
  const std::string link = dir.File("ggs");
  ASSERT_EQ(::symlink(GGS_BINARY, link.c_str()), 0);
  StartPool(1, 1000, link);
  ASSERT_EQ(::unlink(link.c_str()), 0);
  ASSERT_EQ(::kill(pool_->pid(0), SIGKILL), 0);
  ASSERT_TRUE(RunUntil([&] { return !owner_.losses.empty(); }));
  EXPECT_EQ(pool_->pid(0), 0);
  const uint64_t seq = Send(0, Open(1));
  ASSERT_EQ(::symlink(GGS_BINARY, link.c_str()), 0);
  ASSERT_TRUE(RunUntilReplies(1));
  EXPECT_EQ(owner_.replies[0].second.seq, seq);
  EXPECT_TRUE(owner_.replies[0].second.status.ok());
  EXPECT_NE(pool_->pid(0), 0);
}

TEST_F(WorkerPoolTest, ABinaryThatCannotStartFailsStart) {
  WorkerPoolOptions options;
  options.binary = "/nonexistent/ggs";
  pool_ = std::make_unique<WorkerPool>(&loop_, &owner_, options);
  const Status s = pool_->Start();
  EXPECT_EQ(s.code(), error::kInternal);
}

}  // namespace
}  // namespace ggs
