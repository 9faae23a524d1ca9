// The benchmark games and the directory `ggs serve --games` installs them from.
#include "bench/bench_games.h"

#include <filesystem>

#include "base/file.h"
#include "bench/pong_source.h"

namespace ggs::bench {

const char kCounterSource[] = R"js(
var seats = 1;
var n = 0;  // A cache only: the benchmark needs distinct writes, not a durable count.
function playerCommand(id, command, args) {
  n = n + 1;
  GGS.world.setItem('c' + (n % 64), String(n));
}
)js";

const char kSoloSource[] = R"js(
var seats = 1;
function playerCommand(id, command, args) { GGS.sendCommand(id, 'ok', args); }
)js";

const char kSpinSource[] = R"js(
var seats = 1;
function playerCommand(id, command, args) {
  while (true) {}
}
)js";

const char kHeavySource[] = R"js(
var seats = 1;
var value = new Array(391).join('x');
function playerCommand(id, command, args) {
  for (var i = 0; i < 2000; i++) GGS.localStorage.setItem('k' + i, value);
  GGS.sendCommand(id, 'done', '');
}
)js";

namespace {

Status WriteGame(const std::filesystem::path& dir, const std::string& name, const char* source) {
  std::error_code ec;
  std::filesystem::create_directories(dir / name, ec);
  if (ec) return Status::Io("cannot create " + (dir / name).string());
  return WriteFile((dir / name / (name + ".js")).string(), source);
}

}  // namespace

Status WriteBenchGames(const std::string& dir) {
  for (auto [name, source] : {std::pair<const char*, const char*>{"counter", kCounterSource},
                              {"solo", kSoloSource},
                              {"spin", kSpinSource},
                              {"heavy", kHeavySource},
                              {"pong", kPongSource}}) {
    Status s = WriteGame(dir, name, source);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace ggs::bench
