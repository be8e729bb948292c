//===- ThreadPool.cpp - Threads for the kernels' parallel loops -----------===//
//
// Part of bnrt. See ThreadPool.h.
//
// One loop runs at a time. Its caller publishes it (`current`, then a new
// `generation`), wakes sleeping workers, works through its own block and
// steals, waits until every task has finished, withdraws the loop and waits
// for the workers still looking at it (`joined`) before it returns. A worker
// counts itself in before it reads `current`, so the caller never returns
// while a worker can still reach its loop.
//
//===----------------------------------------------------------------------===//

#include "bnrt/ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

using namespace bnrt;

namespace {

/// Set while this thread runs a task: a loop inside it runs here alone.
thread_local bool inTask = false;

void pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

int64_t environmentOr(const char *name, int64_t fallback, int64_t lowest,
                      int64_t highest) {
  const char *text = std::getenv(name);
  if (!text || !*text)
    return fallback;
  char *end = nullptr;
  long long value = std::strtoll(text, &end, 10);
  if (*end != '\0')
    return fallback;
  return std::clamp<int64_t>(value, lowest, highest);
}

/// The tasks one thread has left: [begin, end) in one word, so that its
/// owner (from the front) and thieves (from the back) claim them with one
/// compare-and-swap each.
struct alignas(64) Block {
  std::atomic<uint64_t> bounds{0};

  static uint64_t pack(uint32_t begin, uint32_t end) {
    return (uint64_t(begin) << 32) | end;
  }
  /// The first task (the owner's turn) or the last (a thief's), or -1.
  int64_t take(bool first) {
    uint64_t seen = bounds.load(std::memory_order_relaxed);
    for (;;) {
      uint32_t begin = seen >> 32, end = uint32_t(seen);
      if (begin >= end)
        return -1;
      uint64_t rest = first ? pack(begin + 1, end) : pack(begin, end - 1);
      if (bounds.compare_exchange_weak(seen, rest, std::memory_order_acq_rel))
        return first ? begin : end - 1;
    }
  }
};

/// One parallel loop. The fields every task reads keep apart from the
/// counters the threads write: when every thread decremented `unfinished`
/// after each task, a cache line passed between the cores per task, which
/// in a small kernel cost as much as the task (1x512x7x7's tasks of 16
/// channels; bench/RESULTS.md, session 15).
struct Loop {
  void *userContext;
  halide_task_t task;
  int min;
  uint8_t *closure;
  int threads; // slots 0 .. threads - 1 run it
  // Tasks not yet finished; each thread subtracts the ones it ran when it
  // has no more to take.
  alignas(64) std::atomic<int> unfinished;
  alignas(64) std::atomic<int> result{0};
};

class ThreadPool {
public:
  static constexpr int kMaxThreads = 256;

  ThreadPool()
      : spin(std::chrono::microseconds(
            environmentOr("BNRT_SPIN_US", 200, 0, 1000000))),
        defaultCount(static_cast<int>(environmentOr(
            "HL_NUM_THREADS", std::max(1u, std::thread::hardware_concurrency()),
            1, kMaxThreads))) {
    startWorkers(defaultCount);
    setActive(started);
  }

  /// The process's pool, started on first use and never stopped (its
  /// workers may be asleep in it when the process exits).
  static ThreadPool &get() {
    static ThreadPool *pool = new ThreadPool;
    return *pool;
  }

  int threadCount() const { return active.load(); }

  int setThreadCount(int count) {
    if (inTask) // The loop around this task holds the pool.
      return active.load();
    std::lock_guard<std::mutex> owner(running);
    int wanted = count == 0 ? defaultCount : std::clamp(count, 1, kMaxThreads);
    startWorkers(wanted);
    setActive(std::min(wanted, started));
    return active.load();
  }

  int run(void *userContext, halide_task_t task, int min, int size,
          uint8_t *closure) {
    if (size <= 1 || inTask || active.load(std::memory_order_relaxed) == 1)
      return runHere(userContext, task, min, size, closure);
    std::unique_lock<std::mutex> owner(running, std::try_to_lock);
    if (!owner.owns_lock())
      return runHere(userContext, task, min, size, closure);
    // setThreadCount holds `running` to change it: fixed for this loop.
    int threads = active.load();
    if (threads == 1)
      return runHere(userContext, task, min, size, closure);
    Loop loop{userContext, task, min, closure, threads, {size}};
    // Thread `slot` owns the tasks that start in its share of the loop,
    // [slot / threads, (slot + 1) / threads): the caller the first.
    auto firstOf = [&](int slot) {
      return uint32_t((int64_t(size) * slot + threads - 1) / threads);
    };
    for (int slot = 0; slot < threads; ++slot)
      blocks[slot].bounds.store(Block::pack(firstOf(slot), firstOf(slot + 1)),
                                std::memory_order_relaxed);
    current.store(&loop);
    generation.fetch_add(1);
    if (sleeping.load() > 0) {
      std::lock_guard<std::mutex> lock(sleepMutex);
      wake.notify_all();
    }
    runTasks(loop, 0);
    while (loop.unfinished.load(std::memory_order_acquire) > 0)
      pause();
    current.store(nullptr);
    while (joined.load() > 0)
      pause();
    return loop.result.load(std::memory_order_relaxed);
  }

private:
  /// Starts workers up to `count` threads, as many as can be started: a
  /// loop runs on fewer threads, not never. Called with `running` held (or
  /// from the constructor).
  void startWorkers(int count) {
    for (; started < count; ++started) {
      try {
        std::thread([this, slot = started] { work(slot); }).detach();
      } catch (const std::system_error &) {
        break;
      }
    }
  }

