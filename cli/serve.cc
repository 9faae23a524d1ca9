// `ggs serve`: host games on a TCP port with durable state.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "base/file.h"
#include "base/host_port.h"
#include "cli/commands.h"
#include "core/fd_limit.h"
#include "core/log.h"
#include "core/redis_storage.h"
#include "core/server.h"

namespace ggs::cli {
namespace {

struct ServeFlags {
  std::string listen = "127.0.0.1:9000";
  std::string http = "127.0.0.1:8080";
  std::string web;
  size_t http_max_header = 16 * 1024;
  size_t http_max_body = 64 * 1024;
  std::string db = "ggs.db";
  std::string cluster;
  std::string advertise;
  std::string advertise_http;
  uint64_t lease_ms = 3000;
  std::string games;
  size_t max_connections = 0;
  size_t max_connections_per_ip = 256;
  uint64_t packet_timeout_ms = 10000;
  uint64_t hello_timeout_ms = 10000;
  uint64_t idle_timeout_ms = 0;
  double max_commands_per_s = 200;
  size_t packets_per_turn = 32;
  size_t max_header = 8 * 1024;
  size_t max_payload = 1024 * 1024;
  size_t table_memory = 32 * 1024 * 1024;
  VmLimits game_limits;
  uint64_t flush_ms = 50;
  double reconnect_grace = 30;
  std::string admin_token;
  std::string log_level = "info";
  size_t workers = std::max(1u, std::thread::hardware_concurrency());
  uint64_t event_budget_ms = 100;
  int restart_limit = 3;
  double restart_period = 60;
  uint64_t max_table_lag_ms = 1000;
  size_t worker_memory = size_t{8} << 30;
};

// The web directory when --web is not given: web/ beside the binary, the install's
// share/ggs/web, then the source tree's web/ the binary was built from. "" when none exists.
std::string DefaultWebDir() {
  namespace fs = std::filesystem;
  const fs::path bin = fs::path(ExecutablePath()).parent_path();
  std::error_code ec;
  for (const fs::path& dir :
       {bin / "web", bin.parent_path() / "share" / "ggs" / "web", fs::path(GGS_SOURCE_WEB_DIR)}) {
    if (fs::is_directory(dir, ec)) return dir.string();
  }
  return "";
}

int RunServe(const ServeFlags& f) {
  const std::optional<LogLevel> level = ParseLogLevel(f.log_level);
  if (!level) {
    std::cerr << "ggs serve: --log-level must be debug, info, warn, error or off\n";
    return 2;
  }
  SetLogLevel(*level);
  Result<HostPort> address = ParseHostPort(f.listen);
  if (!address.ok()) {
    std::cerr << "ggs serve: --listen: " << address.status().message() << "\n";
    return 2;
  }
  std::optional<HostPort> http;
  if (f.http != "off") {
    Result<HostPort> parsed = ParseHostPort(f.http);
    if (!parsed.ok()) {
      std::cerr << "ggs serve: --http: " << parsed.status().message() << " (or off)\n";
      return 2;
    }
    http = *parsed;
  }
  const std::string web = f.web.empty() ? DefaultWebDir() : f.web;
  if (http && !std::filesystem::is_directory(web)) {
    if (!f.web.empty()) {
      std::cerr << "ggs serve: --web: " << f.web << " is not a directory\n";
      return 2;
    }
    Log(LogLevel::kWarn, "no web directory found; static files answer 404 (see --web)");
  }
  if (!f.cluster.empty()) {
    if (Result<HostPort> redis = ParseRedisUrl(f.cluster); !redis.ok()) {
      std::cerr << "ggs serve: --cluster: " << redis.status().message() << "\n";
      return 2;
    }
  }
  for (const auto& [flag, value] :
       {std::pair{"--advertise", &f.advertise}, {"--advertise-http", &f.advertise_http}}) {
    if (value->empty()) continue;
    if (f.cluster.empty()) {
      std::cerr << "ggs serve: " << flag << " needs --cluster\n";
      return 2;
    }
    Result<HostPort> at = ParseHostPort(*value);
    if (!at.ok() || at->host.empty() || at->port == 0) {
      std::cerr << "ggs serve: " << flag << ": \"" << *value
                << "\" is not HOST:PORT with a host and a port\n";
      return 2;
    }
  }
  if (!f.cluster.empty() && f.advertise.empty() &&
      (address->host == "0.0.0.0" || address->host == "::")) {
    std::cerr << "ggs serve: --listen " << f.listen
              << " is not an address other nodes can send players to: give --advertise "
                 "HOST:PORT\n";
    return 2;
  }
  const size_t files = RaiseFileLimit();
  const size_t capacity = files > kReservedFiles ? files - kReservedFiles : 1;
  ServerOptions o;
  o.host = address->host;
  o.port = address->port;
  o.db_path = f.db;
  o.cluster_url = f.cluster;
  o.advertise = f.advertise;
  o.advertise_http = f.advertise_http;
  o.cluster.lease_ms = f.lease_ms;
  o.games_dir = f.games;
  o.flush_ms = f.flush_ms;
  o.network.limits = {f.max_header, f.max_payload};
  o.network.max_connections = f.max_connections ? f.max_connections : capacity;
  o.network.max_connections_per_ip = f.max_connections_per_ip;
  o.network.deadlines = {f.packet_timeout_ms, f.hello_timeout_ms, f.idle_timeout_ms};
  o.network.max_commands_per_s = f.max_commands_per_s;
  o.network.packets_per_turn = f.packets_per_turn;
  o.network.http.max_request_line = f.http_max_header;
  o.network.http.max_header = f.http_max_header;
  o.network.http.max_body = f.http_max_body;
  if (http) {
    o.http_host = http->host;
    o.http_port = http->port;
    o.web_dir = web;
  }
  o.coordinator.reconnect_grace_ms = static_cast<uint64_t>(f.reconnect_grace * 1000);
  o.coordinator.vm.memory_limit = f.table_memory;
  o.coordinator.vm.limits = f.game_limits;
  o.coordinator.admin_token = f.admin_token;
  o.coordinator.restart_limit = f.restart_limit;
  o.coordinator.restart_period_ms = static_cast<uint64_t>(f.restart_period * 1000);
  o.coordinator.max_table_lag_ms = f.max_table_lag_ms;
  o.workers = f.workers;
  o.worker_pool.binary = ExecutablePath();
  o.worker_pool.event_budget_ms = f.event_budget_ms;
  o.worker_pool.address_space = f.worker_memory;
  if (o.network.max_connections > capacity) {
    Log(LogLevel::kWarn, "--max-connections " + std::to_string(o.network.max_connections) +
                             " exceeds the open-file limit; at most " + std::to_string(capacity) +
                             " connections fit");
  }
  Server server(o);
  if (Status s = server.Start(); !s.ok()) {
    std::cerr << "ggs serve: " << s.message() << "\n";
    return 1;
  }
  Log(LogLevel::kInfo,
      "listening on " + o.host + ":" + std::to_string(server.port()) + "; open-file limit " +
          std::to_string(files) + ", so up to " +
          std::to_string(std::min(capacity, o.network.max_connections)) + " connections; " +
          (o.cluster_url.empty() ? "database " + o.db_path
                                 : "storage in Redis at " + o.cluster_url) +
          (o.coordinator.admin_token.empty() ? "; uploads disabled (no --admin-token)" : ""));
  if (http) {
    Log(LogLevel::kInfo, "http listening on " + o.http_host + ":" +
                             std::to_string(server.http_port()) + " (WebSocket players on /ws" +
                             (o.web_dir.empty() ? "" : ", static files from " + o.web_dir) + ")");
  }
  server.Run();
  Log(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace

void AddServe(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  if (const char* token = std::getenv("GGS_ADMIN_TOKEN")) flags->admin_token = token;
  CLI::App* cmd =
      app.add_subcommand("serve",
                         "Host games: accept players over TCP, run each "
                         "table's JavaScript, keep state in SQLite (or Redis with --cluster)");
  cmd->add_option("--listen", flags->listen, "HOST:PORT to accept players on")
      ->capture_default_str();
  cmd->add_option("--http", flags->http,
                  "HOST:PORT of the HTTP listener: WebSocket players on /ws, /healthz, /readyz, "
                  "the browser clients; off = none")
      ->capture_default_str();
  cmd->add_option("--web", flags->web,
                  "Directory of the static files served over HTTP (default: web/ beside the "
                  "binary, then share/ggs/web of the install, then the source tree's web/)");
  cmd->add_option("--http-max-header", flags->http_max_header,
                  "Largest HTTP request line and headers (bytes; 16KiB); over it: 414 or 431")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  cmd->add_option("--http-max-body", flags->http_max_body,
                  "Largest HTTP request body (bytes; 64KiB); over it: 413")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  CLI::Option* db =
      cmd->add_option("--db", flags->db, "SQLite database file (created when missing)")
          ->capture_default_str();
  cmd->add_option("--cluster", flags->cluster,
                  "redis://HOST:PORT: run as one node of a cluster whose games and tables live "
                  "in this Redis server (instead of --db). Nodes sharing a Redis are one server: "
                  "any node seats any player, redirecting it to the node that owns its table, "
                  "and the tables of a node that dies move to the survivors (docs/scaling.md). "
                  "Without it nothing changes")
      ->excludes(db);
  cmd->add_option("--advertise", flags->advertise,
                  "With --cluster: HOST:PORT of this node's game port as clients reach it, sent "
                  "in redirects; it also names the node (restarted on the same address, a node "
                  "takes its tables back). Default: the --listen address")
      ->default_str("the --listen address");
  cmd->add_option("--advertise-http", flags->advertise_http,
                  "With --cluster: HOST:PORT of this node's HTTP listener as browsers reach it "
                  "(redirects of WebSocket players). Default: the --http address")
      ->default_str("the --http address");
  cmd->add_option("--lease-ms", flags->lease_ms,
                  "With --cluster: a node that has not renewed its lease for this long is dead, "
                  "and the others take its tables over; renewed every third of it")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{300}, uint64_t{600000}));
  cmd->add_option("--games", flags->games,
                  "Install DIR/NAME/NAME.js as game NAME at start (new version only when changed)");
  cmd->add_option("--max-connections", flags->max_connections,
                  "Connections held at once; 0 = as many as the open-file limit allows")
      ->capture_default_str();
  cmd->add_option("--max-connections-per-ip", flags->max_connections_per_ip,
                  "Connections held at once from one IPv4 address or IPv6 /64; one more is "
                  "refused with too_many_connections. 0 = no limit")
      ->capture_default_str();
  cmd->add_option("--packet-timeout", flags->packet_timeout_ms,
                  "Milliseconds a started packet has to arrive whole; then the error timeout "
                  "and the connection is closed. 0 = none")
      ->capture_default_str();
  cmd->add_option("--hello-timeout", flags->hello_timeout_ms,
                  "Milliseconds a new connection has to say hello; then the error timeout "
                  "and the connection is closed. 0 = none")
      ->capture_default_str();
  cmd->add_option("--idle-timeout", flags->idle_timeout_ms,
                  "Milliseconds a connection may send nothing; then the error timeout and "
                  "the connection is closed. 0 = none")
      ->capture_default_str();
  cmd->add_option("--max-commands-per-s", flags->max_commands_per_s,
                  "Packets one connection may send per second, in bursts of up to a second's "
                  "worth; one over it is dropped and answered rate_limited. 0 = no limit")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  cmd->add_option("--packets-per-turn", flags->packets_per_turn,
                  "Packets of one connection handled per event-loop turn before the other "
                  "connections get their turn (a flooder slows only itself)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--max-header", flags->max_header,
                  "Largest header section of a packet (bytes; 8KiB)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  cmd->add_option("--max-payload", flags->max_payload, "Largest payload of a packet (bytes; 1MiB)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  cmd->add_option("--table-memory", flags->table_memory,
                  "Memory cap of each table's JavaScript VM (32MiB)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  VmLimits& limits = flags->game_limits;
  cmd->add_option("--max-sends-per-event", limits.sends_per_event,
                  "Most GGS.sendCommand/sendCommandToAll calls one game callback may make; past "
                  "it the call throws (the game may catch it)")
      ->check(CLI::Range(1u, 100000000u))
      ->capture_default_str();
  cmd->add_option("--max-writes-per-event", limits.writes_per_event,
                  "Most storage writes (setItem, removeItem, clear) one game callback may make")
      ->check(CLI::Range(1u, 100000000u))
      ->capture_default_str();
  cmd->add_option("--max-event-bytes", limits.event_bytes,
                  "Most bytes one game callback's sends, writes and log lines may carry (4MiB)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  cmd->add_option("--max-timers", limits.timers, "Most pending timers one table may hold")
      ->check(CLI::Range(1u, 100000000u))
      ->capture_default_str();
  cmd->add_option("--max-keys", limits.keys,
                  "Most keys in each table's GGS.world and GGS.localStorage")
      ->check(CLI::Range(1u, 100000000u))
      ->capture_default_str();
  cmd->add_option("--max-storage-bytes", limits.namespace_bytes,
                  "Most bytes (keys and values) in each table's GGS.world and "
                  "GGS.localStorage (16MiB)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  cmd->add_option("--flush-ms", flags->flush_ms,
                  "Longest time a state write waits before it is on disk")
      ->check(CLI::Range(1, 60000))
      ->capture_default_str();
  cmd->add_option("--reconnect-grace", flags->reconnect_grace,
                  "Seconds a disconnected player keeps its seat")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  cmd->add_option(
      "--admin-token", flags->admin_token,
      "Secret that authorizes uploads; none = uploads refused. Prefer env GGS_ADMIN_TOKEN "
      "or the config file: a flag's value is visible to every local user in "
      "/proc/PID/cmdline and `ps`");
  cmd->add_option("--log-level", flags->log_level, "debug, info, warn, error or off")
      ->capture_default_str();
  cmd->add_option("--workers", flags->workers,
                  "Run the tables' JavaScript in N supervised, sandboxed worker processes "
                  "(default: one per core); a runaway callback then stops only its own "
                  "worker's tables, briefly. 0 runs every game inside the server process")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  cmd->add_option("--event-budget-ms", flags->event_budget_ms,
                  "With --workers: an event running longer gets its worker killed and "
                  "replaced; its player gets script_timeout, the event never happened")
      ->check(CLI::Range(1, 3600000))
      ->capture_default_str();
  cmd->add_option("--restart-limit", flags->restart_limit,
                  "With --workers: a table whose events kill its worker this many times "
                  "within --restart-period is closed (table_crashed)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--restart-period", flags->restart_period, "Seconds; see --restart-limit")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
  cmd->add_option("--max-table-lag-ms", flags->max_table_lag_ms,
                  "With --workers: a game command that arrives while its table's game is "
                  "this far behind (its oldest unanswered event was sent that long ago) is "
                  "dropped and answered table_busy, so an overloaded server sheds input "
                  "instead of queueing it (0 = never)")
      ->check(CLI::Range(uint64_t{0}, uint64_t{3600000}))
      ->capture_default_str();
  cmd->add_option("--worker-memory", flags->worker_memory,
                  "With --workers: address-space cap of each worker process, a backstop "
                  "behind --table-memory (bytes; 0 = none)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  cmd->footer(
      "Flags may also come from a file: ggs serve --config ggs.toml, where ggs.toml has a [serve]\n"
      "section of `flag = value` lines (e.g. max-payload = \"64KiB\"); command-line flags win.\n"
      "Example: ggs serve --listen 127.0.0.1:9000 --db ggs.db --games games --admin-token s3cret");
  cmd->callback([flags, exit_code] { *exit_code = RunServe(*flags); });
}

}  // namespace ggs::cli
