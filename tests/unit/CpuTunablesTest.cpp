//===- CpuTunablesTest.cpp - Parsing and printing the CPU tunables --------===//
//
// Part of bnc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/CpuTunables.h"

#include <gtest/gtest.h>

using bnc::halide::CpuTunables;
using bnc::halide::formatCpuTunables;
using bnc::halide::parseCpuTunables;

namespace {

TEST(CpuTunables, TheDefaultsPrintAsSuch) {
  EXPECT_EQ(formatCpuTunables(CpuTunables()), "defaults");
  CpuTunables tunables;
  std::string error;
  ASSERT_TRUE(parseCpuTunables("", tunables, error)) << error;
  EXPECT_EQ(tunables, CpuTunables());
}

TEST(CpuTunables, NamedValuesAreSetAndTheRestKept) {
  CpuTunables tunables;
  std::string error;
  ASSERT_TRUE(parseCpuTunables("streaming-tasks=16,channel-run-bytes=4K,"
                               "prefetch-next-channel=0,nontemporal-bytes=2M",
                               tunables, error))
      << error;
  EXPECT_EQ(tunables.streamingTasks, 16);
  EXPECT_EQ(tunables.channelRunBytes, 4096);
  EXPECT_FALSE(tunables.prefetchNextChannel);
  EXPECT_EQ(tunables.nonTemporalBytes, int64_t(2) << 20);
  EXPECT_EQ(tunables.partialSumVectors, CpuTunables().partialSumVectors);

  ASSERT_TRUE(parseCpuTunables("nontemporal-bytes=auto", tunables, error));
  EXPECT_FALSE(tunables.nonTemporalBytes.has_value());
}

TEST(CpuTunables, WhatIsPrintedParsesBackToTheSame) {
  CpuTunables tunables;
  tunables.cacheResidentBytes = 3 << 20;
  tunables.minVectorsPerRun = 8;
  tunables.unrolledVectors = 0;
  tunables.nonTemporalBytes = 12345;
  std::string text = formatCpuTunables(tunables);
  EXPECT_EQ(text, "cache-resident-bytes=3M,min-vectors-per-run=8,"
                  "unrolled-vectors=0,nontemporal-bytes=12345");
  CpuTunables parsed;
  std::string error;
  ASSERT_TRUE(parseCpuTunables(text, parsed, error)) << error;
  EXPECT_EQ(parsed, tunables);
}

TEST(CpuTunables, BadTextIsRefusedWithAReasonAndChangesNothing) {
  struct Case {
    const char *text;
    const char *says;
  };
  const Case cases[] = {
      {"no-such-thing=1", "unknown CPU tunable 'no-such-thing' (known: "},
      {"streaming-tasks", "as name=value"},
      {"streaming-tasks=0", "from 1 to 4096, not '0'"},
      {"streaming-tasks=4K", "a whole number"},
      {"partial-sum-vectors=9", "from 1 to 8"},
      {"channel-run-bytes=-5", "not '-5'"},
      {"channel-run-bytes=8Q", "(K, M, G allowed)"},
      {"channel-run-bytes=99999999999G", "not '99999999999G'"},
      {"prefetch-next-channel=2", "from 0 to 1"},
      {"streaming-tasks=auto", "not 'auto'"},
      {"nontemporal-bytes=lots", "from 0 up, or auto, not 'lots'"},
      {"streaming-tasks=4,bogus=1", "unknown CPU tunable 'bogus'"},
  };
  for (const Case &c : cases) {
    CpuTunables tunables;
    std::string error;
    EXPECT_FALSE(parseCpuTunables(c.text, tunables, error)) << c.text;
    EXPECT_NE(error.find(c.says), std::string::npos) << c.text << ": " << error;
    EXPECT_EQ(tunables, CpuTunables()) << c.text;
  }
}

} // namespace
