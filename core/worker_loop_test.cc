// Tests of RunWorker over temporary files: a stream of batches in, the replies out, and the
// exit codes for end of file and for broken streams.
#include "core/worker_loop.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/protocol.h"
#include "core/vm_wire_test_support.h"

namespace ggs {
namespace {

using Kind = VmEvent::Kind;

constexpr char kEcho[] = R"JS(
var seats = 4;
function playerCommand(p, c, a) { GGS.sendCommand(p, c, a); }
)JS";

// A temporary file, deleted when closed.
class TempFile {
 public:
  TempFile() : file_(std::tmpfile()) {}
  ~TempFile() {
    if (file_ != nullptr) std::fclose(file_);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return fileno(file_); }
  void Write(const std::string& bytes) {
    ASSERT_EQ(::pwrite(fd(), bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  }
  std::string Read() const {
    std::string out(1 << 20, '\0');
    const ssize_t n = ::pread(fd(), out.data(), out.size(), 0);
    out.resize(n < 0 ? 0 : static_cast<size_t>(n));
    return out;
  }

 private:
  std::FILE* file_;
};

VmEvent Open(uint64_t seq, uint64_t table) {
  return testing_support::MakeOpen(seq, table, kEcho, {});
}

VmEvent Command(uint64_t seq, uint64_t table, std::string command) {
  return testing_support::MakeCommand(seq, table, 1, std::move(command), "\xff\n");
}

// Runs the worker over `input` and returns its exit code and the replies it wrote.
struct WorkerRun {
  int code = -1;
  std::vector<VmReply> replies;
  std::string error_code;  // The reply stream's, which must be intact.
};

WorkerRun RunOver(const std::string& input, size_t max_message = wire::kDefaultMaxMessage,
                  WorkerProgress* progress = nullptr) {
  TempFile in, out;
  in.Write(input);
  WorkerRun run;
  run.code = RunWorker(in.fd(), out.fd(), max_message, progress);
  VmWireReader reader;
  reader.Feed(out.Read());
  while (std::optional<VmReply> r = reader.NextReply()) run.replies.push_back(std::move(*r));
  run.error_code = reader.error().code();
  EXPECT_EQ(reader.buffered(), 0u);
  return run;
}

TEST(WorkerLoopTest, AnswersEveryEventInOrderAndExitsZeroAtEndOfFile) {
  std::string input;
  AppendEvent(input, Open(1, 10));
  AppendEvent(input, Open(2, 20));
  AppendEvent(input, Command(3, 20, "b"));
  AppendEvent(input, Command(4, 10, "a"));
  AppendEvent(input, Command(5, 30, "nowhere"));
  const WorkerRun run = RunOver(input);
  EXPECT_EQ(run.code, 0);
  EXPECT_EQ(run.error_code, "");
  ASSERT_EQ(run.replies.size(), 5u);
  for (uint64_t i = 0; i < 5; ++i) EXPECT_EQ(run.replies[i].seq, i + 1);
  EXPECT_EQ(run.replies[0].seats, 4);
  EXPECT_EQ(run.replies[2].table, 20u);
  ASSERT_EQ(run.replies[2].effects.sends.size(), 1u);
  EXPECT_EQ(run.replies[2].effects.sends[0].command, "b");
  EXPECT_EQ(run.replies[2].effects.sends[0].args, std::string("\xff\n"));
  EXPECT_EQ(run.replies[3].effects.sends.at(0).command, "a");
  EXPECT_EQ(run.replies[4].status.code(), error::kNoSuchTable);
}

TEST(WorkerLoopTest, AnnouncesEachEventOnTheProgressPageAndClearsItAfter) {
  WorkerProgress page;
  std::string input;
  AppendEvent(input, Open(1, 10));
  AppendEvent(input, Command(2, 10, "a"));
  const uint64_t before = MonotonicNs();
  const WorkerRun run = RunOver(input, wire::kDefaultMaxMessage, &page);
  EXPECT_EQ(run.code, 0);
  ASSERT_EQ(run.replies.size(), 2u);
  EXPECT_EQ(page.running_seq.load(), 0u);
  EXPECT_GE(page.started_ns.load(), before);
  EXPECT_LE(page.started_ns.load(), MonotonicNs());
}

TEST(WorkerLoopTest, EmptyInputExitsZero) {
  const WorkerRun run = RunOver("");
  EXPECT_EQ(run.code, 0);
  EXPECT_TRUE(run.replies.empty());
}

TEST(WorkerLoopTest, ABrokenStreamExitsTwoAfterAnsweringWhatCameBefore) {
  std::string input;
  AppendEvent(input, Open(1, 10));
  input += std::string("\x09\x00\x00\x00\x7f", 5) + std::string(8, 'x');
  const WorkerRun run = RunOver(input);
  EXPECT_EQ(run.code, 2);
  ASSERT_EQ(run.replies.size(), 1u);
  EXPECT_TRUE(run.replies[0].status.ok());
}

TEST(WorkerLoopTest, EndOfFileInsideAMessageExitsTwo) {
  std::string input;
  AppendEvent(input, Open(1, 10));
  AppendEvent(input, Command(2, 10, "cut"));
  input.pop_back();
  const WorkerRun run = RunOver(input);
  EXPECT_EQ(run.code, 2);
  EXPECT_EQ(run.replies.size(), 1u);
}

TEST(WorkerLoopTest, AnOverLimitMessageExitsTwo) {
  std::string input;
  AppendEvent(input, Open(1, 10));
  const WorkerRun run = RunOver(input, 16);
  EXPECT_EQ(run.code, 2);
  EXPECT_TRUE(run.replies.empty());
}

}  // namespace
}  // namespace ggs
