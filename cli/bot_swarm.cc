// `ggs bot-swarm`: load-test a server with thousands of coroutine bots that really play.
// The engine is bots/swarm.h; this file parses flags, prints the live line and the summary,
// writes the JSON and HTML reports, and turns the CI gate into the exit status.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <memory>

#include "base/file.h"
#include "bots/html_report.h"
#include "bots/swarm.h"
#include "cli/commands.h"

namespace ggs::cli {
namespace {

// Between the runs of a sweep: the previous run's bots have said goodbye, and their tables
// close meanwhile, so the next run starts on an empty server.
constexpr unsigned kSweepPauseS = 2;

struct BotSwarmFlags {
  bots::SwarmOptions swarm;
  std::vector<size_t> sweep;  // Bot counts, one run each; empty: one run of swarm.bots.
  std::string json;
  std::string report;
  double max_error_rate = 0;
  bool quiet = false;
};

std::atomic<bool> g_cancel{false};

// Ctrl-C ends the run early; the bots still say goodbye and the report is still written.
void OnInterrupt(int) { g_cancel = true; }

void PrintProgress(const bots::SeriesPoint& p, size_t bots) {
  std::fprintf(stderr,
               "\r\033[K[%4llds] bots %lld/%zu  in %llu/s  out %llu/s  ping p50 %.2f ms "
               "p99 %.2f ms  errors %llu",
               static_cast<long long>(p.second + 1), static_cast<long long>(p.connected), bots,
               static_cast<unsigned long long>(p.msgs_in),
               static_cast<unsigned long long>(p.msgs_out), p.rtt_p50_ms, p.rtt_p99_ms,
               static_cast<unsigned long long>(p.errors));
  std::fflush(stderr);
}

// Usage problems (bad flags, too many bots for this process) exit 2 before any bot starts.
int ExitCodeFor(const Status& s) {
  const std::string& c = s.code();
  return c == "bad_options" || c == "bad_address" || c == "unknown_game" || c == "too_many_bots"
             ? 2
             : 1;
}

// Writes the JSON and HTML outputs that were asked for: 0, or 1 when one cannot be written.
int WriteOutputs(const BotSwarmFlags& f, const std::string& json, const std::string& html) {
  for (const auto& [path, text] : {std::pair{&f.json, &json}, std::pair{&f.report, &html}}) {
    if (path->empty()) continue;
    if (Status s = WriteFile(*path, *text); !s.ok()) {
      std::cerr << "ggs bot-swarm: " << s.message() << "\n";
      return 1;
    }
  }
  return 0;
}

// One run of `bots` bots with the live line; prints its summary, or why it could not run.
Result<bots::SwarmReport> RunOnce(BotSwarmFlags& f, size_t bots) {
  f.swarm.bots = bots;
  const bool live = !f.quiet && isatty(STDERR_FILENO);
  f.swarm.on_second = nullptr;
  if (live) f.swarm.on_second = [bots](const bots::SeriesPoint& p) { PrintProgress(p, bots); };
  Result<bots::SwarmReport> report = bots::RunSwarm(f.swarm);
  if (live) std::fprintf(stderr, "\n");
  if (!report.ok()) {
    std::cerr << "ggs bot-swarm: " << report.status().message() << "\n";
  } else {
    std::cout << bots::SummaryTable(report.value()) << std::flush;
  }
  return report;
}

// The CI gate of one run: 0, or 1 with the reason printed.
int Gate(const BotSwarmFlags& f, const bots::SwarmReport& report) {
  if (Status gate = bots::CheckGate(report, f.max_error_rate); !gate.ok()) {
    std::cerr << ("ggs bot-swarm: FAILED: " + gate.message() + "\n") << std::flush;
    return 1;
  }
  return 0;
}

int RunSingle(BotSwarmFlags& f) {
  Result<bots::SwarmReport> report = RunOnce(f, f.swarm.bots);
  if (!report.ok()) return ExitCodeFor(report.status());
  const int rc = WriteOutputs(f, bots::ReportJson(*report), bots::RenderHtmlReport(*report));
  return rc != 0 ? rc : Gate(f, *report);
}

// The runs of --sweep one after another; every run is reported even when an earlier one
// failed its gate (overload is what a sweep looks for), and the exit status is 1 if any did.
int RunSweep(BotSwarmFlags& f) {
  std::vector<bots::SwarmReport> steps;
  int gate = 0;
  for (size_t i = 0; i < f.sweep.size() && !g_cancel; ++i) {
    if (i > 0) sleep(kSweepPauseS);
    Result<bots::SwarmReport> report = RunOnce(f, f.sweep[i]);
    if (!report.ok()) return ExitCodeFor(report.status());
    gate = std::max(gate, Gate(f, *report));
    steps.push_back(std::move(*report));
  }
  std::cout << "ggs bot-swarm sweep against " << f.swarm.server << ":\n"
            << bots::SweepTable(steps) << std::flush;
  const int rc = WriteOutputs(f, bots::SweepJson(steps), bots::RenderSweepHtmlReport(steps));
  return rc != 0 ? rc : gate;
}

int RunBotSwarm(BotSwarmFlags& f) {
  if (f.sweep.empty() && f.swarm.bots == 0) {
    std::cerr << "ggs bot-swarm: --bots N (one run) or --sweep N,N,... (a run each) is required\n";
    return 2;
  }
  const size_t most =
      f.sweep.empty() ? f.swarm.bots : *std::max_element(f.sweep.begin(), f.sweep.end());
  if (Status s = bots::CheckCapacity(most, f.swarm.threads); !s.ok()) {
    std::cerr << "ggs bot-swarm: " << s.message() << "\n";
    return 2;
  }
  g_cancel = false;
  f.swarm.cancel = &g_cancel;
  struct sigaction interrupt {
  }, previous{};
  interrupt.sa_handler = OnInterrupt;
  sigaction(SIGINT, &interrupt, &previous);
  const int rc = f.sweep.empty() ? RunSingle(f) : RunSweep(f);
  sigaction(SIGINT, &previous, nullptr);
  return rc;
}

}  // namespace

void AddBotSwarm(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<BotSwarmFlags>();
  bots::SwarmOptions& o = flags->swarm;
  CLI::App* cmd = app.add_subcommand(
      "bot-swarm", "Load-test a server with thousands of bots that really play, and measure it");
  CLI::Option* server =
      cmd->add_option("--server", o.server, "HOST:PORT of the server")->capture_default_str();
  cmd->add_option("--servers", o.servers,
                  "HOST:PORT,HOST:PORT,...: the nodes of a cluster, instead of --server. The "
                  "bots start on them round-robin; a bot whose node is lost resumes at the next "
                  "node (then the others)")
      ->delimiter(',')
      ->excludes(server);
  cmd->add_option("--reconnect-timeout", o.reconnect_timeout_s,
                  "Seconds a bot whose connection was lost keeps trying to resume with its token "
                  "(at the next node of --servers, or at --server again); 0 = never")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  cmd->add_option("--transport", o.transport,
                  "tcp (the game port) or ws (WebSocket on /ws; --server is then the server's "
                  "--http address, and --servers the nodes')")
      ->check(CLI::IsMember({"tcp", "ws"}))
      ->capture_default_str();
  cmd->add_option("--game", o.game, "The game the bots play: pong or chat")->capture_default_str();
  o.bots = 0;  // Required unless --sweep names the counts.
  CLI::Option* bots_option =
      cmd->add_option("--bots", o.bots, "How many bots")->check(CLI::PositiveNumber);
  cmd->add_option("--sweep", flags->sweep,
                  "N,N,...: instead of --bots, one run per bot count, in order, against the same "
                  "server, each with its own ramp and window and a pause between them (e.g. "
                  "1250,2500,5000: 1x, 2x and 4x a capacity). --json writes {\"sweep\": [run, "
                  "...]}; --report plots ticks, ping round trips, messages and CPU against the "
                  "bot count")
      ->delimiter(',')
      ->check(CLI::PositiveNumber)
      ->excludes(bots_option);
  cmd->add_option("--ramp", o.ramp_s, "Seconds over which the bots connect, evenly spread")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--duration", o.duration_s, "Seconds measured after the ramp")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--threads", o.threads, "Event-loop threads sharing the bots")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed of every random choice the bots make")
      ->capture_default_str();
  cmd->add_option("--input-hz", o.input_hz, "Game inputs per bot per second (pong 20, chat 0.2)")
      ->check(CLI::Range(0.0, 1000.0));
  cmd->add_option("--ping-hz", o.ping_hz, "Pings per bot per second; 0 = none")
      ->check(CLI::Range(0.0, 1000.0))
      ->capture_default_str();
  cmd->add_option("--churn", o.churn,
                  "Share of bots that drop their connection once and resume with their token")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option(
      "--server-pid", o.server_pid,
      "PID of the server, to report its CPU (/proc/PID/stat) and memory (VmRSS, VmHWM), "
      "summed with its worker processes'");
  cmd->add_option("--json", flags->json, "Write every figure to this JSON file");
  cmd->add_option("--report", flags->report, "Write a self-contained HTML report with plots");
  cmd->add_option("--max-error-rate", flags->max_error_rate,
                  "Fail (exit 1) when errors per message sent exceed this")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_flag("--quiet", flags->quiet, "No live progress line");
  cmd->footer(
      "Exit status: 0 when every bot connected and the error rate is within --max-error-rate;\n"
      "1 when not; 2 for bad flags or when --bots cannot fit the open-file limit.\n"
      "Every hello follows `redirect` replies (at most 3). A bot whose connection is lost\n"
      "resumes with its token and plays on; the report counts reconnects, reconnect failures\n"
      "and the resume time.\n"
      "Example: ggs bot-swarm --server 127.0.0.1:9000 --game pong --bots 1000 --ramp 5 "
      "--duration 30 --json out.json --report out.html\n"
      "Cluster: ggs bot-swarm --servers 10.0.0.1:9000,10.0.0.2:9000 --game pong --bots 1000\n"
      "Overload: ggs bot-swarm --server 127.0.0.1:9000 --sweep 1250,2500,5000 --ramp 5 "
      "--duration 15 --server-pid PID --report sweep.html");
  cmd->callback([flags, exit_code] { *exit_code = RunBotSwarm(*flags); });
}

}  // namespace ggs::cli
