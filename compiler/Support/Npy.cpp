//===- Npy.cpp - NumPy .npy files of float32 tensors ----------------------===//
//
// Part of bnc. See Npy.h. The header is a Python dict literal; only the three
// keys NumPy writes are read, and every length is checked against the file.
//
//===----------------------------------------------------------------------===//

#include "compiler/Support/Npy.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

using namespace bnc;

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
// No tensor bnc handles comes near this; a header claiming more is corrupt.
constexpr uint64_t kMaxElements = uint64_t{1} << 34;

/// The value text of `key` in the header dict, up to the next top-level
/// comma or closing brace.
bool findValue(const std::string &header, const std::string &key,
               std::string &value) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return false;
  size_t colon = header.find(':', at);
  if (colon == std::string::npos)
    return false;
  size_t begin = colon + 1, end = begin;
  int depth = 0;
  for (; end < header.size(); ++end) {
    char c = header[end];
    if (c == '(')
      ++depth;
    else if (c == ')')
      --depth;
    else if ((c == ',' || c == '}') && depth == 0)
      break;
  }
  value = header.substr(begin, end - begin);
  value.erase(0, value.find_first_not_of(" \t"));
  value.erase(value.find_last_not_of(" \t") + 1);
  return true;
}

bool parseShape(const std::string &text, std::vector<int64_t> &shape,
                uint64_t &elements) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')')
    return false;
  std::string inner = text.substr(1, text.size() - 2);
  std::stringstream stream(inner);
  std::string item;
  elements = 1;
  while (std::getline(stream, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty())
      continue; // "(3,)"
    if (item.find_first_not_of("0123456789") != std::string::npos ||
        item.size() > 12)
      return false;
    int64_t size = std::stoll(item);
    shape.push_back(size);
    if (size != 0 && elements > kMaxElements / static_cast<uint64_t>(size))
      return false;
    elements *= static_cast<uint64_t>(size);
  }
  return elements <= kMaxElements;
}

} // namespace

std::string bnc::formatShape(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

bool bnc::readNpy(const std::string &path, HostTensor &tensor,
                  std::string &error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = path + ": cannot open";
    return false;
  }
  std::string bytes((std::istreambuf_iterator<char>(file)),
                    std::istreambuf_iterator<char>());
  if (parseNpy(bytes, tensor, error))
    return true;
  error = path + ": " + error;
  return false;
}

bool bnc::parseNpy(const std::string &bytes, HostTensor &tensor,
                   std::string &error) {
  auto fail = [&](const std::string &why) {
    error = "not a float32 .npy file: " + why;
    return false;
  };
  if (bytes.size() < kMagicSize + 4 ||
      std::memcmp(bytes.data(), kMagic, kMagicSize) != 0)
    return fail("bad magic");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLength, headerStart;
  if (major == 1) {
    headerLength = static_cast<unsigned char>(bytes[8]) |
                   static_cast<unsigned char>(bytes[9]) << 8;
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return fail("truncated header");
    headerLength = 0;
    for (int i = 3; i >= 0; --i)
      headerLength = headerLength << 8 | static_cast<unsigned char>(bytes[8 + i]);
    headerStart = 12;
  } else {
    return fail("unsupported version " + std::to_string(major));
  }
  if (headerLength > bytes.size() - headerStart)
    return fail("header longer than the file");
  std::string header = bytes.substr(headerStart, headerLength);

  std::string descr, fortran, shapeText;
  if (!findValue(header, "descr", descr) ||
      !findValue(header, "fortran_order", fortran) ||
      !findValue(header, "shape", shapeText))
    return fail("header lacks descr, fortran_order or shape");
  if (fortran != "False")
    return fail("Fortran order is not supported; save with C order");
  size_t elementSize;
  if (descr == "'<f4'")
    elementSize = 4;
  else if (descr == "'<f8'")
    elementSize = 8;
  else
    return fail("dtype " + descr + " is not supported; use float32");

  std::vector<int64_t> shape;
  uint64_t elements;
  if (!parseShape(shapeText, shape, elements))
    return fail("bad shape " + shapeText);
  size_t dataStart = headerStart + headerLength;
  if ((bytes.size() - dataStart) / elementSize != elements ||
      (bytes.size() - dataStart) % elementSize != 0)
    return fail("shape " + formatShape(shape) + " needs " +
                std::to_string(elements * elementSize) + " bytes of data, the file has " +
                std::to_string(bytes.size() - dataStart));

  tensor.shape = shape;
  tensor.data.resize(elements);
  const char *data = bytes.data() + dataStart;
  for (uint64_t i = 0; i < elements; ++i) {
    if (elementSize == 4) {
      std::memcpy(&tensor.data[i], data + 4 * i, 4);
    } else {
      double value;
      std::memcpy(&value, data + 8 * i, 8);
      tensor.data[i] = static_cast<float>(value);
    }
  }
  return true;
}

bool bnc::writeNpy(const std::string &path, const HostTensor &tensor,
                   std::string &error) {
  std::string shape = "(";
  for (int64_t size : tensor.shape)
    shape += std::to_string(size) + ", ";
  if (tensor.shape.size() > 1)
    shape.erase(shape.size() - 2);
  else if (tensor.shape.size() == 1)
    shape.erase(shape.size() - 1);
  shape += ")";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " +
                       shape + ", }";
  // Pad with spaces so that the data starts at a multiple of 64 bytes.
  size_t total = kMagicSize + 4 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';

  std::ofstream file(path, std::ios::binary);
  if (!file) {
    error = path + ": cannot write";
    return false;
  }
  file.write(kMagic, kMagicSize);
  char version[2] = {1, 0};
  file.write(version, 2);
  char length[2] = {static_cast<char>(header.size() & 0xff),
                    static_cast<char>(header.size() >> 8)};
  file.write(length, 2);
  file << header;
  file.write(reinterpret_cast<const char *>(tensor.data.data()),
             static_cast<std::streamsize>(tensor.data.size() * sizeof(float)));
  if (!file) {
    error = path + ": write failed";
    return false;
  }
  return true;
}
