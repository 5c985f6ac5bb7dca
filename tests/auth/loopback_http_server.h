// A real HTTP/1.1 server on 127.0.0.1 (ephemeral port) on its own thread, for tests that need a
// JWKS endpoint, discovery documents or an introspection endpoint. With a certificate it speaks
// HTTPS (TLS on every connection).
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
// The server's TLS identity: its certificate chain and private key, PEM.
struct TlsIdentity {
  std::string cert_chain_pem, private_key_pem;
};

class LoopbackHttpServer {
 public:
  using Handler = std::function<TestResponse(const TestRequest&)>;
  // `threads`: how many requests the handler may be answering at once (each blocks a thread).
  explicit LoopbackHttpServer(Handler handler, int threads = 1);
  LoopbackHttpServer(Handler handler, const TlsIdentity& tls);
  ~LoopbackHttpServer();

  // http://127.0.0.1:PORT, or https://HOST:PORT when serving TLS.
  std::string base_url(const std::string& host = "127.0.0.1") const;
  unsigned short port() const { return port_; }
  // Requests served per path (target without query).
  int hits(const std::string& path) const;
  // TLS handshakes that failed (the client refused the certificate, or spoke plain HTTP).
  int failed_handshakes() const;
  void stop();  // closes the listener: later connections are refused

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  unsigned short port_ = 0;
};

}  // namespace mcpgw::auth::testing
