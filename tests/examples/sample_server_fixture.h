// A running sample-server over pipes, with a temporary root folder holding a few test files.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "stdio_process.h"

namespace mcpgw::testing {
using json = nlohmann::json;

class SampleServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("sample-server-test-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "docs");
    write_file("hello.txt", "hello, world\n");
    write_file("docs/notes.md", "# Notes\nsecond line\n");
    write_file("binary.dat", std::string("ab\0cd", 5));
    write_file("big.txt", std::string(2000, 'x'));
    std::filesystem::create_symlink("/etc/passwd", root_ / "escape");
  }

  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(root_);
  }

  void write_file(const std::string& relative, const std::string& content) {
    std::ofstream(root_ / relative, std::ios::binary) << content;
  }

  // Starts the server (max file size 1000 bytes, so big.txt is over the cap).
  StdioProcess& start(std::vector<std::string> extra_args = {}) {
    std::vector<std::string> argv = {SAMPLE_SERVER_BIN, "--root", root_.string(),
                                     "--max-file-bytes", "1000"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    server_ = std::make_unique<StdioProcess>(argv);
    return *server_;
  }

  // Sends a raw line and returns the parsed reply line.
  json exchange(const std::string& line) {
    server_->write_line(line);
    auto reply = server_->read_line();
    if (!reply) {
      ADD_FAILURE() << "no reply to: " << line;
      return nullptr;
    }
    return json::parse(*reply);
  }

  // Sends a request with a fresh id; checks the reply carries that id and returns it whole.
  json request(const std::string& method, const json& params = json::object()) {
    int id = ++next_id_;
    json reply = exchange(
        json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump());
    EXPECT_EQ(reply.value("id", json()), id) << reply.dump();
    EXPECT_EQ(reply.value("jsonrpc", ""), "2.0");
    return reply;
  }

  // initialize + notifications/initialized; returns the initialize result.
  json initialize(const std::string& version = "2025-11-25") {
    json reply = request("initialize", {{"protocolVersion", version},
                                        {"capabilities", json::object()},
                                        {"clientInfo", {{"name", "test"}, {"version", "1"}}}});
    server_->write_line(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    return reply.value("result", json());
  }

  // tools/call; returns the result (content, isError, structuredContent).
  json call_tool(const std::string& name, const json& arguments) {
    json reply = request("tools/call", {{"name", name}, {"arguments", arguments}});
    EXPECT_TRUE(reply.contains("result")) << reply.dump();
    return reply.value("result", json());
  }

  static std::string text_of(const json& result) {
    return result.at("content").at(0).at("text").get<std::string>();
  }

  std::filesystem::path root_;
  std::unique_ptr<StdioProcess> server_;
  int next_id_ = 0;
};

}  // namespace mcpgw::testing
