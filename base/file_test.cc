// Tests of ReadFile, WriteFile and ExecutablePath.
#include "base/file.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace ggs {
namespace {

TEST(File, WhatIsWrittenIsReadBackByteForByte) {
  TempDir dir("ggs_file_test");
  const std::string bytes("a\0b\r\n\xff", 6);
  ASSERT_TRUE(WriteFile(dir.File("x"), bytes).ok());
  Result<std::string> back = ReadFile(dir.File("x"));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, bytes);
  ASSERT_TRUE(WriteFile(dir.File("x"), "short").ok());
  EXPECT_EQ(*ReadFile(dir.File("x")), "short");
}

TEST(File, MissingFilesAndDirectoriesAreIoErrors) {
  TempDir dir("ggs_file_test");
  EXPECT_TRUE(ReadFile(dir.File("missing")).status().IsIo());
  EXPECT_TRUE(WriteFile(dir.File("no/such/dir"), "x").IsIo());
}

TEST(File, ExecutablePathNamesThisTestBinary) {
  const std::string self = ExecutablePath();
  EXPECT_EQ(self.front(), '/');
  EXPECT_NE(self.find("base_tests"), std::string::npos) << self;
}

}  // namespace
}  // namespace ggs
