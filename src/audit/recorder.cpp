// The recorder: record() redacts and enqueues under a short lock; one writer thread links
// events into the hash chain and writes them in batches to the sink, or to the spool while the
// sink is away, replaying the spool in order before anything newer once the sink is back.
#include "audit/recorder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "audit/chain.h"
#include "audit/redact.h"
#include "audit/sanitize.h"
#include "audit/spool.h"
#include "audit/store.h"
#include "audit/uuid7.h"

namespace mcpgw::audit {
namespace {

using Clock = std::chrono::steady_clock;

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// sink: none. Auditing is off: record() costs nothing and nothing is kept.
class NullRecorder final : public Recorder {
 public:
  void record(Event, const std::vector<std::string>&) noexcept override {}
  bool accepting() const noexcept override { return true; }
  Stats stats() const noexcept override { return {}; }
  void shutdown() override {}
};

class QueueRecorder final : public Recorder {
 public:
  explicit QueueRecorder(Settings s)
      : settings_(std::move(s)), store_(make_store(settings_)), spool_(settings_.spool_dir) {
    queue_.reserve(settings_.batch_size);
    writer_ = std::thread([this] { run_writer(); });
  }

  ~QueueRecorder() override { shutdown(); }

  void record(Event e, const std::vector<std::string>& redact_fields) noexcept override {
    try {
      if (e.arguments_source.empty()) {
        std::vector<std::string> merged;
        redact(e.arguments, fields_to_redact(redact_fields, merged));
      } else {
        e.redact_fields = redact_fields;  // the writer parses and redacts (prepare_arguments)
      }
      sanitize(e);
      if (e.instance.empty()) e.instance = settings_.instance;
      int64_t now = now_us();
      bool wake;
      {
        std::lock_guard lock(mutex_);
        if (queue_.size() >= settings_.max_queue || stopping_) {
          dropped_.fetch_add(1, std::memory_order_relaxed);
          return;
        }
        // Ids are handed out under the lock, so queue order, id order and chain order agree.
        e.id = ids_.next(now / 1000);
        if (e.time_us == 0) e.time_us = now;
        queue_.push_back(std::move(e));
        queue_full_.store(queue_.size() >= settings_.max_queue, std::memory_order_relaxed);
        wake = queue_.size() == settings_.batch_size;
      }
      enqueued_.fetch_add(1, std::memory_order_relaxed);
      // Waking the writer costs a system call: only for a full batch; a partial batch waits
      // at most flush_interval.
      if (wake) wake_.notify_one();
    } catch (...) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
    }
  }

  bool accepting() const noexcept override {
    if (settings_.on_failure == OnFailure::FailOpen) return true;
    // Asked on every request: atomics only, no lock.
    return !stuck_.load(std::memory_order_relaxed) && !queue_full_.load(std::memory_order_relaxed);
  }

