//===- ThreadPoolTest.cpp - bnrt's pool for the kernels' parallel loops ---===//

#include "bnrt/ThreadPool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace {

/// What a test's tasks see: a count per index, and who ran them.
struct Tally {
  explicit Tally(int size) : runs(size) {}
  std::vector<std::atomic<int>> runs;
  std::mutex mutex;
  std::set<std::thread::id> threads;
  std::chrono::microseconds work{0};
};

/// Counts task `index` (offset by `min`, below) and busy-waits tally.work.
int countTask(void *, int index, uint8_t *closure) {
  auto *tally = reinterpret_cast<Tally *>(closure);
  tally->runs.at(index + 100).fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(tally->mutex);
    tally->threads.insert(std::this_thread::get_id());
  }
  auto until = std::chrono::steady_clock::now() + tally->work;
  while (std::chrono::steady_clock::now() < until) {
  }
  return 0;
}

/// Runs tasks [min, min + size) (min >= -100) and checks each ran once.
void expectEachOnce(int min, int size) {
  Tally tally(min + size + 100);
  EXPECT_EQ(bnrt::parallelFor(nullptr, countTask, min, size,
                              reinterpret_cast<uint8_t *>(&tally)),
            0);
  for (int i = 0; i < static_cast<int>(tally.runs.size()); ++i)
    EXPECT_EQ(tally.runs[i].load(), i >= min + 100 ? 1 : 0)
        << "task " << i - 100 << " of [" << min << ", " << min + size << ")";
}

TEST(ThreadPool, RunsEveryTaskOnce) {
  for (int min : {0, -7, 40})
    for (int size : {0, 1, 2, 3, 5, 16, 63, 1000})
      expectEachOnce(min, size);
}

TEST(ThreadPool, RunsEveryTaskOnceAfterTheWorkersSlept) {
  // Longer than the workers spin (200 us by default): they are asleep.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  expectEachOnce(0, 64);
}

TEST(ThreadPool, SpreadsLongTasksOverItsThreads) {
  if (bnrt::threadCount() < 2 || std::thread::hardware_concurrency() < 2)
    GTEST_SKIP() << "one thread";
  // Tasks of 2 ms: a worker takes its block long before the caller could
  // steal it all; a loaded machine may delay it once, not five times.
  bool spread = false;
  for (int attempt = 0; attempt < 5 && !spread; ++attempt) {
    Tally tally(100 + 8);
    tally.work = std::chrono::milliseconds(2);
    bnrt::parallelFor(nullptr, countTask, 0, 8,
                      reinterpret_cast<uint8_t *>(&tally));
    spread = tally.threads.size() >= 2;
  }
  EXPECT_TRUE(spread);
}

int failFrom(void *, int index, uint8_t *closure) {
  reinterpret_cast<std::atomic<int> *>(closure)->fetch_add(1);
  return index >= 10 ? -3 : 0;
}

TEST(ThreadPool, ReturnsAFailure) {
  std::atomic<int> ran{0};
  EXPECT_EQ(bnrt::parallelFor(nullptr, failFrom, 0, 2000,
                              reinterpret_cast<uint8_t *>(&ran)),
            -3);
  // The tasks after a failure are skipped, on every thread.
  EXPECT_LT(ran.load(), 2000);
  ran = 0;
  EXPECT_EQ(bnrt::parallelFor(nullptr, failFrom, 0, 10,
                              reinterpret_cast<uint8_t *>(&ran)),
            0);
  EXPECT_EQ(ran.load(), 10);
}

/// A task that runs a loop of its own: it runs on the task's thread.
struct Nested {
  std::atomic<int> inner{0};
  std::atomic<int> elsewhere{0};
};

thread_local std::thread::id outerThread;

int innerTask(void *, int, uint8_t *closure) {
  auto *nested = reinterpret_cast<Nested *>(closure);
  nested->inner.fetch_add(1);
  if (std::this_thread::get_id() != outerThread)
    nested->elsewhere.fetch_add(1);
  return 0;
}

int outerTask(void *, int, uint8_t *closure) {
  outerThread = std::this_thread::get_id();
  return bnrt::parallelFor(nullptr, innerTask, 0, 16, closure);
}

TEST(ThreadPool, RunsALoopInsideATaskOnItsThread) {
  Nested nested;
  EXPECT_EQ(bnrt::parallelFor(nullptr, outerTask, 0, 8,
                              reinterpret_cast<uint8_t *>(&nested)),
            0);
  EXPECT_EQ(nested.inner.load(), 8 * 16);
  EXPECT_EQ(nested.elsewhere.load(), 0);
}

