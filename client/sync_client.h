// SyncClient: a blocking protocol client over one TCP connection, with timeouts. Used by
// `ggs upload`, the end-to-end tests, the fuzzer and the benches; it frames with the shared
// codec of core/protocol.h.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/protocol.h"
#include "core/status.h"

namespace ggs {

class SyncClient {
 public:
  // Connects to host:port within `timeout_ms`. Fails with a transport code (IsIo()).
  static Result<std::unique_ptr<SyncClient>> Connect(const std::string& host, int port,
                                                     int timeout_ms = 5000);
  ~SyncClient();
  SyncClient(const SyncClient&) = delete;
  SyncClient& operator=(const SyncClient&) = delete;

  // Writes raw bytes (a packet, a fragment, or junk).
  Status SendRaw(std::string_view bytes);
  Status Send(const Packet& packet) { return SendRaw(Encode(packet)); }
  // Sends `Server-Command: command` with `payload` and optional extra headers.
  Status SendServer(std::string_view command, std::string_view payload = "");
  Status SendGame(std::string_view command, std::string_view payload = "");
  // Sends `upload` of `source` as game `name`, authorized by `admin_token`; `live` moves the
  // game's running tables to it too (header `Live: true`).
  Status SendUpload(std::string_view name, std::string_view admin_token, std::string_view source,
                    bool live = false);

  // Waits up to `timeout_ms` for the next packet. Fails with IsTimeout(), IsClosed() when
  // the server closed the connection, IsIo(), or the codec's framing codes.
  Result<Packet> Receive(int timeout_ms = 5000);
  // Waits up to `timeout_ms` for bytes and returns them as they were read, unparsed (for
  // clients of other framings: HTTP, WebSocket). Fails with IsTimeout(), IsClosed(), IsIo().
  // Do not mix with Receive on one connection.
  Result<std::string> ReceiveRaw(int timeout_ms = 5000);
  // The connection a hello ended on, and the first packet after it that is not a redirect.
  struct Hello {
    std::unique_ptr<SyncClient> client;
    Packet reply;       // Usually `hello` or `error`; a game may speak before the reply.
    int redirects = 0;  // Redirects followed on the way.
  };
  // Sends `hello` on `client` and follows `redirect` replies (FollowRedirect of
  // core/protocol.h): connects to each node named, within `timeout_ms`, and sends the hello
  // again there with `Redirects: N`. Fails with the first failure to send, receive or
  // connect, or FollowRedirect's "too_many_redirects" or "bad_redirect".
  static Result<Hello> SayHello(std::unique_ptr<SyncClient> client, const Packet& hello,
                                int timeout_ms = 5000);
  // Follows `redirect`, which answered `hello`, as SayHello does.
  static Result<Hello> FollowRedirects(const Packet& hello, const Packet& redirect,
                                       int timeout_ms = 5000);

  // True when the server has closed the connection (read returned end of file).
  bool WaitClosed(int timeout_ms = 5000);
  void Close();

 private:
  explicit SyncClient(int fd);
  Status ReadSome(int timeout_ms);
  // One read within `timeout_ms`: the bytes (none when the read would block).
  Result<std::string> ReadBytes(int timeout_ms);
  int fd_;
  Parser parser_;
  bool eof_ = false;
};

}  // namespace ggs