  Stats stats() const noexcept override {
    Stats s;
    s.enqueued = enqueued_.load(std::memory_order_relaxed);
    s.written = written_.load(std::memory_order_relaxed);
    s.spooled = spooled_.load(std::memory_order_relaxed);
    s.replayed = replayed_.load(std::memory_order_relaxed);
    s.dropped = dropped_.load(std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    s.queued = queue_.size() + in_flight_;
    return s;
  }

  void shutdown() override {
    std::lock_guard once(shutdown_mutex_);
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (writer_.joinable()) writer_.join();
  }

 private:
  void run_writer() {
    start_chain();
    std::vector<Event> batch;
    while (true) {
      bool stop;
      {
        std::unique_lock lock(mutex_);
        // Wait for a full batch, the flush interval, or shutdown. While events are pending
        // (nothing could take them), keep retrying at the flush interval.
        wake_.wait_for(lock, settings_.flush_interval,
                       [&] { return stopping_ || queue_.size() >= settings_.batch_size; });
        stop = stopping_;
        in_flight_ -= batch.size();
        batch.clear();
        batch.swap(queue_);
        queue_.reserve(settings_.batch_size);
        queue_full_.store(false, std::memory_order_relaxed);
        in_flight_ += batch.size();
      }
      maybe_replay();
      for (size_t i = 0; i < batch.size(); i += settings_.batch_size) {
        size_t end = std::min(batch.size(), i + settings_.batch_size);
        std::vector<Event> part(std::make_move_iterator(batch.begin() + i),
                                std::make_move_iterator(batch.begin() + end));
        for (auto& e : part) {
          prepare_arguments(e);
          link(e, head_);
        }
        persist(std::move(part));
      }
      if (stop) {
        maybe_replay();
        size_t lost = pending_.size();
        if (lost) {
          dropped_.fetch_add(lost, std::memory_order_relaxed);
          spdlog::error(
              "audit: shutting down with {} events that neither the sink nor the spool "
              "would take; they are lost",
              lost);
        }
        std::lock_guard lock(mutex_);
        in_flight_ = 0;
        if (queue_.empty()) break;
        // Events recorded while the last batch was written: go round once more.
      }
    }
    store_->close();
  }

  // The configured fields plus a call's own; `merged` holds them when both have some.
  const std::vector<std::string>& fields_to_redact(const std::vector<std::string>& call,
                                                   std::vector<std::string>& merged) const {
    if (call.empty()) return settings_.redact_fields;
    if (settings_.redact_fields.empty()) return call;
    merged = settings_.redact_fields;
    merged.insert(merged.end(), call.begin(), call.end());
    return merged;
  }

  // Arguments the caller handed over as text: parsed, redacted and sanitized here, before the
  // event is linked, spooled or stored.
  void prepare_arguments(Event& e) const {
    if (e.arguments_source.empty()) return;
    try {
      e.arguments = nlohmann::json::parse(e.arguments_source);
    } catch (const std::exception&) {
      e.arguments = std::string("(arguments not recorded: not valid JSON)");
    }
    e.arguments_source.clear();
    e.arguments_source.shrink_to_fit();
    std::vector<std::string> merged;
    redact(e.arguments, fields_to_redact(e.redact_fields, merged));
    e.redact_fields.clear();
    sanitize_json(e.arguments);
  }

  // Where this instance's chain continues: the spool's tail if it holds anything (it is newer
  // than the sink), else the sink's last row, else the head remembered from the last run.
  void start_chain() {
    if (auto h = spool_.last_head(settings_.instance)) {
      head_ = *h;
      return;
    }
    try {
      store_->open();
      if (auto h = store_->chain_head(settings_.instance)) head_ = *h;
      sink_up_ = true;
      return;
    } catch (const std::exception& e) {
      spdlog::warn("audit: sink unavailable at start ({}); events go to the spool {}", e.what(),
                   spool_.path());
      mark_sink_down();
    }
    if (auto h = spool_.saved_head(settings_.instance)) head_ = *h;
  }

  void mark_sink_down() {
    sink_up_ = false;
    store_->close();
    // Retry after 200 ms, doubling up to 2 s while it stays away.
    retry_delay_ = std::clamp(retry_delay_ * 2, std::chrono::milliseconds(200),
                              std::chrono::milliseconds(2000));
    next_retry_ = Clock::now() + retry_delay_;
  }

  // Tries to bring the sink back (at most every retry_delay_) and, once it is up, moves the
  // spool into it before anything newer is written.
  void maybe_replay() {
    if (!sink_up_) {
      if (Clock::now() < next_retry_) return retry_pending();
      try {
        store_->open();
        sink_up_ = true;
        retry_delay_ = std::chrono::milliseconds(0);
        spdlog::info("audit: sink is back");
      } catch (const std::exception& e) {
        mark_sink_down();
        return retry_pending();
      }
    }
    if (spool_.empty()) {
      retry_pending();
      return;
    }
    try {
      size_t n = spool_.replay(settings_.batch_size,
                               [&](const std::vector<Event>& b) { store_->write(b, true); });
      replayed_.fetch_add(n, std::memory_order_relaxed);
      spool_.save_head(settings_.instance, head_);
      spdlog::info("audit: replayed {} spooled events", n);
    } catch (const StoreRejected& e) {
      spdlog::error("audit: the sink rejects spooled events ({}); they stay in {}", e.what(),
                    spool_.path());
      mark_sink_down();
    } catch (const std::exception& e) {
      spdlog::warn("audit: replay interrupted: {}", e.what());
      mark_sink_down();
    }
    retry_pending();
  }

  void retry_pending() {
    if (pending_.empty()) return;
    std::vector<Event> again;
    again.swap(pending_);
    persist(std::move(again), /*may_exist=*/true);  // an earlier attempt may have committed
  }

  // Writes a linked batch to the sink when it is up and nothing is spooled ahead of it (order),
  // else to the spool; if neither takes it, keeps it pending (fail_closed) or drops it
  // (fail_open).
  void persist(std::vector<Event> batch, bool may_exist = false) {
    if (!pending_.empty()) {  // keep order behind what is already waiting
      pending_.insert(pending_.end(), std::make_move_iterator(batch.begin()),
                      std::make_move_iterator(batch.end()));
      return;
    }
    if (sink_up_ && spool_.empty()) {
      try {
        store_->write(batch, may_exist);
        written_.fetch_add(batch.size(), std::memory_order_relaxed);
        spool_.save_head(settings_.instance, head_);
        stuck_.store(false, std::memory_order_relaxed);
        return;
      } catch (const StoreRejected& e) {
        spdlog::error("audit: the sink rejected a batch ({}); spooling it", e.what());
        mark_sink_down();
      } catch (const std::exception& e) {
        spdlog::warn("audit: sink unavailable ({}); spooling to {}", e.what(), spool_.path());
        mark_sink_down();
      }
    }
    try {
      spool_.append(batch);
      spooled_.fetch_add(batch.size(), std::memory_order_relaxed);
      stuck_.store(false, std::memory_order_relaxed);
      return;
    } catch (const std::exception& e) {
      spdlog::error("audit: cannot record: sink unavailable and spool failed: {}", e.what());
    }
    if (settings_.on_failure == OnFailure::FailOpen) {
      dropped_.fetch_add(batch.size(), std::memory_order_relaxed);
    } else {
      stuck_.store(true, std::memory_order_relaxed);
      pending_ = std::move(batch);
    }
  }

  const Settings settings_;
  std::unique_ptr<Store> store_;
  Spool spool_;

  std::mutex shutdown_mutex_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Event> queue_;
  size_t in_flight_ = 0;  // taken by the writer, not yet persisted (for stats().queued)
  bool stopping_ = false;
  Uuid7Generator ids_;

  std::atomic<uint64_t> enqueued_{0}, written_{0}, spooled_{0}, replayed_{0}, dropped_{0};
  std::atomic<bool> stuck_{false};       // fail_closed and nothing takes events
  std::atomic<bool> queue_full_{false};  // queue_ holds max_queue events (set under mutex_)

  // Writer thread only.
  ChainHead head_;
  bool sink_up_ = false;
  std::chrono::milliseconds retry_delay_{0};
  Clock::time_point next_retry_{};
  std::vector<Event> pending_;  // linked, taken by nobody yet (fail_closed)
  std::thread writer_;
};

}  // namespace

std::unique_ptr<Recorder> Recorder::create(Settings settings) {
  if (settings.sink == SinkKind::None) return std::make_unique<NullRecorder>();
  if (settings.batch_size == 0) settings.batch_size = 1;
  return std::make_unique<QueueRecorder>(std::move(settings));
}

}  // namespace mcpgw::audit
