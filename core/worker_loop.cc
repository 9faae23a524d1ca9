// RunWorker: read a batch, run it, write its replies in one go (or in pieces, when it runs
// long); repeat until end of file.
#include "core/worker_loop.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "core/log.h"
#include "core/status.h"
#include "core/vm_host.h"

namespace ggs {
namespace {

constexpr size_t kReadSize = 64 * 1024;
// How long a batch's finished replies may wait for the rest of the batch.
constexpr uint64_t kFlushAfterNs = 1'000'000;

// Writes all of `bytes`, however many calls the kernel needs.
Status WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Io(std::string("write: ") + std::strerror(errno));
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// Runs `event`, announcing it on `progress` (when there is one) for as long as it runs.
VmReply Run(VmHost& host, const VmEvent& event, WorkerProgress* progress) {
  if (progress == nullptr) return host.Handle(event);
  progress->started_ns.store(MonotonicNs(), std::memory_order_relaxed);
  progress->running_seq.store(event.seq, std::memory_order_release);
  VmReply reply = host.Handle(event);
  progress->running_seq.store(0, std::memory_order_release);
  return reply;
}

int Fail(int code, const std::string& message) {
  Log(LogLevel::kError, "ggs worker: " + message);
  return code;
}

}  // namespace

int RunWorker(int in_fd, int out_fd, size_t max_message, WorkerProgress* progress) {
  VmWireReader reader(max_message);
  VmHost host;
  std::string in(kReadSize, '\0');
  std::string out;
  for (;;) {
    const ssize_t n = ::read(in_fd, in.data(), in.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(1, std::string("read: ") + std::strerror(errno));
    if (n == 0) {
      if (reader.buffered() == 0) return 0;
      return Fail(2, "input ends inside a message (" + std::to_string(reader.buffered()) +
                         " bytes buffered)");
    }
    reader.Feed(std::string_view(in.data(), static_cast<size_t>(n)));
    out.clear();
    uint64_t written_ns = MonotonicNs();
    while (std::optional<VmEvent> event = reader.NextEvent()) {
      // A batch that takes long sends the replies it has before going on, so that its
      // other tables do not wait for the whole batch, nor lose their answers if a later
      // event gets the worker killed; so does one about to run an event of an isolated
      // table (one whose events killed a worker lately).
      if (!out.empty() &&
          (MonotonicNs() - written_ns > kFlushAfterNs || host.isolated(event->table))) {
        if (Status s = WriteAll(out_fd, out); !s.ok()) return Fail(1, s.message());
        out.clear();
        written_ns = MonotonicNs();
      }
      AppendReply(out, Run(host, *event, progress));
    }
    if (Status s = WriteAll(out_fd, out); !s.ok()) return Fail(1, s.message());
    if (!reader.error().ok()) return Fail(2, reader.error().ToString());
  }
}

}  // namespace ggs
