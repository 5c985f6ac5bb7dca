#include "upstream/credentials.h"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <memory>

namespace mcpgw::upstream {

namespace {

// Waits until credentials.refresh() reports back or `wait` passes: a timer used as a condition
// variable, cancelled from the loop when `done` arrives (from whatever thread calls it).
asio::awaitable<void> refreshed(Credentials& credentials, const std::string& rejected,
                                std::chrono::milliseconds wait) {
  auto executor = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(executor, wait);
  // `done` may run before async_wait starts, but its post() cannot run before this coroutine
  // suspends: both are on the loop's one thread.
  credentials.refresh(rejected,
                      [timer, executor] { asio::post(executor, [timer] { timer->cancel(); }); });
  error_code ec;
  co_await timer->async_wait(MCPGW_EC(ec));
}

}  // namespace

asio::awaitable<std::string> authorize(
    Credentials* credentials, boost::beast::http::request<boost::beast::http::string_body>& request,
    std::chrono::milliseconds wait, const std::string& server_name) {
  if (!credentials) co_return "";
  std::string why;
  auto value = credentials->authorization(why);
  if (!value) {
    co_await refreshed(*credentials, "", wait);
    value = credentials->authorization(why);
  }
  if (!value)
    co_return "upstream '" + server_name + "': no credentials for the request (" +
        (why.empty() ? std::string("none available") : why) + ")";
  request.set(boost::beast::http::field::authorization, *value);
  co_return "";
}

asio::awaitable<bool> renew(Credentials& credentials, const std::string& rejected,
                            std::chrono::milliseconds wait) {
  co_await refreshed(credentials, rejected, wait);
  std::string why;
  auto value = credentials.authorization(why);
  co_return value&&* value != rejected;
}

std::string rejected_message(const std::string& server_name, bool after_renewal) {
  return "upstream '" + server_name + "' rejected the gateway's credentials (HTTP 401)" +
         (after_renewal ? "; a new token was rejected too" : "; no new token could be obtained");
}

}  // namespace mcpgw::upstream
