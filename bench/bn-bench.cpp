//===- bn-bench.cpp - bnc's BN kernels against oneDNN and the roofline ----===//
//
// Part of bnc. For each shape, in one process: bnc's kernels (hand schedule
// and Halide's autoscheduler), oneDNN's batch normalization in NCHW, NHWC
// and nChw8c, and a copy and scale-shift of the same bytes, their outputs
// cross-checked, then timed interleaved. Prints a table per shape; writes
// JSON and a PNG chart on request.
//
//===----------------------------------------------------------------------===//

#include "BncKernels.h"
#include "Measure.h"
#include "OneDnnKernels.h"
#include "Report.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include <omp.h>
#include <unistd.h>

using namespace bnc;
using namespace bnc::bench;

namespace {

/// bn-bench's options. Parsed by hand: LLVM's command-line library, linked
/// in with MLIR, already owns --threads.
struct Options {
  std::vector<std::string> shapes;
  bool quick = false;
  int threads = 2;
  int rounds = 25;
  bool autoSchedule = true;
  std::vector<Layout> layouts;
  std::vector<Kernel> kernels;
  std::string json, png;
  /// Also bnc's hand schedule with these tunables, as "bnc_variant".
  std::optional<halide::CpuTunables> variant;
  /// Each timed run followed by a read of its activation output.
  bool thenRead = false;
  /// Every timed run starts with its threads asleep, not busy.
  bool sleepingThreads = false;
  /// Draws the order of the contenders in each round.
  unsigned seed = 2026;
};

const char *const kUsage = R"(usage: bn-bench [options]

bnc's BN kernels against oneDNN and the memory roofline. For each shape:
bnc's training forward (plain, + ReLU, + residual add + ReLU), backward,
inference, and a 1x1 convolution alone and with an inference BN folded in,
with bnc's schedule and Halide's autoscheduler; oneDNN's batch normalization
in NCHW, NHWC and nChw8c; a copy and a scale-shift of the same bytes,
compiled like bnc's kernels (non-temporal stores for outputs of a quarter of
the last-level cache or more in rows of whole cache lines; every buffer
64-byte aligned). Outputs are cross-checked against bnc's, then every
contender runs in turn, each round in a new order, all writing the same
output memory, and reports its median. Every timed run starts from the
same state, not from what the run before it left: right after an untimed
run of the same contender (its code warm; every thread pool left to sleep
before it), its output's memory flushed and read back, then its inputs
read, as a layer finds them between two buffers that take turns (in cache
as far as they fit); a ':cold' shape evicts the last-level cache instead.
The contender's own threads (bnrt's, or OpenMP's for oneDNN) do that,
each its share, and the run starts as they finish, as in a network that
runs its layers back to back on them. GB/s counts 2S bytes for a forward
pass, 3S for backward and for a forward with a residual (S = bytes of one
activation); % copy compares with a same-size copy. OpenMP's threads spin
for GOMP_SPINCOUNT=10000 before they sleep, unless OMP_WAIT_POLICY or
GOMP_SPINCOUNT say otherwise.

options:
  --shapes=LIST    shapes NxCxHxW, comma-separated; ':cold' evicts the
                   last-level cache before every run (default: 32x64x56x56:cold,
                   32x256x14x14, 8x32x112x112, 256x1024x1x1, 4x64x28x28,
                   1x512x7x7, 64x128x56x56)
  --quick          a reduced set in under a minute: 32x256x14x14 and
                   4x64x28x28, no autoscheduler, 20 rounds
  --threads=N      threads for bnrt and oneDNN (default 2)
  --rounds=N       timed runs per contender (default 25)
  --seed=N         draws the order of the contenders in each round (default
                   2026): a run repeats the orders of another with the same
                   seed; runs with other seeds draw other orders, and so
                   meet the machine's slow and fast phases elsewhere
  --no-auto        skip Halide's autoscheduler
  --layouts=LIST   nchw,nhwc (default both; oneDNN's nChw8c comes with nchw)
  --kernels=LIST   some of fwd_train, fwd_train_relu, fwd_train_add_relu,
                   bwd, fwd_infer, conv, conv_bn_folded (default all; the
                   copy and scale-shift always run)
  --variant=TUNABLES
                   also time bnc's hand schedule with other CPU tunables
                   (name=value,...; see below) as impl "bnc_variant", side
                   by side with the default "bnc" and "bnc_control", the
                   default compiled once more: an A/B of one decision in
                   one process, where a second run would differ by the
                   machine's noise. Two identical kernels in one run still
                   differ (3.4% in the median, up to a third on the large
                   shapes; bench/RESULTS.md), so a difference counts where
                   it holds beyond the control's in runs of a few seeds
  --then-read      time each run together with a read of the activation it
                   wrote, as the next layer reads it (GB/s counts one S
                   more): what non-temporal stores cost that reader, which
                   then finds the output in memory, not in cache. oneDNN's
                   nChw8c, which writes a buffer of its own, is left out
  --sleeping-threads
                   start every timed run with its threads asleep, as a
                   kernel called on its own finds them (the caches prepared
                   by one thread): each run then pays for waking them (tens
                   of microseconds here)
  --json=FILE      write the records as JSON
  --png=FILE       draw % of copy per kernel and shape (python3-matplotlib)
  --help           this text
)";

