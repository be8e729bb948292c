//===- PrefetchAhead.cpp - Prefetch a fixed distance ahead of loads -------===//
//
// Part of bnc. See PrefetchAhead.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/PrefetchAhead.h"

#include "Halide.h"

#include <algorithm>

using namespace Halide::Internal;
using Halide::Expr;

namespace {

/// The dense vector loads from some of the buffers in an expression.
class DenseLoads : public IRVisitor {
public:
  explicit DenseLoads(const std::vector<std::string> &buffers)
      : buffers(buffers) {}

  std::vector<const Load *> found;

private:
  using IRVisitor::visit;

  void visit(const Load *op) override {
    IRVisitor::visit(op);
    const Ramp *ramp = op->index.as<Ramp>();
    if (!ramp || !is_const_one(ramp->stride) ||
        std::find(buffers.begin(), buffers.end(), op->name) == buffers.end())
      return;
    // The same vector read twice is fetched once.
    for (const Load *seen : found)
      if (seen->name == op->name && equal(seen->index, op->index))
        return;
    found.push_back(op);
  }

  const std::vector<std::string> &buffers;
};

class InjectPrefetchAhead : public IRMutator {
public:
  InjectPrefetchAhead(std::string output, std::vector<std::string> inputs,
                      int64_t distance)
      : output(std::move(output)), inputs(std::move(inputs)),
        distance(distance) {}

private:
  using IRMutator::visit;

  Stmt visit(const Store *op) override {
    if (op->name != output)
      return IRMutator::visit(op);
    DenseLoads loads(inputs);
    op->value.accept(&loads);
    Stmt result = op;
    for (const Load *load : loads.found) {
      const Ramp *ramp = load->index.as<Ramp>();
      Expr base = Variable::make(Halide::Handle(), load->name);
      Expr ahead = ramp->base + static_cast<int>(distance);
      // One vector: the intrinsic's arguments are {base, offset, extent,
      // stride}, in elements of the call's type.
      Expr prefetch = Call::make(load->type.element_of(), Call::prefetch,
                                 {base, ahead, 1, ramp->lanes},
                                 Call::Intrinsic);
      result = Block::make(Evaluate::make(prefetch), result);
    }
    return result;
  }

  std::string output;
  std::vector<std::string> inputs;
  int64_t distance;
};

} // namespace

void bnc::halide::prefetchAhead(Halide::Pipeline &pipeline,
                                const std::string &output,
                                const std::vector<std::string> &inputs,
                                int64_t distance) {
  pipeline.add_custom_lowering_pass(
      new InjectPrefetchAhead(output, inputs, distance));
}
