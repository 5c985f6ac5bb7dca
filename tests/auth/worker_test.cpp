#include "auth/worker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace mcpgw::auth {
namespace {

using std::chrono::milliseconds;

// Tasks that each wait at a gate until the test opens it, and record how many ran at once.
struct Gates {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<int> open, started, finished, cancelled;
  int running = 0, most_running = 0;
  bool all_open = false;

  Worker::Task task(int id) {
    return [this, id](bool was_cancelled) {
      std::unique_lock lock(mutex);
      if (was_cancelled) {
        cancelled.push_back(id);
        return;
      }
      started.push_back(id);
      most_running = std::max(most_running, ++running);
      cv.notify_all();
      cv.wait(lock, [&] { return all_open || std::count(open.begin(), open.end(), id) > 0; });
      --running;
      finished.push_back(id);
      cv.notify_all();
    };
  }
  void let_through(int id) {
    std::lock_guard lock(mutex);
    open.push_back(id);
    cv.notify_all();
  }
  // Waits (10 s at most: a bound for a broken build, not a measurement) until `cond` holds.
  template <class F>
  bool wait_for(F cond) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, std::chrono::seconds(10), cond);
  }
};

// Declared after the Worker: a test that failed half way opens every gate before the Worker's
// destructor waits for its threads.
struct OpenAllAtExit {
  Gates& gates;
  ~OpenAllAtExit() {
    std::lock_guard lock(gates.mutex);
    gates.all_open = true;
    gates.cv.notify_all();
  }
};

TEST(Worker, OneThreadRunsTheTasksOneAtATimeInTheOrderPosted) {
  Gates gates;
  for (int i = 0; i < 20; ++i) gates.let_through(i);
  Worker worker(std::chrono::hours(1), nullptr, 100);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(worker.post(gates.task(i)));
  ASSERT_TRUE(gates.wait_for([&] { return gates.finished.size() == 20; }));
  std::vector<int> expected(20);
  for (int i = 0; i < 20; ++i) expected[i] = i;
  std::lock_guard lock(gates.mutex);
  EXPECT_EQ(gates.finished, expected);
  EXPECT_EQ(gates.most_running, 1);
}

// Every task is held until the test lets it through, one at a time, each time once the pool is
// full again: the pool runs `threads` of them at once, never more.
TEST(Worker, NThreadsRunUpToNTasksAtOnce) {
  Gates gates;
  Worker worker(std::chrono::hours(1), nullptr, 100, 3);
  OpenAllAtExit open_at_exit{gates};
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(worker.post(gates.task(i)));
  for (int passed = 0; passed < 8; ++passed) {
    int expect = std::min(3, 8 - passed);
    ASSERT_TRUE(gates.wait_for([&] { return gates.running == expect; })) << passed;
    int next;
    {
      std::lock_guard lock(gates.mutex);
      next = gates.started[passed];
    }
    gates.let_through(next);
    ASSERT_TRUE(gates.wait_for([&] { return static_cast<int>(gates.finished.size()) > passed; }));
  }
  std::lock_guard lock(gates.mutex);
  EXPECT_EQ(gates.finished.size(), 8u);
  EXPECT_EQ(gates.most_running, 3) << "three at once, and never more";
}

TEST(Worker, AFullQueueRefusesATask) {
  Gates gates;
  Worker worker(std::chrono::hours(1), nullptr, 2, 1);
  OpenAllAtExit open_at_exit{gates};
  ASSERT_TRUE(worker.post(gates.task(0)));
  ASSERT_TRUE(gates.wait_for([&] { return gates.running == 1; }));  // out of the queue
  EXPECT_TRUE(worker.post(gates.task(1)));
  EXPECT_TRUE(worker.post(gates.task(2)));
  EXPECT_FALSE(worker.post(gates.task(3))) << "two wait already";
  for (int i = 0; i < 3; ++i) gates.let_through(i);
  ASSERT_TRUE(gates.wait_for([&] { return gates.finished.size() == 3; }));
  EXPECT_TRUE(worker.post(gates.task(4))) << "room again";
  gates.let_through(4);
  EXPECT_TRUE(gates.wait_for([&] { return gates.finished.size() == 4; }));
}

// stop() refuses new tasks at once, waits for the running ones and cancels the queued ones.
TEST(Worker, StopWaitsForRunningTasksAndCancelsQueuedOnes) {
  Gates gates;
  Worker worker(std::chrono::hours(1), nullptr, 1000, 2);
  OpenAllAtExit open_at_exit{gates};
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(worker.post(gates.task(i)));
  ASSERT_TRUE(gates.wait_for([&] { return gates.running == 2; }));
  std::thread stopping([&] { worker.stop(); });
  // Until stop() has begun, probes queue up (and are cancelled with the rest).
  int probes = 0;
  while (probes < 10000 && worker.post(gates.task(10))) {
    ++probes;
    std::this_thread::sleep_for(milliseconds(1));
  }
  {
    std::lock_guard lock(gates.mutex);
    EXPECT_TRUE(gates.cancelled.empty()) << "queued tasks are cancelled after the running end";
  }
  std::vector<int> first;
  {
    std::lock_guard lock(gates.mutex);
    first = gates.started;
  }
  for (int id : first) gates.let_through(id);
  stopping.join();
  std::lock_guard lock(gates.mutex);
  EXPECT_EQ(gates.finished.size(), 2u);
  EXPECT_EQ(gates.cancelled.size(), 2u + probes);
  EXPECT_EQ(gates.started.size(), 2u) << "nothing queued ran after stop()";
  EXPECT_FALSE(worker.post(gates.task(11)));
}

TEST(Worker, ThePeriodicTaskRunsWhenIdle) {
  std::atomic<int> ticks{0};
  Worker worker(
      milliseconds(10), [&] { ++ticks; }, 10, 4);
  worker.start();
  for (int i = 0; i < 2000 && ticks < 3; ++i) std::this_thread::sleep_for(milliseconds(5));
  worker.stop();
  int after_stop = ticks;
  EXPECT_GE(after_stop, 3);
  std::this_thread::sleep_for(milliseconds(30));
  EXPECT_EQ(ticks, after_stop) << "no tick after stop()";
}

// The last owner of what a task holds may destroy the Worker from that very task's thread.
TEST(Worker, ATaskMayDestroyItsWorker) {
  std::atomic<bool> destroyed{false};
  auto worker = std::make_shared<std::unique_ptr<Worker>>(
      std::make_unique<Worker>(std::chrono::hours(1), nullptr, 10, 2));
  Worker* w = worker->get();
  ASSERT_TRUE(w->post([worker, &destroyed](bool) {
    worker->reset();
    destroyed = true;
  }));
  worker.reset();
  for (int i = 0; i < 2000 && !destroyed; ++i) std::this_thread::sleep_for(milliseconds(5));
  EXPECT_TRUE(destroyed);
}

}  // namespace
}  // namespace mcpgw::auth
