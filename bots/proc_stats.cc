// Reading /proc/PID/stat, /proc/PID/status and getrusage.
#include "bots/proc_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace ggs::bots {
namespace {

// The utime and stime fields (14 and 15) of /proc/PID/stat, in seconds. The second field,
// the command name, may contain spaces, so fields are counted after its closing ')'.
Result<double> CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return Status::Io("no process " + std::to_string(pid));
  const size_t paren = line.rfind(')');
  if (paren == std::string::npos) return Status::Io("unexpected /proc/PID/stat");
  std::istringstream fields(line.substr(paren + 1));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A `Name:   123 kB` line of /proc/PID/status, in MB; 0 when absent.
double StatusMb(const std::string& status, const std::string& name) {
  const size_t at = status.find("\n" + name + ":");
  if (at == std::string::npos) return 0;
  return std::strtod(status.c_str() + at + name.size() + 2, nullptr) / 1024.0;
}

}  // namespace

Result<ProcessSample> SampleProcess(pid_t pid) {
  Result<double> cpu = CpuSeconds(pid);
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
