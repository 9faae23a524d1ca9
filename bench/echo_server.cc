// The echo ceiling's server on libuv, and the command line that starts it.
#include "bench/echo_server.h"

#include <signal.h>
#include <uv.h>

#include "bench/stream_write.h"
#include "core/fd_limit.h"

namespace ggs::bench {
namespace {

// One accepted connection. The read buffer is shared: libuv reads into it and calls
// OnRead before the next allocation, on this one thread.
struct EchoConn {
  uv_tcp_t tcp;
};

char read_buffer[64 * 1024];

void Alloc(uv_handle_t*, size_t, uv_buf_t* buf) {
  *buf = uv_buf_init(read_buffer, sizeof read_buffer);
}

void Free(uv_handle_t* handle) { delete static_cast<EchoConn*>(handle->data); }

void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  if (nread > 0) {
    if (!WriteOrQueue(stream, std::string_view(buf->base, static_cast<size_t>(nread)))) {
      uv_close(reinterpret_cast<uv_handle_t*>(stream), Free);
    }
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
  if (rc != 0) return Status::Io(std::string("echo server: ") + uv_strerror(rc));
  return Status::Ok();
}

std::vector<std::string> EchoServerArgs(int port) {
  return {"bench", "echo-server", "--port", std::to_string(port)};
}

}  // namespace ggs::bench
