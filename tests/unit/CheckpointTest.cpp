//===- CheckpointTest.cpp - Saving and loading state safely -------------===//
//
// Part of bnc. Checkpoints round-trip bit for bit; a save that fails half-way
// (a full disk, simulated with RLIMIT_FSIZE) leaves the previous file intact;
// a load that does not fit the model or reads a corrupt file changes
// nothing and names every offending key; a file PyTorch's state_dict made
// loads.
//
//===----------------------------------------------------------------------===//

#include "bnrt/Checkpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <random>
#include <sys/resource.h>

using namespace bnrt;
using ::testing::HasSubstr;

namespace {

std::vector<StateEntrySpec> convBnSpec() {
  return {{"conv.weight", {16, 3, 3, 3}, DType::F32, Init::Uniform, 0.19},
          {"bn.weight", {16}, DType::F32, Init::Ones},
          {"bn.bias", {16}, DType::F32, Init::Zeros},
          {"bn.running_mean", {16}, DType::F32, Init::Zeros},
          {"bn.running_var", {16}, DType::F32, Init::Ones},
          {"bn.num_batches_tracked", {}, DType::I64, Init::Zeros}};
}

/// A state that is not the initial one anywhere.
State trainedState(unsigned seed) {
  State state(convBnSpec(), seed);
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> uniform(0.5f, 1.5f);
  for (const StateEntrySpec &spec : state.spec()) {
    Tensor value(spec.shape, spec.dtype);
    if (spec.dtype == DType::I64)
      value.i64()[0] = seed * 10 + 3;
    else
      for (int64_t i = 0; i < value.numElements(); ++i)
        value.f32()[i] = uniform(generator);
    EXPECT_TRUE(state.set(spec.name, value).ok());
  }
  return state;
}

bool sameBits(const State &a, const State &b) {
  if (a.names() != b.names())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a.at(i).sizeInBytes() != b.at(i).sizeInBytes() ||
        std::memcmp(a.at(i).data(), b.at(i).data(), a.at(i).sizeInBytes()))
      return false;
  return true;
}