  /// Sets the threads loops run on; wakes the workers it counts in again.
  void setActive(int count) {
    if (active.exchange(count) < count) {
      std::lock_guard<std::mutex> lock(sleepMutex);
      unparked.notify_all();
    }
  }

  static int runHere(void *userContext, halide_task_t task, int min, int size,
                     uint8_t *closure) {
    bool outer = inTask;
    inTask = true;
    int result = 0;
    for (int i = min; i < min + size && result == 0; ++i)
      result = task(userContext, i, closure);
    inTask = outer;
    return result;
  }

  /// Runs `loop`'s tasks as thread `slot`: its own block from the front,
  /// then the others' from their backs, nearest slot first.
  void runTasks(Loop &loop, int slot) {
    inTask = true;
    int ran = 0;
    auto runOne = [&](int64_t index) {
      if (loop.result.load(std::memory_order_relaxed) == 0) {
        int result =
            loop.task(loop.userContext, loop.min + int(index), loop.closure);
        int none = 0;
        if (result != 0)
          loop.result.compare_exchange_strong(none, result);
      }
      ++ran;
    };
    for (int64_t index; (index = blocks[slot].take(/*first=*/true)) >= 0;)
      runOne(index);
    for (int k = 1; k < loop.threads; ++k) {
      Block &victim = blocks[(slot + k) % loop.threads];
      for (int64_t index; (index = victim.take(/*first=*/false)) >= 0;)
        runOne(index);
    }
    if (ran > 0)
      loop.unfinished.fetch_sub(ran, std::memory_order_acq_rel);
    inTask = false;
  }

  /// A worker: waits for a loop (spinning, then asleep), joins it, again.
  /// Beyond the threads setThreadCount asked for, it sleeps until counted
  /// in again.
  void work(int slot) {
    uint64_t seen = generation.load();
    for (;;) {
      if (slot >= active.load()) {
        std::unique_lock<std::mutex> lock(sleepMutex);
        unparked.wait(lock, [&] { return slot < active.load(); });
      }
      awaitGeneration(seen, slot);
      seen = generation.load();
      joined.fetch_add(1);
      Loop *loop = current.load();
      if (loop && slot < loop->threads)
        runTasks(*loop, slot);
      joined.fetch_sub(1);
    }
  }

  /// Returns once `generation` is no longer `seen`, or the worker in `slot`
  /// is no longer counted in. Spinning, the worker yields its core every
  /// few pauses: woken, it may have been put on the core of the thread that
  /// woke it, which then waits for the spin to end (measured without the
  /// yield: a loop after a pause took 200 us, the whole spin).
  void awaitGeneration(uint64_t seen, int slot) {
    auto until = std::chrono::steady_clock::now() + spin;
    for (int round = 1; generation.load() == seen; ++round) {
      pause();
      if (round % 64 != 0)
        continue;
      std::this_thread::yield();
      if (slot >= active.load(std::memory_order_relaxed))
        return;
      if (std::chrono::steady_clock::now() < until)
        continue;
      std::unique_lock<std::mutex> lock(sleepMutex);
      sleeping.fetch_add(1);
      wake.wait(lock, [&] { return generation.load() != seen; });
      sleeping.fetch_sub(1);
      return;
    }
  }

  const std::chrono::steady_clock::duration spin;
  // HL_NUM_THREADS, else the hardware's threads: what 0 asks for.
  const int defaultCount;
  std::unique_ptr<Block[]> blocks{new Block[kMaxThreads]};
  // Threads started: the caller and the workers in slots 1 .. started - 1.
  int started = 1;
  // The threads loops run on, at most `started` (setThreadCount).
  std::atomic<int> active{1};

  // Held by the thread whose loop runs, or by setThreadCount.
  std::mutex running;
  std::atomic<Loop *> current{nullptr};
  std::atomic<uint64_t> generation{0};
  std::atomic<int> joined{0};

  std::mutex sleepMutex;
  std::condition_variable wake;     // a loop for sleeping workers
  std::condition_variable unparked; // active grew
  std::atomic<int> sleeping{0};
};

} // namespace

int bnrt::parallelFor(void *userContext, halide_task_t task, int min, int size,
                      uint8_t *closure) {
  return ThreadPool::get().run(userContext, task, min, size, closure);
}

int bnrt::threadCount() { return ThreadPool::get().threadCount(); }

int bnrt::setThreadCount(int count) {
  return ThreadPool::get().setThreadCount(count);
}

// The Halide runtime linked into every kernel library defines this weakly
// (for its own pool, which bnc's kernels do not use); this definition takes
// its place in an app, so that an app written for Halide's knob sets this
// pool's threads. Halide's contract: n == 0 asks for the default, and the
// old count is returned; n < 0 is an error, which changes nothing here.
extern "C" int halide_set_num_threads(int n) {
  int old = bnrt::threadCount();
  if (n >= 0)
    bnrt::setThreadCount(n);
  return old;
}
