// RunSwarm: checks, threads, the measurement window's CPU samples and the final merge.
#include "bots/swarm.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "base/host_port.h"
#include "base/resolve.h"
#include "bots/gatherer.h"
#include "bots/run_clock.h"
#include "bots/shard.h"
#include "bots/strategy.h"
#include "bots/swarm_plan.h"
#include "core/fd_limit.h"

namespace ggs::bots {
namespace {

// Time for the threads to start before the first bot is due.
constexpr uint64_t kStartDelayUs = 100000;
// Files each loop thread keeps besides its sockets: epoll, eventfd, timerfd, signal pipe.
constexpr size_t kFilesPerThread = 8;
// How often the gathering thread looks at the shards.
constexpr auto kPollInterval = std::chrono::milliseconds(20);

Status Validate(const SwarmOptions& o) {
  auto bad = [](std::string message) { return Status::Error("bad_options", std::move(message)); };
  if (o.bots == 0) return bad("--bots must be at least 1");
  if (o.threads < 1 || o.threads > 256) return bad("--threads must be 1 to 256");
  if (!(o.ramp_s >= 0) || !(o.duration_s > 0)) {
    return bad("--ramp must be >= 0 and --duration > 0 seconds");
  }
  if (!(o.ping_hz >= 0 && o.ping_hz <= 1000) || !(o.input_hz <= 1000)) {
    return bad("--ping-hz and --input-hz must be 0 to 1000");
  }
  if (!(o.churn >= 0 && o.churn <= 1)) return bad("--churn must be a fraction from 0 to 1");
  if (o.transport != "tcp" && o.transport != "ws") return bad("--transport must be tcp or ws");
  if (!(o.reconnect_timeout_s >= 0 && o.reconnect_timeout_s <= 3600)) {
    return bad("--reconnect-timeout must be 0 to 3600 seconds");
  }
  if (!KnownGame(o.game)) return Status::Error("unknown_game", "no bot strategy for " + o.game);
  return Status::Ok();
}

Result<sockaddr_storage> Resolve(const std::string& host_port) {
  Result<HostPort> hp = ParseHostPort(host_port);
  if (!hp.ok()) return hp.status();
  return ResolveHostPort(hp.value());
}

// The local ports available for connections to one address (ip_local_port_range).
size_t LocalPorts() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  size_t low = 0, high = 0;
  if (!(in >> low >> high) || high < low) return SIZE_MAX;
  return high - low + 1;
}

// The nodes the bots connect to: `servers`, or `server` alone.
std::vector<std::string> Nodes(const SwarmOptions& o) {
  return o.servers.empty() ? std::vector<std::string>{o.server} : o.servers;
}

Result<std::vector<sockaddr_storage>> ResolveAll(const std::vector<std::string>& nodes) {
  std::vector<sockaddr_storage> out;
  for (const std::string& node : nodes) {
    Result<sockaddr_storage> address = Resolve(node);
    if (!address.ok()) return address.status();
    out.push_back(address.value());
  }
  return out;
}

BotSettings MakeSettings(const SwarmOptions& o, std::vector<sockaddr_storage> servers) {
  BotSettings s;
  s.servers = std::move(servers);
  s.reconnect_timeout_us = Us(o.reconnect_timeout_s);
  s.websocket = o.transport == "ws";
  s.game = o.game;
  const double input_hz = o.input_hz < 0 ? DefaultInputHz(o.game) : o.input_hz;
  s.ping_period_us = o.ping_hz > 0 ? Us(1 / o.ping_hz) : 0;
  s.input_period_us = input_hz > 0 ? Us(1 / input_hz) : 0;
  return s;
}

bool AllFinished(const std::vector<std::unique_ptr<Shard>>& shards) {
  return std::all_of(shards.begin(), shards.end(), [](const auto& s) { return s->finished(); });
}

std::vector<std::unique_ptr<Shard>> MakeShards(const SwarmOptions& o, const BotSettings& settings,
                                               const RunClock& clock, int threads) {
  PlanRequest request;
  request.bots = o.bots;
  request.threads = threads;
  request.seed = o.seed;
  request.ramp_s = o.ramp_s;
  request.duration_s = o.duration_s;
  request.churn = o.churn;
  request.ping_period_us = settings.ping_period_us;
  request.input_period_us = settings.input_period_us;
  std::vector<std::unique_ptr<Shard>> shards;
  for (ShardPlan& plan : PlanSwarm(request, clock)) {
    shards.push_back(std::make_unique<Shard>(&settings, &clock, std::move(plan)));
  }
  return shards;
}

// CPU samples at the two ends of the measurement window.
struct WindowCpu {
  CpuPoint from;
  CpuPoint to;
};

// Watches the run until every shard has finished: gathers each second, ends the run early
// on cancel, and samples CPU as the window opens and closes.
WindowCpu Watch(const std::vector<std::unique_ptr<Shard>>& shards, const SwarmOptions& o,
                RunClock& clock, Gatherer& gatherer) {
  std::optional<CpuPoint> from, to;
  while (!AllFinished(shards)) {
    std::this_thread::sleep_for(kPollInterval);
    if (o.cancel && o.cancel->load()) clock.EndAt(NowUs());
    const uint64_t now = NowUs();
    if (!from && now >= clock.window_start_us) from = SampleCpu(o.server_pid);
    if (!to && now >= clock.end()) to = SampleCpu(o.server_pid);
    gatherer.Poll();
  }
  if (!to) to = SampleCpu(o.server_pid);
  return {from.value_or(*to), *to};
}

void FillReport(const SwarmOptions& o, int threads, const RunClock& clock, const WindowCpu& cpu,
                SwarmReport& r) {
  const CpuPoint& from = cpu.from;
  const CpuPoint& to = cpu.to;
  for (const std::string& node : Nodes(o)) r.server += (r.server.empty() ? "" : ",") + node;
  r.game = o.game;
  r.bots = o.bots;
  r.threads = threads;
  r.seed = o.seed;
  r.ramp_s = o.ramp_s;
  r.duration_s = o.duration_s;
  r.input_hz = o.input_hz < 0 ? DefaultInputHz(o.game) : o.input_hz;
  r.ping_hz = o.ping_hz;
  r.churn = o.churn;
  const uint64_t end = clock.end();
  r.window_s =
      end > clock.window_start_us ? static_cast<double>(end - clock.window_start_us) / 1e6 : 0;
  r.run_s = static_cast<double>(NowUs() - clock.start_us) / 1e6;
  r.swarm_cpu_s = to.swarm_s - from.swarm_s;
  if (Result<ProcessSample> self = SampleProcess(getpid()); self.ok())
    r.swarm_hwm_mb = self->hwm_mb;
  if (from.machine && to.machine) {
    const double seconds = static_cast<double>(to.at_us - from.at_us) / 1e6;
    auto cores = [seconds](double a, double b) { return seconds > 0 ? (b - a) / seconds : 0; };
    MachineFigures m;
    m.cpus = to.machine->cpus;
    m.user_cores = cores(from.machine->user, to.machine->user);
    m.system_cores = cores(from.machine->system, to.machine->system);
    m.softirq_cores = cores(from.machine->softirq, to.machine->softirq);
    m.steal_cores = cores(from.machine->steal, to.machine->steal);
    m.idle_cores = cores(from.machine->idle, to.machine->idle);
    r.machine = m;
  }
  if (from.server && to.server) {
    ServerFigures f;
    f.pid = o.server_pid;
    f.cpu_s = to.server->cpu_s - from.server->cpu_s;
    f.cpu_cores = Cores(f.cpu_s, from.at_us, to.at_us);
    f.rss_mb = to.server->rss_mb;
    f.hwm_mb = to.server->hwm_mb;
    r.server_process = f;
  }
}

}  // namespace