std::string readFile(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

class CheckpointTest : public ::testing::Test {
protected:
  void SetUp() override {
    char pattern[] = "/tmp/bnc-checkpoint-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    directory = pattern;
  }
  void TearDown() override {
    std::string command = "rm -rf '" + directory + "'";
    ASSERT_EQ(std::system(command.c_str()), 0);
  }
  std::string path(const std::string &name) { return directory + "/" + name; }
  std::vector<std::string> files() {
    std::vector<std::string> names;
    DIR *dir = ::opendir(directory.c_str());
    while (dirent *entry = ::readdir(dir))
      if (entry->d_name[0] != '.')
        names.push_back(entry->d_name);
    ::closedir(dir);
    return names;
  }

  /// Loads `bytes` as a checkpoint into a trained state and expects an
  /// error containing `message` and the state unchanged.
  void expectRejected(const std::string &bytes, const std::string &message) {
    State state = trainedState(1);
    const State before = state;
    Status status = loadFromMemory(bytes.data(), bytes.size(), state);
    EXPECT_FALSE(status.ok());
    EXPECT_THAT(status.message(), HasSubstr(message));
    EXPECT_TRUE(sameBits(state, before)) << "a failed load changed the state";
  }

  std::string directory;
};

TEST_F(CheckpointTest, RoundTripsBitForBit) {
  State saved = trainedState(1);
  ASSERT_TRUE(save(saved, path("model.safetensors")).ok());
  State loaded(convBnSpec());
  Status status = load(path("model.safetensors"), loaded);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_TRUE(sameBits(saved, loaded));
  EXPECT_EQ(loaded.get("bn.num_batches_tracked").i64()[0], 13);
  EXPECT_EQ(files(), std::vector<std::string>{"model.safetensors"});
}

TEST_F(CheckpointTest, WritesWhatPyTorchReads) {
  ASSERT_TRUE(save(trainedState(1), path("model.safetensors")).ok());
  std::string bytes = readFile(path("model.safetensors"));
  uint64_t headerSize = 0;
  std::memcpy(&headerSize, bytes.data(), 8);
  EXPECT_EQ((8 + headerSize) % 8, 0u) << "data starts 8-byte aligned";
  std::string header = bytes.substr(8, headerSize);
  EXPECT_THAT(header, HasSubstr(R"("__metadata__":{"format":"pt"})"));
  EXPECT_THAT(header, HasSubstr(R"("conv.weight":{"dtype":"F32","shape":[16,3,3,3],"data_offsets":[0,1728]})"));
  EXPECT_THAT(header, HasSubstr(R"("bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[1984,1992]})"));
  EXPECT_EQ(bytes.size(), 8 + headerSize + 1992);
}

TEST_F(CheckpointTest, LoadsWhatPyTorchWrote) {
  State state(convBnSpec());
  Status status =
      load(std::string(BNC_SOURCE_DIR) +
               "/tests/unit/Inputs/pytorch_conv_bn.safetensors",
           state);
  ASSERT_TRUE(status.ok()) << status.message();
  // The values scripts/gen-pytorch-checkpoint.py set.
  for (int i = 0; i < 16 * 27; ++i)
    EXPECT_FLOAT_EQ(state.get("conv.weight").f32()[i], i / 100.0f);
  for (int c = 0; c < 16; ++c) {
    EXPECT_FLOAT_EQ(state.get("bn.weight").f32()[c], 1 + c / 10.0f);
    EXPECT_FLOAT_EQ(state.get("bn.bias").f32()[c], -c / 20.0f);
    EXPECT_FLOAT_EQ(state.get("bn.running_mean").f32()[c], c / 4.0f);
    EXPECT_FLOAT_EQ(state.get("bn.running_var").f32()[c], 2.0f + c);
  }
  EXPECT_EQ(state.get("bn.num_batches_tracked").i64()[0], 7);
}

TEST_F(CheckpointTest, FullDiskMidSaveKeepsThePreviousCheckpoint) {
  State first = trainedState(1);
  ASSERT_TRUE(save(first, path("model.safetensors")).ok());
  std::string before = readFile(path("model.safetensors"));

  // Files may not grow past 1000 bytes: the second save fails half-way
  // through its data, as on a full disk.
  struct rlimit old;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  struct rlimit small = old;
  small.rlim_cur = 1000;
  auto previousHandler = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Status status = save(trainedState(2), path("model.safetensors"));
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, previousHandler);

  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("is as it was"));
  EXPECT_EQ(readFile(path("model.safetensors")), before);
  EXPECT_EQ(files(), std::vector<std::string>{"model.safetensors"})
      << "the temporary file is removed";
  State loaded(convBnSpec());
  ASSERT_TRUE(load(path("model.safetensors"), loaded).ok());
  EXPECT_TRUE(sameBits(loaded, first));
}

TEST_F(CheckpointTest, SaveIntoMissingDirectoryIsAnError) {
  Status status = save(trainedState(1), path("no/such/dir/model.safetensors"));
  EXPECT_THAT(status.message(),
              HasSubstr("cannot create a temporary file next to"));
}

/// A checkpoint of a state with `spec`.
std::string checkpointOf(std::vector<StateEntrySpec> spec, const std::string &path) {
  EXPECT_TRUE(save(State(std::move(spec), 9), path).ok());
  return readFile(path);
}

TEST_F(CheckpointTest, StrictLoadNamesEveryOffendingKeyAndAppliesNothing) {
  std::vector<StateEntrySpec> spec = convBnSpec();
  spec.erase(spec.begin() + 4);                  // no bn.running_var
  spec[3].shape = {8};                           // bn.running_mean [8]
  spec[4].dtype = DType::F32;                    // num_batches_tracked as f32
  spec.push_back({"bn.momentum", {1}, DType::F32}); // unexpected
  expectRejected(checkpointOf(spec, path("bad.safetensors")),
                 "the checkpoint does not fit the model, nothing loaded:\n"
                 "  'bn.running_mean' is F32 [8], the model needs F32 [16]\n"
                 "  missing 'bn.running_var' (F32 [16])\n"
                 "  'bn.num_batches_tracked' is F32 [], the model needs I64 []\n"
                 "  unexpected 'bn.momentum' (F32 [1])");
}

