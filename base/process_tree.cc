// Reading parent pids from /proc/PID/stat.
#include "base/process_tree.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace ggs {
namespace {

// The parent pid (field 4) of /proc/PID/stat, or -1 when the process is gone. The second
// field, the command name, may contain spaces and parentheses, so fields are counted after
// its last ')'.
pid_t ParentOf(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string line;
  if (!std::getline(in, line)) return -1;
  const size_t paren = line.rfind(')');
  if (paren == std::string::npos || paren + 4 >= line.size()) return -1;
  // After ") " come the state (one character), a space, and the parent pid.
  return static_cast<pid_t>(std::strtol(line.c_str() + paren + 4, nullptr, 10));
}

// Every live process's parent, keyed by parent: parent -> its children in pid order.
std::multimap<pid_t, pid_t> ChildrenByParent() {
  std::multimap<pid_t, pid_t> children;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const pid_t parent = ParentOf(name);
    if (parent >= 0) children.emplace(parent, static_cast<pid_t>(std::atol(name.c_str())));
  }
  return children;
}

}  // namespace

std::vector<pid_t> ChildProcesses(pid_t parent) {
  const std::multimap<pid_t, pid_t> children = ChildrenByParent();
  std::vector<pid_t> out;
  for (auto [it, end] = children.equal_range(parent); it != end; ++it) out.push_back(it->second);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<pid_t> ProcessTree(pid_t root) {
  if (!std::filesystem::exists("/proc/" + std::to_string(root))) return {};
  const std::multimap<pid_t, pid_t> children = ChildrenByParent();
  std::vector<pid_t> tree = {root};
  // Breadth first; a pid is never its own ancestor, so this ends.
  for (size_t i = 0; i < tree.size(); ++i) {
    for (auto [it, end] = children.equal_range(tree[i]); it != end; ++it) {
      tree.push_back(it->second);
    }
  }
  return tree;
}

}  // namespace ggs
