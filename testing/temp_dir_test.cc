// Tests of TempDir.
#include "testing/temp_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ggs {
namespace {

TEST(TempDir, IsFreshAndRemovedWithItsContents) {
  std::string path;
  {
    TempDir dir("ggs_temp_dir_test");
    ASSERT_TRUE(dir.ok()) << dir.error();
    path = dir.path();
    EXPECT_TRUE(std::filesystem::is_directory(path));
    EXPECT_TRUE(std::filesystem::is_empty(path));
    std::filesystem::create_directory(dir.File("sub"));
    std::ofstream(dir.File("sub/file")) << "x";
    TempDir other("ggs_temp_dir_test");
    EXPECT_NE(other.path(), path);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(TempDir, KeepLeavesItInPlace) {
  std::string path;
  {
    TempDir dir("ggs_temp_dir_test");
    path = dir.path();
    dir.Keep();
  }
  EXPECT_TRUE(std::filesystem::is_directory(path));
  std::filesystem::remove_all(path);
}

TEST(TempDir, ReportsWhyItCouldNotBeMade) {
  TempDir dir("no/such/parent/ggs_temp_dir_test");
  EXPECT_FALSE(dir.ok());
  EXPECT_NE(dir.error().find("mkdtemp"), std::string::npos);
}

}  // namespace
}  // namespace ggs
