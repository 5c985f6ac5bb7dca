#include "auth/worker.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace mcpgw::auth {

struct Worker::State {
  std::chrono::milliseconds period;
  std::function<void()> periodic;
  std::size_t max_queue, threads;
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<Task> queue;
  bool stopping = false, started = false;
  std::vector<std::thread> running;  // handed to the first stop()
};

Worker::Worker(std::chrono::milliseconds period, std::function<void()> periodic,
               std::size_t max_queue, std::size_t threads)
    : state_(std::make_shared<State>()) {
  state_->period = period;
  state_->periodic = std::move(periodic);
  state_->max_queue = max_queue;
  state_->threads = std::max<std::size_t>(1, threads);
}

Worker::~Worker() {
  stop();
}

void Worker::start() {
  std::lock_guard lock(state_->mutex);
  start_locked(state_);
}

void Worker::start_locked(const std::shared_ptr<State>& state) {
  if (state->started || state->stopping) return;
  state->started = true;
  for (std::size_t i = 0; i < state->threads; ++i)
    state->running.emplace_back([state, i] { run(state, i == 0); });
}

bool Worker::post(Task task) {
  auto state = state_;  // the task may let go of this Worker before post() returns
  {
    std::lock_guard lock(state->mutex);
    if (state->stopping || state->queue.size() >= state->max_queue) return false;
    state->queue.push_back(std::move(task));
    start_locked(state);
  }
  state->cv.notify_one();
  return true;
}

void Worker::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
    threads.swap(state_->running);
  }
  state_->cv.notify_all();
  for (auto& t : threads) {
    // The last owner may let go of the engine from a task on one of these very threads.
    if (t.get_id() == std::this_thread::get_id())
      t.detach();
    else
      t.join();
  }
  std::deque<Task> cancelled;
  {
    std::lock_guard lock(state_->mutex);
    cancelled.swap(state_->queue);
  }
  for (auto& task : cancelled) task(true);
}

void Worker::run(const std::shared_ptr<State>& state, bool keeps_time) {
  State& s = *state;
  auto next_periodic = std::chrono::steady_clock::now() + s.period;
  std::unique_lock lock(s.mutex);
  while (!s.stopping) {
    if (s.queue.empty()) {
      if (!keeps_time) {
        s.cv.wait(lock);
      } else if (s.cv.wait_until(lock, next_periodic) == std::cv_status::timeout &&
                 s.queue.empty() && !s.stopping) {
        lock.unlock();
        if (s.periodic) s.periodic();
        lock.lock();
        next_periodic = std::chrono::steady_clock::now() + s.period;
      }
      continue;
    }
    Task task = std::move(s.queue.front());
    s.queue.pop_front();
    lock.unlock();
    task(false);
    task = nullptr;  // what it held goes now, unlocked (it may be the Worker's last owner)
    lock.lock();
  }
}

}  // namespace mcpgw::auth
