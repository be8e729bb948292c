//===- CpuScheduleTest.cpp - The CPU schedule's row and task rules --------===//
//
// Part of bnc. The rows the CPU schedule stores and the rows it gives one
// parallel task, which the non-temporal store rule (NativeCode.cpp) and
// bn-bench's roofline take from it rather than restate. What the schedules
// compute is pinned by the end-to-end tests; how fast, by bn-bench.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Halide/CpuSchedule.h"

#include <gtest/gtest.h>

namespace {

using bnc::halide::CpuTunables;
using bnc::halide::storedRow;
using bnc::halide::streamingRowsPerTask;

TEST(StoredRow, NchwRowsAreTheImagePlane) {
  auto row = storedRow({32, 64, 56, 56}, 1, 64);
  EXPECT_EQ(row.dimensions, 2);
  EXPECT_EQ(row.elements, 56 * 56);
  // A plane of one row is still the plane; the channel stays outside.
  row = storedRow({8, 16, 5, 1}, 1, 64);
  EXPECT_EQ(row.dimensions, 2);
  EXPECT_EQ(row.elements, 5);
}

TEST(StoredRow, NhwcRowsAreTheChannels) {
  auto row = storedRow({32, 56, 56, 64}, 3, 64);
  EXPECT_EQ(row.dimensions, 1);
  EXPECT_EQ(row.elements, 64);
}

TEST(StoredRow, OnePixelPlanesJoinTheChannel) {
  auto row = storedRow({256, 1024, 1, 1}, 1, 64);
  EXPECT_EQ(row.dimensions, 3);
  EXPECT_EQ(row.elements, 1024);
}

TEST(StoredRow, WithoutAChannelRowsGrowToTheMinimum) {
  auto row = storedRow({4, 6, 5, 3}, std::nullopt, 64);
  EXPECT_EQ(row.dimensions, 3);
  EXPECT_EQ(row.elements, 90);
  row = storedRow({4, 6, 5, 3}, std::nullopt, 1);
  EXPECT_EQ(row.dimensions, 1);
  EXPECT_EQ(row.elements, 3);
  // A channel that is not one of the shape's dimensions is none.
  row = storedRow({1024}, 3, 64);
  EXPECT_EQ(row.dimensions, 1);
  EXPECT_EQ(row.elements, 1024);
  EXPECT_EQ(storedRow({}, std::nullopt, 64).elements, 1);
}

TEST(StreamingRowsPerTask, AboutEightTasksOfBoundedSize) {
  CpuTunables defaults;
  // 32x256x14x14 NCHW: 1.6M elements in eight tasks of 1024 planes.
  EXPECT_EQ(streamingRowsPerTask(196, 32 * 256, defaults), 1024);
  // 1x512x7x7: at least 64 KiB per task (334 planes), so two tasks, of
  // 256 planes each rather than 334 and 178.
  EXPECT_EQ(streamingRowsPerTask(49, 512, defaults), 256);
  // 64x128x56x56: at most 4 MiB per task (334 planes), so 25 tasks of 328
  // (the last 320) rather than 24 of 334 and one of 176.
  EXPECT_EQ(streamingRowsPerTask(3136, 64 * 128, defaults), 328);
  // NHWC 1x7x7x512: rows of 512 channels, 32 per 64 KiB, two tasks of 25
  // and 24 rows.
  EXPECT_EQ(streamingRowsPerTask(512, 49, defaults), 25);
  // Rows longer than a task: one row each.
  EXPECT_EQ(streamingRowsPerTask(1 << 22, 4, defaults), 1);
  // Rows that make less than one task: all in one.
  EXPECT_EQ(streamingRowsPerTask(64, 8, defaults), 8);
}

TEST(StreamingRowsPerTask, FollowsTheTaskCountTunable) {
  CpuTunables sixteen;
  sixteen.streamingTasks = 16;
  EXPECT_EQ(streamingRowsPerTask(196, 32 * 256, sixteen), 512);
}

} // namespace
