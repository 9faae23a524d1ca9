// The echo server (libuv) and the child process that runs it.
#include "bench/echo_server.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "core/fd_limit.h"
#include "core/server_process.h"
#include "core/sync_client.h"

namespace ggs::bench {
namespace {

// One accepted connection. The read buffer is shared: libuv reads into it and calls
// OnRead before the next allocation, on this one thread.
struct EchoConn {
  uv_tcp_t tcp;
};

char read_buffer[64 * 1024];

struct WriteReq {
  uv_write_t req;
  std::string bytes;
};

void Alloc(uv_handle_t*, size_t, uv_buf_t* buf) {
  *buf = uv_buf_init(read_buffer, sizeof read_buffer);
}

void Free(uv_handle_t* handle) { delete static_cast<EchoConn*>(handle->data); }

void OnWritten(uv_write_t* req, int) { delete static_cast<WriteReq*>(req->data); }

// Writes what it can at once and queues the rest, as a server's write path would.
void Echo(uv_stream_t* stream, const char* data, size_t len) {
  uv_buf_t buf = uv_buf_init(const_cast<char*>(data), static_cast<unsigned>(len));
  int n = uv_try_write(stream, &buf, 1);
  size_t done = n > 0 ? static_cast<size_t>(n) : 0;
  if (done == len) return;
  auto* w = new WriteReq{.req = {}, .bytes = std::string(data + done, len - done)};
  w->req.data = w;
  uv_buf_t rest = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
  if (uv_write(&w->req, stream, &rest, 1, OnWritten) != 0) {
    delete w;
    uv_close(reinterpret_cast<uv_handle_t*>(stream), Free);
  }
}

void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  if (nread > 0) {
    Echo(stream, buf->base, static_cast<size_t>(nread));
  } else if (nread < 0 && !uv_is_closing(reinterpret_cast<uv_handle_t*>(stream))) {
    uv_close(reinterpret_cast<uv_handle_t*>(stream), Free);
  }
}

void OnConnection(uv_stream_t* server, int status) {
  if (status != 0) return;
  auto* conn = new EchoConn{};
  conn->tcp.data = conn;
  uv_tcp_init(server->loop, &conn->tcp);
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&conn->tcp)) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&conn->tcp), Free);
    return;
  }
  uv_tcp_nodelay(&conn->tcp, 1);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&conn->tcp), Alloc, OnRead);
}

void CloseAny(uv_handle_t* handle, void*) {
  if (uv_is_closing(handle)) return;
  // Accepted connections own a heap record; the listener and signals live on the stack.
  uv_close(handle, handle->type == UV_TCP && handle->data != nullptr ? Free : nullptr);
}

void OnSignal(uv_signal_t* signal, int) { uv_walk(signal->loop, CloseAny, nullptr); }

}  // namespace

Status ServeEcho(int port) {
  RaiseFileLimit();
  uv_loop_t loop;
  uv_loop_init(&loop);
  uv_tcp_t listener;
  uv_tcp_init(&loop, &listener);
  listener.data = nullptr;
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", port, &addr);
  int rc = uv_tcp_bind(&listener, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener), 4096, OnConnection);
  uv_signal_t term, interrupt;
  uv_signal_init(&loop, &term);
  uv_signal_init(&loop, &interrupt);
  term.data = interrupt.data = nullptr;
  if (rc == 0) {
    uv_signal_start(&term, OnSignal, SIGTERM);
    uv_signal_start(&interrupt, OnSignal, SIGINT);
    uv_run(&loop, UV_RUN_DEFAULT);
  } else {
    uv_walk(&loop, CloseAny, nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_loop_close(&loop);
  if (rc != 0) return Status::Error("io", std::string("echo server: ") + uv_strerror(rc));
  return Status::Ok();
}

Result<std::unique_ptr<EchoProcess>> EchoProcess::Start(const std::string& binary) {
  Result<int> port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  std::string port_arg = std::to_string(*port);
  pid_t pid = fork();
  if (pid < 0) return Status::Error("io", "fork failed");
  if (pid == 0) {
    const char* argv[] = {binary.c_str(), "bench", "--echo-server", port_arg.c_str(), nullptr};
    execv(binary.c_str(), const_cast<char* const*>(argv));
    _exit(127);
  }
  std::unique_ptr<EchoProcess> process(new EchoProcess(pid, *port));
  for (int i = 0; i < 500; ++i) {
    if (SyncClient::Connect("127.0.0.1", *port, 200).ok()) return process;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Error("io", "the echo server did not accept connections within 10 s");
}

EchoProcess::~EchoProcess() {
  kill(pid_, SIGTERM);
  for (int i = 0; i < 500; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

}  // namespace ggs::bench
