// The auth module's one background thread: runs blocking fetches (JWKS, discovery,
// introspection) in order, plus a periodic task.
#pragma once
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace mcpgw::auth {

class Worker {
 public:
  // A task gets cancelled=true when the worker stops before running it.
  using Task = std::function<void(bool cancelled)>;

  Worker(std::chrono::milliseconds period, std::function<void()> periodic, std::size_t max_queue);
  ~Worker();

  // Starts the thread if needed. Returns false (task not queued) when the queue is full or
  // the worker was stopped.
  bool post(Task task);
  void start();
  void stop();  // cancels queued tasks and joins

 private:
  void run();
  std::chrono::milliseconds period_;
  std::function<void()> periodic_;
  std::size_t max_queue_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  bool stopping_ = false, started_ = false;
  std::thread thread_;
};

}  // namespace mcpgw::auth
