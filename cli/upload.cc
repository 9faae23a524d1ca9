// `ggs upload`: install or update a named game on a running server.
#include <iostream>

#include "base/file.h"
#include "base/host_port.h"
#include "cli/commands.h"
#include "client/sync_client.h"

namespace ggs::cli {
namespace {

struct UploadFlags {
  std::string file;
  std::string name;
  std::string server = "127.0.0.1:9000";
  std::string admin_token;
  int timeout_ms = 10000;
  bool live = false;
};

int RunUpload(const UploadFlags& f) {
  Result<std::string> source = ReadFile(f.file);
  if (!source.ok()) {
    std::cerr << "ggs upload: " << source.status().message() << "\n";
    return 2;
  }
  Result<HostPort> address = ParseHostPort(f.server);
  if (!address.ok()) {
    std::cerr << "ggs upload: --server: " << address.status().message() << "\n";
    return 2;
  }
  Result<std::unique_ptr<SyncClient>> client = SyncClient::Connect(address->host, address->port);
  if (!client.ok()) {
    std::cerr << "ggs upload: " << client.status().message() << "\n";
    return 1;
  }
  Status sent = client.value()->SendUpload(f.name, f.admin_token, *source, f.live);
  Result<Packet> reply = sent.ok() ? client.value()->Receive(f.timeout_ms) : Result<Packet>(sent);
  if (!reply.ok()) {
    std::cerr << "ggs upload: " << reply.status().message() << "\n";
    return 1;
  }
  if (ClientCommandOf(*reply) == command::kUploaded) {
    Result<UploadReply> uploaded = ParseUploadReply(reply->payload);
    if (!uploaded.ok()) {
      std::cerr << "ggs upload: " << uploaded.status().message() << "\n";
      return 1;
    }
    std::cout << "uploaded " << uploaded->game << " version " << uploaded->version << "\n";
    if (!uploaded->live) return 0;
    std::cout << "moved " << uploaded->moved << " running tables to version " << uploaded->version
              << "\n";
    if (uploaded->refused.empty()) return 0;
    std::cout << uploaded->refused.size() << " tables refused it and keep their version:\n";
    for (const UploadReply::Refusal& r : uploaded->refused) {
      std::cout << "  " << r.table << " " << r.reason << "\n";
    }
    return 3;
  }
  const std::string_view code = ErrorCodeOf(*reply);
  std::cerr << "ggs upload: " << (code.empty() ? "unexpected reply" : code) << ": "
            << reply->payload << "\n";
  return 1;
}

}  // namespace

void AddUpload(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<UploadFlags>();
  if (const char* token = std::getenv("GGS_ADMIN_TOKEN")) flags->admin_token = token;
  CLI::App* cmd = app.add_subcommand(
      "upload",
      "Install or update a named game on a running server (new tables use the newest "
      "version; running tables keep theirs unless --live)");
  cmd->add_option("FILE", flags->file, "The game's JavaScript source (ES5)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--name", flags->name, "The game's name: 1-64 letters, digits, '_' or '-'")
      ->required();
  cmd->add_option("--server", flags->server, "HOST:PORT of the server")->capture_default_str();
  cmd->add_option("--admin-token", flags->admin_token,
                  "The server's admin token; prefer env GGS_ADMIN_TOKEN, since a flag's "
                  "value is visible to other local users in `ps`");
  cmd->add_flag("--live", flags->live,
                "Also move every running table of the game to the new version: each table's "
                "VM is rebuilt from the new source and its stored state, restored() runs, "
                "its players stay connected. A table whose new VM fails keeps its version "
                "and is listed with the reason");
  cmd->add_option("--timeout-ms", flags->timeout_ms,
                  "How long to wait for the reply (a live upload answers once every running "
                  "table has)")
      ->capture_default_str();
  cmd->footer(
      "Exit status: 0 installed (and, with --live, every running table moved); 1 not "
      "installed; 2 bad arguments; 3 installed, but some running tables refused it.\n"
      "Example: ggs upload games/pong/pong.js --name pong --live --admin-token s3cret");
  cmd->callback([flags, exit_code] { *exit_code = RunUpload(*flags); });
}

}  // namespace ggs::cli
