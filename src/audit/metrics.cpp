#include "audit/metrics.h"

#include <utility>

namespace mcpgw::audit {

std::string prometheus_metrics(const Recorder::Stats& s, bool accepting) {
  std::string out =
      "# HELP mcpgw_audit_events_total Audit events by what became of them: enqueued (accepted "
      "by the recorder), written (to the sink), spooled (to the local spool while the sink was "
      "away), replayed (spool to sink), dropped (lost).\n"
      "# TYPE mcpgw_audit_events_total counter\n";
  const std::pair<const char*, uint64_t> states[] = {{"enqueued", s.enqueued},
                                                     {"written", s.written},
                                                     {"spooled", s.spooled},
                                                     {"replayed", s.replayed},
                                                     {"dropped", s.dropped}};
  for (const auto& [state, n] : states)
    out += std::string("mcpgw_audit_events_total{state=\"") + state + "\"} " + std::to_string(n) +
           "\n";
  out +=
      "# HELP mcpgw_audit_queue_events Audit events waiting in memory for the writer.\n"
      "# TYPE mcpgw_audit_queue_events gauge\n"
      "mcpgw_audit_queue_events " +
      std::to_string(s.queued) +
      "\n"
      "# HELP mcpgw_audit_accepting 1 while calls can be recorded; 0 when a fail_closed gateway "
      "refuses calls because nothing can record them.\n"
      "# TYPE mcpgw_audit_accepting gauge\n"
      "mcpgw_audit_accepting " +
      std::string(accepting ? "1" : "0") + "\n";
  return out;
}

}  // namespace mcpgw::audit