TEST_F(CheckpointTest, NonStrictLoadReportsWhatItSkipped) {
  std::vector<StateEntrySpec> spec = convBnSpec();
  spec.erase(spec.begin() + 4); // no bn.running_var
  std::string bytes = checkpointOf(spec, path("partial.safetensors"));
  State state = trainedState(1);
  Tensor runningVar = state.get("bn.running_var");
  LoadReport report;
  LoadOptions options;
  options.strict = false;
  ASSERT_TRUE(
      loadFromMemory(bytes.data(), bytes.size(), state, options, &report).ok());
  EXPECT_EQ(report.skipped,
            std::vector<std::string>{"missing 'bn.running_var' (F32 [16])"});
  EXPECT_EQ(std::memcmp(state.get("bn.running_var").data(), runningVar.data(),
                        runningVar.sizeInBytes()),
            0)
      << "what was skipped keeps its value";
  EXPECT_EQ(state.get("bn.num_batches_tracked").i64()[0], 0)
      << "what fitted was loaded";
}

//===----------------------------------------------------------------------===//
// Corrupt files
//===----------------------------------------------------------------------===//

/// The checkpoint with its header replaced by `header` (sizes recomputed).
std::string withHeader(const std::string &checkpoint, const std::string &header) {
  uint64_t oldSize = 0;
  std::memcpy(&oldSize, checkpoint.data(), 8);
  uint64_t size = header.size();
  std::string bytes(reinterpret_cast<const char *>(&size), 8);
  return bytes + header + checkpoint.substr(8 + oldSize);
}

TEST_F(CheckpointTest, EveryTruncationIsAnError) {
  std::string bytes = checkpointOf(convBnSpec(), path("model.safetensors"));
  for (size_t length = 0; length < bytes.size(); ++length) {
    State state = trainedState(1);
    const State before = state;
    Status status = loadFromMemory(bytes.data(), length, state);
    ASSERT_FALSE(status.ok()) << "truncated to " << length << " bytes";
    ASSERT_TRUE(sameBits(state, before)) << "truncated to " << length;
  }
}

TEST_F(CheckpointTest, HeaderThatLiesIsAnError) {
  std::string good = checkpointOf(convBnSpec(), path("model.safetensors"));
  uint64_t headerSize = 0;
  std::memcpy(&headerSize, good.data(), 8);
  std::string header = good.substr(8, headerSize);
  auto replaced = [&](const std::string &from, const std::string &to) {
    std::string text = header;
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return withHeader(good, text.replace(at, from.size(), to));
  };

  expectRejected(replaced("[1984,1992]", "[1984,999992]"),
                 "entry 'bn.num_batches_tracked' has data_offsets [1984, "
                 "999992] outside the 1992 bytes of data");
  expectRejected(replaced("[1920,1984]", "[1900,1964]"),
                 "entries 'bn.running_mean' and 'bn.running_var' overlap");
  expectRejected(replaced("\"shape\":[16,3,3,3]", "\"shape\":[16,3,3,4]"),
                 "entry 'conv.weight' has 1728 bytes of data, but its shape "
                 "and dtype need 2304");
  expectRejected(replaced("\"shape\":[16,3,3,3]",
                          "\"shape\":[4294967296,4294967296,4294967296,3]"),
                 "entry 'conv.weight' has a shape larger than the file");
  expectRejected(replaced("\"dtype\":\"F32\"", "\"dtype\":\"Q7\""),
                 "entry 'conv.weight' has unknown dtype 'Q7'");
  expectRejected(replaced("\"shape\":[16]", "\"shape\":[-16]"),
                 "has a shape entry that is not a size");
  expectRejected(replaced("\"data_offsets\":[0,1728]", "\"data_offsets\":[0]"),
                 "entry 'conv.weight' has no data_offsets [begin, end]");
  expectRejected(withHeader(good, "[1, 2, 3]"), "the header is not a JSON object");
  expectRejected(withHeader(good, "{\"a\": "), "the header is not a JSON object");

  std::string huge = good;
  uint64_t lie = 1ull << 40;
  std::memcpy(huge.data(), &lie, 8);
  expectRejected(huge, "the header claims 1099511627776 bytes, the file has");
  expectRejected("", "not a safetensors file: 0 bytes");
}

TEST_F(CheckpointTest, MissingFileIsAnError) {
  State state(convBnSpec());
  EXPECT_THAT(load(path("nothing.safetensors"), state).message(),
              HasSubstr("cannot open checkpoint"));
  EXPECT_THAT(load(directory, state).message(),
              HasSubstr("cannot read checkpoint"));
}

} // namespace
