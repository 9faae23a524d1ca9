// WorkerProgress: the shared page's creation, mapping and clock.
#include "core/worker_progress.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <new>
#include <string>

#include "core/protocol.h"

namespace ggs {
namespace {

Status SystemError(const char* what) {
  return Status::Error(error::kInternal, std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

uint64_t MonotonicNs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1000000000u + static_cast<uint64_t>(now.tv_nsec);
}

Result<int> CreateProgressPage() {
  const int fd = memfd_create("ggs-worker-progress", MFD_CLOEXEC);
  if (fd < 0) return SystemError("memfd_create");
  if (ftruncate(fd, kProgressPageSize) != 0) {
    Status s = SystemError("ftruncate");
    ::close(fd);
    return s;
  }
  return fd;
}

Result<WorkerProgress*> MapProgressPage(int fd) {
  void* page = mmap(nullptr, kProgressPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (page == MAP_FAILED) return SystemError("mmap of the progress page");
  // The page holds zeroes, which is what these atomics start as; construct them in place so
  // that their lifetime begins properly.
  return new (page) WorkerProgress;
}

void UnmapProgressPage(WorkerProgress* page) {
  if (page != nullptr) munmap(page, kProgressPageSize);
}

}  // namespace ggs
