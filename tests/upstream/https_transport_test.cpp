// TLS to upstreams: certificates are verified against the trust store (OpenSSL's default paths,
// which honour SSL_CERT_FILE) and the URL's host name.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>

#include "test_support.h"
#include "transport_recorder.h"
#include "upstream/streamable_http_transport.h"

namespace mcpgw::upstream {
namespace {

using namespace std::chrono_literals;
using testing::NodeServer;
using testing::Recorder;
using testing::request;
using testing::run_until;

class Https : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("mcpgw-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    // A self-signed certificate for 127.0.0.1 only (not "localhost").
    std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout " +
        (dir_ / "key.pem").string() + " -out " + (dir_ / "cert.pem").string() + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a test certificate";
    server_ = std::make_unique<NodeServer>(
        testing::fixture("tls_server.cjs"), std::vector<std::string>{},
        std::vector<std::string>{"TLS_KEY=" + (dir_ / "key.pem").string(),
                                 "TLS_CERT=" + (dir_ / "cert.pem").string()});
  }
  static void TearDownTestSuite() {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { ::unsetenv("SSL_CERT_FILE"); }

  const testing::Received* call(const std::string& host, Recorder& rec) {
    config::ServerConfig s;
    s.name = "tls";
    s.transport = config::TransportKind::Http;
    s.url = "https://" + host + ":" + std::to_string(server_->port()) + "/mcp";
    s.connect_timeout = 3s;
    auto t = std::make_unique<StreamableHttpTransport>(s, make_shared_state(s, io_), io_);
    t->start(rec.handlers());
    t->send(request(1, "ping"));
    run_until(
        io_, [&] { return rec.response(1) != nullptr; }, 10s);
    transports_.push_back(std::move(t));
    return rec.response(1);
  }

  asio::io_context io_;
  std::vector<std::unique_ptr<StreamableHttpTransport>> transports_;
  static std::filesystem::path dir_;
  static std::unique_ptr<NodeServer> server_;
};
std::filesystem::path Https::dir_;
std::unique_ptr<NodeServer> Https::server_;

TEST_F(Https, TrustedCertificateWorks) {
  ::setenv("SSL_CERT_FILE", (dir_ / "cert.pem").c_str(), 1);
  Recorder rec;
  auto* r = call("127.0.0.1", rec);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->message["result"]["tls"], true) << r->message;
}

TEST_F(Https, UntrustedCertificateIsRefused) {
  Recorder rec;  // system CAs only: the self-signed certificate is unknown
  auto* r = call("127.0.0.1", rec);
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->message["error"]["message"].get<std::string>().find("certificate verify failed"),
            std::string::npos)
      << r->message;
}

TEST_F(Https, CertificateForAnotherHostIsRefused) {
  ::setenv("SSL_CERT_FILE", (dir_ / "cert.pem").c_str(), 1);
  Recorder rec;  // trusted, but issued for 127.0.0.1, not localhost
  auto* r = call("localhost", rec);
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->message["error"]["message"].get<std::string>().find("certificate verify failed"),
            std::string::npos)
      << r->message;
}

}  // namespace
}  // namespace mcpgw::upstream
