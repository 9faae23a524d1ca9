// Reading /proc/PID/stat, /proc/PID/status and getrusage.
#include "bots/proc_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "base/process_tree.h"

namespace ggs::bots {
namespace {

// Which CPU fields of /proc/PID/stat to add up.
enum class Cpu {
  kOwn,                   // utime and stime (fields 14 and 15).
  kOwnAndReapedChildren,  // Also cutime and cstime (16 and 17): children waited for.
};

// CPU fields of /proc/PID/stat, in seconds. The second field, the command name, may contain
// spaces, so fields are counted after its closing ')'.
Result<double> CpuSeconds(pid_t pid, Cpu which = Cpu::kOwn) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return Status::Io("no process " + std::to_string(pid));
  const size_t paren = line.rfind(')');
  if (paren == std::string::npos) return Status::Io("unexpected /proc/PID/stat");
  std::istringstream fields(line.substr(paren + 1));
  std::string field;
  const int last = which == Cpu::kOwn ? 15 : 17;
  unsigned long long ticks = 0;
  for (int i = 3; i <= last && fields >> field; ++i) {
    if (i >= 14) ticks += std::strtoull(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A `Name:   123 kB` line of /proc/PID/status, in MB; 0 when absent.
double StatusMb(const std::string& status, const std::string& name) {
  const size_t at = status.find("\n" + name + ":");
  if (at == std::string::npos) return 0;
  return std::strtod(status.c_str() + at + name.size() + 2, nullptr) / 1024.0;
}

Result<ProcessSample> Sample(pid_t pid, Cpu which) {
  Result<double> cpu = CpuSeconds(pid, which);
  if (!cpu.ok()) return cpu.status();
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::stringstream status;
  status << "\n" << in.rdbuf();
  ProcessSample s;
  s.cpu_s = cpu.value();
  s.rss_mb = StatusMb(status.str(), "VmRSS");
  s.hwm_mb = StatusMb(status.str(), "VmHWM");
  return s;
}

}  // namespace

Result<ProcessSample> SampleProcess(pid_t pid) { return Sample(pid, Cpu::kOwn); }

Result<ProcessSample> SampleProcessTree(pid_t pid) {
  Result<ProcessSample> total = Sample(pid, Cpu::kOwnAndReapedChildren);
  if (!total.ok()) return total.status();
  for (pid_t descendant : ProcessTree(pid)) {
    if (descendant == pid) continue;
    Result<ProcessSample> s = Sample(descendant, Cpu::kOwnAndReapedChildren);
    if (!s.ok()) continue;  // It ended meanwhile.
    total->cpu_s += s->cpu_s;
    total->rss_mb += s->rss_mb;
    total->hwm_mb += s->hwm_mb;
  }
  return total;
}

Result<MachineSample> SampleMachine() {
  std::ifstream in("/proc/stat");
  std::string label;
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                     steal = 0;
  if (!(in >> label >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) ||
      label != "cpu") {
    return Status::Io("cannot read /proc/stat");
  }
  MachineSample m;
  const auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  m.user = static_cast<double>(user + nice) / ticks;
  m.system = static_cast<double>(system) / ticks;
  m.softirq = static_cast<double>(irq + softirq) / ticks;
  m.steal = static_cast<double>(steal) / ticks;
  m.idle = static_cast<double>(idle + iowait) / ticks;
  m.cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  return m;
}

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace ggs::bots
