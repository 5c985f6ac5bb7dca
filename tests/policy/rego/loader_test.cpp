#include "policy/rego/loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "policy/rego/test_runner.h"
#include "test_util.h"

namespace mcpgw::policy::rego {
namespace {

namespace fs = std::filesystem;

class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rego-loader-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / "roles");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const fs::path& rel, const std::string& text) {
    std::ofstream(dir_ / rel) << text;
  }
  fs::path dir_;
};

TEST_F(LoaderTest, LoadsModulesAndDataAtTheirFolderPath) {
  write("authz.rego", "package authz\nallow if data.roles.admins[_] == input.user\n");
  write("roles/data.json", R"({"admins": ["ann"]})");
  Engine engine;
  load_path(engine, dir_.string());
  engine.compile();
  EvalOptions opts;
  opts.input = Value::from_json(R"({"user": "ann"})");
  auto r = engine.eval("data.authz.allow", opts);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].expressions[0]->to_json(), "true");
}

TEST_F(LoaderTest, MalformedDataFileIsAClearError) {
  write("roles/data.json", R"({"admins": [)");
  Engine engine;
  try {
    load_path(engine, dir_.string());
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("roles/data.json"), std::string::npos) << e.what();
  }
}

TEST_F(LoaderTest, MissingPathIsAClearError) {
  Engine engine;
  EXPECT_THROW(load_path(engine, (dir_ / "nope").string()), std::runtime_error);
}

TEST_F(LoaderTest, TestRunnerReportsPassFailAndErrors) {
  write("p.rego", "package p\nallow if input.ok\n");
  write("p_test.rego",
        "package p_test\nimport data.p\n"
        "test_ok if p.allow with input as {\"ok\": true}\n"
        "test_bad if p.allow with input as {\"ok\": false}\n"
        "test_err if 1 / 0 == 1\n"
        "todo_later if false\n");
  Engine engine;
  load_path(engine, dir_.string());
  engine.compile();
  auto results = run_policy_tests(engine);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].name, "data.p_test.test_ok");
  EXPECT_TRUE(results[0].passed);
  EXPECT_FALSE(results[1].passed);
  EXPECT_FALSE(results[2].passed);  // a non-strict built-in error makes the test undefined
  EXPECT_TRUE(results[3].skipped);
}

}  // namespace
}  // namespace mcpgw::policy::rego
