#include "session/restart_gate.h"

#include <algorithm>

#include "session/upstream_link.h"

namespace mcpgw::session {

bool RestartGate::claim(const std::shared_ptr<UpstreamLink>& link) {
  auto prober = prober_.lock();
  bool probing = prober && prober != link && prober->state() == UpstreamLink::State::Starting;
  if (!probing && std::chrono::steady_clock::now() >= not_before_) {
    prober_ = link;
    return true;
  }
  // Expired entries go when the list is next used, so that it does not grow with closed links.
  std::erase_if(waiting_, [](const std::weak_ptr<UpstreamLink>& w) { return w.expired(); });
  for (auto& w : waiting_)
    if (w.lock() == link) return false;
  waiting_.push_back(link);
  return false;
}

void RestartGate::ready(const UpstreamLink& link) {
  if (prober_.lock().get() == &link) prober_.reset();
  backoff_ = std::chrono::milliseconds(0);
  not_before_ = {};
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& w : waiting)
    if (auto l = w.lock(); l && l.get() != &link) l->restart_now();
}

void RestartGate::failed(const UpstreamLink& link) {
  if (prober_.lock().get() != &link) return;
  prober_.reset();
  backoff_ = backoff_.count() == 0 ? initial_ : std::min(backoff_ * 2, max_);
  not_before_ = std::chrono::steady_clock::now() + backoff_;
}

void RestartGate::release(const UpstreamLink& link) {
  if (prober_.lock().get() == &link) prober_.reset();
}

}  // namespace mcpgw::session
