//===- CpuSchedule.cpp - Where and how a lowered pipeline runs on CPU -----===//
//
// Part of bnc. See CpuSchedule.h.
//
// BN is memory-bound: what counts is how often an activation crosses DRAM,
// and how well the prefetchers follow the reads. A pipeline separable per
// channel (statistics, normalisation, gradients; no layers) with its
// channel outside contiguous rows (NCHW) runs channel by channel where its
// rows are long enough to stream, or in groups of channels whose rows in
// an image are, so that the passes over a channel after the first find it
// in cache, and the next channel is prefetched while the last pass writes.
// One with contiguous channels (NHWC) in cache, whose batch gives its sums
// no parts to run in parallel, goes in blocks of channels, one per task.
// Everything else streams: sums in memory order (or across channels, where
// runs are a few vectors long), then every output in one parallel,
// vectorised loop nest. The thresholds come from bn-bench
// (bench/RESULTS.md).
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/CpuSchedule.h"

#include "compiler/Codegen/Halide/PrefetchAhead.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <map>
#include <set>

using namespace bnc::halide;
using Halide::Func;
using Halide::TailStrategy;
using Halide::Var;
using Halide::VarOrRVar;

namespace {

/// Elements per parallel task: about 64 KiB of f32, enough to hide the cost
/// of handing a task to a thread.
constexpr int64_t kTaskElements = 16384;

/// A streaming loop nest's parallel tasks have at most this many elements
/// (CpuTunables::streamingTasks says how many it is cut into).
constexpr int64_t kMaxTaskElements = 1 << 20;

/// Fuses `vars[first]` .. `vars[last]` (innermost first) of `func` into one
/// loop, which it returns; `vars[first]` alone if first == last.
Var fuseLoops(Func func, const std::vector<Var> &vars, int first, int last) {
  Var fused = vars[first];
  for (int d = first + 1; d <= last; ++d) {
    Var next(fused.name() + "_" + vars[d].name());
    func.fuse(fused, vars[d], next);
    fused = next;
  }
  return fused;
}

/// Vectorises the innermost pure dimension (of `stage`, a Func or one of its
/// update stages) and runs the outermost one in parallel.
template <typename Stage>
void parallelizeAndVectorize(Stage stage, const std::vector<Var> &vars,
                             int vectorWidth) {
  if (vars.empty())
    return;
  if (vars.size() > 1)
    stage.parallel(vars.back());
  stage.vectorize(vars.front(), vectorWidth, TailStrategy::GuardWithIf);
}

/// The extents of the dimensions `func`'s update reduces, innermost first,
/// as the lowering made them (constants: shapes are static).
std::vector<int64_t> reducedExtents(Func func) {
  std::vector<int64_t> extents;
  for (const Halide::Internal::ReductionVariable &rvar :
       func.function().update(0).schedule().rvars()) {
    const int64_t *extent = Halide::Internal::as_const_int(rvar.extent);
    extents.push_back(extent ? *extent : 1);
  }
  return extents;
}

/// The RunSums entry of `func`, a RunSum or a RunReduction of `pipeline`.
const LoweredPipeline::RunSums &runSumsOf(const LoweredPipeline &pipeline,
                                          const Func &func) {
  auto sums = llvm::find_if(pipeline.runSums, [&](const auto &entry) {
    return entry.reduction.name() == func.name() ||
           entry.runs.name() == func.name();
  });
  assert(sums != pipeline.runSums.end() && "runs without their reduction");
  return *sums;
}

/// The number of values `func` (a RunSum, or a Reduction) adds up for one
/// channel; with `innermost`, over its `innermost` innermost reduced
/// dimensions only (a dense run).
int64_t runLength(const Func &func,
                  int innermost = std::numeric_limits<int>::max()) {
  std::vector<int64_t> extents = reducedExtents(func);
  int64_t length = 1;
  for (int d = 0; d < innermost && d < static_cast<int>(extents.size()); ++d)
    length *= extents[d];
  return length;
}

/// Fuses the `contiguous` innermost reduced dimensions of `update` (a
/// channel's dense run of positions: H x W in NCHW) and splits the run into
/// `lanes` partial sums; returns the split's outer and inner (the lanes)
/// RVars.
std::pair<Halide::RVar, Halide::RVar>
splitRunIntoLanes(Halide::Stage update, const std::vector<Halide::RVar> &rvars,
                  int contiguous, int lanes) {
  Halide::RVar run = rvars.front();
  for (int d = 1; d < contiguous; ++d) {
    Halide::RVar fused(run.name() + "_" + rvars[d].name());
    update.fuse(run, rvars[d], fused);
    run = fused;
  }
  Halide::RVar outer(run.name() + "_o"), inner(run.name() + "_i");
  update.split(run, outer, inner, lanes, TailStrategy::GuardWithIf);
  return {outer, inner};
}

/// Vectors of the run each vector of partial sums adds up at least: fewer
/// partial sums where a run is short, so that they are not mostly the run's
/// tail.
constexpr int64_t kMinVectorsPerPartialSum = 4;

/// The lanes of partial sums of `func`'s run of `runValues` values: in
/// f32, the tunables' vectors of partial sums, fewer where the run gives
/// them under kMinVectorsPerPartialSum vectors each (1x512x7x7, runs of
/// 49: one vector; measured, AVX2, in one process, seeds 1-6, beside a
/// control of 0.97-1.02x: backward, with addLanesAsTree, 0.63-0.75x of
/// four vectors without it, where the tree alone gave 0.79-0.85x; the
/// other shapes within their controls); in double, one vector.
int partialSumLanes(const Func &func, int64_t runValues, int vectorWidth,
                    const CpuTunables &tunables) {
  if (func.output_types().front() != Halide::Float(32))
    return vectorWidth;
  int64_t vectors =
      std::clamp<int64_t>(runValues / (kMinVectorsPerPartialSum * vectorWidth),
                          1, tunables.partialSumVectors);
  return vectorWidth * static_cast<int>(vectors);
}

/// Adds up the lanes of partial sums `func`'s update reads (`lanes`, the
/// RVar rfactor left it) as one vector reduction, a tree of shuffles and
/// adds, rather than one lane after the other: a chain of as many dependent
/// adds as lanes, per run and sum (measured, AVX2, in one process, seeds
/// 2-4, beside a control of 0.97-1.11x: backward 1x512x7x7 0.79-0.85x;
/// 32x256x14x14, 4x64x28x28 and 8x32x112x112 within the control).
void addLanesAsTree(Func func, const Halide::RVar &lanes) {
  func.update().atomic().vectorize(lanes);
}

/// Vectorises the sum `func` over a channel's dense run (a RunSum, or a
/// Reduction with nothing outside the channel): its `denseDims` innermost
/// reduced dimensions (H and W in NCHW; a RunSum over a few images loops
/// over them outside) are fused into one run of positions, split into
/// partialSumLanes partial sums of consecutive positions (rfactor), and
/// the lanes added up at the end. Fusing H with W keeps the lanes full
/// where W alone is shorter than a vector (14, 7).
void sumRunAsLanes(Func func, int denseDims, int vectorWidth,
                   const CpuTunables &tunables) {
  std::vector<Halide::RVar> rvars = func.rvars(); // innermost first
  Halide::Stage update = func.update();
  int lanes =
      partialSumLanes(func, runLength(func, denseDims), vectorWidth, tunables);
  Halide::RVar runInner =
      splitRunIntoLanes(update, rvars, denseDims, lanes).second;
  Var lane("lane");
  Func partial = update.rfactor(runInner, lane);
  partial.compute_at(func, func.args().front())
      .vectorize(lane, lanes, TailStrategy::GuardWithIf);
  partial.update().vectorize(lane, lanes, TailStrategy::GuardWithIf);
  addLanesAsTree(func, runInner);
}

/// Vectorises the RunSum `func` as sumRunAsLanes does, for a group of
/// channels at one position outside the runs (an image, or a few): the
/// partial sums of all the group's channels at once, image after image
/// and, within an image, channel after channel, so that the group's runs
/// are read in memory order (NCHW: an image's channels are contiguous).
void sumGroupRunsAsLanes(Func func, int denseDims, int vectorWidth) {
  std::vector<Halide::RVar> rvars = func.rvars(); // innermost first
  Halide::Stage update = func.update();
  // One vector of partial sums per channel: four (partialSumLanes)
  // measured slower here (32x256x14x14 backward 1.06-1.13x).
  auto [runOuter, runInner] =
      splitRunIntoLanes(update, rvars, denseDims, vectorWidth);
  Var lane("lane");
  Func partial = update.rfactor(runInner, lane);
  std::vector<Var> args = func.args(); // the channel, then the positions
  // A channel's partial sums are one vector in memory: rfactor makes the
  // lanes the outermost dimension.
  std::vector<Var> storage = {lane};
  for (const Var &arg : partial.args())
    if (arg.name() != lane.name())
      storage.push_back(arg);
  partial.compute_at(func, args.back())
      .reorder_storage(storage)
      .vectorize(lane, vectorWidth, TailStrategy::GuardWithIf);
  std::vector<VarOrRVar> order = {lane, runOuter, args.front()};
  order.insert(order.end(), rvars.begin() + denseDims, rvars.end());
  partial.update().reorder(order).vectorize(lane, vectorWidth,
                                            TailStrategy::GuardWithIf);
  addLanesAsTree(func, runInner);
}

/// Parts of the batch summed in parallel at most; where channels are
/// contiguous, positions (rows of channels) per part at least.
constexpr int64_t kMaxSumParts = 64;
constexpr int64_t kMinPositionsPerPart = 64;

/// Runs (H x W) shorter than this are summed channel by channel instead:
/// each row's partial sums go through memory, which costs more than the
/// row (measured: 32x256x14x14, 0.61 ms against 0.40 ms).
constexpr int64_t kMinStreamedRunElements = 1024;

/// Whether sumInMemoryOrder applies to `sums`: at least two runs per
/// channel, each long enough.
bool summableInMemoryOrder(const LoweredPipeline::RunSums &sums) {
  return reducedExtents(sums.reduction).back() >= 2 &&
         runLength(sums.runs) >= kMinStreamedRunElements;
}

/// Streams the per-channel sum `reduction` of the RunSums `runSum` (NCHW)
/// through memory in order: the batch (the outermost position outside the
/// channel) is split into parts summed in parallel, each part reading its
/// images front to back, channel after channel: each run is summed in the
/// vector lanes (sumRunAsLanes) and added to the part's sum for its
/// channel, the parts' sums added up at the end. Returns false, scheduling
/// nothing, where the batch has fewer than two images or the runs are
/// short.
bool sumInMemoryOrder(const LoweredPipeline::RunSums &sums, int vectorWidth,
                      const CpuTunables &tunables) {
  if (!summableInMemoryOrder(sums))
    return false;
  Func reduction = sums.reduction, runSum = sums.runs;
  std::vector<Halide::RVar> rvars = reduction.rvars(); // innermost first
  int64_t batch = reducedExtents(reduction).back();
  int64_t parts = std::min<int64_t>(batch, kMaxSumParts);
  int64_t perPart = (batch + parts - 1) / parts;
  Halide::Stage update = reduction.update();
  Halide::RVar images = rvars.back();
  Halide::RVar partOuter(images.name() + "_part"),
      inPart(images.name() + "_in_part");
  update.split(images, partOuter, inPart, static_cast<int>(perPart),
               TailStrategy::GuardWithIf);
  Var part("part"), channel = reduction.args().front();
  Func partial = update.rfactor(partOuter, part);
  partial.compute_root();
  std::vector<VarOrRVar> memoryOrder = {channel}; // innermost first
  memoryOrder.insert(memoryOrder.end(), rvars.begin(), rvars.end() - 1);
  memoryOrder.push_back(inPart);
  memoryOrder.push_back(part);
  partial.update().reorder(memoryOrder).parallel(part);
  runSum.compute_at(partial, channel);
  sumRunAsLanes(runSum, sums.denseDims, vectorWidth, tunables);
  return true;
}

/// Sums the RunSums `runSum` of `reduction` with channels in the vector
/// lanes: for each vector of channels (a parallel task), image after
/// image, position after position, each lane reading its channel's value
/// (a strided load). No horizontal sums: where runs are short, summing
/// each one in lanes of its own positions spends more on adding up the
/// lanes than on the run.
void sumRunsAcrossChannels(Func reduction, Func runSum, int vectorWidth) {
  auto vectorizeChannels = [&](Func func) {
    Var c = func.args().front();
    Var outer(c.name() + "_vectors"), lanes(c.name() + "_lanes");
    func.vectorize(c, vectorWidth, TailStrategy::GuardWithIf);
    Halide::Stage update = func.update();
    update.split(c, outer, lanes, vectorWidth, TailStrategy::GuardWithIf);
    std::vector<VarOrRVar> order = {lanes}; // innermost first
    for (const Halide::RVar &rvar : func.rvars())
      order.push_back(rvar);
    std::vector<Var> args = func.args();
    for (size_t a = 1; a < args.size(); ++a)
      order.push_back(args[a]);
    order.push_back(outer);
    update.reorder(order).vectorize(lanes);
    return std::make_pair(update, outer);
  };
  reduction.compute_root();
  auto [update, outer] = vectorizeChannels(reduction);
  update.parallel(outer);
  runSum.compute_at(reduction, outer);
  vectorizeChannels(runSum);
}

/// The parts of the batch that sumChannelsAsLanes sums in parallel, for
/// `rows` rows (positions) in all and `outerExtent` images: at most
/// kMaxSumParts and one per image, each of at least kMinPositionsPerPart
/// rows, and at least one.
int64_t sumParts(int64_t rows, int64_t outerExtent) {
  return std::clamp<int64_t>(rows / kMinPositionsPerPart, 1,
                             std::min(kMaxSumParts, outerExtent));
}

/// Vectorises the per-channel sum `func` whose channels are contiguous
/// (NHWC, dense layers, NCHW with H = W = 1): the channels are the vector
/// lanes, read row by row (a row: one position's channels; each of the
/// sum's terms stands for `rowsPerTerm` rows). The outermost reduced
/// dimension (the batch) is split into up to kMaxSumParts parts of at
/// least kMinPositionsPerPart rows, summed in parallel into their own row
/// of partial sums (rfactor), which are added up at the end. Parts, not
/// one partial row per image: 256 images of 1024 channels would make 2 MB
/// of partial sums. Returns the partial sums and their innermost loop over
/// the terms.
std::pair<Func, Halide::RVar> sumChannelsAsLanes(Func func, int vectorWidth,
                                                 int64_t rowsPerTerm = 1) {
  std::vector<Halide::RVar> rvars = func.rvars(); // innermost first
  std::vector<int64_t> extents = reducedExtents(func);
  int64_t rows = rowsPerTerm;
  for (int64_t extent : extents)
    rows *= extent;
  Halide::RVar outermost = rvars.back();
  int64_t outerExtent = extents.back();
  int64_t parts = sumParts(rows, outerExtent);
  int64_t perPart = (outerExtent + parts - 1) / parts;
  Halide::RVar partOuter(outermost.name() + "_part"),
      inPart(outermost.name() + "_in_part");
  Halide::Stage update = func.update();
  update.split(outermost, partOuter, inPart, static_cast<int>(perPart),
               TailStrategy::GuardWithIf);
  Var part("part"), channel = func.args().front();
  Func partial = update.rfactor(partOuter, part);
  update.vectorize(channel, vectorWidth, TailStrategy::GuardWithIf);
  partial.compute_root().vectorize(channel, vectorWidth,
                                   TailStrategy::GuardWithIf);
  std::vector<VarOrRVar> rowByRow = {channel}; // innermost first
  rowByRow.insert(rowByRow.end(), rvars.begin(), rvars.end() - 1);
  rowByRow.push_back(inPart);
  rowByRow.push_back(part);
  partial.update()
      .reorder(rowByRow)
      .parallel(part)
      .vectorize(channel, vectorWidth, TailStrategy::GuardWithIf);
  return {partial, rvars.size() > 1 ? rvars.front() : inPart};
}

/// Sums the RunSums `sums` whose channels are contiguous (NHWC: a run is
/// an image's H x W, strided): parts of the batch in parallel, channels
/// as lanes (sumChannelsAsLanes), each run summed row by row into a row
/// of f32 sums, which is then added to its part's double sums.
void sumRunsWithChannelsAsLanes(const LoweredPipeline::RunSums &sums,
                                int vectorWidth, const CpuTunables &tunables) {
  Func runSum = sums.runs;
  auto [partial, run] =
      sumChannelsAsLanes(sums.reduction, vectorWidth, runLength(runSum));
  Var channel = runSum.args().front();
  runSum.compute_at(partial, run)
      .vectorize(channel, vectorWidth, TailStrategy::GuardWithIf);
  std::vector<VarOrRVar> rowByRow = {channel}; // innermost first
  for (const Halide::RVar &rvar : runSum.rvars())
    rowByRow.push_back(rvar);
  Halide::Stage update = runSum.update();
  update.reorder(rowByRow);
  // A row's vectors unrolled: constant offsets into the run's sums, which
  // LLVM then keeps in registers (measured, NHWC backward: 32x256x14x14
  // 0.59-0.67 ms against 0.65-0.76 ms, 4x64x28x28 43-50 us against 53-57
  // us; forwards 0-10% faster).
  if (sums.channels <= tunables.unrolledVectors * vectorWidth) {
    Var vectors("c_vectors"), lanes("c_lanes");
    update
        .split(channel, vectors, lanes, vectorWidth,
               TailStrategy::GuardWithIf)
        .vectorize(lanes)
        .unroll(vectors);
  } else {
    update.vectorize(channel, vectorWidth, TailStrategy::GuardWithIf);
  }
}

/// Output values of a layer computed together along the blocked dimension,
/// times a vector: the accumulators of a tile, kept in registers (FMA
/// latency times throughput needs eight independent ones).
constexpr int kRegisterTileBlock = 8;

/// A layer's register tile: `vectors` vectors along its vector dimension
/// times `block` values along the blocked one, all accumulated in
/// registers over the whole reduction.
struct RegisterTile {
  int vectors = 1;
  int block = kRegisterTileBlock;
};

/// The register tile of a layer whose output channels, `channels` of them,
/// are the vectors (NHWC convolutions, dense layers), on a target with
/// `vectorRegisters` vector registers. With 32 (AVX-512): four vectors of
/// output channels times six pixels, 24 accumulators beside four weight
/// vectors and a broadcast input, so that each input value loaded serves
/// four FMAs and each weight vector six pixels; two vectors times eight
/// where the channels make no four (measured, Zen 5, 1x1 convolutions
/// NHWC, against one vector times eight, four seeds, beside a control of
/// 0.85-1.35x: 256x1024x1x1 0.43-0.54x (two vectors: 0.56-0.61x),
/// 4x64x28x28 0.70-0.90x (0.79-0.88x), 64x128x56x56 0.88-0.99x,
/// 32x64x56x56 from DRAM 0.87-1.09x; 8x32x112x112, two vectors of 16
/// channels, 0.91-1.04x). With 16 (AVX2) one vector times
/// kRegisterTileBlock, as measured there.
RegisterTile channelTile(int64_t channels, int vectorWidth,
                         int vectorRegisters) {
  if (vectorRegisters < 32)
    return {};
  if (channels % (4 * vectorWidth) == 0)
    return {4, 6};
  if (channels % (2 * vectorWidth) == 0)
    return {2, kRegisterTileBlock};
  return {};
}

/// Parallel tasks a layer's positions must offer before they, rather than
/// blocks of the blocked dimension, are what runs in parallel.
constexpr int64_t kMinLayerTasks = 4;

/// A layer's positions (images x rows) are cut into about this many
/// parallel tasks of consecutive rows, not a task per row: handing a
/// thread a task costs about what a row of a 1x1 convolution takes
/// (measured, Zen 5, 1x1 convolutions and folded ones, NCHW and NHWC,
/// against a task per row, four seeds, beside a control of 0.81-1.13x:
/// 32x64x56x56 from DRAM 0.53-0.78x, 8x32x112x112 0.47-0.87x, 4x64x28x28
/// 0.50-0.97x, 64x128x56x56 0.87-1.06x, 32x256x14x14 and 1x512x7x7 the
/// same; a task per image, 56 rows, about as fast, 8 rows per task a
/// little slower).
constexpr int64_t kLayerTasks = 32;

/// Funcs by name.
using FuncsByName = std::map<std::string, Func>;

/// The calls an Expr makes to a set of Funcs.
class CallsTo : public Halide::Internal::IRVisitor {
public:
  explicit CallsTo(const FuncsByName &callees) : callees(callees) {}
  std::vector<const Halide::Internal::Call *> calls;

private:
  using IRVisitor::visit;
  void visit(const Halide::Internal::Call *call) override {
    if (call->call_type == Halide::Internal::Call::Halide &&
        callees.count(call->name))
      calls.push_back(call);
    IRVisitor::visit(call);
  }
  const FuncsByName &callees;
};

/// The inputs of `pipeline` of rank `rank` (its activations) that `func`
/// reads, itself or through the Funcs it calls.
int activationsRead(const LoweredPipeline &pipeline, int64_t rank,
                    const Func &func) {
  class Images : public Halide::Internal::IRVisitor {
  public:
    std::set<std::string> names;

  private:
    using IRVisitor::visit;
    void visit(const Halide::Internal::Call *call) override {
      if (call->call_type == Halide::Internal::Call::Image)
        names.insert(call->name);
      IRVisitor::visit(call);
    }
  } images;
  func.function().accept(&images);
  for (const auto &[name, callee] :
       Halide::Internal::find_transitive_calls(func.function()))
    callee.accept(&images);
  int count = 0;
  for (const Halide::ImageParam &input : pipeline.inputs)
    count += input.dimensions() == rank && images.names.count(input.name());
  return count;
}

/// The shortest run (values) of the RunSums `sums` of `pipeline` to be
/// summed in lanes of its own positions (sumRunAsLanes); shorter ones are
/// summed across channels (sumRunsAcrossChannels), with a strided load for
/// each activation a term reads. Where the terms read one (the forward),
/// that pays below CpuTunables::minVectorsPerRun times the tunables'
/// vectors of partial sums; where they read two (the backward), below as
/// many vectors (measured, AVX2, in one process, across channels / in
/// lanes: forward 1x512x7x7 0.48-0.56x, 2x256x7x7 0.71-0.83x, with a ReLU
/// or not; backward 0.88x and 1.23-1.26x). Runs that short in a tensor in
/// cache go in groups of channels instead where the channels allow
/// (scheduleChannelByChannel); one channel at a time, in lanes with the
/// lanes added up as a tree, a forward's 7 x 7 came out 0.83-1.12x in
/// bn-bench but 1.3-1.9x called back to back (bench/RESULTS.md, session
/// 16).
int64_t minRunInLanes(const LoweredPipeline &pipeline,
                      const LoweredPipeline::RunSums &sums, int vectorWidth,
                      const CpuTunables &tunables) {
  bool twoActivations =
      activationsRead(pipeline, pipeline.channelRank, sums.runs) >= 2;
  int64_t vectors = twoActivations ? 1 : tunables.partialSumVectors;
  return tunables.minVectorsPerRun * vectors * vectorWidth;
}

/// Whether `func` reads `layer` at its own coordinates only: every call it
/// makes to one of `readers` (by name: the layer, and the Elementwise Funcs
/// that read it) passes `func`'s pure variables in order, and those Funcs
/// read the layer so too.
bool readsAtOwnCoordinates(const Halide::Internal::Function &func,
                           const std::string &layer,
                           const FuncsByName &readers) {
  if (func.has_update_definition())
    return false;
  const std::vector<std::string> &args = func.args();
  for (const Halide::Expr &value : func.values()) {
    CallsTo finder(readers);
    value.accept(&finder);
    for (const Halide::Internal::Call *call : finder.calls) {
      if (call->args.size() != args.size())
        return false;
      for (size_t a = 0; a < args.size(); ++a) {
        const auto *var = call->args[a].as<Halide::Internal::Variable>();
        if (!var || var->name != args[a])
          return false;
      }
      if (call->name != layer &&
          !readsAtOwnCoordinates(readers.at(call->name).function(), layer,
                                 readers))
        return false;
    }
  }
  return true;
}

/// The output of `pipeline` that reads `layer` element by element (through
/// element-wise Funcs, which are inlined), where that output is the only
/// Func to read it: the output can be computed tile by tile as the layer
/// is, with no buffer for the layer in between. Null otherwise (the layer
/// feeds statistics, another layer, several outputs).
LoweredTensor *elementwiseConsumer(LoweredPipeline &pipeline,
                                   const LoweredTensor &layer) {
  std::string name = layer.func.name();
  auto reads = [&](const Func &func) {
    return func.name() == name ||
           Halide::Internal::find_transitive_calls(func.function())
               .count(name);
  };
  FuncsByName readers = {{name, layer.func}}; // and the Elementwise readers
  for (auto &[func, role] : pipeline.funcs) {
    if (func.name() == name || !reads(func))
      continue;
    if (role != FuncRole::Elementwise)
      return nullptr;
    readers.emplace(func.name(), func);
  }
  LoweredTensor *consumer = nullptr;
  for (LoweredTensor &output : pipeline.outputs) {
    if (!reads(output.func))
      continue;
    if (consumer)
      return nullptr;
    consumer = &output;
  }
  if (!consumer || consumer->shape != layer.shape ||
      !readsAtOwnCoordinates(consumer->func.function(), name, readers))
    return nullptr;
  return consumer;
}

/// Schedules the layer `func` (of shape `shape`) tile by tile: a tile is a
/// vector along dimension `vectorDim` (its output channel; a few vectors
/// where those are innermost, channelTile) times kRegisterTileBlock (NCHW
/// with long rows: a vector's width) along the `blocked` one (a row's
/// pixels, rows), accumulated over the whole
/// reduction in registers, so that each weight vector loaded serves a
/// block of pixels and each input value a vector of output channels. The
/// layer is computed at each tile of `tiles`, which has its shape: the
/// output that reads it element by element, or else a wrapper that holds
/// its values for its consumers. The tiles of a position (an image's row)
/// run one after the other, while its input is in cache; positions, in
/// about kLayerTasks runs of rows, are the parallel tasks where there are
/// enough of them, else blocks.
void scheduleLayerInRegisters(Func func, Func tiles,
                              llvm::ArrayRef<int64_t> shape, int vectorDim,
                              int blocked, int vectorWidth,
                              int vectorRegisters) {
  std::vector<Var> vars = func.args(); // innermost first
  int rank = static_cast<int>(vars.size());
  std::vector<Var> tileVars = tiles.args();
  Var inner = tileVars[vectorDim], block = tileVars[blocked];
  Var innerOuter(inner.name() + "_o"), lanes(inner.name() + "_v"),
      blockOuter(block.name() + "_o"), blockInner(block.name() + "_b");
  // Where the tile is stored along its block (NCHW: a row's pixels), a
  // block of a vector's width (16 floats with AVX-512) stores whole cache
  // lines, which non-temporal stores need, on rows long enough to keep the
  // tail short (measured, 1x1 convolutions: 8x32x112x112 1.48-1.57 ms
  // against 1.80-1.91 ms, 32x64x56x56 7.1 against 8.3 ms; 28-pixel rows
  // 140 against 134 us; with vectors of output channels, NHWC, 16 pixels
  // were no faster than 8).
  RegisterTile tile;
  if (vectorDim == 0)
    tile = channelTile(shape[rank - 1], vectorWidth, vectorRegisters);
  else if (shape[rank - 1 - blocked] >= 2 * vectorWidth)
    tile.block = vectorWidth;
  int blockLength = tile.block, tileLanes = tile.vectors * vectorWidth;
  tiles.compute_root()
      .split(inner, innerOuter, lanes, tileLanes, TailStrategy::GuardWithIf)
      .split(block, blockOuter, blockInner, blockLength,
             TailStrategy::GuardWithIf);
  std::vector<Var> positions, tilePositions; // innermost first
  std::vector<int64_t> positionExtents;
  int64_t positionCount = 1;
  for (int d = 0; d < rank; ++d)
    if (d != vectorDim && d != blocked) {
      positions.push_back(vars[d]);
      tilePositions.push_back(tileVars[d]);
      positionExtents.push_back(shape[rank - 1 - d]);
      positionCount *= shape[rank - 1 - d];
    }
  // The wrapper stores along its innermost dimension: the tile's vector
  // where that is it, else the block (NCHW: a row's pixels), the tile
  // transposed on the way.
  std::vector<VarOrRVar> order =
      vectorDim == 0
          ? std::vector<VarOrRVar>{lanes, blockInner, innerOuter, blockOuter}
          : std::vector<VarOrRVar>{blockInner, lanes, innerOuter, blockOuter};
  order.insert(order.end(), tilePositions.begin(), tilePositions.end());
  tiles.reorder(order);
  if (vectorDim == 0)
    tiles.vectorize(lanes, vectorWidth).unroll(blockInner);
  else
    tiles.vectorize(blockInner).unroll(lanes);
  if (positionCount < kMinLayerTasks) {
    tiles.parallel(blockOuter);
  } else if (tilePositions.size() == 1) {
    tiles.parallel(tilePositions.back());
  } else {
    // The two outermost positions (an image's rows, the images), fused,
    // in about kLayerTasks tasks of consecutive rows.
    int64_t rows = positionExtents[positionExtents.size() - 2] *
                   positionExtents.back();
    int rowsPerTask = static_cast<int>((rows + kLayerTasks - 1) / kLayerTasks);
    Var fused("rows"), task("task"), inTask("rows_in_task");
    tiles
        .fuse(tilePositions[tilePositions.size() - 2], tilePositions.back(),
              fused)
        .split(fused, task, inTask, rowsPerTask, TailStrategy::GuardWithIf)
        .parallel(task);
  }

  // One tile: its values in registers, the reduction outside them.
  func.compute_at(tiles, innerOuter);
  Var layerInner = vars[vectorDim], layerBlock = vars[blocked];
  if (vectorDim != 0) {
    std::vector<Var> storage = {layerInner};
    for (int d = 0; d < rank; ++d)
      if (d != vectorDim)
        storage.push_back(vars[d]);
    func.reorder_storage(storage);
  }
  Var laneOuter("lane_o"), laneVector("lane_vector"), lane("lane"),
      rowOuter("row_o"), row("row");
  auto inTiles = [&](auto stage, std::vector<VarOrRVar> outside) {
    stage
        .split(layerInner, laneOuter, lane, tileLanes,
               TailStrategy::GuardWithIf)
        .split(layerBlock, rowOuter, row, blockLength,
               TailStrategy::GuardWithIf);
    std::vector<VarOrRVar> tileOrder = {lane, row};
    if (tile.vectors > 1) {
      stage.split(lane, laneVector, lane, vectorWidth,
                  TailStrategy::GuardWithIf);
      tileOrder = {lane, laneVector, row};
    }
    tileOrder.insert(tileOrder.end(), outside.begin(), outside.end());
    tileOrder.push_back(laneOuter);
    tileOrder.push_back(rowOuter);
    tileOrder.insert(tileOrder.end(), positions.begin(), positions.end());
    stage.reorder(tileOrder).vectorize(lane).unroll(row);
    if (tile.vectors > 1)
      stage.unroll(laneVector);
  };
  inTiles(func, {});
  std::vector<Halide::RVar> rvars = func.rvars();
  inTiles(func.update(), std::vector<VarOrRVar>(rvars.begin(), rvars.end()));
}

/// Schedules a layer's weights relaid with the output channel innermost
/// (NCHW filters): vectors of output channels (gathered from the filter),
/// every other dimension fused into one parallel loop.
void scheduleLayerWeights(Func weights, int vectorWidth) {
  std::vector<Var> vars = weights.args(); // innermost first
  weights.compute_root().vectorize(vars.front(), vectorWidth,
                                   TailStrategy::GuardWithIf);
  if (vars.size() > 1)
    weights.parallel(
        fuseLoops(weights, vars, 1, static_cast<int>(vars.size()) - 1));
}

/// Schedules `layer` (a convolution or dense layer) in register tiles
/// (scheduleLayerInRegisters): vectors of output channels ("o") times a
/// block of the innermost other dimension long enough for one (pixels of a
/// row; rows of a dense layer; else the longest: the batch of a 1x1 image).
/// Vectors of output channels rather than of pixels in NCHW too: rows of 7
/// or 14 pixels fill a vector badly (measured, 1x1 convolutions, against
/// vectors along the row accumulated in the layer's buffer: 32x256x14x14
/// 4.3-5.5 ms against 37 ms, 32x64x56x56 7.3-8.1 against 33-35 ms,
/// 64x128x56x56 86-88 against 314 ms, 1x512x7x7 0.5-0.8 against 3.3-3.6
/// ms; 256x1024x1x1 4.9 against 3.5 ms while its 4 MB of weights were
/// relaid on every call: constant filters are now relaid when the kernel
/// is compiled).
///
/// Returns the output computed in the layer's tiles, or null where the
/// layer has a buffer of its own.
LoweredTensor *scheduleLayer(LoweredPipeline &pipeline,
                             const LoweredTensor &layer, int vectorWidth,
                             int vectorRegisters) {
  Func func = layer.func;
  std::vector<Var> vars = func.args(); // innermost first
  int rank = static_cast<int>(vars.size());
  auto extent = [&](int d) { return layer.shape[rank - 1 - d]; };
  int channel = 0;
  while (channel + 1 < rank && vars[channel].name() != "o")
    ++channel;
  int blocked = -1;
  for (int d = 0; d < rank; ++d) {
    if (d == channel)
      continue;
    if (blocked < 0 || (extent(blocked) < kRegisterTileBlock &&
                        extent(d) > extent(blocked)))
      blocked = d;
    if (extent(blocked) >= kRegisterTileBlock)
      break;
  }
  LoweredTensor *consumer = elementwiseConsumer(pipeline, layer);
  scheduleLayerInRegisters(func, consumer ? consumer->func : func.in(),
                           layer.shape, channel, blocked, vectorWidth,
                           vectorRegisters);
  return consumer;
}

/// Schedules an output (MLIR shape `shape`) as one streaming loop nest: its
/// stored row (storedRow: the dense dimensions inside the channel or,
/// without a known channel, the innermost ones up to a few vectors) fused
/// and vectorised; the rest fused and split into parallel tasks of
/// streamingRowsPerTask rows.
void scheduleStreaming(Func func, llvm::ArrayRef<int64_t> shape,
                       std::optional<int64_t> channelDim, int vectorWidth,
                       const CpuTunables &tunables) {
  std::vector<Var> vars = func.args(); // innermost first
  int rank = static_cast<int>(vars.size());
  if (rank == 0)
    return;
  StoredRow stored = storedRow(shape, channelDim, 4 * vectorWidth);
  Var row = fuseLoops(func, vars, 0, stored.dimensions - 1);
  if (stored.dimensions < rank) {
    int64_t rowCount = 1;
    for (int64_t extent : shape.drop_back(stored.dimensions))
      rowCount *= extent;
    Var rows = fuseLoops(func, vars, stored.dimensions, rank - 1);
    int64_t rowsPerTask =
        streamingRowsPerTask(stored.elements, rowCount, tunables);
    if (rowsPerTask < rowCount) {
      Var task(rows.name() + "_task"), inTask(rows.name() + "_in_task");
      func.split(rows, task, inTask, static_cast<int>(rowsPerTask),
                 TailStrategy::GuardWithIf)
          .parallel(task);
    }
  }
  if (stored.elements >= vectorWidth)
    func.vectorize(row, vectorWidth, TailStrategy::GuardWithIf);
}

/// The largest output of `pipeline` of rank `channelRank`: the activation
/// a per-channel schedule loops over (its anchor); null where there is none.
LoweredTensor *largestActivation(LoweredPipeline &pipeline) {
  LoweredTensor *largest = nullptr;
  for (LoweredTensor &output : pipeline.outputs)
    if (static_cast<int64_t>(output.shape.size()) == pipeline.channelRank &&
        (!largest || output.elements() > largest->elements()))
      largest = &output;
  return largest;
}

/// Whether `output` holds one value per channel of `channels`.
bool isPerChannel(const LoweredTensor &output, int64_t channels) {
  return output.shape.size() == 1 && output.shape[0] == channels;
}

/// Channels per parallel task of a per-channel schedule over `rows`
/// positions per channel: at least kTaskElements elements and one of
/// CpuTunables::streamingTasks parts of the channels, a multiple of `step`
/// channels (`step` divides `channels`) that divides `channels` exactly:
/// sums computed per channel of a task must not see a channel beyond the
/// last.
int64_t taskChannels(int64_t channels, int64_t rows, int64_t step,
                     const CpuTunables &tunables) {
  int64_t perTask =
      std::min(channels, std::max(kTaskElements / rows,
                                  channels / tunables.streamingTasks));
  perTask = std::max(step, perTask / step * step);
  while (channels % perTask != 0)
    perTask -= step;
  return perTask;
}

/// Whether channels in groups (short runs, the tensor in memory) pay in
/// `pipeline` against streaming: where its sums read two activations or
/// more (the backward: x and dy), each of which streaming reads twice, or
/// where streaming could not sum in memory order (runs of the whole
/// batch: one channel per task). Where the sums read x alone and stream
/// in order, streaming measured as fast or faster (grouped / streaming,
/// in one process: forward 32x256x14x14 1.01-1.02x, with a ReLU
/// 1.03-1.14x, with a residual add 0.95-1.00x; 128x256x14x14 0.96x,
/// 0.79-1.01x and 1.22x).
bool groupsPay(const LoweredPipeline &pipeline) {
  for (const LoweredPipeline::RunSums &sums : pipeline.runSums)
    if (activationsRead(pipeline, pipeline.channelRank, sums.runs) >= 2 ||
        !summableInMemoryOrder(sums))
      return true;
  return false;
}

/// Schedules a pipeline separable per channel whose channel lies outside
/// contiguous rows (NCHW) channel by channel, blocks of channels in
/// parallel tasks: the largest output (the anchor) loops over channels
/// outermost; for each channel (or group of channels with short rows) its
/// sums are computed, then the anchor's slice and every per-channel
/// output's value, all fused into the channel's loop. The slice is read
/// from memory once and stays in cache for the passes that follow. Returns
/// false, scheduling nothing, where it does not apply.
bool scheduleChannelByChannel(LoweredPipeline &pipeline,
                              Halide::Pipeline &halidePipeline,
                              int vectorWidth, const CpuTunables &tunables) {
  bool reduces = pipeline.has(FuncRole::Reduction) ||
                 pipeline.has(FuncRole::RunReduction) ||
                 pipeline.has(FuncRole::ReductionChannelsInner);
  if (!pipeline.channelDim || !reduces || pipeline.has(FuncRole::Layer))
    return false;
  int64_t rank = pipeline.channelRank, channelDim = *pipeline.channelDim;
  LoweredTensor *anchor = largestActivation(pipeline);
  if (!anchor)
    return false;
  int64_t channels = anchor->shape[channelDim];
  // Outputs other than the anchor and the per-channel ones stream apart
  // from the channel loop (below), so they must not read what is computed
  // inside it: where one does (a training forward's y and a gradient's dx
  // in one pipeline, the second reading the first's sums), the whole
  // pipeline streams.
  std::set<std::string> insideChannelLoop;
  for (const auto &[func, role] : pipeline.funcs)
    if (role == FuncRole::PerChannel || role == FuncRole::Reduction ||
        role == FuncRole::ReductionChannelsInner ||
        role == FuncRole::RunReduction || role == FuncRole::RunSum)
      insideChannelLoop.insert(func.name());
  for (const LoweredTensor &output : pipeline.outputs) {
    if (&output == anchor || isPerChannel(output, channels))
      continue;
    for (const auto &[name, callee] :
         Halide::Internal::find_transitive_calls(output.func.function()))
      if (insideChannelLoop.count(name))
        return false;
  }
  std::vector<Var> vars = anchor->func.args(); // innermost first
  int channel = static_cast<int>(rank - 1 - channelDim);
  // Channels are (effectively) contiguous when every dimension inside
  // them has extent 1: NHWC, or NCHW with H = W = 1.
  bool channelsInner = true;
  for (int64_t d = channelDim + 1; d < rank; ++d)
    channelsInner &= anchor->shape[d] == 1;
  // With channels contiguous, a block of channels is a strided slice: a few
  // bytes of every row, which costs more than streaming the whole tensor
  // twice (see bench/RESULTS.md). The streaming schedule does better there.
  if (channelsInner)
    return false;
  // A channel's slice is one dense run per image (H x W). Where the runs
  // are short and the tensor comes from memory, the first pass over each
  // slice waits on memory at every run (the prefetchers start over):
  // channel after channel lost to two streaming passes over the whole
  // tensor (measured: 32x256x14x14, 784-byte runs: backward 1.4-1.9 ms
  // against 1.4-1.7 ms streaming, forward 0.9-1.3 against 0.8-0.9 ms).
  // With runs of 12.5 KB channel by channel wins since large outputs are
  // stored non-temporally (NativeCode.h), so that they no longer evict the
  // channel's slice (32x64x56x56 from DRAM: backward 3.3-3.7 ms against
  // 4.1-4.9 ms; with plain stores it lost, 4.2 ms against 2.9 ms forward).
  // Where the runs are shorter, channels go in groups whose runs in an image,
  // one after the other in memory, make at least CpuTunables::channelRunBytes:
  // a group's sums read an image's runs of the group in order, then its outputs
  // are computed from cache. Against streaming (both in one process, two runs,
  // grouped / streaming): backward 0.68-0.72x (32x256x14x14), 0.69-0.72x
  // (32x512x7x7), 0.87-0.96x (16x128x28x28), 0.77-0.80x (128x256x14x14),
  // 0.68-0.86x (32x256x14x14 from DRAM); forward 0.74-0.80x (32x512x7x7, whose
  // runs span the whole batch). Elsewhere streaming stays (groupsPay).
  int64_t runBytes = 4;
  for (int64_t d = channelDim + 1; d < rank; ++d)
    runBytes *= anchor->shape[d];
  bool inGroups = runBytes < tunables.channelRunBytes &&
                  4 * anchor->elements() > tunables.cacheResidentBytes;
  if (inGroups && !groupsPay(pipeline))
    return false;
  // Rows of a few vectors: the streaming schedule sums them across
  // channels (sumRunsAcrossChannels), or, where a run spans enough images
  // to be long, in its lanes.
  if (runBytes / 4 < tunables.minVectorsPerRun * vectorWidth)
    return false;
  // A tensor in cache whose runs are short even across the images they
  // span (minRunInLanes; a forward's 7 x 7 of one image) goes in groups of
  // channels too: channel after channel, each channel's normalisation
  // waits on its statistics (the lanes' tree, the square root), while a
  // group's statistics overlap (measured, AVX2, 1x512x7x7, in one process,
  // against summing across channels, seeds 1-6, beside a control of
  // 0.91-1.05x: training forward 0.74-0.93x, with a ReLU 0.74-0.88x, with a
  // residual 0.88-1.04x; called back to back, 2 threads, 5.7-6.4 us against
  // 8.2-11.5 us). A backward's 7 x 7 runs, in lanes from fewer vectors,
  // stay one channel at a time: in groups they lost, 1.25-1.34x.
  for (const LoweredPipeline::RunSums &sums : pipeline.runSums)
    if (runLength(sums.runs) <
        minRunInLanes(pipeline, sums, vectorWidth, tunables))
      inGroups = true;

  // Channels in blocks (taskChannels), one block per parallel task,
  // channel after channel (group after group): while a channel is
  // normalised, the next one of its block is prefetched. Loops fused by
  // compute_with must have the same names: the lowering calls the channel of
  // every output "c".
  int64_t channelsPerTask =
      taskChannels(channels, anchor->elements() / channels, 1, tunables);
  // Groups divide the task's channels (a task's last group must not reach
  // into the next task's channels): the fewest channels that do and make
  // runs of CpuTunables::channelRunBytes, else the whole task.
  int64_t channelsPerGroup = 1;
  if (inGroups) {
    channelsPerGroup = channelsPerTask;
    for (int64_t k = 2; k < channelsPerTask; ++k)
      if (channelsPerTask % k == 0 &&
          k * runBytes >= tunables.channelRunBytes) {
        channelsPerGroup = k;
        break;
      }
    if (channelsPerGroup == 1)
      return false;
  }
  Var channelVar = vars[channel], task("c_task"), block("c_in_task"),
      group("c_group"), inGroup("c_in_group");
  auto splitChannels = [&](Func func, Var c) {
    Var outer = c;
    if (channelsPerTask == 1) {
      func.parallel(c);
    } else {
      func.split(c, task, block, static_cast<int>(channelsPerTask),
                 TailStrategy::RoundUp)
          .parallel(task);
      outer = block;
    }
    if (channelsPerGroup == 1)
      return outer;
    func.split(outer, group, inGroup, static_cast<int>(channelsPerGroup),
               TailStrategy::RoundUp);
    return group;
  };
  Func anchorFunc = anchor->func;
  std::vector<VarOrRVar> loopOrder; // innermost first
  for (int d = 0; d < static_cast<int>(rank); ++d)
    if (d != channel)
      loopOrder.push_back(vars[d]);
  loopOrder.push_back(channelVar);
  anchorFunc.reorder(loopOrder);
  Var run = fuseLoops(anchorFunc, vars, 0, channel - 1);
  anchorFunc.vectorize(run, vectorWidth, TailStrategy::GuardWithIf);
  Var anchorBlock = splitChannels(anchorFunc, channelVar);
  if (channelsPerGroup > 1) {
    std::vector<VarOrRVar> groupOrder = {run, inGroup}; // innermost first
    for (int d = channel + 1; d < static_cast<int>(rank); ++d)
      groupOrder.push_back(vars[d]);
    groupOrder.push_back(group);
    anchorFunc.reorder(groupOrder);
  }
  // The last pass over a channel reads it from cache and writes to memory;
  // reading the next channel from memory meanwhile, as a copy does, keeps
  // both directions busy (measured, forward from DRAM: 32x64x56x56
  // 1.78-1.88 ms against 1.98-2.18 ms without, 64x128x56x56 6.2-6.8 ms
  // against 7.1-8.1 ms; 8x32x112x112, 50 KB runs, the same 0.90 ms). The
  // next channel of an activation is one run further on; the next group,
  // as many runs as it has channels.
  std::vector<std::string> activations;
  for (const Halide::ImageParam &input : pipeline.inputs)
    if (input.dimensions() == rank)
      activations.push_back(input.name());
  if (tunables.prefetchNextChannel)
    prefetchAhead(halidePipeline, anchorFunc.name(), activations,
                  channelsPerGroup * runBytes / 4);

  for (LoweredTensor &output : pipeline.outputs) {
    if (&output == anchor)
      continue;
    std::vector<Var> outVars = output.func.args();
    if (isPerChannel(output, channels)) {
      splitChannels(output.func, outVars[0]);
      output.func.compute_with(anchorFunc, anchorBlock);
    } else {
      scheduleStreaming(output.func, output.shape, pipeline.channelDim,
                        vectorWidth, tunables);
    }
  }

  // Sums and per-channel values per channel; everything else inlined.
  for (auto &[func, role] : pipeline.funcs) {
    std::vector<Var> funcVars = func.args();
    switch (role) {
    case FuncRole::Elementwise:
    case FuncRole::Layer: // Not separable per channel: never here.
    case FuncRole::LayerWeights:
      break;
    case FuncRole::Materialized:
      func.compute_root();
      parallelizeAndVectorize(Func(func), funcVars, vectorWidth);
      break;
    case FuncRole::PerChannel:
      func.compute_at(anchorFunc, anchorBlock);
      break;
    case FuncRole::RunReduction:
      func.compute_at(anchorFunc, anchorBlock);
      if (channelsPerGroup > 1) {
        // The group's channels inside the positions: their runs at one
        // position (sumGroupRunsAsLanes), one after the other.
        std::vector<VarOrRVar> order = {funcVars.front()};
        for (const Halide::RVar &rvar : func.rvars())
          order.push_back(rvar);
        func.update().reorder(order);
      }
      break;
    case FuncRole::Reduction:
    case FuncRole::ReductionChannelsInner:
      func.compute_at(anchorFunc, anchorBlock);
      if (func.has_update_definition())
        sumRunAsLanes(func, static_cast<int>(func.rvars().size()),
                      vectorWidth, tunables);
      break;
    case FuncRole::RunSum: {
      const LoweredPipeline::RunSums &sums = runSumsOf(pipeline, func);
      if (channelsPerGroup > 1) {
        func.compute_at(sums.reduction, sums.reduction.rvars().front());
        sumGroupRunsAsLanes(func, sums.denseDims, vectorWidth);
        break;
      }
      func.compute_at(anchorFunc, anchorBlock);
      sumRunAsLanes(func, sums.denseDims, vectorWidth, tunables);
      break;
    }
    }
  }
  return true;
}

/// Vectors of channels a run's sums keep in registers at a time, where the
/// channels are contiguous and a task's are summed block by block: two sums
/// and the shift per vector, 12 of AVX2's 16 registers.
constexpr int kRegisterBlockVectors = 4;

/// Schedules a pipeline separable per channel whose channels are
/// contiguous (NHWC), whose activations are in cache and whose sums would
/// get a single part of the batch (sumChannelsAsLanes: one image, or a few
/// of a few positions) in blocks of channels, one block per parallel task:
/// the block's sums over every row (four vectors of channels at a time, in
/// registers), its per-channel values, then its normalisation. Every
/// thread sums, and none reads what another summed. Streaming, the sums ran
/// on one thread through memory and the second normalising task read rows
/// from the first thread's cache (measured, AVX2, 1x7x7x512, called back to
/// back on two threads: forward 4.5-5.4 us a call against 6.6-7.3 us,
/// backward 5.4-5.7 against 7.5-7.9; bn-bench, two seeds, one process
/// each: forward 0.86-0.94x, with a ReLU 0.92x, backward 0.71-0.92x). With
/// parts of the batch it lost (256x1024x1x1: 1.02-1.47x). Returns false,
/// scheduling nothing, where it does not apply.
bool scheduleChannelBlocks(LoweredPipeline &pipeline, int vectorWidth,
                           const CpuTunables &tunables) {
  if (!pipeline.channelDim || pipeline.runSums.empty() ||
      pipeline.has(FuncRole::Layer) || pipeline.has(FuncRole::Reduction) ||
      pipeline.has(FuncRole::ReductionChannelsInner))
    return false;
  int64_t rank = pipeline.channelRank, channelDim = *pipeline.channelDim;
  if (channelDim != rank - 1)
    return false;
  for (const LoweredPipeline::RunSums &sums : pipeline.runSums)
    if (sums.denseDims != 0)
      return false;
  LoweredTensor *anchor = largestActivation(pipeline);
  if (!anchor || 4 * anchor->elements() > tunables.cacheResidentBytes)
    return false;
  int64_t channels = anchor->shape[channelDim];
  int64_t blockChannels = kRegisterBlockVectors * vectorWidth;
  if (channels % blockChannels != 0)
    return false;
  for (const LoweredTensor &output : pipeline.outputs)
    if (&output != anchor && !isPerChannel(output, channels))
      return false;
  int64_t rows = anchor->elements() / channels;
  for (const LoweredPipeline::RunSums &sums : pipeline.runSums)
    if (sumParts(rows, reducedExtents(sums.reduction).back()) >= 2)
      return false;
  int64_t perTask = taskChannels(channels, rows, blockChannels, tunables);
  Var task("c_task"), inTask("c_in_task");
  auto splitChannels = [&](Func func) {
    Var c = func.args().front();
    func.split(c, task, inTask, static_cast<int>(perTask)).parallel(task);
  };
  Func anchorFunc = anchor->func;
  std::vector<Var> vars = anchorFunc.args(); // innermost first
  splitChannels(anchorFunc);
  std::vector<VarOrRVar> order = {inTask}; // innermost first
  order.insert(order.end(), vars.begin() + 1, vars.end());
  order.push_back(task);
  anchorFunc.reorder(order).vectorize(inTask, vectorWidth);
  for (LoweredTensor &output : pipeline.outputs) {
    if (&output == anchor)
      continue;
    splitChannels(output.func);
    output.func.vectorize(inTask, vectorWidth);
    output.func.compute_with(anchorFunc, task);
  }
  for (auto &[func, role] : pipeline.funcs) {
    std::vector<Var> funcVars = func.args();
    switch (role) {
    case FuncRole::Elementwise:
      break;
    case FuncRole::Materialized:
      func.compute_root();
      parallelizeAndVectorize(Func(func), funcVars, vectorWidth);
      break;
    case FuncRole::PerChannel:
      func.compute_at(anchorFunc, task)
          .vectorize(funcVars.front(), vectorWidth);
      break;
    case FuncRole::RunReduction: {
      func.compute_at(anchorFunc, task)
          .vectorize(funcVars.front(), vectorWidth);
      std::vector<VarOrRVar> byImage = {funcVars.front()};
      for (const Halide::RVar &rvar : func.rvars())
        byImage.push_back(rvar);
      func.update().reorder(byImage).vectorize(funcVars.front(), vectorWidth);
      break;
    }
    case FuncRole::RunSum: {
      const LoweredPipeline::RunSums &sums = runSumsOf(pipeline, func);
      Var c = funcVars.front();
      func.compute_at(sums.reduction, sums.reduction.rvars().front())
          .vectorize(c, vectorWidth);
      Var vectors("c_vectors"), lanes("c_lanes"), blocks("c_blocks"),
          inBlock("c_in_block");
      Halide::Stage update = func.update();
      update.split(c, vectors, lanes, vectorWidth)
          .split(vectors, blocks, inBlock, kRegisterBlockVectors);
      std::vector<VarOrRVar> inRegisters = {lanes, inBlock};
      for (const Halide::RVar &rvar : func.rvars())
        inRegisters.push_back(rvar);
      inRegisters.push_back(blocks);
      update.reorder(inRegisters).vectorize(lanes).unroll(inBlock);
      break;
    }
    case FuncRole::Reduction: // Not in such a pipeline (above).
    case FuncRole::ReductionChannelsInner:
    case FuncRole::Layer:
    case FuncRole::LayerWeights:
      break;
    }
  }
  return true;
}

} // namespace

