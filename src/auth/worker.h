// The auth module's background threads: run blocking fetches (JWKS, discovery, introspection,
// token exchanges) off the event loop, plus a periodic task. One thread by default, which runs
// the tasks in the order posted; with more, up to that many tasks run at once.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

namespace mcpgw::auth {

class Worker {
 public:
  // A task gets cancelled=true when the worker stops before running it.
  using Task = std::function<void(bool cancelled)>;

  // `threads` (at least 1) run the queued tasks; the first of them also runs `periodic` once
  // it has had nothing to do for `period`. At most `max_queue` tasks wait (running ones do not
  // count).
  Worker(std::chrono::milliseconds period, std::function<void()> periodic, std::size_t max_queue,
         std::size_t threads = 1);
  ~Worker();

  // Starts the threads if needed. Returns false (task not queued) when the queue is full or
  // the worker was stopped.
  bool post(Task task);
  void start();
  // Refuses new tasks, waits for the running ones, then cancels the queued ones (on the calling
  // thread). Called from a task on one of the worker's own threads, it leaves that thread to
  // end by itself.
  void stop();

 private:
  struct State;  // shared with the threads, so that one may outlive the Worker it stopped
  static void start_locked(const std::shared_ptr<State>& state);
  static void run(const std::shared_ptr<State>& state, bool keeps_time);
  std::shared_ptr<State> state_;
};

}  // namespace mcpgw::auth
