//===- CpuTunables.cpp - The sizes bnc's CPU code is chosen by ------------===//
//
// Part of bnc. See CpuTunables.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/CpuTunables.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>

using namespace bnc::halide;

namespace {

/// What a tunable's value is.
enum class Kind {
  Count,    // a whole number
  Size,     // bytes; K, M and G allowed
  AutoSize, // bytes, or "auto": unset, decided by the machine
  Flag,     // 0 or 1
};

/// One tunable: its name, what it decides, and the field it sets (the one
/// member pointer its kind uses).
struct Tunable {
  const char *name;
  const char *help;
  Kind kind;
  int64_t min, max;
  int64_t CpuTunables::*number = nullptr;                  // Count, Size
  std::optional<int64_t> CpuTunables::*autoSize = nullptr; // AutoSize
  bool CpuTunables::*flag = nullptr;                       // Flag

  bool isSize() const { return kind == Kind::Size || kind == Kind::AutoSize; }

  /// The value in `tunables`; unset for an automatic size.
  std::optional<int64_t> get(const CpuTunables &tunables) const {
    switch (kind) {
    case Kind::Count:
    case Kind::Size:
      return tunables.*number;
    case Kind::AutoSize:
      return tunables.*autoSize;
    case Kind::Flag:
      return tunables.*flag ? 1 : 0;
    }
    return std::nullopt;
  }

  /// Sets `value` (unset only for an automatic size) in `tunables`.
  void set(CpuTunables &tunables, std::optional<int64_t> value) const {
    switch (kind) {
    case Kind::Count:
    case Kind::Size:
      tunables.*number = *value;
      break;
    case Kind::AutoSize:
      tunables.*autoSize = value;
      break;
    case Kind::Flag:
      tunables.*flag = *value != 0;
      break;
    }
  }
};

constexpr int64_t kNoLimit = std::numeric_limits<int64_t>::max();

const Tunable kTunables[] = {
    {"channel-run-bytes",
     "NCHW: channel by channel where a channel's rows are this long, else "
     "in groups of channels whose rows together are",
     Kind::Size, 64, kNoLimit, &CpuTunables::channelRunBytes},
    {"cache-resident-bytes",
     "activations this small go channel by channel whatever their rows",
     Kind::Size, 0, kNoLimit, &CpuTunables::cacheResidentBytes},
    {"streaming-tasks",
     "about this many parallel tasks per streaming loop nest", Kind::Count, 1,
     4096, &CpuTunables::streamingTasks},
    {"partial-sum-vectors",
     "vectors of partial sums a channel's run is summed into (f32)",
     Kind::Count, 1, 8, &CpuTunables::partialSumVectors},
    {"min-vectors-per-run",
     "runs of fewer vectors are summed across channels, not in the lanes",
     Kind::Count, 1, 64, &CpuTunables::minVectorsPerRun},
    {"unrolled-vectors",
     "vectors of a row of contiguous channels (NHWC) unrolled at most",
     Kind::Count, 0, 64, &CpuTunables::unrolledVectors},
    {"prefetch-next-channel",
     "1: channel by channel prefetches the next channel while writing; 0: "
     "it does not",
     Kind::Flag, 0, 1, nullptr, nullptr, &CpuTunables::prefetchNextChannel},
    {"nontemporal-bytes",
     "outputs this large (rows of whole cache lines) get non-temporal "
     "stores; auto: a quarter of the last-level cache",
     Kind::AutoSize, 0, kNoLimit, nullptr, &CpuTunables::nonTemporalBytes},
};

const Tunable *findTunable(const std::string &name) {
  for (const Tunable &tunable : kTunables)
    if (name == tunable.name)
      return &tunable;
  return nullptr;
}

std::string tunableNames() {
  std::string names;
  for (const Tunable &tunable : kTunables)
    names += std::string(names.empty() ? "" : ", ") + tunable.name;
  return names;
}

/// `text` as a value of `tunable`: a decimal integer, for sizes with an
/// optional K, M or G (powers of 1024), "auto" where it may be unset.
/// False if it is none of these or out of range.
bool parseValue(const Tunable &tunable, const std::string &text,
                std::optional<int64_t> &value) {
  if (text == "auto") {
    value = std::nullopt;
    return tunable.kind == Kind::AutoSize;
  }
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0])))
    return false;
  errno = 0;
  char *end = nullptr;
  long long number = std::strtoll(text.c_str(), &end, 10);
  if (errno || end == text.c_str())
    return false;
  int shift = 0;
  std::string suffix(end);
  if (tunable.isSize() && suffix.size() == 1) {
    shift = suffix == "K" ? 10 : suffix == "M" ? 20 : suffix == "G" ? 30 : -1;
    if (shift < 0)
      return false;
  } else if (!suffix.empty()) {
    return false;
  }
  if (number > (kNoLimit >> shift))
    return false;
  int64_t scaled = static_cast<int64_t>(number) << shift;
  if (scaled < tunable.min || scaled > tunable.max)
    return false;
  value = scaled;
  return true;
}