void bnc::halide::scheduleForCpu(LoweredPipeline &pipeline,
                                 Halide::Pipeline &halidePipeline,
                                 const Halide::Target &target,
                                 const CpuTunables &tunables) {
  int vectorWidth = target.natural_vector_size<float>();
  int vectorRegisters = target.has_feature(Halide::Target::AVX512) ? 32 : 16;
  if (scheduleChannelByChannel(pipeline, halidePipeline, vectorWidth,
                               tunables))
    return;
  if (scheduleChannelBlocks(pipeline, vectorWidth, tunables))
    return;
  std::set<std::string> tiledOutputs;
  for (auto &[func, role] : pipeline.funcs) {
    std::vector<Var> vars = func.args();
    switch (role) {
    case FuncRole::Elementwise:
      break; // Inlined: Halide's default.
    case FuncRole::PerChannel:
      // Once, in vectors of channels, on one thread: a few vectors, less
      // work than waking another (measured, Zen 5, against scalar loops,
      // six seeds, beside a control of 0.96-1.07x: 1x512x7x7 inference
      // 0.87-1.00x, training forward 0.90-1.00x; 4x64x28x28 and
      // 256x1024x1x1 within the control's spread).
      func.compute_root();
      if (!vars.empty())
        func.vectorize(vars.front(), vectorWidth, TailStrategy::GuardWithIf);
      break;
    case FuncRole::Reduction:
      // One channel per task.
      func.compute_root();
      if (!func.has_update_definition())
        break;
      sumRunAsLanes(func, static_cast<int>(func.rvars().size()),
                    vectorWidth, tunables);
      func.update().parallel(vars.front());
      break;
    case FuncRole::RunSum:
      break; // With the RunReduction that adds it up.
    case FuncRole::RunReduction: {
      func.compute_root();
      const LoweredPipeline::RunSums &sums = runSumsOf(pipeline, func);
      if (sums.denseDims == 0) {
        sumRunsWithChannelsAsLanes(sums, vectorWidth, tunables);
        break;
      }
      Func runSum = sums.runs;
      if (runLength(runSum) <
          minRunInLanes(pipeline, sums, vectorWidth, tunables)) {
        sumRunsAcrossChannels(func, runSum, vectorWidth);
        break;
      }
      if (sumInMemoryOrder(sums, vectorWidth, tunables))
        break;
      // One channel per task.
      func.update().parallel(vars.front());
      runSum.compute_at(func, vars.front());
      sumRunAsLanes(runSum, sums.denseDims, vectorWidth, tunables);
      break;
    }
    case FuncRole::ReductionChannelsInner:
      func.compute_root().vectorize(vars.front(), vectorWidth,
                                    TailStrategy::GuardWithIf);
      if (func.has_update_definition())
        sumChannelsAsLanes(func, vectorWidth);
      break;
    case FuncRole::Materialized:
      func.compute_root();
      parallelizeAndVectorize(Func(func), vars, vectorWidth);
      break;
    case FuncRole::LayerWeights:
      scheduleLayerWeights(func, vectorWidth);
      break;
    case FuncRole::Layer: {
      auto layer = llvm::find_if(pipeline.layers, [&](const LoweredTensor &l) {
        return l.func.name() == func.name();
      });
      if (layer != pipeline.layers.end() && vars.size() >= 2) {
        if (LoweredTensor *output =
                scheduleLayer(pipeline, *layer, vectorWidth, vectorRegisters))
          tiledOutputs.insert(output->func.name());
        break;
      }
      func.compute_root();
      parallelizeAndVectorize(Func(func), vars, vectorWidth);
      parallelizeAndVectorize(func.update(), vars, vectorWidth);
      break;
    }
    }
  }
  for (LoweredTensor &output : pipeline.outputs)
    if (!tiledOutputs.count(output.func.name()))
      scheduleStreaming(output.func, output.shape, pipeline.channelDim,
                        vectorWidth, tunables);
}