Status CheckCapacity(size_t bots, int threads) {
  const size_t limit = RaiseFileLimit();
  const size_t reserved = kReservedFiles + kFilesPerThread * static_cast<size_t>(threads);
  if (bots + reserved > limit) {
    const size_t fit = limit > reserved ? limit - reserved : 0;
    return Status::Error(
        "too_many_bots",
        "--bots " + std::to_string(bots) + " needs " + std::to_string(bots + reserved) +
            " open files, but this process may open only " + std::to_string(limit) +
            " (the hard limit, see ulimit -Hn): at most " + std::to_string(fit) +
            " bots fit. Raise the hard limit or run several swarm processes.");
  }
  const size_t ports = LocalPorts();
  if (bots > ports) {
    return Status::Error("too_many_bots", "--bots " + std::to_string(bots) + " exceeds the " +
                                              std::to_string(ports) +
                                              " local ports one server address can be reached from "
                                              "(net.ipv4.ip_local_port_range): at most " +
                                              std::to_string(ports) + " bots fit.");
  }
  return Status::Ok();
}

Result<SwarmReport> RunSwarm(const SwarmOptions& o) {
  if (Status s = Validate(o); !s.ok()) return s;
  Result<std::vector<sockaddr_storage>> addresses = ResolveAll(Nodes(o));
  if (!addresses.ok()) return addresses.status();
  const int threads = static_cast<int>(std::min<size_t>(static_cast<size_t>(o.threads), o.bots));
  if (Status s = CheckCapacity(o.bots, threads); !s.ok()) return s;
  if (o.server_pid > 0 && !SampleProcess(o.server_pid).ok()) {
    return Status::Error("bad_options",
                         "--server-pid " + std::to_string(o.server_pid) + ": no such process");
  }
  const BotSettings settings = MakeSettings(o, std::move(addresses.value()));
  RunClock clock;
  clock.start_us = NowUs() + kStartDelayUs;
  clock.window_start_us = clock.start_us + Us(o.ramp_s);
  clock.end_us = clock.window_start_us + Us(o.duration_s);
  std::vector<std::unique_ptr<Shard>> shards = MakeShards(o, settings, clock, threads);

  std::vector<Status> results(shards.size());
  std::vector<std::thread> workers;
  for (size_t i = 0; i < shards.size(); ++i) {
    workers.emplace_back([&shards, &results, i] { results[i] = shards[i]->Run(); });
  }
  Gatherer gatherer(shards, clock, o.server_pid, o.on_second);
  const WindowCpu cpu = Watch(shards, o, clock, gatherer);
  for (std::thread& t : workers) t.join();
  gatherer.Finish();
  for (const Status& s : results) {
    if (!s.ok()) return s;
  }
  SwarmReport report;
  for (const auto& shard : shards) report.stats.Merge(shard->stats());
  report.series = std::move(gatherer.series());
  FillReport(o, threads, clock, cpu, report);
  return report;
}

}  // namespace ggs::bots
