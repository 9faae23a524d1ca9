// ServerProcess: fork/exec, readiness by connecting, SIGTERM/SIGKILL.
#include "testing/server_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "base/file.h"
#include "client/sync_client.h"

namespace ggs {

Result<LoopbackSocket> BindLoopback(int backlog) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Io(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  (backlog <= 0 || listen(fd, backlog) == 0) &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  if (!ok) {
    Status s = Status::Io(std::string("bind: ") + std::strerror(errno));
    ::close(fd);
    return s;
  }
  return LoopbackSocket{fd, static_cast<int>(ntohs(addr.sin_port))};
}

Result<int> FreeLoopbackPort() {
  Result<LoopbackSocket> bound = BindLoopback();
  if (!bound.ok()) return bound.status();
  ::close(bound->fd);
  return bound->port;
}

Result<std::unique_ptr<ServerProcess>> ServerProcess::Start(const std::string& binary,
                                                            const ArgsForPort& args,
                                                            const std::string& log_path,
                                                            int fixed_port) {
  Result<int> port = fixed_port != 0 ? Result<int>(fixed_port) : FreeLoopbackPort();
  if (!port.ok()) return port.status();
  std::vector<std::string> argv = args(*port);
  std::string name = binary;
  if (!argv.empty()) name += " " + argv.front();
  argv.insert(argv.begin(), binary);
  std::vector<char*> cargv;
  for (std::string& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return Status::Io(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    if (!log_path.empty()) {
      const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) dup2(fd, STDERR_FILENO);
    }
    execv(binary.c_str(), cargv.data());
    _exit(127);
  }
  auto process = std::unique_ptr<ServerProcess>(new ServerProcess(pid, *port));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      process->pid_ = 0;
      return Status::Io(name + " exited during start (status " + std::to_string(status) +
                        "); see " + (log_path.empty() ? "its stderr" : log_path));
    }
    if (SyncClient::Connect("127.0.0.1", *port, 200).ok()) return process;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Io(name + " did not accept connections within 15 s");
}

Result<std::unique_ptr<ServerProcess>> ServerProcess::StartServe(
    const std::string& binary, const std::vector<std::string>& args, const std::string& log_path,
    int port) {
  return Start(
      binary,
      [&args](int listen_port) {
        std::vector<std::string> argv = {"serve", "--listen",
                                         "127.0.0.1:" + std::to_string(listen_port)};
        if (std::find(args.begin(), args.end(), "--http") == args.end()) {
          argv.push_back("--http");
          argv.push_back("off");
        }
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
      },
      log_path, port);
}

Result<int> HttpPortFromLog(const std::string& log_path) {
  Result<std::string> read = ReadFile(log_path);
  if (!read.ok()) return read.status();
  const std::string_view text = read.value();
  constexpr std::string_view kMarker = "http listening on ";
  const size_t at = text.find(kMarker);
  if (at == std::string::npos) return Status::Io(log_path + " names no HTTP port");
  const size_t start = at + kMarker.size();
  const std::string address(text.substr(start, text.find_first_of(" \n", start) - start));
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return Status::Io("bad HTTP address in the log: " + address);
  return std::atoi(address.c_str() + colon + 1);
}

ServerProcess::~ServerProcess() { Kill(); }

int ServerProcess::Stop(int timeout_ms) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill();
  return -1;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = 0;
}

}  // namespace ggs
