// The swarm's HTML report: one self-contained page (inline SVG and CSS, no scripts, no
// external URLs) with throughput, connected bots, round-trip latency and CPU over time,
// the round-trip histogram and the summary table, so a person can look instead of read;
// and the page of a sweep of runs.
#pragma once

#include <string>
#include <vector>

#include "bots/swarm_report.h"

namespace ggs::bots {

std::string RenderHtmlReport(const SwarmReport& report);

// The page of a sweep (`ggs bot-swarm --sweep`): the runs side by side, with ticks
// delivered (all bots and the worst), ping p50/p99/max, messages and CPU against the bot
// count, then each run's latency over time and summary.
std::string RenderSweepHtmlReport(const std::vector<SwarmReport>& steps);

}  // namespace ggs::bots
