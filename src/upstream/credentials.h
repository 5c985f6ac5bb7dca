// Credentials the gateway presents to an upstream server: the Authorization header value of
// every HTTP request to it (POST, the GET streams, DELETE, legacy SSE). Where the value comes
// from (an OAuth client-credentials grant, a token exchange) is the owner's business: the
// gateway adapts the auth module's token sources to this interface, so that this module does
// not depend on auth. The client's own Authorization header never reaches an upstream.
#pragma once
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/asio.h"

namespace mcpgw::upstream {

class Credentials {
 public:
  virtual ~Credentials() = default;
  // The Authorization header value ("Bearer ...") now, or nullopt with `why_not` saying why
  // (still fetching, the token endpoint failed, ...). Called on the event loop: must not block.
  virtual std::optional<std::string> authorization(std::string& why_not) const = 0;
  // Asks for a new value: there is none yet, or the upstream refused `rejected` (HTTP 401).
  // Must not block. `done` is called once, from any thread, when a value other than `rejected`
  // is available or the attempt to get one ended (it may be called before refresh returns).
  virtual void refresh(const std::string& rejected, std::function<void()> done) = 0;
};

// What the transports do with credentials, so that each of them does it the same way.
// Sets Authorization on `request`. With no value yet, asks for one and waits for it (at most
// `wait`, without blocking the loop). Returns "" or why the request must not go out: a request is
// never sent without the credentials the server is configured with. `credentials` may be null.
asio::awaitable<std::string> authorize(
    Credentials* credentials, boost::beast::http::request<boost::beast::http::string_body>& request,
    std::chrono::milliseconds wait, const std::string& server_name);

// After an HTTP 401 to a request that carried `rejected`: asks for a new value and waits for it
// (at most `wait`). True when a different value is now available, so that one retry makes sense.
asio::awaitable<bool> renew(Credentials& credentials, const std::string& rejected,
                            std::chrono::milliseconds wait);

// The error a request fails with when the server refused the gateway's credentials.
std::string rejected_message(const std::string& server_name, bool after_renewal);

}  // namespace mcpgw::upstream
