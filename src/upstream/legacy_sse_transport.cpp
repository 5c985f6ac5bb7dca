#include "upstream/legacy_sse_transport.h"

#include <spdlog/spdlog.h>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "upstream/credentials.h"
#include "upstream/http_exchange.h"
#include "upstream/jsonrpc_envelope.h"
#include "upstream/sse_parser.h"

namespace mcpgw::upstream {

struct LegacySseTransport::State : std::enable_shared_from_this<State> {
  State(const config::ServerConfig& server, std::shared_ptr<SharedServerState> shared,
        asio::io_context& io, std::shared_ptr<Credentials> credentials)
      : io(io),
        server(server),
        shared(std::move(shared)),
        credentials(std::move(credentials)),
        endpoint_timer(io) {}

  asio::io_context& io;
  config::ServerConfig server;
  std::shared_ptr<SharedServerState> shared;
  std::shared_ptr<Credentials> credentials;  // null: only the configured headers
  Handlers handlers;
  Url url;
  std::optional<Url> endpoint;
  std::deque<std::string> queued;  // sent before the endpoint was known
  bool closed = false, reported = false;
  asio::steady_timer endpoint_timer;
  Connection* stream_connection = nullptr;
  std::set<Connection*> active;

  const std::string& name() const { return server.name; }
  bool dead() const { return closed || reported; }
  // How long a request waits for a token: well inside the owner's initialize deadline, so that
  // the reason (e.g. the token endpoint is down) is what the request fails with.
  std::chrono::milliseconds credentials_wait() const { return server.connect_timeout / 2; }

  void start() {
    try {
      url = parse_url(server.url);
    } catch (const UrlError& e) {
      asio::post(io, [self = shared_from_this(), what = std::string(e.what())] {
        self->report_closed("server '" + self->name() + "': " + what);
      });
      return;
    }
    asio::co_spawn(io, stream(shared_from_this()), asio::detached);
  }

  void deliver(std::string message) {
    if (dead() || !handlers.on_message) return;
    handlers.on_message(std::move(message), {});
  }

  void report_closed(const std::string& reason) {
    if (dead()) return;
    reported = true;
    spdlog::warn("[{}] upstream closed: {}", name(), reason);
    cancel_all();
    if (handlers.on_closed) {
      auto on_closed = std::move(handlers.on_closed);
      on_closed(reason);
    }
  }

  void cancel_all() {
    queued.clear();
    endpoint_timer.cancel();
    if (stream_connection) stream_connection->cancel();
    for (Connection* c : active) c->cancel();
  }

  void on_endpoint(std::string_view data) {
    Url resolved;
    try {
      resolved = resolve_url(url, data);
    } catch (const UrlError& e) {
      return report_closed("upstream '" + name() + "' sent a bad endpoint: " + e.what());
    }
    // Like the reference client: never send messages (and credentials) to another origin.
    if (resolved.origin() != url.origin())
      return report_closed("upstream '" + name() +
                           "' named an endpoint on another origin: " + resolved.str());
    endpoint = resolved;
    endpoint_timer.cancel();
    spdlog::debug("[{}] legacy SSE endpoint {}", name(), resolved.str());
    auto pending = std::move(queued);
    queued.clear();
    for (auto& m : pending)
      asio::co_spawn(io, post(shared_from_this(), std::move(m)), asio::detached);
  }

