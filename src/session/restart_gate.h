// One per upstream server, shared by every session's link to it. While the server is down, one
// link at a time probes it with a restart of its own accord, and probes that fail space out the
// next ones (restart_backoff doubling to restart_backoff_max, for the server as a whole); the
// other links wait, and start again as soon as any link to the server is ready. Without it, a
// thousand sessions would each restart a dead server (a process spawn, for stdio) once per
// backoff. Requests a client sends still restart their own link at once. Event-loop only.
#pragma once
#include <chrono>
#include <memory>
#include <vector>

namespace mcpgw::session {

class UpstreamLink;

class RestartGate {
 public:
  RestartGate(std::chrono::milliseconds initial_backoff, std::chrono::milliseconds max_backoff)
      : initial_(initial_backoff), max_(max_backoff) {}

  // May `link` restart now, unprompted? True: it is the probe (until it is ready or fails).
  // False: another link is probing, or the last probe failed too recently; `link` is restarted
  // when some link is ready (UpstreamLink::restart_now()), or asks again later.
  bool claim(const std::shared_ptr<UpstreamLink>& link);
  // A link to the server is ready (any link: the server is up): the waiting links restart.
  void ready(const UpstreamLink& link);
  // A link's start failed: if it was the probe, the next probe waits for the server's backoff.
  void failed(const UpstreamLink& link);
  // A link closes (its session ended): if it was the probe, another link may probe at once.
  void release(const UpstreamLink& link);
  size_t waiting() const { return waiting_.size(); }

 private:
  std::chrono::milliseconds initial_, max_, backoff_{0};
  std::chrono::steady_clock::time_point not_before_{};
  std::weak_ptr<UpstreamLink> prober_;
  std::vector<std::weak_ptr<UpstreamLink>> waiting_;
};

}  // namespace mcpgw::session
