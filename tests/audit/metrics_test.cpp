// The audit counters in Prometheus text format (GET /metrics). That a fail_open recorder counts
// its losses in these stats is LocalRecorder.FailOpenKeepsAcceptingAndCountsTheLoss.
#include "audit/metrics.h"

#include <gtest/gtest.h>

namespace mcpgw::audit {
namespace {

TEST(Metrics, EveryCounterAndGaugeWithItsType) {
  Recorder::Stats s;
  s.enqueued = 12;
  s.written = 7;
  s.spooled = 3;
  s.replayed = 2;
  s.dropped = 1;
  s.queued = 4;
  std::string text = prometheus_metrics(s, false);
  for (const char* line :
       {"# TYPE mcpgw_audit_events_total counter\n",
        "mcpgw_audit_events_total{state=\"enqueued\"} 12\n",
        "mcpgw_audit_events_total{state=\"written\"} 7\n",
        "mcpgw_audit_events_total{state=\"spooled\"} 3\n",
        "mcpgw_audit_events_total{state=\"replayed\"} 2\n",
        "mcpgw_audit_events_total{state=\"dropped\"} 1\n",
        "# TYPE mcpgw_audit_queue_events gauge\n", "mcpgw_audit_queue_events 4\n",
        "# TYPE mcpgw_audit_accepting gauge\n", "mcpgw_audit_accepting 0\n"})
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "in:\n" << text;
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(prometheus_metrics(s, true).find("mcpgw_audit_accepting 1\n"), std::string::npos);
}

}  // namespace
}  // namespace mcpgw::audit
