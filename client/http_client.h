// HttpExchange: one blocking HTTP exchange with a server, for tests and tools: raw request
// bytes out, the parsed responses back.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/http.h"
#include "core/status.h"

namespace ggs {

// Connects to host:port, sends `request` (one or more requests, the last with
// `Connection: close`), reads until the server closes, and parses what it sent. Fails with a
// transport code, or "bad_http" when the answer is not whole responses.
Result<std::vector<HttpResponse>> HttpExchange(const std::string& host, int port,
                                               std::string_view request, int timeout_ms = 5000);

// A GET (or `method`) of `target` with `Connection: close`, through HttpExchange. Fails as it
// does, or with "bad_http" unless exactly one response came back.
Result<HttpResponse> HttpGet(const std::string& host, int port, const std::string& target,
                             const std::string& method = "GET");

}  // namespace ggs
