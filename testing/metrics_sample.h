// MetricsSample: reads one sample's value out of a Prometheus text exposition, so that tests
// (and a scraper comparing counters with what it sent) can check a metric without parsing the
// whole format.
#pragma once

#include <optional>
#include <string_view>

namespace ggs {

// The value of the sample whose name and labels are exactly `series` (as rendered, for
// example `ggs_events_total{kind="command"}` or `ggs_games`), or nullopt when no line holds
// it or its value does not parse.
std::optional<double> MetricsSample(std::string_view text, std::string_view series);

}  // namespace ggs
