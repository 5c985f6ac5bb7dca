// The audit trail's counters in the Prometheus text exposition format, for GET /metrics: a
// fail_open gateway carries on when nothing can record, and this is where the loss shows.
#pragma once
#include <string>

#include "audit/recorder.h"

namespace mcpgw::audit {

// mcpgw_audit_events_total{state="enqueued|written|spooled|replayed|dropped"} (counters) and
// mcpgw_audit_queue_events and mcpgw_audit_accepting (gauges), with HELP and TYPE lines.
std::string prometheus_metrics(const Recorder::Stats& stats, bool accepting);

}  // namespace mcpgw::audit