std::string formatValue(const Tunable &tunable, std::optional<int64_t> value) {
  if (!value)
    return "auto";
  if (tunable.isSize() && *value > 0)
    for (auto [shift, suffix] : {std::pair{30, "G"}, {20, "M"}, {10, "K"}})
      if (*value % (int64_t(1) << shift) == 0)
        return std::to_string(*value >> shift) + suffix;
  return std::to_string(*value);
}

} // namespace

bool CpuTunables::operator==(const CpuTunables &other) const {
  for (const Tunable &tunable : kTunables)
    if (tunable.get(*this) != tunable.get(other))
      return false;
  return true;
}

bool bnc::halide::parseCpuTunables(const std::string &text,
                                   CpuTunables &tunables, std::string &error) {
  CpuTunables parsed = tunables;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos)
      comma = text.size();
    std::string item = text.substr(start, comma - start);
    start = comma + 1;
    if (item.empty())
      continue;
    size_t equals = item.find('=');
    std::string name = item.substr(0, equals);
    const Tunable *tunable = findTunable(name);
    if (!tunable) {
      error =
          "unknown CPU tunable '" + name + "' (known: " + tunableNames() + ")";
      return false;
    }
    std::optional<int64_t> value;
    if (equals == std::string::npos ||
        !parseValue(*tunable, item.substr(equals + 1), value)) {
      error = std::string("CPU tunable ") + tunable->name + " needs " +
              (tunable->isSize() ? "a size in bytes (K, M, G allowed)"
                                 : "a whole number") +
              " from " + formatValue(*tunable, tunable->min) +
              (tunable->max == kNoLimit
                   ? " up"
                   : " to " + formatValue(*tunable, tunable->max)) +
              (tunable->kind == Kind::AutoSize ? ", or auto" : "") +
              (equals == std::string::npos
                   ? ", as name=value"
                   : ", not '" + item.substr(equals + 1) + "'");
      return false;
    }
    tunable->set(parsed, value);
  }
  tunables = parsed;
  return true;
}

std::string bnc::halide::formatCpuTunables(const CpuTunables &tunables) {
  CpuTunables defaults;
  std::string text;
  for (const Tunable &tunable : kTunables) {
    std::optional<int64_t> value = tunable.get(tunables);
    if (value == tunable.get(defaults))
      continue;
    text += std::string(text.empty() ? "" : ",") + tunable.name + "=" +
            formatValue(tunable, value);
  }
  return text.empty() ? "defaults" : text;
}

std::string bnc::halide::cpuTunablesHelp() {
  CpuTunables defaults;
  std::string help;
  for (const Tunable &tunable : kTunables)
    help += std::string("  ") + tunable.name + " (" +
            formatValue(tunable, tunable.get(defaults)) + "): " + tunable.help +
            "\n";
  return help;
}