const Kernel kBncKernels[] = {Kernel::FwdTrain,     Kernel::FwdTrainRelu,
                              Kernel::FwdTrainAddRelu, Kernel::Bwd,
                              Kernel::FwdInfer,     Kernel::Conv,
                              Kernel::ConvBnFolded};

/// Parses argv into `options`; false with a message on stderr if it cannot.
bool parseOptions(int argc, char **argv, Options &options) {
  auto split = [](const std::string &list) {
    std::vector<std::string> items;
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = std::min(list.find(',', start), list.size());
      if (comma > start)
        items.push_back(list.substr(start, comma - start));
      start = comma + 1;
    }
    return items;
  };
  // `text` as a whole number from `low` to `high` into `value`; says
  // what it needs where it is not one.
  auto number = [](const std::string &option, const std::string &text,
                   long low, long high, auto &value) {
    char *end = nullptr;
    errno = 0;
    long parsed = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end || errno || parsed < low || parsed > high) {
      std::fprintf(stderr,
                   "bn-bench: %s needs a whole number from %ld to %ld, not "
                   "'%s'\n",
                   option.c_str(), low, high, text.c_str());
      return false;
    }
    value = static_cast<std::remove_reference_t<decltype(value)>>(parsed);
    return true;
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    size_t equals = arg.find('=');
    bool takesValue = arg == "--shapes" || arg == "--threads" ||
                      arg == "--rounds" || arg == "--layouts" ||
                      arg == "--kernels" || arg == "--json" || arg == "--png" ||
                      arg == "--variant" || arg == "--seed";
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
      arg = arg.substr(0, equals);
    } else if (takesValue) {
      if (i + 1 == argc) {
        std::fprintf(stderr, "bn-bench: %s needs a value\n", arg.c_str());
        return false;
      }
      value = argv[++i];
    }
    bool ok = true;
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::printf("\nCPU tunables (defaults in parentheses):\n%s",
                  halide::cpuTunablesHelp().c_str());
      std::exit(0);
    } else if (arg == "--quick") {
      options.quick = true;
    } else if (arg == "--then-read") {
      options.thenRead = true;
    } else if (arg == "--sleeping-threads") {
      options.sleepingThreads = true;
    } else if (arg == "--no-auto") {
      options.autoSchedule = false;
    } else if (arg == "--shapes") {
      options.shapes = split(value);
    } else if (arg == "--threads") {
      ok = number(arg, value, 1, 1024, options.threads);
    } else if (arg == "--rounds") {
      ok = number(arg, value, 1, 1 << 20, options.rounds);
    } else if (arg == "--seed") {
      ok = number(arg, value, 0, std::numeric_limits<int32_t>::max(),
                  options.seed);
    } else if (arg == "--variant") {
      halide::CpuTunables tunables;
      std::string error;
      if (!halide::parseCpuTunables(value, tunables, error)) {
        std::fprintf(stderr, "bn-bench: --variant: %s\n", error.c_str());
        return false;
      }
      options.variant = tunables;
    } else if (arg == "--json") {
      options.json = value;
    } else if (arg == "--png") {
      options.png = value;
    } else if (arg == "--layouts") {
      for (const std::string &name : split(value)) {
        if (name != "nchw" && name != "nhwc") {
          std::fprintf(stderr, "bn-bench: unknown layout '%s' (nchw, nhwc)\n",
                       name.c_str());
          return false;
        }
        options.layouts.push_back(name == "nchw" ? Layout::Nchw : Layout::Nhwc);
      }
    } else if (arg == "--kernels") {
      for (const std::string &name : split(value)) {
        const Kernel *kernel =
            std::find_if(std::begin(kBncKernels), std::end(kBncKernels),
                         [&](Kernel k) { return name == kernelName(k); });
        if (kernel == std::end(kBncKernels)) {
          std::fprintf(stderr, "bn-bench: unknown kernel '%s'; see --help\n",
                       name.c_str());
          return false;
        }
        options.kernels.push_back(*kernel);
      }
    } else {
      std::fprintf(stderr, "bn-bench: unknown option '%s'; see --help\n",
                   argv[i]);
      return false;
    }
    if (!ok)
      return false;
  }
  if (options.layouts.empty())
    options.layouts = {Layout::Nchw, Layout::Nhwc};
  if (options.kernels.empty())
    options.kernels.assign(std::begin(kBncKernels), std::end(kBncKernels));
  if (options.quick)
    options.rounds = 20;
  return true;
}