  asio::awaitable<void> stream(std::shared_ptr<State> self) {
    auto req = make_request(http::verb::get, url, server.headers);
    std::string no_credentials =
        co_await authorize(credentials.get(), req, credentials_wait(), name());
    if (dead()) co_return;
    if (!no_credentials.empty()) co_return report_closed(no_credentials);
    std::string sent_authorization(req[http::field::authorization]);
    // The endpoint event must come within the connect timeout (once credentials are at hand).
    endpoint_timer.expires_after(server.connect_timeout);
    endpoint_timer.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec && !self->endpoint)
        self->report_closed("upstream '" + self->name() + "' sent no endpoint event within " +
                            std::to_string(self->server.connect_timeout.count()) + " ms");
    });
    req.set(http::field::accept, "text/event-stream");
    SseParser sse;
    ResponseHead head;
    std::string problem;
    ExchangeOptions opts;
    opts.dedicated = true;
    opts.track = [this](Connection* c) { stream_connection = c; };
    auto result = co_await exchange(
        shared->pool_for(url), std::move(req), opts,
        [&](const ResponseHead& h) {
          head = h;
          return !dead() && h.status == 200 && h.content_type == "text/event-stream";
        },
        [&](std::string_view chunk) {
          if (dead()) return false;
          try {
            sse.feed(chunk, [&](SseEvent event) {
              if (dead()) return;
              if (event.type == "endpoint")
                on_endpoint(event.data);
              else if (event.type == "message" && !event.data.empty()) {
                if (nlohmann::json::accept(event.data))
                  deliver(std::move(event.data));
                else
                  spdlog::warn("[{}] skipped an SSE event that is not JSON: {}", name(),
                               event.data.substr(0, 200));
              }
            });
          } catch (const SseError& e) {
            problem = e.what();
            return false;
          }
          return !dead();
        });
    if (dead()) co_return;
    std::string upstream = "upstream '" + name() + "'";
    if (head.status == 401 && credentials) {
      // The restart that follows (the owner's backoff) carries the new token.
      bool renewed = co_await renew(*credentials, sent_authorization, credentials_wait());
      if (dead()) co_return;
      report_closed(upstream + " rejected the gateway's credentials (HTTP 401)" +
                    (renewed ? "; a new token is ready for the restart"
                             : "; no new token could be obtained"));
    } else if (!problem.empty())
      report_closed(upstream + ": " + problem);
    else if (head.status && (head.status != 200 || head.content_type != "text/event-stream"))
      report_closed(upstream + " answered the SSE GET with HTTP " + std::to_string(head.status) +
                    " " + head.reason + " (" + head.content_type + ")");
    else if (result.ec)
      report_closed(upstream + " SSE stream failed (" + describe_failure(result) + ")");
    else
      report_closed(upstream + " ended its SSE stream");
  }

  void send(std::string message) {
    if (dead()) {
      spdlog::debug("[{}] message dropped: the transport is closed", name());
      return;
    }
    if (!endpoint) {
      queued.push_back(std::move(message));
      return;
    }
    asio::co_spawn(io, post(shared_from_this(), std::move(message)), asio::detached);
  }

  // Fails the requests in `ids` with a JSON-RPC error (the answer would have come on the stream).
  void fail(const std::vector<std::string>& ids, const std::string& cause) {
    for (const auto& id : ids) {
      spdlog::warn("[{}] request {} failed: {}", name(), id, cause);
      if (!dead() && handlers.on_message)
        handlers.on_message(error_response(id, kInternalError, cause), id);
    }
  }

  // `retried`: the one retry after the server refused the credentials (HTTP 401) and a new
  // token was obtained.
  asio::awaitable<void> post(std::shared_ptr<State> self, std::string message,
                             bool retried = false) {
    auto ids = request_ids(message);
    auto req = make_request(http::verb::post, *endpoint, server.headers);
    // Only servers with credentials pay for the extra coroutine frame. Written with a named
    // local: `if (c) x = co_await f();` aborted in free() in the -O2 build (GCC 12), though
    // not under ASan.
    std::string no_credentials;
    if (credentials) {
      std::string why = co_await authorize(credentials.get(), req, credentials_wait(), name());
      no_credentials = std::move(why);
    }
    if (dead()) co_return;
    if (!no_credentials.empty()) co_return fail(ids, no_credentials);
    std::string sent_authorization(req[http::field::authorization]);
    std::string retry_copy;
    if (credentials && !retried) retry_copy = message;
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(message);
    ResponseHead head;
    Connection* mine = nullptr;
    ExchangeOptions opts;
    opts.timeout =
        std::min(server.request_timeout, server.connect_timeout + std::chrono::seconds(30));
    opts.track = [this, &mine](Connection* c) {
      if (mine) active.erase(mine);
      mine = c;
      if (c) active.insert(c);
    };
    auto result = co_await exchange(
        shared->pool_for(*endpoint), std::move(req), opts,
        [&](const ResponseHead& h) {
          head = h;
          return true;
        },
        [](std::string_view) { return true; });  // "Accepted": the answer comes on the stream
    if (dead()) co_return;
    if (head.status == 401 && credentials) {
      if (retried) co_return fail(ids, rejected_message(name(), true));
      bool renewed = co_await renew(*credentials, sent_authorization, credentials_wait());
      if (dead()) co_return;
      if (renewed) {
        spdlog::info("[{}] credentials refused (HTTP 401); retrying with a new token", name());
        co_return co_await post(self, std::move(retry_copy), true);
      }
      co_return fail(ids, rejected_message(name(), renewed));
    }
    std::string cause;
    if (result.ec && !result.head_received)
      cause = "upstream '" + name() + "' request failed (" + describe_failure(result) + ")";
    else if (head.status < 200 || head.status >= 300)
      cause = "upstream '" + name() + "' answered HTTP " + std::to_string(head.status) + " " +
              head.reason;
    if (!cause.empty()) fail(ids, cause);
  }

  void close() {
    if (closed) return;
    closed = true;
    cancel_all();
  }
};

LegacySseTransport::LegacySseTransport(const config::ServerConfig& server,
                                       std::shared_ptr<SharedServerState> shared,
                                       asio::io_context& io,
                                       std::shared_ptr<Credentials> credentials)
    : state_(std::make_shared<State>(server, std::move(shared), io, std::move(credentials))) {}

LegacySseTransport::~LegacySseTransport() {
  close();
}

void LegacySseTransport::start(Handlers handlers) {
  state_->handlers = std::move(handlers);
  state_->start();
}

void LegacySseTransport::send(std::string message) {
  state_->send(std::move(message));
}

void LegacySseTransport::close() {
  state_->close();
}

std::string LegacySseTransport::describe() const {
  return "sse " + state_->server.url;
}

std::string LegacySseTransport::endpoint() const {
  return state_->endpoint ? state_->endpoint->str() : std::string();
}

}  // namespace mcpgw::upstream
