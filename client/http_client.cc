// HttpExchange: a SyncClient's raw bytes, read to the end, parsed by core/http.
#include "client/http_client.h"

#include "client/sync_client.h"

namespace ggs {

Result<std::vector<HttpResponse>> HttpExchange(const std::string& host, int port,
                                               std::string_view request, int timeout_ms) {
  Result<std::unique_ptr<SyncClient>> client = SyncClient::Connect(host, port, timeout_ms);
  if (!client.ok()) return client.status();
  if (Status s = (*client)->SendRaw(request); !s.ok()) return s;
  std::string bytes;
  while (true) {
    Result<std::string> more = (*client)->ReceiveRaw(timeout_ms);
    if (!more.ok() && more.status().IsClosed()) break;
    if (!more.ok()) return more.status();
    bytes += *more;
  }
  return ParseHttpResponses(bytes);
}

Result<HttpResponse> HttpGet(const std::string& host, int port, const std::string& target,
                             const std::string& method) {
  const std::string request =
      method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
  Result<std::vector<HttpResponse>> responses = HttpExchange(host, port, request);
  if (!responses.ok()) return responses.status();
  if (responses->size() != 1) {
    return Status::Error("bad_http", std::to_string(responses->size()) + " responses to one GET");
  }
  return std::move(responses->front());
}

}  // namespace ggs