TEST(ThreadPool, TakesLoopsFromManyThreads) {
  // Callers that find the pool taken run their loops themselves.
  std::vector<std::thread> callers;
  std::atomic<int> failures{0};
  for (int caller = 0; caller < 4; ++caller)
    callers.emplace_back([&] {
      for (int round = 0; round < 200; ++round) {
        Tally tally(100 + 37);
        bnrt::parallelFor(nullptr, countTask, 0, 37,
                          reinterpret_cast<uint8_t *>(&tally));
        for (int i = 100; i < 137; ++i)
          failures += tally.runs[i].load() != 1;
      }
    });
  for (std::thread &caller : callers)
    caller.join();
  EXPECT_EQ(failures.load(), 0);
}

/// Sets the pool's thread count for a test and restores it after.
class ThreadCountFor {
public:
  explicit ThreadCountFor(int count) : before(bnrt::threadCount()) {
    used = bnrt::setThreadCount(count);
  }
  ~ThreadCountFor() { bnrt::setThreadCount(before); }
  int used;

private:
  int before;
};

TEST(ThreadPool, RunsOnOneThreadWhenSetToOne) {
  ThreadCountFor one(1);
  EXPECT_EQ(one.used, 1);
  EXPECT_EQ(bnrt::threadCount(), 1);
  Tally tally(100 + 8);
  tally.work = std::chrono::milliseconds(1);
  EXPECT_EQ(bnrt::parallelFor(nullptr, countTask, 0, 8,
                              reinterpret_cast<uint8_t *>(&tally)),
            0);
  EXPECT_EQ(tally.threads,
            std::set<std::thread::id>{std::this_thread::get_id()});
  EXPECT_EQ(bnrt::setThreadCount(-3), 1) << "at least one thread";
}

/// The pool's threads when nothing asked for a number: HL_NUM_THREADS,
/// else the hardware's.
int defaultThreadCount() {
  const char *text = std::getenv("HL_NUM_THREADS");
  int count = text && *text
                  ? std::atoi(text)
                  : static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(count, 1, 256);
}

TEST(ThreadPool, TakesZeroForItsDefaultThreadCount) {
  ThreadCountFor one(1);
  EXPECT_EQ(bnrt::setThreadCount(0), defaultThreadCount());
  EXPECT_EQ(bnrt::threadCount(), defaultThreadCount());
}

// Halide's knob, which bnrt defines in place of the Halide runtime's (an
// app's link, with a kernel library's weak definition beside bnrt's, is
// tested in tests/e2e/AotVsJitTest.cpp).
TEST(ThreadPool, AnswersHalidesSetNumThreads) {
  ThreadCountFor two(2);
  EXPECT_EQ(halide_set_num_threads(3), 2) << "the old count";
  EXPECT_EQ(bnrt::threadCount(), 3);
  EXPECT_EQ(halide_set_num_threads(-1), 3) << "an error changes nothing";
  EXPECT_EQ(bnrt::threadCount(), 3);
  EXPECT_EQ(halide_set_num_threads(0), 3);
  EXPECT_EQ(bnrt::threadCount(), defaultThreadCount());
}

TEST(ThreadPool, RunsOnTheThreadsItIsSetTo) {
  ThreadCountFor three(3);
  EXPECT_EQ(three.used, 3);
  EXPECT_EQ(bnrt::threadCount(), 3);
  // Long tasks: every thread takes its block; none but those three.
  std::set<std::thread::id> seen;
  for (int attempt = 0; attempt < 5 && seen.size() < 3; ++attempt) {
    Tally tally(100 + 12);
    tally.work = std::chrono::milliseconds(2);
    bnrt::parallelFor(nullptr, countTask, 0, 12,
                      reinterpret_cast<uint8_t *>(&tally));
    for (int i = 100; i < 112; ++i)
      EXPECT_EQ(tally.runs[i].load(), 1);
    seen.insert(tally.threads.begin(), tally.threads.end());
  }
  EXPECT_GE(seen.size(), 2u);
  EXPECT_LE(seen.size(), 3u);
}

TEST(ThreadPool, ChangesItsThreadCountWhileLoopsRun) {
  ThreadCountFor restore(bnrt::threadCount());
  std::atomic<bool> done{false};
  std::atomic<int> loops{0}, failures{0};
  std::thread caller([&] {
    for (; !done.load(); ++loops) {
      Tally tally(100 + 29);
      bnrt::parallelFor(nullptr, countTask, 0, 29,
                        reinterpret_cast<uint8_t *>(&tally));
      for (int i = 100; i < 129; ++i)
        failures += tally.runs[i].load() != 1;
    }
  });
  for (int round = 0; round < 200 || loops.load() < 500; ++round) {
    EXPECT_EQ(bnrt::setThreadCount(1 + round % 4), 1 + round % 4);
    std::this_thread::yield();
  }
  done = true;
  caller.join();
  EXPECT_EQ(failures.load(), 0);
}

} // namespace
