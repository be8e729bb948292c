//===- Checkpoint.cpp - Saving and loading a model's state ----------------===//
//
// Part of bnrt. See Checkpoint.h.
//
//===----------------------------------------------------------------------===//

#include "bnrt/Checkpoint.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>

using namespace bnrt;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian; bnrt writes host memory");

namespace {

/// Like the safetensors library: a header larger than this is corrupt.
constexpr uint64_t kMaxHeaderSize = 100 << 20;

const char *safetensorsDType(DType dtype) {
  return dtype == DType::F32 ? "F32" : "I64";
}

size_t elementSize(DType dtype) { return dtype == DType::F32 ? 4 : 8; }

std::string systemError(const std::string &what, const std::string &path) {
  return what + " " + path + ": " + std::strerror(errno);
}

//===----------------------------------------------------------------------===//
// Saving
//===----------------------------------------------------------------------===//

std::string headerFor(const State &state) {
  nlohmann::ordered_json header;
  header["__metadata__"] = {{"format", "pt"}};
  uint64_t offset = 0;
  for (size_t i = 0; i < state.size(); ++i) {
    const Tensor &value = state.at(i);
    uint64_t end = offset + value.sizeInBytes();
    header[state.specAt(i).name] = {{"dtype", safetensorsDType(value.dtype())},
                                    {"shape", value.shape()},
                                    {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string text = header.dump();
  // The data starts 8-byte aligned, as the safetensors library writes it.
  text.append((8 - (8 + text.size()) % 8) % 8, ' ');
  return text;
}

bool writeAll(int fd, const void *data, size_t size) {
  const char *bytes = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t written = ::write(fd, bytes, size);
    if (written < 0 && errno == EINTR)
      continue;
    if (written <= 0)
      return false;
    bytes += written;
    size -= static_cast<size_t>(written);
  }
  return true;
}

std::string directoryOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

/// One tensor as the header describes it, checked against the data size.
struct StoredTensor {
  std::string dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

/// Why `entry` (the JSON of key `name`) is corrupt, or "" if it is not.
std::string parseEntry(const std::string &name, const nlohmann::json &entry,
                       uint64_t dataSize, StoredTensor &tensor) {
  std::string what = "entry '" + name + "'";
  if (!entry.is_object())
    return what + " is not an object";
  auto dtype = entry.find("dtype");
  auto shape = entry.find("shape");
  auto offsets = entry.find("data_offsets");
  if (dtype == entry.end() || !dtype->is_string())
    return what + " has no dtype string";
  if (shape == entry.end() || !shape->is_array())
    return what + " has no shape array";
  if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
    return what + " has no data_offsets [begin, end]";
  tensor.dtype = dtype->get<std::string>();
  tensor.begin = (*offsets)[0].get<uint64_t>();
  tensor.end = (*offsets)[1].get<uint64_t>();
  if (tensor.begin > tensor.end || tensor.end > dataSize)
    return what + " has data_offsets [" + std::to_string(tensor.begin) + ", " +
           std::to_string(tensor.end) + "] outside the " +
           std::to_string(dataSize) + " bytes of data";
  uint64_t count = 1;
  for (const nlohmann::json &extent : *shape) {
    if (!extent.is_number_unsigned())
      return what + " has a shape entry that is not a size";
    uint64_t size = extent.get<uint64_t>();
    if (size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        (size != 0 && count > dataSize / size))
      return what + " has a shape larger than the file";
    count *= size;
    tensor.shape.push_back(static_cast<int64_t>(size));
  }
  static const std::pair<const char *, uint64_t> kSizes[] = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8}, {"I32", 4},
      {"I16", 2}, {"I8", 1},  {"U8", 1},  {"BOOL", 1}};
  auto known = std::find_if(std::begin(kSizes), std::end(kSizes),
                            [&](auto &size) { return tensor.dtype == size.first; });
  if (known == std::end(kSizes))
    return what + " has unknown dtype '" + tensor.dtype + "'";
  if (tensor.end - tensor.begin != count * known->second)
    return what + " has " + std::to_string(tensor.end - tensor.begin) +
           " bytes of data, but its shape and dtype need " +
           std::to_string(count * known->second);
  return "";
}

/// Checks that no two tensors share bytes.
std::string findOverlap(std::vector<std::pair<const std::string *, StoredTensor *>> tensors) {
  std::sort(tensors.begin(), tensors.end(), [](auto &a, auto &b) {
    return a.second->begin < b.second->begin;
  });
  for (size_t i = 1; i < tensors.size(); ++i)
    if (tensors[i].second->begin < tensors[i - 1].second->end)
      return "entries '" + *tensors[i - 1].first + "' and '" +
             *tensors[i].first + "' overlap in the data";
  return "";
}

} // namespace

Status bnrt::save(const State &state, const std::string &path) {
  std::string header = headerFor(state);
  std::string temporary = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(temporary.data());
  if (fd < 0)
    return Status::error(systemError("cannot create a temporary file next to",
                                     path));
  uint64_t headerSize = header.size();
  bool written = writeAll(fd, &headerSize, sizeof(headerSize)) &&
                 writeAll(fd, header.data(), header.size());
  for (size_t i = 0; written && i < state.size(); ++i)
    written = writeAll(fd, state.at(i).data(), state.at(i).sizeInBytes());
  // The data reaches the disk before the name points at it.
  written = written && ::fsync(fd) == 0;
  std::string error = written ? "" : systemError("cannot write", temporary);
  if (::close(fd) != 0 && written) {
    written = false;
    error = systemError("cannot write", temporary);
  }
  if (written && ::rename(temporary.c_str(), path.c_str()) != 0) {
    written = false;
    error = systemError("cannot rename " + temporary + " to", path);
  }
  if (!written) {
    ::unlink(temporary.c_str());
    return Status::error("saving the state failed, " + path +
                         " is as it was: " + error);
  }
  // And the rename too.
  int directory = ::open(directoryOf(path).c_str(), O_RDONLY | O_DIRECTORY);
  if (directory >= 0) {
    ::fsync(directory);
    ::close(directory);
  }
  return Status::success();
}

Status bnrt::load(const std::string &path, State &state,
                  const LoadOptions &options, LoadReport *report) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0)
    return Status::error(systemError("cannot open checkpoint", path));
  struct stat info;
  std::string bytes;
  bool read = ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
  if (read) {
    bytes.resize(static_cast<size_t>(info.st_size));
    size_t done = 0;
    while (read && done < bytes.size()) {
      ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR)
        continue;
      read = n > 0;
      done += read ? static_cast<size_t>(n) : 0;
    }
  }
  ::close(fd);
  if (!read)
    return Status::error(systemError("cannot read checkpoint", path));
  Status status =
      loadFromMemory(bytes.data(), bytes.size(), state, options, report);
  if (!status.ok())
    return Status::error(path + ": " + status.message());
  return status;
}

