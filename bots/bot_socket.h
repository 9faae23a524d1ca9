// BotSocket: one bot's TCP connection on a libuv loop, as C++20 awaitables: connect, read
// the next packet (framed by core's Parser), and sleep, each with a deadline kept by the
// loop's Scheduler. Writes are queued and leave in order without suspending the bot. Over
// WebSocket (UseWebSocket) the connect includes the opening handshake on /ws, each Write is
// one message, and the packets come out of the messages (core/websocket.h).
//
// Lifetime: the TCP handle lives in a heap record that libuv's close callback frees, and
// every callback reaches the socket only through it; so a socket may be closed or
// destroyed while libuv still holds callbacks, and a coroutine is only ever resumed by a
// handle or a wake-up the socket still owns.
// Thread: the loop's thread only. One coroutine drives a socket: at most one awaitable is
// pending at a time.
#pragma once

#include <sys/socket.h>

#include <coroutine>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bots/scheduler.h"
#include "core/protocol.h"
#include "core/status.h"
#include "core/websocket.h"

namespace ggs::bots {

class BotSocket final : private Scheduler::Sleeper {
 public:
  // The socket's handles live on the scheduler's loop. `scheduler` must outlive the socket.
  explicit BotSocket(Scheduler* scheduler);
  // REQUIRES: no coroutine is suspended on this socket.
  ~BotSocket();
  BotSocket(const BotSocket&) = delete;
  BotSocket& operator=(const BotSocket&) = delete;

  class ConnectAwaiter;
  class ReadAwaiter;
  class SleepAwaiter;

  // Speaks WebSocket from the next Connect on: `address` is then the server's HTTP listener.
  void UseWebSocket() { websocket_ = true; }

  // Drops any current connection and connects to `address`. Awaiting yields ok once
  // connected, code "timeout" when `deadline_us` (NowUs() clock) passes first, or
  // "connect_failed" with the system's reason.
  ConnectAwaiter Connect(const sockaddr_storage& address, uint64_t deadline_us);
  // Awaiting yields the next packet; or code "timeout" when `deadline_us` passes first,
  // "closed" when the peer closed the connection (or there is none), "io" on a socket
  // error, or the codec's framing codes. Packets already received come before any error.
  ReadAwaiter Read(uint64_t deadline_us);
  // Awaiting resumes the caller once `deadline_us` has passed.
  SleepAwaiter SleepUntil(uint64_t deadline_us);

  // Queues `bytes` (over WebSocket: exactly one packet, sent as one message) for the
  // connection. Fails with "closed" when not connected, or "io" after a failed write.
  Status Write(std::string_view bytes);
  // Drops the connection at once; queued bytes are discarded. The socket may connect again.
  void Close();
  // Closes the connection and cancels the wake-up; the socket may not be awaited again.
  void Shutdown();

  bool connected() const;
  // Bytes accepted by Write() that the kernel has not taken yet.
  size_t queued_bytes() const;

  // The record of the libuv TCP handle, defined in bot_socket.cc.
  struct TcpIo;

  class ConnectAwaiter {
   public:
    explicit ConnectAwaiter(BotSocket* s, uint64_t deadline) : s_(s), deadline_(deadline) {}
    bool await_ready() const noexcept { return !s_->connect_pending_; }
    void await_suspend(std::coroutine_handle<> h) { s_->Wait(h, deadline_); }
    Status await_resume() const { return s_->connect_status_; }

   private:
    BotSocket* s_;
    uint64_t deadline_;
  };

  class ReadAwaiter {
   public:
    explicit ReadAwaiter(BotSocket* s, uint64_t deadline) : s_(s), deadline_(deadline) {}
    bool await_ready() { return s_->ReadReady(deadline_); }
    void await_suspend(std::coroutine_handle<> h) {
      s_->waiting_read_ = true;
      s_->Wait(h, deadline_);
    }
    Result<Packet> await_resume() { return s_->TakeRead(); }

   private:
    BotSocket* s_;
    uint64_t deadline_;
  };

  class SleepAwaiter {
   public:
    explicit SleepAwaiter(BotSocket* s, uint64_t deadline) : s_(s), deadline_(deadline) {}
    bool await_ready() const;
    void await_suspend(std::coroutine_handle<> h) { s_->Wait(h, deadline_); }
    void await_resume() const noexcept {}

   private:
    BotSocket* s_;
    uint64_t deadline_;
  };

 private:
  void Wait(std::coroutine_handle<> waiter, uint64_t deadline_us);
  void Resume();
  bool ReadReady(uint64_t deadline_us);
  Result<Packet> TakeRead();
  void StartWrite();
  Status WriteRaw(std::string_view bytes);
  // The handshake's answer, as it arrives; connects or fails once it is whole.
  void OnHandshakeBytes(std::string_view bytes);
  void OnWebSocketBytes(std::string_view bytes);

  // Callbacks from the handle records.
  void OnConnected(int status);
  void OnBytes(const char* data, size_t size);
  void OnReadError(int status);
  void OnWritten(int status);
  void OnWake() override;  // A deadline passed.

  Scheduler* scheduler_;
  TcpIo* tcp_ = nullptr;  // Null when not connected (or connecting).
  Parser parser_;
  std::optional<Packet> ready_;  // Parsed, not yet handed to the reader.
  Status read_error_;            // The connection failed or was closed by the peer.
  Status write_error_;
  bool connect_pending_ = false;
  Status connect_status_;
  bool waiting_read_ = false;
  std::coroutine_handle<> waiter_;
  bool websocket_ = false;
  bool handshaking_ = false;
  std::string handshake_;  // The answer to the opening handshake so far.
  std::string ws_key_;
  std::unique_ptr<WebSocketCodec> ws_;  // After the handshake.
};

}  // namespace ggs::bots
