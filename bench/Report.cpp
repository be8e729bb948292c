//===- Report.cpp - bn-bench's table and JSON -----------------------------===//
//
// Part of bnc. See Report.h.
//
//===----------------------------------------------------------------------===//

#include "Report.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>

using namespace bnc::bench;

std::vector<Record> bnc::bench::summarize(
    const Shape &shape, const std::vector<Contender> &contenders,
    bool thenRead) {
  double bytes = static_cast<double>(shape.bytes());
  std::vector<Record> records;
  // The copy's bandwidth (2S bytes moved), and oneDNN's best time per kernel.
  double copyGbps = 0;
  std::map<Kernel, std::pair<double, std::string>> oneDnnBest;
  for (const Contender &c : contenders) {
    double us = median(c.seconds) * 1e6;
    Record record;
    record.shape = shape;
    record.layout = layoutName(c.layout);
    record.kernel = kernelName(c.kernel);
    record.impl = c.impl;
    record.medianUs = us;
    record.thenRead = thenRead;
    record.gbps =
        (tensorsMoved(c.kernel) + (thenRead ? 1 : 0)) * bytes / (us * 1e3);
    records.push_back(record);
    if (c.kernel == Kernel::Copy)
      copyGbps = std::max(copyGbps, record.gbps);
    if (c.impl == "onednn") {
      auto [it, inserted] = oneDnnBest.try_emplace(c.kernel, us, record.layout);
      if (!inserted && us < it->second.first)
        it->second = {us, record.layout};
    }
  }
  std::map<std::string, Kernel> kernels;
  for (const Contender &c : contenders)
    kernels[kernelName(c.kernel)] = c.kernel;
  for (Record &record : records) {
    record.pctCopy = copyGbps > 0 ? 100.0 * record.gbps / copyGbps : 0.0;
    auto best = oneDnnBest.find(kernels[record.kernel]);
    if (record.impl != "onednn" && best != oneDnnBest.end()) {
      record.vsOneDnnBest = record.medianUs / best->second.first;
      record.oneDnnBestLayout = best->second.second;
    }
  }
  return records;
}

void bnc::bench::printTable(const std::vector<Record> &records,
                            std::FILE *out) {
  std::fprintf(out, "%-20s %-7s %-19s %-11s %11s %8s %7s  %s\n", "shape",
               "layout", "kernel", "impl", "median us", "GB/s", "% copy",
               "vs oneDNN best");
  for (const Record &r : records) {
    std::string ratio;
    if (r.vsOneDnnBest) {
      char text[64];
      std::snprintf(text, sizeof text, "%.2fx (%s)", *r.vsOneDnnBest,
                    r.oneDnnBestLayout.c_str());
      ratio = text;
    }
    std::fprintf(out, "%-20s %-7s %-19s %-11s %11.1f %8.1f %6.0f%%  %s\n",
                 r.shape.str().c_str(), r.layout.c_str(), r.kernel.c_str(),
                 r.impl.c_str(), r.medianUs, r.gbps, r.pctCopy, ratio.c_str());
  }
  std::fflush(out);
}

bool bnc::bench::writeJson(const std::vector<Record> &records,
                           const std::string &path) {
  nlohmann::json list = nlohmann::json::array();
  for (const Record &r : records) {
    nlohmann::json record = {
        {"shape", {r.shape.n, r.shape.c, r.shape.h, r.shape.w}},
        {"cold", r.shape.cold},
        {"then_read", r.thenRead},
        {"layout", r.layout},
        {"kernel", r.kernel},
        {"impl", r.impl},
        {"median_us", r.medianUs},
        {"gbps", r.gbps},
        {"pct_copy", r.pctCopy}};
    if (r.vsOneDnnBest) {
      record["vs_onednn_best"] = *r.vsOneDnnBest;
      record["onednn_best_layout"] = r.oneDnnBestLayout;
    }
    list.push_back(record);
  }
  std::ofstream file(path);
  file << list.dump(1) << "\n";
  return static_cast<bool>(file);
}