const char *const kDefaultShapes[] = {
    "32x64x56x56:cold", "32x256x14x14", "8x32x112x112", "256x1024x1x1",
    "4x64x28x28",       "1x512x7x7",    "64x128x56x56"};
const char *const kQuickShapes[] = {"32x256x14x14", "4x64x28x28"};

/// max |a - b| / max |reference|; infinite where either is not finite.
double relativeDifference(const Floats &reference,
                          const Floats &other) {
  double diff = 0, scale = 1e-30;
  for (size_t i = 0; i < reference.size(); ++i) {
    if (!std::isfinite(reference[i]) || !std::isfinite(other[i]))
      return INFINITY;
    diff = std::max(diff, std::fabs(double(reference[i]) - other[i]));
    scale = std::max(scale, std::fabs(double(reference[i])));
  }
  return diff / scale;
}

/// Compares every contender's output with bnc's (hand schedule) for the same
/// kernel; nChw8c against NCHW. Prints one line per comparison; false if
/// any differs by more than 1e-4 of the reference's largest value.
bool crossCheck(std::vector<Contender> &contenders) {
  bool ok = true;
  for (Contender &reference : contenders) {
    if (reference.impl != "bnc")
      continue;
    for (Contender &other : contenders) {
      if (&other == &reference || other.kernel != reference.kernel)
        continue;
      Layout layout = other.layout == Layout::NChw8c ? Layout::Nchw : other.layout;
      if (layout != reference.layout)
        continue;
      double difference = relativeDifference(reference.checked, other.checked);
      bool agrees = difference <= 1e-4;
      ok &= agrees;
      std::printf(
          "  check %-19s %-7s %-11s vs bnc: max|diff|/max|bnc| = %.1e%s\n",
          kernelName(other.kernel), layoutName(other.layout),
          other.impl.c_str(), difference, agrees ? "" : "  DISAGREES");
    }
  }
  return ok;
}

/// Adds a contender; reports and returns false if it cannot be compiled.
bool add(std::vector<Contender> &contenders, Kernel kernel, Layout layout,
         const std::string &impl, std::unique_ptr<CompiledKernel> compiled,
         const std::string &error) {
  if (!compiled) {
    std::fprintf(stderr, "bn-bench: %s %s %s: %s\n", impl.c_str(),
                 kernelName(kernel), layoutName(layout), error.c_str());
    return false;
  }
  contenders.push_back({kernel, layout, impl, std::move(compiled), {}});
  return true;
}

