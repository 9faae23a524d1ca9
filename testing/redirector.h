// Redirector: a fake cluster node for tests of the clients that follow `redirect`. It
// listens on a free loopback port and, on its own thread, serves each connection in turn
// (over TCP, or over WebSocket after the opening handshake): it answers pings, records the
// first hello, answers it `Client-Command: redirect` with its target as the payload, and
// closes the connection, as a node of `ggs serve --cluster` answers a hello it cannot
// serve. Other packets are ignored.
//
// Thread: the public methods may be called from any thread; the destructor stops the
// listener and joins its thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/protocol.h"
#include "core/status.h"

namespace ggs {

class Redirector {
 public:
  enum class Transport { kTcp, kWebSocket };

  // Starts listening on 127.0.0.1 (a free port). `target` is the redirect's payload,
  // normally a real server's HOST:PORT; anything else tests a client's handling of junk.
  // Fails with code "io".
  static Result<std::unique_ptr<Redirector>> Start(std::string target,
                                                   Transport transport = Transport::kTcp);
  ~Redirector();
  Redirector(const Redirector&) = delete;
  Redirector& operator=(const Redirector&) = delete;

  int port() const { return port_; }
  // "127.0.0.1:PORT": what a redirect to this redirector says.
  std::string address() const;
  // Changes the payload of the redirects sent from now on.
  void set_target(std::string target);
  // The hellos received so far, one per connection, in order.
  std::vector<Packet> received() const;

 private:
  Redirector(int fd, int port, std::string target, Transport transport);
  void Serve();
  void Answer(int fd);
  std::string Target() const;

  const int listen_fd_;
  const int port_;
  const Transport transport_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::string target_;            // Guarded by mu_.
  std::vector<Packet> received_;  // Guarded by mu_.
  std::thread thread_;
};

}  // namespace ggs
