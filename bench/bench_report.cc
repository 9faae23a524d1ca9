// The terminal table and the JSON document of a bench run.
#include "bench/bench_report.h"

#include <fmt/printf.h>

#include "bots/json_writer.h"

namespace ggs::bench {
namespace {

// A count per second in a short human form: 950, 12.3k, 4.56M.
std::string Rate(double v) {
  if (v <= 0) return "-";
  if (v >= 1e9) return fmt::sprintf("%.2fG", v / 1e9);
  if (v >= 1e6) return fmt::sprintf("%.2fM", v / 1e6);
  if (v >= 1e3) return fmt::sprintf("%.1fk", v / 1e3);
  return fmt::sprintf("%.0f", v);
}

// A size in a short human form: 512 B, 203.4 KiB, 1.20 MiB; "-" when not measured (0).
std::string Bytes(double v) {
  if (v <= 0) return "-";
  if (v >= 1 << 20) return fmt::sprintf("%.2f MiB", v / (1 << 20));
  if (v >= 1 << 10) return fmt::sprintf("%.1f KiB", v / (1 << 10));
  return fmt::sprintf("%.0f B", v);
}

std::string Duration(double ns) {
  if (ns >= 1e9) return fmt::sprintf("%.2f s", ns / 1e9);
  if (ns >= 1e6) return fmt::sprintf("%.2f ms", ns / 1e6);
  if (ns >= 1e3) return fmt::sprintf("%.2f us", ns / 1e3);
  return fmt::sprintf("%.1f ns", ns);
}

// A figure with `decimals` decimals, or "-" when it was not measured (-1).
std::string Optional(double v, int decimals) {
  return v < 0 ? "-" : fmt::sprintf("%.*f", decimals, v);
}

std::string MicroTable(const std::vector<MicroResult>& micro) {
  std::string out = "Micro benchmarks (Google Benchmark, in-process)\n";
  out += fmt::sprintf("  %-34s %10s %10s %9s %9s %9s %9s\n", "benchmark", "real/iter", "cpu/iter",
                      "items/s", "bytes/s", "mem/item", "iters");
  for (const MicroResult& m : micro) {
    if (!m.error.empty()) {
      out += fmt::sprintf("  %-34s ERROR %s\n", m.name.c_str(), m.error.c_str());
      continue;
    }
    out += fmt::sprintf("  %-34s %10s %10s %9s %9s %9s %9lld\n", m.name.c_str(),
                        Duration(m.real_ns).c_str(), Duration(m.cpu_ns).c_str(),
                        Rate(m.items_per_s).c_str(), Rate(m.bytes_per_s).c_str(),
                        Bytes(m.memory_per_item).c_str(), static_cast<long long>(m.iterations));
  }
  return out;
}

std::string E2eTable(const std::vector<E2eRow>& rows) {
  std::string out =
      "End to end (127.0.0.1; msgs/s = messages in + out at the clients; ratio = msgs/s / ceiling;"
      "\n  cpu ratio = the same per second of server CPU)\n";
  out += fmt::sprintf("  %-16s %3s %6s %9s %9s %6s %6s %8s %8s %6s %8s %7s %8s %7s %6s\n",
                      "scenario", "wrk", "conns", "msgs/s", "ceiling", "ratio", "cpu r.", "p50 ms",
                      "p99 ms", "ticks", "srv cpu", "us/msg", "srv MB", "cli cpu", "errs");
  for (const E2eRow& r : rows) {
    std::string conns = std::to_string(r.connections);
    if (r.failed > 0) conns += "!" + std::to_string(r.failed);
    out += fmt::sprintf(
        "  %-16s %3s %6s %9s %9s %6.3f %6.3f %8s %8s %6s %8s %7s %8s %7s %6llu\n",
        r.scenario.c_str(), r.workers < 0 ? "-" : std::to_string(r.workers).c_str(), conns.c_str(),
        Rate(r.msgs_per_s()).c_str(), Rate(r.ceiling_msgs_per_s).c_str(), r.ratio(), r.cpu_ratio(),
        Optional(r.rtt_p50_ms, 2).c_str(), Optional(r.rtt_p99_ms, 2).c_str(),
        Optional(r.ticks_delivered, 3).c_str(), Optional(r.server_cpu_cores, 2).c_str(),
        Optional(r.server_cpu_us_per_msg(), 2).c_str(), Optional(r.server_rss_mb, 0).c_str(),
        Optional(r.client_cpu_cores, 2).c_str(), static_cast<unsigned long long>(r.errors));
  }
  return out;
}

std::string DurabilityTable(const std::vector<DurabilityFigures>& rows) {
  std::string out = "Durability cost (file database flushed every 1 ms vs :memory:)\n";
  out += fmt::sprintf("  %-10s %6s %12s %12s %7s %7s %9s\n", "load", "conns", "memory/s", "file/s",
                      "ratio", "cost", "cpu ratio");
  for (const DurabilityFigures& d : rows) {
    out += fmt::sprintf("  %-10s %6zu %12s %12s %7.3f %6.1f%% %9.3f\n", d.scenario.c_str(),
                        d.connections, Rate(d.memory_msgs_per_s).c_str(),
                        Rate(d.file_msgs_per_s).c_str(), d.ratio(), 100 * d.cost(), d.cpu_ratio());
  }
  return out;
}

std::string RecoveryTable(const RecoveryFigures& r) {
  return fmt::sprintf(
      "Start-up and recovery\n"
      "  %zu tables created in %.2f s; after a restart the port accepted in %.2f s and\n"
      "  %zu/%zu tables answered (their players resumed) %.2f s after the restart\n",
      r.tables, r.create_s, r.accepting_s, r.answered, r.tables, r.serving_s);
}

std::string WorkerRecoveryTable(const std::vector<WorkerRecoveryFigures>& rows) {
  std::string out =
      "Worker recovery (ggs serve --workers 1; SIGKILL of the worker while every table's\n"
      "  player sends a command; time from the kill until each table's reply)\n";
  out += fmt::sprintf("  %7s %6s %9s %6s %7s %9s %9s\n", "tables", "ready", "recovered", "errors",
                      "dropped", "p50 ms", "max ms");
  for (const WorkerRecoveryFigures& r : rows) {
    out += fmt::sprintf("  %7zu %6zu %9zu %6zu %7zu %9s %9s\n", r.tables, r.ready, r.recovered,
                        r.errors, r.dropped, Optional(r.p50_ms, 2).c_str(),
                        Optional(r.max_ms, 2).c_str());
  }
  return out;
}

std::string NeighbourTable(const NeighbourFigures& n) {
  std::string out = fmt::sprintf(
      "Neighbours of a runaway table (ggs serve --workers %d; %zu/%zu neighbours at %.0f\n"
      "  commands/s each, timed from their schedule, %.1f s per window; the runaway's every\n"
      "  command loops until its worker is killed; the heavy table's every command writes\n"
      "  2,000 keys of 390 bytes, the default --max-writes-per-event)\n",
      n.workers, n.ready, n.neighbours, n.rate_hz, n.window_s);
  out += fmt::sprintf("  %-14s %11s %8s %8s %9s\n", "window", "round trips", "p50 ms", "p99 ms",
                      "max ms");
  for (auto [name, w] : {std::pair<const char*, const NeighbourWindow*>{"alone", &n.quiet},
                         {"beside runaway", &n.looping},
                         {"beside heavy", &n.heavy}}) {
    out += fmt::sprintf("  %-14s %11llu %8s %8s %9s\n", name,
                        static_cast<unsigned long long>(w->round_trips),
                        Optional(w->p50_ms, 2).c_str(), Optional(w->p99_ms, 2).c_str(),
                        Optional(w->max_ms, 2).c_str());
  }
  out += fmt::sprintf(
      "  %llu budget kills of the runaway's worker (%llu other runaway errors); neighbours: %llu "
      "error replies, %zu dropped; %llu heavy callbacks\n",
      static_cast<unsigned long long>(n.kills),
      static_cast<unsigned long long>(n.runaway_other_errors),
      static_cast<unsigned long long>(n.errors), n.dropped,
      static_cast<unsigned long long>(n.heavy_callbacks));
  return out;
}

const char* Met(bool met) { return met ? "met" : "NOT met"; }

// The worker-recovery row the target speaks of: the one at the most tables.
const WorkerRecoveryFigures* LargestWorkerRecovery(const BenchReport& report) {
  const WorkerRecoveryFigures* largest = nullptr;
  for (const WorkerRecoveryFigures& r : report.worker_recovery) {
    if (largest == nullptr || r.tables > largest->tables) largest = &r;
  }
  return largest;
}

bool WorkerRecoveryMet(const WorkerRecoveryFigures& r) {
  return r.all_recovered() && r.max_ms <= kWorkerRecoveryTargetMs;
}

std::string TargetsTable(const BenchReport& report) {
  std::string out = "Targets (this machine; reported, never asserted)\n";
  if (auto best = BestPong(report)) {
    out += fmt::sprintf("  pong at saturation >= %.1fx echo ceiling: %.3fx at %zu bots  %s\n",
                        kPongTargetRatio, best->ratio, best->bots,
                        Met(best->ratio >= kPongTargetRatio));
  }
  for (const DurabilityFigures& d : report.durability) {
    out += fmt::sprintf("  durability cost (%s) <= %.0f%%: %.1f%%  %s\n", d.scenario.c_str(),
                        100 * kDurabilityTargetCost, 100 * d.cost(),
                        Met(d.cost() <= kDurabilityTargetCost));
  }
  if (report.recovery) {
    const RecoveryFigures& r = *report.recovery;
    bool met = r.serving_s <= kRecoveryTargetS && r.answered == r.tables;
    out += fmt::sprintf("  %zu tables serving again <= %.0f s after a restart: %.2f s  %s\n",
                        r.tables, kRecoveryTargetS, r.serving_s, Met(met));
  }
  if (const WorkerRecoveryFigures* r = LargestWorkerRecovery(report)) {
    out += fmt::sprintf(
        "  tables of a killed worker answering <= %.0f ms after the kill (target at %zu "
        "tables): %.2f ms at %zu tables, %zu/%zu recovered  %s\n",
        kWorkerRecoveryTargetMs, kWorkerRecoveryTargetTables, r->max_ms, r->tables, r->recovered,
        r->tables, Met(WorkerRecoveryMet(*r)));
  }
  return out;
}

void WriteTargets(bots::JsonWriter& w, const BenchReport& report) {
  w.Key("targets").BeginObject();
  if (auto best = BestPong(report)) {
    w.Key("pong")
        .BeginObject()
        .Field("target_ratio", kPongTargetRatio)
        .Field("best_ratio", best->ratio)
        .Field("at_bots", static_cast<uint64_t>(best->bots))
        .Field("met", best->ratio >= kPongTargetRatio)
        .EndObject();
  }
  w.Key("durability").BeginArray();
  for (const DurabilityFigures& d : report.durability) {
    w.BeginObject()
        .Field("scenario", d.scenario)
        .Field("target_cost", kDurabilityTargetCost)
        .Field("cost", d.cost())
        .Field("met", d.cost() <= kDurabilityTargetCost)
        .EndObject();
  }
  w.EndArray();
  if (report.recovery) {
    const RecoveryFigures& r = *report.recovery;
    w.Key("recovery")
        .BeginObject()
        .Field("target_s", kRecoveryTargetS)
        .Field("serving_s", r.serving_s)
        .Field("met", r.serving_s <= kRecoveryTargetS && r.answered == r.tables)
        .EndObject();
  }
  if (const WorkerRecoveryFigures* r = LargestWorkerRecovery(report)) {
    w.Key("worker_recovery")
        .BeginObject()
        .Field("target_ms", kWorkerRecoveryTargetMs)
        .Field("target_tables", static_cast<uint64_t>(kWorkerRecoveryTargetTables))
        .Field("tables", static_cast<uint64_t>(r->tables))
        .Field("max_ms", r->max_ms)
        .Field("met", WorkerRecoveryMet(*r))
        .EndObject();
  }
  w.EndObject();
}

void WriteMicro(bots::JsonWriter& w, const MicroResult& m) {
  w.BeginObject()
      .Field("name", m.name)
      .Field("iterations", static_cast<int64_t>(m.iterations))
      .Field("real_ns", m.real_ns)
      .Field("cpu_ns", m.cpu_ns)
      .Field("items_per_s", m.items_per_s)
      .Field("bytes_per_s", m.bytes_per_s);
  if (m.memory_per_item > 0) w.Field("memory_per_item_bytes", m.memory_per_item);
  if (!m.error.empty()) w.Field("error", m.error);
  w.EndObject();
}

void WriteE2e(bots::JsonWriter& w, const E2eRow& r) {
  w.BeginObject()
      .Field("scenario", r.scenario)
      .Field("db", r.db)
      .Field("workers", static_cast<int64_t>(r.workers))
      .Field("connections", static_cast<uint64_t>(r.connections))
      .Field("failed", static_cast<uint64_t>(r.failed))
      .Field("window_s", r.window_s)
      .Field("msgs_in_per_s", r.msgs_in_per_s)
      .Field("msgs_out_per_s", r.msgs_out_per_s)
      .Field("msgs_per_s", r.msgs_per_s())
      .Field("ceiling_msgs_per_s", r.ceiling_msgs_per_s)
      .Field("ratio_to_ceiling", r.ratio())
      .Field("msgs_per_server_cpu_s", r.msgs_per_cpu_s())
      .Field("ceiling_msgs_per_server_cpu_s", r.ceiling_msgs_per_cpu_s)
      .Field("ratio_per_server_cpu", r.cpu_ratio())
      .Field("rtt_p50_ms", r.rtt_p50_ms)
      .Field("rtt_p99_ms", r.rtt_p99_ms)
      .Field("ticks_delivered_ratio", r.ticks_delivered)
      .Field("server_cpu_cores", r.server_cpu_cores)
      .Field("server_cpu_us_per_msg", r.server_cpu_us_per_msg())
      .Field("server_rss_mb", r.server_rss_mb)
      .Field("client_cpu_cores", r.client_cpu_cores)
      .Field("client_cpu_us_per_connection_s", r.client_cpu_us_per_connection())
      .Field("errors", r.errors)
      .EndObject();
}

void WriteDurability(bots::JsonWriter& w, const DurabilityFigures& d) {
  w.BeginObject()
      .Field("scenario", d.scenario)
      .Field("connections", static_cast<uint64_t>(d.connections))
      .Field("memory_msgs_per_s", d.memory_msgs_per_s)
      .Field("file_msgs_per_s", d.file_msgs_per_s)
      .Field("memory_server_cpu_cores", d.memory_server_cpu_cores)
      .Field("file_server_cpu_cores", d.file_server_cpu_cores)
      .Field("ratio", d.ratio())
      .Field("ratio_per_server_cpu", d.cpu_ratio())
      .Field("cost", d.cost())
      .EndObject();
}

void WriteRecovery(bots::JsonWriter& w, const RecoveryFigures& r) {
  w.BeginObject()
      .Field("tables", static_cast<uint64_t>(r.tables))
      .Field("answered", static_cast<uint64_t>(r.answered))
      .Field("create_s", r.create_s)
      .Field("accepting_s", r.accepting_s)
      .Field("serving_s", r.serving_s)
      .EndObject();
}

void WriteWorkerRecovery(bots::JsonWriter& w, const WorkerRecoveryFigures& r) {
  w.BeginObject()
      .Field("tables", static_cast<uint64_t>(r.tables))
      .Field("ready", static_cast<uint64_t>(r.ready))
      .Field("recovered", static_cast<uint64_t>(r.recovered))
      .Field("errors", static_cast<uint64_t>(r.errors))
      .Field("dropped", static_cast<uint64_t>(r.dropped))
      .Field("p50_ms", r.p50_ms)
      .Field("max_ms", r.max_ms)
      .EndObject();
}

void WriteNeighbourWindow(bots::JsonWriter& w, const char* name, const NeighbourWindow& n) {
  w.Key(name)
      .BeginObject()
      .Field("round_trips", n.round_trips)
      .Field("p50_ms", n.p50_ms)
      .Field("p99_ms", n.p99_ms)
      .Field("max_ms", n.max_ms)
      .EndObject();
}

void WriteNeighbour(bots::JsonWriter& w, const NeighbourFigures& n) {
  w.BeginObject()
      .Field("neighbours", static_cast<uint64_t>(n.neighbours))
      .Field("ready", static_cast<uint64_t>(n.ready))
      .Field("workers", static_cast<int64_t>(n.workers))
      .Field("rate_hz", n.rate_hz)
      .Field("window_s", n.window_s);
  WriteNeighbourWindow(w, "quiet", n.quiet);
  WriteNeighbourWindow(w, "looping", n.looping);
  WriteNeighbourWindow(w, "heavy", n.heavy);
  w.Field("heavy_callbacks", n.heavy_callbacks)
      .Field("kills", n.kills)
      .Field("runaway_other_errors", n.runaway_other_errors)
      .Field("errors", n.errors)
      .Field("dropped", static_cast<uint64_t>(n.dropped))
      .EndObject();
}

}  // namespace

double E2eRow::ratio() const {
  return ceiling_msgs_per_s > 0 ? msgs_per_s() / ceiling_msgs_per_s : 0;
}

std::optional<PongBest> BestPong(const BenchReport& report) {
  std::optional<PongBest> best;
  for (const E2eRow& r : report.e2e) {
    if (r.scenario != "pong") continue;
    if (!best || r.ratio() > best->ratio) best = PongBest{r.ratio(), r.connections};
  }
  return best;
}

double E2eRow::client_cpu_us_per_connection() const {
  return client_cpu_cores < 0 || connections == 0 ? -1 : client_cpu_cores * 1e6 / connections;
}

double E2eRow::msgs_per_cpu_s() const {
  return server_cpu_cores > 0 ? msgs_per_s() / server_cpu_cores : 0;
}

double E2eRow::server_cpu_us_per_msg() const {
  return server_cpu_cores >= 0 && msgs_per_s() > 0 ? server_cpu_cores * 1e6 / msgs_per_s() : -1;
}

double E2eRow::cpu_ratio() const {
  return ceiling_msgs_per_cpu_s > 0 ? msgs_per_cpu_s() / ceiling_msgs_per_cpu_s : 0;
}

double DurabilityFigures::cpu_ratio() const {
  if (memory_server_cpu_cores <= 0 || file_server_cpu_cores <= 0 || memory_msgs_per_s <= 0) {
    return 0;
  }
  return (file_msgs_per_s / file_server_cpu_cores) / (memory_msgs_per_s / memory_server_cpu_cores);
}

double DurabilityFigures::ratio() const {
  return memory_msgs_per_s > 0 ? file_msgs_per_s / memory_msgs_per_s : 0;
}

std::string RenderTable(const BenchReport& report) {
  std::string out =
      fmt::sprintf("ggs bench%s: %u cores, load average %s at the start, %s\n",
                   report.quick ? " --quick (smoke run: figures are not measurements)" : "",
                   report.cores, report.load.c_str(), report.started.c_str());
  if (!report.micro.empty()) out += "\n" + MicroTable(report.micro);
  if (!report.e2e.empty()) out += "\n" + E2eTable(report.e2e);
  if (!report.durability.empty()) out += "\n" + DurabilityTable(report.durability);
  if (report.recovery) out += "\n" + RecoveryTable(*report.recovery);
  if (!report.worker_recovery.empty()) out += "\n" + WorkerRecoveryTable(report.worker_recovery);
  if (report.neighbour) out += "\n" + NeighbourTable(*report.neighbour);
  if (!report.e2e.empty() || report.recovery || !report.worker_recovery.empty()) {
    out += "\n" + TargetsTable(report);
  }
  for (const std::string& f : report.failures) out += "\nFAILED: " + f + "\n";
  return out;
}

std::string RenderJson(const BenchReport& report) {
  bots::JsonWriter w;
  w.BeginObject()
      .Field("command", report.command)
      .Field("started", report.started)
      .Field("quick", report.quick)
      .Field("cores", static_cast<uint64_t>(report.cores))
      .Field("load_average", report.load);
  w.Key("micro").BeginArray();
  for (const MicroResult& m : report.micro) WriteMicro(w, m);
  w.EndArray().Key("e2e").BeginArray();
  for (const E2eRow& r : report.e2e) WriteE2e(w, r);
  w.EndArray().Key("durability").BeginArray();
  for (const DurabilityFigures& d : report.durability) WriteDurability(w, d);
  w.EndArray().Key("recovery");
  if (report.recovery) {
    WriteRecovery(w, *report.recovery);
  } else {
    w.BeginObject().EndObject();
  }
  w.Key("worker_recovery").BeginArray();
  for (const WorkerRecoveryFigures& r : report.worker_recovery) WriteWorkerRecovery(w, r);
  w.EndArray().Key("neighbour");
  if (report.neighbour) {
    WriteNeighbour(w, *report.neighbour);
  } else {
    w.BeginObject().EndObject();
  }
  WriteTargets(w, report);
  w.Key("failures").BeginArray();
  for (const std::string& f : report.failures) w.String(f);
  w.EndArray().EndObject();
  return w.str();
}

}  // namespace ggs::bench