/// Measures every contender on `shape`; appends its records.
bool benchShape(BncCompiler &compiler, const Shape &shape,
                const Options &options, std::vector<Record> &records) {
  std::printf("\n%s (%.1f MB per tensor)\n", shape.str().c_str(),
              shape.bytes() / 1e6);
  std::vector<std::unique_ptr<Workload>> workloads;
  std::vector<std::unique_ptr<CompiledKernel>> readers;
  std::vector<Contender> contenders;
  bool ok = true;
  for (Layout layout : options.layouts) {
    workloads.push_back(std::make_unique<Workload>(shape, layout, 2026));
    Workload &workload = *workloads.back();
    size_t firstOfWorkload = contenders.size();
    std::string error;
    for (Kernel kernel : {Kernel::Copy, Kernel::ScaleShift})
      ok &= add(contenders, kernel, layout, "roofline",
                compileRoofline(kernel, workload, error), error);
    for (Kernel kernel : options.kernels) {
      ok &= add(contenders, kernel, layout, "bnc",
                compiler.compile(kernel, workload, false, halide::CpuTunables(),
                                 error),
                error);
      if (options.variant) {
        ok &= add(
            contenders, kernel, layout, "bnc_variant",
            compiler.compile(kernel, workload, false, *options.variant, error),
            error);
        // The same kernel as "bnc" once more: a contender of its own, which
        // times a little differently (the machine's noise, bench/RESULTS.md);
        // a variant differs from "bnc" only by more than this control does.
        ok &= add(contenders, kernel, layout, "bnc_control",
                  compiler.compile(kernel, workload, false,
                                   halide::CpuTunables(), error),
                  error);
      }
      if (options.autoSchedule && !options.quick)
        ok &= add(contenders, kernel, layout, "bnc_auto",
                  compiler.compile(kernel, workload, true,
                                   halide::CpuTunables(), error),
                  error);
      if (!oneDnnHas(kernel))
        continue;
      ok &= add(contenders, kernel, layout, "onednn",
                createOneDnnKernel(kernel, layout, workload, error), error);
      if (layout == Layout::Nchw && !options.thenRead)
        ok &= add(contenders, kernel, Layout::NChw8c, "onednn",
                  createOneDnnKernel(kernel, Layout::NChw8c, workload, error),
                  error);
    }
    if (options.thenRead) {
      // Every contender left writes its activation into the workload's y.
      readers.push_back(compileReader(workload, error));
      if (!readers.back()) {
        std::fprintf(stderr, "bn-bench: the reader of %s: %s\n",
                     layoutName(layout), error.c_str());
        return false;
      }
      for (size_t i = firstOfWorkload; i < contenders.size(); ++i)
        contenders[i].consumer = readers.back().get();
    }
  }
  std::string error;
  for (Contender &contender : contenders) {
    // Contenders share their output memory: poisoned first, so that one
    // that writes nothing cannot pass with another's output.
    for (auto &workload : workloads)
      std::fill(workload->y.begin(), workload->y.end(), std::nanf(""));
    if (!contender.compiled->run(error)) {
      std::fprintf(stderr, "bn-bench: %s %s: %s\n", contender.impl.c_str(),
                   kernelName(contender.kernel), error.c_str());
      return false;
    }
    contender.checked = contender.compiled->output();
  }
  ok &= crossCheck(contenders);
  RunState state;
  state.caches = shape.cold ? CacheState::Cold : CacheState::Warm;
  state.threads =
      options.sleepingThreads ? ThreadState::Asleep : ThreadState::Awake;
  state.threadCount = options.threads;
  if (!measureInterleaved(contenders, options.rounds, state, options.seed,
                          error)) {
    std::fprintf(stderr, "bn-bench: %s\n", error.c_str());
    return false;
  }
  std::vector<Record> shapeRecords =
      summarize(shape, contenders, options.thenRead);
  printTable(shapeRecords, stdout);
  records.insert(records.end(), shapeRecords.begin(), shapeRecords.end());
  return ok;
}

/// Set in the environment of bn-bench's second start
/// (setThreadPoolEnvironment).
constexpr const char *kEnvironmentSet = "BNC_BENCH_OPENMP_ENVIRONMENT";