Status bnrt::loadFromMemory(const void *data, size_t size, State &state,
                            const LoadOptions &options, LoadReport *report) {
  const char *bytes = static_cast<const char *>(data);
  uint64_t headerSize = 0;
  if (size < sizeof(headerSize))
    return Status::error("not a safetensors file: " + std::to_string(size) +
                         " bytes, shorter than the header size");
  std::memcpy(&headerSize, bytes, sizeof(headerSize));
  if (headerSize > kMaxHeaderSize || headerSize > size - sizeof(headerSize))
    return Status::error("corrupt checkpoint: the header claims " +
                         std::to_string(headerSize) + " bytes, the file has " +
                         std::to_string(size - sizeof(headerSize)) +
                         " after the size");
  const char *dataStart = bytes + sizeof(headerSize) + headerSize;
  uint64_t dataSize = size - sizeof(headerSize) - headerSize;

  nlohmann::json header = nlohmann::json::parse(
      bytes + sizeof(headerSize), dataStart, /*callback=*/nullptr,
      /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object())
    return Status::error("corrupt checkpoint: the header is not a JSON object");

  // The file on its own: every entry well-formed and inside the data.
  std::map<std::string, StoredTensor> stored;
  std::vector<std::string> corrupt;
  for (auto &[name, entry] : header.items()) {
    if (name == "__metadata__")
      continue;
    std::string problem = parseEntry(name, entry, dataSize, stored[name]);
    if (!problem.empty())
      corrupt.push_back(problem);
  }
  std::vector<std::pair<const std::string *, StoredTensor *>> ranges;
  for (auto &[name, tensor] : stored)
    ranges.emplace_back(&name, &tensor);
  if (corrupt.empty())
    if (std::string overlap = findOverlap(ranges); !overlap.empty())
      corrupt.push_back(overlap);
  if (!corrupt.empty()) {
    std::string message = "corrupt checkpoint, nothing loaded:";
    for (const std::string &problem : corrupt)
      message += "\n  " + problem;
    return Status::error(message);
  }

  // Against the model: every entry present, no other, each as declared.
  std::vector<std::string> mismatches;
  Transaction transaction(state);
  for (const StateEntrySpec &spec : state.spec()) {
    auto it = stored.find(spec.name);
    if (it == stored.end()) {
      mismatches.push_back("missing '" + spec.name + "' (" +
                           safetensorsDType(spec.dtype) + " " +
                           formatShape(spec.shape) + ")");
      continue;
    }
    const StoredTensor &tensor = it->second;
    if (tensor.dtype != safetensorsDType(spec.dtype) || tensor.shape != spec.shape) {
      mismatches.push_back("'" + spec.name + "' is " + tensor.dtype + " " +
                           formatShape(tensor.shape) + ", the model needs " +
                           safetensorsDType(spec.dtype) + " " +
                           formatShape(spec.shape));
      continue;
    }
    Tensor value(spec.shape, spec.dtype);
    std::memcpy(value.data(), dataStart + tensor.begin, value.sizeInBytes());
    if (Status status = transaction.stage(spec.name, std::move(value)); !status)
      return status;
  }
  for (const auto &[name, tensor] : stored)
    if (!state.contains(name))
      mismatches.push_back("unexpected '" + name + "' (" + tensor.dtype + " " +
                           formatShape(tensor.shape) + ")");

  if (!mismatches.empty() && options.strict) {
    std::string message = "the checkpoint does not fit the model, nothing "
                          "loaded:";
    for (const std::string &mismatch : mismatches)
      message += "\n  " + mismatch;
    return Status::error(message);
  }
  if (report)
    report->skipped = mismatches;
  transaction.commit();
  return Status::success();
}
