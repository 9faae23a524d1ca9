// WriteOrQueue: the write path of the bench's own libuv programs (the echo ceiling's server
// and the closed-loop load client): write what the socket takes now, queue the rest.
#pragma once

#include <string_view>

struct uv_stream_s;

namespace ggs::bench {

// Writes as much of `bytes` as the socket takes at once (uv_try_write) and hands the rest,
// copied, to uv_write. Returns false when the rest could not be queued (the stream is
// broken; the caller closes it). `stream` must be open.
[[nodiscard]] bool WriteOrQueue(uv_stream_s* stream, std::string_view bytes);

}  // namespace ggs::bench
