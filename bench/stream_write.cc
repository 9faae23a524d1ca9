// WriteOrQueue: uv_try_write, then a heap request that owns the unwritten tail.
#include "bench/stream_write.h"

#include <uv.h>

#include <string>

namespace ggs::bench {
namespace {

struct WriteRequest {
  uv_write_t req;
  std::string bytes;
};

void OnWritten(uv_write_t* req, int) { delete static_cast<WriteRequest*>(req->data); }

}  // namespace

bool WriteOrQueue(uv_stream_t* stream, std::string_view bytes) {
  uv_buf_t buf = uv_buf_init(const_cast<char*>(bytes.data()), static_cast<unsigned>(bytes.size()));
  const int n = uv_try_write(stream, &buf, 1);
  const size_t done = n > 0 ? static_cast<size_t>(n) : 0;
  if (done == bytes.size()) return true;
  auto* w = new WriteRequest{.req = {}, .bytes = std::string(bytes.substr(done))};
  w->req.data = w;
  uv_buf_t rest = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
  if (uv_write(&w->req, stream, &rest, 1, OnWritten) == 0) return true;
  delete w;
  return false;
}

}  // namespace ggs::bench