StoredRow bnc::halide::storedRow(llvm::ArrayRef<int64_t> shape,
                                 std::optional<int64_t> channelDim,
                                 int64_t minElements) {
  int rank = static_cast<int>(shape.size());
  StoredRow row;
  if (rank == 0)
    return row;
  // Dimensions counted from the innermost (0) outwards.
  auto extent = [&](int d) { return shape[rank - 1 - d]; };
  int channel = -1;
  if (channelDim && *channelDim >= 0 && *channelDim < rank)
    channel = rank - 1 - static_cast<int>(*channelDim);
  auto isComplete = [&] {
    if (channel >= 0)
      return row.dimensions > channel ||
             (row.dimensions == channel && row.elements > 1);
    return row.elements >= minElements;
  };
  row.elements = extent(0);
  row.dimensions = 1;
  while (row.dimensions < rank && !isComplete())
    row.elements *= extent(row.dimensions++);
  return row;
}

int64_t bnc::halide::streamingRowsPerTask(int64_t rowElements,
                                          int64_t rowCount,
                                          const CpuTunables &tunables) {
  int64_t taskElements =
      std::clamp<int64_t>(rowElements * rowCount / tunables.streamingTasks,
                          kTaskElements, kMaxTaskElements);
  int64_t rowsPerTask =
      std::max<int64_t>(1, taskElements / std::max<int64_t>(1, rowElements));
  // As many tasks, of equal size: with rows left over for a short last
  // task, one thread's share is the critical path (1x512x7x7: 334 and 178
  // channels on two threads; measured in bench/RESULTS.md, session 15).
  int64_t tasks = (rowCount + rowsPerTask - 1) / rowsPerTask;
  return (rowCount + tasks - 1) / tasks;
}
