//===- Report.h - bn-bench's table and JSON ----------------------*- C++ -*-===//
//
// Part of bnc. One record per contender: its median time, its bandwidth
// under the kernel's byte model (Workload.h: tensorsMoved x S bytes), that
// bandwidth as a share of a same-size copy's, and for bnc's kernels the
// time relative to oneDNN's best layout.
//
//===----------------------------------------------------------------------===//

#ifndef BNC_BENCH_REPORT_H
#define BNC_BENCH_REPORT_H

#include "Measure.h"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace bnc::bench {

struct Record {
  Shape shape;
  std::string layout, kernel, impl;
  /// Timed with a read of its output after it (bn-bench --then-read).
  bool thenRead = false;
  double medianUs = 0, gbps = 0, pctCopy = 0;
  /// bnc's time / oneDNN's best layout's time, where oneDNN has the kernel.
  std::optional<double> vsOneDnnBest;
  /// The layout oneDNN was fastest in, on the bnc records that compare.
  std::string oneDnnBestLayout;
};

/// The records of `shape`'s measured contenders; `thenRead`: each was timed
/// with a read of its output, one tensor more in the byte model.
std::vector<Record> summarize(const Shape &shape,
                              const std::vector<Contender> &contenders,
                              bool thenRead);

/// A table of `records`, one line each.
void printTable(const std::vector<Record> &records, std::FILE *out);

/// Writes `records` as a JSON list; false if the file cannot be written.
bool writeJson(const std::vector<Record> &records, const std::string &path);

} // namespace bnc::bench

#endif // BNC_BENCH_REPORT_H
