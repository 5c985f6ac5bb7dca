// Tests for the HTTP server's refusal hook: a request the server refuses by itself (431 headers
// too large, 413 body too large, 400 malformed) reaches the hook with what the server knows of
// it, the hook's headers go out with the reply, and the request handler never sees it.
// A real Server on 127.0.0.1, driven by a plain TCP client.
#include "http/server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <mutex>
#include <thread>

namespace mcpgw::http {
namespace {

using tcp = asio::ip::tcp;

struct Seen {
  int status = 0;
  std::string reason, client_addr, method, target, user_agent;
  std::size_t authorization_bytes = 0;
};

class ServerRefusalTest : public ::testing::Test {
 protected:
  void start(bool with_hook = true) {
    config::ListenConfig listen;
    listen.port = 0;
    config::LimitsConfig limits;
    limits.max_header_bytes = 1024;
    limits.max_body_bytes = 100;
    server_ = std::make_unique<Server>(io_, listen, limits,
                                       [this](Request& req, std::function<void(Reply)> done) {
                                         {
                                           std::lock_guard lock(mu_);
                                           handled_.push_back(std::string(req.target));
                                         }
                                         done(Reply::text(200, "ok\n"));
                                       });
    if (with_hook) {
      server_->on_refused([this](const Refusal& f, Reply& reply) {
        std::lock_guard lock(mu_);
        refused_.push_back({f.status, f.reason, f.client_addr, std::string(f.method),
                            std::string(f.target), std::string(f.user_agent),
                            f.authorization_bytes});
        reply.headers.emplace_back("X-Refusal-Hook", std::to_string(refused_.size()));
      });
    }
    server_->start();
    port_ = server_->port();
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (server_) asio::post(io_, [this] { server_->stop(); });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Sends `raw` on a new connection and returns everything the server sent until it closed.
  std::string exchange(const std::string& raw) {
    asio::io_context client_io;
    tcp::socket socket(client_io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    asio::write(socket, asio::buffer(raw));
    std::string out;
    error_code ec;
    asio::read(socket, asio::dynamic_buffer(out), ec);  // until the server closes
    EXPECT_TRUE(ec == asio::error::eof) << ec.message();
    return out;
  }

  // Sends `raw`, which the server must refuse with `status`: the hook saw it exactly once, its
  // header went out, the connection was closed and the handler never saw the request.
  Seen refusal(const std::string& raw, const std::string& status) {
    std::string response = exchange(raw);
    EXPECT_EQ(response.substr(0, response.find("\r\n")), "HTTP/1.1 " + status);
    EXPECT_NE(response.find("\r\nX-Refusal-Hook: 1\r\n"), std::string::npos) << response;
    EXPECT_NE(response.find("\r\nConnection: close\r\n"), std::string::npos) << response;
    EXPECT_TRUE(handled().empty());
    last_response_ = response;
    auto r = refused();
    EXPECT_EQ(r.size(), 1u);
    return r.empty() ? Seen{} : r[0];
  }

  std::vector<Seen> refused() {
    std::lock_guard lock(mu_);
    return refused_;
  }
  std::vector<std::string> handled() {
    std::lock_guard lock(mu_);
    return handled_;
  }

  asio::io_context io_{1};
  std::unique_ptr<Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::vector<Seen> refused_;
  std::vector<std::string> handled_;
  std::string last_response_;
};

std::string status_line(const std::string& response) {
  return response.substr(0, response.find("\r\n"));
}

TEST_F(ServerRefusalTest, HeadersOverTheLimitReachTheHookWithTheRequestLineAndTheFieldsSeen) {
  start();
  std::string token(2000, 'A');
  Seen r = refusal(
      "POST /mcp?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ua-431\r\n"
      "Authorization: Bearer " +
          token + "\r\nContent-Length: 0\r\n\r\n",
      "431 Request Header Fields Too Large");
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.reason, "request headers larger than 1024 bytes");
  EXPECT_EQ(r.client_addr, "127.0.0.1");
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/mcp?x=1");
  EXPECT_EQ(r.user_agent, "ua-431");
  // The value was cut off where the parser stopped reading: at least the part inside the limit,
  // never more than was sent.
  EXPECT_GE(r.authorization_bytes, 900u);
  EXPECT_LE(r.authorization_bytes, token.size() + 7);
}

TEST_F(ServerRefusalTest, AFieldCutOffAtTheLimitIsNotReportedAsItsValue) {
  start();
  Seen r = refusal(
      "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: " + std::string(3000, 'u') + "\r\n\r\n",
      "431 Request Header Fields Too Large");
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.user_agent, "");  // its line did not end within what was read
  EXPECT_EQ(r.authorization_bytes, 0u);
}

TEST_F(ServerRefusalTest, ARequestLineOverTheLimitHasNoMethodOrTarget) {
  start();
  Seen r = refusal("GET /" + std::string(3000, 'p') + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                   "431 Request Header Fields Too Large");
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.method, "");
  EXPECT_EQ(r.target, "");
  EXPECT_EQ(r.user_agent, "");
}

TEST_F(ServerRefusalTest, ABodyOverTheLimitReachesTheHookWithTheParsedFields) {
  start();
  Seen r = refusal(
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ua-413\r\n"
      "Authorization: Bearer abc\r\nContent-Type: application/json\r\nContent-Length: "
      "1000\r\n\r\n",
      "413 Content Too Large");
  EXPECT_NE(last_response_.find("request body is larger than 100 bytes"), std::string::npos)
      << last_response_;
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.reason, "request body larger than 100 bytes");
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/mcp");
  EXPECT_EQ(r.user_agent, "ua-413");
  EXPECT_EQ(r.authorization_bytes, std::string("Bearer abc").size());
}

TEST_F(ServerRefusalTest, MalformedHttpReachesTheHook) {
  start();
  Seen r =
      refusal("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ua-400\r\nBad Field: x\r\n\r\n",
              "400 Bad Request");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.reason, "malformed HTTP request: bad field");
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.user_agent, "ua-400");
}

TEST_F(ServerRefusalTest, HandledRequestsDoNotReachTheHook) {
  start();
  std::string response = exchange(
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: fine\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_line(response), "HTTP/1.1 200 OK");
  EXPECT_TRUE(refused().empty());
  EXPECT_EQ(handled(), std::vector<std::string>{"/healthz"});
}

TEST_F(ServerRefusalTest, WithoutAHookTheServerStillRefuses) {
  start(false);
  std::string response = exchange(
      "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(3000, 'b') + "\r\n\r\n");
  EXPECT_EQ(status_line(response), "HTTP/1.1 431 Request Header Fields Too Large");
  EXPECT_EQ(response.find("X-Refusal-Hook"), std::string::npos);
  EXPECT_TRUE(handled().empty());
}

}  // namespace
}  // namespace mcpgw::http
