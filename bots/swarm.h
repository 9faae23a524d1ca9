// RunSwarm: the bot swarm engine behind `ggs bot-swarm` (and `ggs bench`). It plans the
// bots (ramp, ping and input phases, churn), runs them on N loop threads, gathers their
// figures every second for the live line and the time series, samples its own CPU and the
// server's (given its pid) over the measurement window, and merges everything into a
// SwarmReport.
//
// Thread: RunSwarm blocks its caller; on_second runs on the calling thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bots/swarm_report.h"
#include "core/status.h"

namespace ggs::bots {

struct SwarmOptions {
  std::string server = "127.0.0.1:9000";  // HOST:PORT.
  // When not empty, the nodes of a cluster (HOST:PORT each) in place of `server`: bot i
  // starts at servers[i % size], and a bot whose node is lost resumes at the next one.
  std::vector<std::string> servers;
  // How long a bot that lost its connection tries to resume before it gives up.
  double reconnect_timeout_s = 10;
  // "tcp": the game port; "ws": WebSocket on /ws, `server` being the HTTP listener.
  std::string transport = "tcp";
  std::string game = "pong";
  size_t bots = 10;
  double ramp_s = 0;       // Bots start evenly spread over this time.
  double duration_s = 10;  // The measurement window, after the ramp.
  int threads = 1;
  uint64_t seed = 1;
  double input_hz = -1;  // Inputs per bot per second; negative: the game's default.
  double ping_hz = 1;    // Pings per bot per second; 0: none.
  double churn = 0;      // The share of bots that drop their connection once and resume.
  // When not 0, the CPU and memory of the server and its descendants (its VM workers) are
  // sampled (bots/proc_stats.h, SampleProcessTree).
  pid_t server_pid = 0;
  // Called once a second of the run is complete, with that second's figures.
  std::function<void(const SeriesPoint&)> on_second;
  // When set and it turns true, the run ends early (the bots still say goodbye).
  const std::atomic<bool>* cancel = nullptr;
};

// Checks that `bots` connections fit this process: raises the open-file soft limit to the
// hard limit first, then fails with code "too_many_bots" and a message saying how many fit
// when the bots (plus the files the process keeps for itself) exceed the limit, or exceed
// the local ports one server address can be reached from.
Status CheckCapacity(size_t bots, int threads);

// Runs a swarm. Fails (before any bot starts) with code "bad_options", "bad_address",
// "unknown_game" or "too_many_bots"; the bots' failures are figures in the report.
Result<SwarmReport> RunSwarm(const SwarmOptions& options);

}  // namespace ggs::bots