/// Sets the environment of the thread pools for `threads` threads. bnrt's
/// reads it when it starts (on the first parallel loop); libgomp when it is
/// loaded, before main, so bn-bench runs itself again with it set (a setenv
/// here alone would be ignored, as it was before session 13: bench/RESULTS.md).
/// Without a wait policy of the caller's, OpenMP's threads spin for
/// GOMP_SPINCOUNT=10000 after a parallel region (200-500 us measured here), not
/// libgomp's default of 300000 (3-10 ms, on the cores the next contenders
/// need): long enough to stay awake from preparing a run's caches into the run
/// and between a primitive's parallel regions, short enough to sleep in
/// the millisecond that measureInterleaved leaves every pool before the
/// next contender's run.
/// Returns only on the second start, or where bn-bench cannot start itself
/// again (it says so).
void setThreadPoolEnvironment(char **argv, int threads) {
  std::string threadCount = std::to_string(threads);
  setenv("HL_NUM_THREADS", threadCount.c_str(), 1);
  if (std::getenv(kEnvironmentSet))
    return;
  setenv(kEnvironmentSet, "1", 1);
  setenv("OMP_NUM_THREADS", threadCount.c_str(), 1);
  if (!std::getenv("OMP_WAIT_POLICY") && !std::getenv("GOMP_SPINCOUNT"))
    setenv("GOMP_SPINCOUNT", "10000", 1);
  execv("/proc/self/exe", argv);
  std::fprintf(stderr,
               "bn-bench: cannot start again with OpenMP's environment set "
               "(%s); oneDNN's threads keep the caller's\n",
               std::strerror(errno));
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  if (!parseOptions(argc, argv, options))
    return 2;
  setThreadPoolEnvironment(argv, options.threads);

  std::vector<std::string> shapeTexts = options.shapes;
  if (shapeTexts.empty()) {
    if (options.quick)
      shapeTexts.assign(std::begin(kQuickShapes), std::end(kQuickShapes));
    else
      shapeTexts.assign(std::begin(kDefaultShapes), std::end(kDefaultShapes));
  }
  std::vector<Shape> shapes;
  for (const std::string &text : shapeTexts) {
    std::optional<Shape> shape = parseShape(text);
    if (!shape) {
      std::fprintf(stderr,
                   "bn-bench: '%s' is not a shape NxCxHxW[:cold] of fewer "
                   "than 2^31 elements\n",
                   text.c_str());
      return 2;
    }
    shapes.push_back(*shape);
  }

  const char *spinCount = std::getenv("GOMP_SPINCOUNT");
  const char *waitPolicy = std::getenv("OMP_WAIT_POLICY");
  auto threads = [](int count) {
    return std::to_string(count) + (count == 1 ? " thread" : " threads");
  };
  std::printf("bn-bench: %s (%s at the start of every run), %d rounds, "
              "oneDNN %s (OpenMP: %s, GOMP_SPINCOUNT=%s, "
              "OMP_WAIT_POLICY=%s)\n",
              threads(options.threads).c_str(),
              options.sleepingThreads ? "asleep" : "awake", options.rounds,
              oneDnnVersion().c_str(), threads(omp_get_max_threads()).c_str(),
              spinCount ? spinCount : "unset",
              waitPolicy ? waitPolicy : "unset");
  if (options.variant)
    std::printf("bnc_variant: %s\n",
                halide::formatCpuTunables(*options.variant).c_str());
  if (options.thenRead)
    std::printf("every run is timed with a read of the activation it wrote "
                "(S more bytes)\n");
  BncCompiler compiler;
  std::vector<Record> records;
  bool ok = true;
  for (const Shape &shape : shapes)
    ok &= benchShape(compiler, shape, options, records);

  std::string json = options.json;
  if (json.empty() && !options.png.empty())
    json = options.png + ".json";
  if (!json.empty() && !writeJson(records, json)) {
    std::fprintf(stderr, "bn-bench: cannot write %s\n", json.c_str());
    return 1;
  }
  if (!options.png.empty()) {
    std::string command = "/usr/bin/python3 '" BNC_BENCH_PLOT_SCRIPT "' '" +
                          json + "' '" + options.png + "'";
    if (std::system(command.c_str()) != 0) {
      std::fprintf(stderr, "bn-bench: drawing %s failed\n", options.png.c_str());
      return 1;
    }
  }
  if (!ok)
    std::fprintf(stderr, "bn-bench: some contenders failed or disagreed\n");
  return ok ? 0 : 1;
}
