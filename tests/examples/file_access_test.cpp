#include "file_access.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace mcpgw::sample {
namespace {
namespace fs = std::filesystem;
using Kind = FileAccessError::Kind;

class FileAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("file-access-test-" + std::to_string(getpid()));
    fs::remove_all(base_);
    fs::create_directories(base_ / "root/sub");
    std::ofstream(base_ / "root/sub/a.txt") << "text";
    std::ofstream(base_ / "secret.txt") << "secret";
    fs::create_symlink(base_ / "secret.txt", base_ / "root/link-out");
    fs::create_symlink("sub/a.txt", base_ / "root/link-in");
    // a sibling folder whose name starts with the root's: a string prefix test would let it in
    fs::create_directories(base_ / "root-evil");
    std::ofstream(base_ / "root-evil/x.txt") << "evil";
    fs::create_symlink(base_ / "root-evil/x.txt", base_ / "root/link-sibling");
  }
  void TearDown() override { fs::remove_all(base_); }

  Kind kind_of(const TextFileReader& reader, const std::string& path) {
    try {
      reader.read(path);
    } catch (const FileAccessError& e) {
      return e.kind;
    }
    ADD_FAILURE() << path << " was read";
    return Kind::BadPath;
  }

  fs::path base_;
};

TEST_F(FileAccessTest, ReadsFilesAndLinksThatStayInside) {
  TextFileReader reader(base_ / "root", 100);
  EXPECT_EQ(reader.read("sub/a.txt"), "text");
  EXPECT_EQ(reader.read("link-in"), "text");
}

TEST_F(FileAccessTest, RefusesEveryWayOut) {
  TextFileReader reader(base_ / "root", 100);
  EXPECT_EQ(kind_of(reader, "../secret.txt"), Kind::BadPath);
  EXPECT_EQ(kind_of(reader, "sub/../../secret.txt"), Kind::BadPath);
  EXPECT_EQ(kind_of(reader, (base_ / "secret.txt").string()), Kind::BadPath);
  EXPECT_EQ(kind_of(reader, "link-out"), Kind::BadPath);
  EXPECT_EQ(kind_of(reader, "link-sibling"), Kind::BadPath);
  EXPECT_EQ(kind_of(reader, std::string("sub/a.txt\0x", 11)), Kind::BadPath);
}

TEST_F(FileAccessTest, SizeCapAndMissingFiles) {
  EXPECT_EQ(kind_of(TextFileReader(base_ / "root", 3), "sub/a.txt"), Kind::TooLarge);
  EXPECT_EQ(TextFileReader(base_ / "root", 4).read("sub/a.txt"), "text");
  TextFileReader reader(base_ / "root", 100);
  EXPECT_EQ(kind_of(reader, "nothing.txt"), Kind::NotFound);
  EXPECT_EQ(kind_of(reader, "sub"), Kind::NotFound);
}

TEST_F(FileAccessTest, RootMustBeADirectory) {
  EXPECT_THROW(TextFileReader(base_ / "secret.txt", 10), std::invalid_argument);
  EXPECT_ANY_THROW(TextFileReader(base_ / "no-such-folder", 10));
}

}  // namespace
}  // namespace mcpgw::sample
