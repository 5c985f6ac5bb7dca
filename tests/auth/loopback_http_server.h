// A real HTTP/1.1 server on 127.0.0.1 (ephemeral port) on its own thread, for tests that need a
// JWKS endpoint, discovery documents or an introspection endpoint.
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace mcpgw::auth::testing {

struct TestRequest {
  std::string method, target, body, authorization, host;
};
struct TestResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

class LoopbackHttpServer {
 public:
  using Handler = std::function<TestResponse(const TestRequest&)>;
  explicit LoopbackHttpServer(Handler handler);
  ~LoopbackHttpServer();

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  unsigned short port() const { return port_; }
  // Requests served per path (target without query).
  int hits(const std::string& path) const;
  void stop();  // closes the listener: later connections are refused

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  unsigned short port_ = 0;
};

}  // namespace mcpgw::auth::testing
