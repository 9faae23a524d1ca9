// Micro benchmarks of the codec (core/protocol.h): the parser fed whole streams and one
// byte at a time, and the encoder, on packets shaped like pong's 30 Hz `state` broadcast.
#include <benchmark/benchmark.h>

#include <string>

#include "bench/micro.h"
#include "core/protocol.h"

namespace ggs::bench {
namespace {

constexpr int kStreamPackets = 1000;

std::string Stream() {
  std::string stream;
  for (int i = 0; i < kStreamPackets; ++i) stream += StatePacketBytes();
  return stream;
}

void BM_ParseWhole(benchmark::State& state) {
  const std::string stream = Stream();
  int64_t packets = 0;
  for (auto _ : state) {
    Parser parser;
    parser.Feed(stream);
    while (auto packet = parser.Next()) {
      benchmark::DoNotOptimize(packet->payload.data());
      ++packets;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * stream.size());
  state.SetItemsProcessed(packets);
}
BENCHMARK(BM_ParseWhole);

// The worst chunking a peer can choose: every read delivers one byte.
void BM_ParseByteAtATime(benchmark::State& state) {
  const std::string stream = Stream();
  int64_t packets = 0;
  for (auto _ : state) {
    Parser parser;
    for (char c : stream) {
      parser.Feed(std::string_view(&c, 1));
      while (auto packet = parser.Next()) {
        benchmark::DoNotOptimize(packet->payload.data());
        ++packets;
      }
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * stream.size());
  state.SetItemsProcessed(packets);
}
BENCHMARK(BM_ParseByteAtATime);

// A general packet through Encode(), as `ggs upload` and the bots build them.
void BM_EncodePacket(benchmark::State& state) {
  Packet packet;
  packet.Add(header::kGameCommand, "move").payload = "42.5";
  int64_t bytes = 0;
  for (auto _ : state) {
    std::string out = Encode(packet);
    bytes += static_cast<int64_t>(out.size());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_EncodePacket);

// The server's path for every game message: appended to a connection's write queue.
void BM_AppendClientCommand(benchmark::State& state) {
  std::string queue;
  int64_t bytes = 0;
  for (auto _ : state) {
    if (queue.size() > 64 * 1024) queue.clear();
    size_t before = queue.size();
    AppendClientCommand(queue, "state", "1234,51.13,49.6,50,50");
    bytes += static_cast<int64_t>(queue.size() - before);
  }
  benchmark::DoNotOptimize(queue.data());
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_AppendClientCommand);

}  // namespace
}  // namespace ggs::bench
