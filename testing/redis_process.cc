// RedisProcess: redis-server under ServerProcess, readiness by PING over a plain socket.
#include "testing/redis_process.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <thread>
#include <vector>

namespace ggs {
namespace {

constexpr int kReplyTimeoutMs = 2000;

// The path of `name` in a directory of $PATH, or "" when there is none.
std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/usr/sbin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::filesystem::path candidate = std::filesystem::path(dir) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

}  // namespace

Result<std::string> RedisInline(int port, const std::string& command) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Io(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const std::string line = command + "\r\n";
  std::string reply;
  Status status = Status::Ok();
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
    status = Status::Io("redis on port " + std::to_string(port) + ": " + std::strerror(errno));
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kReplyTimeoutMs);
  while (status.ok() && reply.find("\r\n") == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      status = Status::Timeout("redis on port " + std::to_string(port) + " did not answer");
      break;
    }
    char buffer[512];
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      status = Status::Closed("redis on port " + std::to_string(port) + " closed");
      break;
    }
    reply.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  if (!status.ok()) return status;
  return reply.substr(0, reply.find("\r\n"));
}

Result<std::unique_ptr<RedisProcess>> RedisProcess::Start(int port) {
  const std::string binary = FindOnPath("redis-server");
  if (binary.empty()) {
    return Status::Io(
        "redis-server is not installed (not found on PATH); the Redis storage tests need it: "
        "run `make deps` or `apt-get install redis-server`");
  }
  auto dir = std::make_unique<TempDir>("ggs_redis");
  if (!dir->ok()) return Status::Io(dir->error());
  const std::string dir_path = dir->path();
  Result<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(
      binary,
      [&dir_path](int p) {
        return std::vector<std::string>{
            "--port",    std::to_string(p),      "--bind", "127.0.0.1", "--save",
            "",          "--appendonly",         "no",     "--dir",     dir_path,
            "--logfile", dir_path + "/redis.log"};
      },
      "", port);
  if (!server.ok()) return server.status();
  const int listening = (*server)->port();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (true) {
    Result<std::string> pong = RedisInline(listening, "PING");
    if (pong.ok() && *pong == "+PONG") break;
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Io("redis-server on port " + std::to_string(listening) +
                        " did not answer PING within 15 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::unique_ptr<RedisProcess>(new RedisProcess(std::move(dir), std::move(*server)));
}

}  // namespace ggs
