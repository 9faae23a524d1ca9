// The swarm's HTML report: one self-contained page (inline SVG and CSS, no scripts, no
// external URLs) with throughput, connected bots, round-trip latency and CPU over time,
// the round-trip histogram and the summary table, so a person can look instead of read.
#pragma once

#include <string>

#include "bots/swarm_report.h"

namespace ggs::bots {

std::string RenderHtmlReport(const SwarmReport& report);

}  // namespace ggs::bots
