#include "auth/worker.h"

namespace mcpgw::auth {

Worker::Worker(std::chrono::milliseconds period, std::function<void()> periodic,
               std::size_t max_queue)
    : period_(period), periodic_(std::move(periodic)), max_queue_(max_queue) {}

Worker::~Worker() {
  stop();
}

void Worker::start() {
  std::lock_guard lock(mutex_);
  if (started_ || stopping_) return;
  started_ = true;
  thread_ = std::thread([this] { run(); });
}

bool Worker::post(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= max_queue_) return false;
    queue_.push_back(std::move(task));
  }
  start();
  cv_.notify_one();
  return true;
}

void Worker::stop() {
  std::deque<Task> cancelled;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    // The last owner may let go of the engine from a task on this very thread.
    if (thread_.get_id() == std::this_thread::get_id())
      thread_.detach();
    else
      thread_.join();
  }
  {
    std::lock_guard lock(mutex_);
    cancelled.swap(queue_);
  }
  for (auto& task : cancelled) task(true);
}

void Worker::run() {
  auto next_periodic = std::chrono::steady_clock::now() + period_;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (queue_.empty()) {
      if (cv_.wait_until(lock, next_periodic) == std::cv_status::timeout && queue_.empty() &&
          !stopping_) {
        lock.unlock();
        if (periodic_) periodic_();
        lock.lock();
        next_periodic = std::chrono::steady_clock::now() + period_;
      }
      continue;
    }
    Task task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    task(false);
    lock.lock();
  }
}

}  // namespace mcpgw::auth
