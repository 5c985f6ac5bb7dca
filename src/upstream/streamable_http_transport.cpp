#include "upstream/streamable_http_transport.h"

#include <spdlog/spdlog.h>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "upstream/backoff.h"
#include "upstream/credentials.h"
#include "upstream/http_exchange.h"
#include "upstream/jsonrpc_envelope.h"
#include "upstream/sse_parser.h"

namespace mcpgw::upstream {

namespace {
constexpr size_t kMaxErrorBody = 64 * 1024;
constexpr auto kDeleteTimeout = std::chrono::seconds(5);
constexpr int kMaxResumeAttempts = 5;
}  // namespace

struct StreamableHttpTransport::State : std::enable_shared_from_this<State> {
  State(const config::ServerConfig& server, std::shared_ptr<SharedServerState> shared,
        asio::io_context& io, StreamableHttpOptions options,
        std::shared_ptr<Credentials> credentials)
      : io(io),
        server(server),
        shared(std::move(shared)),
        credentials(std::move(credentials)),
        options(options),
        gate_timer(io),
        retry_timer(io) {}

  asio::io_context& io;
  config::ServerConfig server;
  std::shared_ptr<SharedServerState> shared;
  std::shared_ptr<Credentials> credentials;  // null: only the configured headers
  StreamableHttpOptions options;
  Handlers handlers;
  Url url;
  bool url_ok = false;
  std::string session_id, protocol_version;
  bool closed = false;    // by the owner
  bool reported = false;  // on_closed was called
  // The GET stream and the gate that holds messages until it is open.
  bool get_started = false, get_open = false, gating = false;
  std::deque<std::string> held;
  asio::steady_timer gate_timer, retry_timer;
  Connection* get_connection = nullptr;
  std::set<Connection*> active;  // connections of POSTs in flight, cancelled by close()

  const std::string& name() const { return server.name; }
  bool dead() const { return closed || reported; }
  // How long a request waits for a token: well inside the owner's initialize deadline, so that
  // the reason (e.g. the token endpoint is down) is what the request fails with.
  std::chrono::milliseconds credentials_wait() const { return server.connect_timeout / 2; }
  ConnectionPool& pool() { return shared->pool_for(url); }

  void start() {
    try {
      url = parse_url(server.url);
      url_ok = true;
    } catch (const UrlError& e) {
      asio::post(io, [self = shared_from_this(), what = std::string(e.what())] {
        self->report_closed("server '" + self->name() + "': " + what);
      });
    }
  }

  http::request<http::string_body> request(http::verb verb) {
    auto req = make_request(verb, url, server.headers);
    if (!session_id.empty()) req.set("Mcp-Session-Id", session_id);
    if (!protocol_version.empty()) req.set("MCP-Protocol-Version", protocol_version);
    return req;
  }

  bool valid_json(const std::string& data) {
    if (nlohmann::json::accept(data)) return true;
    spdlog::warn("[{}] skipped an SSE event that is not JSON: {}", name(), data.substr(0, 200));
    return false;
  }

  void deliver(std::string message, std::string_view in_reply_to) {
    if (dead() || !handlers.on_message) return;
    handlers.on_message(std::move(message), in_reply_to);
  }

  // Answers every request still waiting with a JSON-RPC error, so that none hangs.
  void fail(std::set<std::string>& outstanding, const std::string& cause) {
    for (const auto& id : outstanding) {
      spdlog::warn("[{}] request {} failed: {}", name(), id, cause);
      deliver(error_response(id, kInternalError, cause), id);
    }
    outstanding.clear();
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
    held.clear();
    gate_timer.cancel();
    retry_timer.cancel();
    for (Connection* c : active) c->cancel();
    if (get_connection) get_connection->cancel();
  }

  void send(std::string message) {
    if (dead()) {
      spdlog::debug("[{}] message dropped: the transport is closed", name());
      return;
    }
    if (!url_ok) {
      // Requests must still be answered before on_closed (already posted) arrives.
      auto ids = request_ids(message);
      std::set<std::string> outstanding(ids.begin(), ids.end());
      fail(outstanding, "upstream '" + name() + "' has an invalid URL: " + server.url);
      return;
    }
    if (gating) {
      held.push_back(std::move(message));
      return;
    }
    asio::co_spawn(io, post(shared_from_this(), std::move(message)), asio::detached);
  }

  // `retried`: this is the one retry after the server refused the credentials (HTTP 401) and
  // a new token was obtained.
  asio::awaitable<void> post(std::shared_ptr<State> self, std::string message,
                             bool retried = false) {
    auto ids = request_ids(message);
    std::string reply_to = ids.empty() ? std::string() : ids.front();
    std::set<std::string> outstanding(ids.begin(), ids.end());
    auto req = request(http::verb::post);
    // Only servers with credentials pay for the extra coroutine frame. Written with a named
    // local: `if (c) x = co_await f();` aborted in free() in the -O2 build (GCC 12), though
    // not under ASan.
    std::string no_credentials;
    if (credentials) {
      std::string why = co_await authorize(credentials.get(), req, credentials_wait(), name());
      no_credentials = std::move(why);
    }
    if (dead()) co_return;
    if (!no_credentials.empty()) {
      fail(outstanding, no_credentials);
      co_return;
    }
    std::string sent_authorization(req[http::field::authorization]);
    std::string retry_copy;  // the message again, for the one retry after a 401
    if (credentials && !retried) retry_copy = message;
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "application/json, text/event-stream");
    req.body() = std::move(message);
    bool had_session = !session_id.empty();

    enum class Body { Ignore, Json, Sse, Error } body = Body::Ignore;
    ResponseHead head;
    SseParser sse;
    std::string text;  // JSON body, or the start of an error body
    std::string problem;
    bool expired = false, unauthorized = false;
    Connection* mine = nullptr;

    ExchangeOptions opts;
    opts.timeout = server.request_timeout;
    opts.track = [this, &mine](Connection* c) {
      if (mine) active.erase(mine);
      mine = c;
      if (c) active.insert(c);
    };
    auto on_head = [&](const ResponseHead& h) {
      head = h;
      if (session_id.empty() && !h.session_id.empty()) {
        session_id = h.session_id;
        spdlog::debug("[{}] upstream session {}", name(), session_id);
      }
      if (dead()) return false;
      if (h.status == 404 && had_session) {
        expired = true;
        return false;
      }
      if (h.status == 401 && credentials) {
        unauthorized = true;
        return false;
      }
      if (h.status >= 200 && h.status < 300) {
        if (h.content_type == "text/event-stream")
          body = Body::Sse;
        else if (h.content_type == "application/json")
          body = Body::Json;
        return true;
      }
      body = Body::Error;
      return true;
    };
    auto on_body = [&](std::string_view chunk) {
      if (dead()) return false;
      switch (body) {
        case Body::Sse:
          try {
            sse.feed(chunk, [&](SseEvent event) {
              if (event.type != "message" || event.data.empty()) return;  // e.g. priming events
              if (!valid_json(event.data)) return;
              for (const auto& id : response_ids(event.data)) outstanding.erase(id);
              deliver(std::move(event.data), reply_to);
            });
          } catch (const SseError& e) {
            problem = e.what();
            return false;
          }
          return !dead();
        case Body::Json:
          if (text.size() + chunk.size() > options.max_json_body_bytes) {
            problem = "the upstream's JSON response exceeds " +
                      std::to_string(options.max_json_body_bytes) + " bytes";
            return false;
          }
          text.append(chunk);
          return true;
        case Body::Error:
          if (text.size() < kMaxErrorBody)
            text.append(chunk.substr(0, kMaxErrorBody - text.size()));
          return true;
        case Body::Ignore:
          return true;
      }
      return true;
    };
    auto result = co_await exchange(pool(), std::move(req), opts, on_head, on_body);
    if (dead()) co_return;

    std::string upstream = "upstream '" + name() + "'";
    if (unauthorized) {
      // The token was revoked or rotated: get a new one (off the loop) and retry once; the
      // server did not process a request it refused. A new token refused too is final.
      if (retried) {
        fail(outstanding, rejected_message(name(), true));
        co_return;
      }
      bool renewed = co_await renew(*credentials, sent_authorization, credentials_wait());
      if (dead()) co_return;
      if (renewed) {
        spdlog::info("[{}] credentials refused (HTTP 401); retrying with a new token", name());
        co_await post(self, std::move(retry_copy), true);
        co_return;
      }
      fail(outstanding, rejected_message(name(), renewed));
      co_return;
    }
    if (expired) {
      fail(outstanding, upstream + " session expired (HTTP 404)");
      report_closed(upstream + " session " + session_id + " expired (HTTP 404)");
      co_return;
    }
    if (!problem.empty()) {
      fail(outstanding, upstream + ": " + problem);
      co_return;
    }
    if (body == Body::Json && result.complete && !text.empty()) {
      if (nlohmann::json::accept(text)) {
        for (const auto& id : response_ids(text)) outstanding.erase(id);
        deliver(std::move(text), reply_to);
      } else {
        spdlog::warn("[{}] skipped a response body that is not JSON: {}", name(),
                     text.substr(0, 200));
      }
    }
    if (body == Body::Error) {
      // The error body may itself be the JSON-RPC error for the request: pass it on.
      auto answered = response_ids(text);
      if (!answered.empty() && outstanding.count(answered.front())) {
        outstanding.erase(answered.front());
        deliver(text, reply_to);
      }
      fail(outstanding,
           upstream + " answered HTTP " + std::to_string(head.status) + " " + head.reason);
      co_return;
    }
    if (body == Body::Sse && !outstanding.empty() && !sse.last_event_id().empty()) {
      // The stream broke (or the server closed it on purpose) after an event id: resume it.
      std::string cause = co_await resume(outstanding, reply_to, sse.last_event_id(), sse.retry());
      if (dead()) co_return;
      fail(outstanding, upstream + " " + cause);
      co_return;
    }
    if (result.ec) {
      fail(outstanding, upstream + " request failed (" + describe_failure(result) + ")");
      co_return;
    }
    if (!outstanding.empty()) {
      fail(outstanding, body == Body::Sse
                            ? upstream + " ended its SSE stream before the response"
                            : upstream + " answered HTTP " + std::to_string(head.status) +
                                  " without a response to the request");
    }
  }

  // Resumes a POST's SSE stream with GET + Last-Event-ID (MCP "resumability") until every
  // request in `outstanding` is answered. Returns why it gave up, or "" when all were answered.
  asio::awaitable<std::string> resume(std::set<std::string>& outstanding, std::string reply_to,
                                      std::string last_event_id,
                                      std::optional<std::chrono::milliseconds> retry) {
    auto self = shared_from_this();
    Backoff backoff(server.restart_backoff_initial,
                    std::max(server.restart_backoff_max, server.restart_backoff_initial));
    std::string cause = "ended its SSE stream before the response";
    for (int attempt = 0; attempt < kMaxResumeAttempts && !dead() && !outstanding.empty();
         ++attempt) {
      asio::steady_timer wait(io, retry ? *retry : backoff.next());
      error_code ec;
      co_await wait.async_wait(MCPGW_EC(ec));
      if (dead()) co_return "";
      spdlog::debug("[{}] resuming the stream of request {} after event {}", name(), reply_to,
                    last_event_id);
      auto req = request(http::verb::get);
      std::string no_credentials =
          co_await authorize(credentials.get(), req, credentials_wait(), name());
      if (dead()) co_return "";
      if (!no_credentials.empty())
        co_return "ended its SSE stream before the response: " + no_credentials;
      std::string sent_authorization(req[http::field::authorization]);
      req.set(http::field::accept, "text/event-stream");
      req.set("Last-Event-ID", last_event_id);
      SseParser sse;
      ResponseHead head;
      Connection* mine = nullptr;
      ExchangeOptions opts;
      opts.dedicated = true;
      opts.timeout = server.request_timeout;
      opts.track = [this, &mine](Connection* c) {
        if (mine) active.erase(mine);
        mine = c;
        if (c) active.insert(c);
      };
      auto result = co_await exchange(
          pool(), std::move(req), opts,
          [&](const ResponseHead& h) {
            head = h;
            return !dead() && h.status == 200 && h.content_type == "text/event-stream";
          },
          [&](std::string_view chunk) {
            if (dead()) return false;
            try {
              sse.feed(chunk, [&](SseEvent event) {
                if (event.type != "message" || event.data.empty() || !valid_json(event.data))
                  return;
                for (const auto& id : response_ids(event.data)) outstanding.erase(id);
                deliver(std::move(event.data), reply_to);
              });
            } catch (const SseError& e) {
              return false;
            }
            return !dead() && !outstanding.empty();
          });
      if (dead() || outstanding.empty()) co_return "";
      if (!sse.last_event_id().empty()) last_event_id = sse.last_event_id();
      if (sse.retry()) retry = sse.retry();
      if (head.status == 401 && credentials) {
        bool renewed = co_await renew(*credentials, sent_authorization, credentials_wait());
        if (dead()) co_return "";
        cause = "ended its SSE stream before the response; resuming it: " +
                rejected_message(name(), renewed);
        if (renewed) continue;  // the next attempt carries the new token
        co_return cause;
      }
      if (head.status && (head.status != 200 || head.content_type != "text/event-stream"))
        co_return "ended its SSE stream before the response and refused to resume it (HTTP " +
            std::to_string(head.status) + ")";
      cause = "ended its SSE stream before the response; resuming failed (" +
              (result.ec ? describe_failure(result) : std::string("stream ended again")) + ")";
    }
    co_return cause;
  }

  void on_initialized(std::string version) {
    protocol_version = std::move(version);
    if (get_started || dead() || !url_ok) return;
    get_started = true;
    gating = true;
    gate_timer.expires_after(options.get_stream_gate);
    gate_timer.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec && self->gating) {
        spdlog::warn("[{}] GET stream not open after {} ms; sending anyway", self->name(),
                     self->options.get_stream_gate.count());
        self->open_gate();
      }
    });
    asio::co_spawn(io, get_loop(shared_from_this()), asio::detached);
  }

  void open_gate() {
    if (!gating) return;
    gating = false;
    gate_timer.cancel();
    auto messages = std::move(held);
    held.clear();
    for (auto& m : messages)
      asio::co_spawn(io, post(shared_from_this(), std::move(m)), asio::detached);
  }

  // The standalone GET stream: server-initiated requests and notifications. Reconnects with
  // Last-Event-ID after a drop; a 405 means the server offers none.
  asio::awaitable<void> get_loop(std::shared_ptr<State> self) {
    Backoff backoff(server.restart_backoff_initial,
                    std::max(server.restart_backoff_max, server.restart_backoff_initial));
    std::string last_event_id;
    while (!dead()) {
      auto req = request(http::verb::get);
      std::string no_credentials =
          co_await authorize(credentials.get(), req, credentials_wait(), name());
      if (dead()) co_return;
      std::string sent_authorization(req[http::field::authorization]);
      req.set(http::field::accept, "text/event-stream");
      if (!last_event_id.empty()) req.set("Last-Event-ID", last_event_id);
      SseParser sse;
      ResponseHead head;
      bool streaming = false, delivered = false;
      std::string problem;
      ExchangeOptions opts;
      opts.dedicated = true;
      opts.track = [this](Connection* c) { get_connection = c; };
      auto on_head = [&](const ResponseHead& h) {
        head = h;
        if (dead() || h.status != 200 || h.content_type != "text/event-stream") return false;
        streaming = get_open = true;
        spdlog::debug("[{}] GET stream open", name());
        open_gate();
        return true;
      };
      auto on_body = [&](std::string_view chunk) {
        if (dead()) return false;
        try {
          sse.feed(chunk, [&](SseEvent event) {
            if (event.type != "message" || event.data.empty() || !valid_json(event.data)) return;
            delivered = true;
            deliver(std::move(event.data), {});
          });
        } catch (const SseError& e) {
          problem = e.what();
          return false;
        }
        if (!sse.last_event_id().empty()) last_event_id = sse.last_event_id();
        return !dead();
      };
      ExchangeResult result;
      if (no_credentials.empty())
        result = co_await exchange(pool(), std::move(req), opts, on_head, on_body);
      get_open = false;
      if (dead()) co_return;
      if (head.status == 405) {
        spdlog::info("[{}] upstream offers no GET stream (HTTP 405)", name());
        open_gate();
        co_return;
      }
      if (head.status == 404 && !session_id.empty()) {
        report_closed("upstream '" + name() + "' session " + session_id + " expired (HTTP 404)");
        co_return;
      }
      if (!no_credentials.empty()) {
        spdlog::warn("[{}] GET stream not opened: {}", name(), no_credentials);
        open_gate();
      } else if (streaming) {
        if (delivered) backoff.reset();
        spdlog::debug(
            "[{}] GET stream ended ({}); reconnecting", name(),
            problem.empty() ? (result.ec ? describe_failure(result) : "closed") : problem);
      } else {
        spdlog::warn("[{}] GET stream failed: {}", name(),
                     head.status ? "HTTP " + std::to_string(head.status) + " " + head.reason
                                 : describe_failure(result));
        open_gate();  // do not hold messages behind a stream that cannot open
        if (head.status == 401 && credentials) {
          co_await renew(*credentials, sent_authorization, credentials_wait());
          if (dead()) co_return;
        }
      }
      auto delay = backoff.next();
      if (streaming && sse.retry()) delay = std::max(*sse.retry(), std::chrono::milliseconds(10));
      retry_timer.expires_after(delay);
      error_code ec;
      co_await retry_timer.async_wait(MCPGW_EC(ec));
    }
  }

  void close() {
    if (closed) return;
    bool was_reported = reported;
    closed = true;
    cancel_all();
    if (!was_reported && url_ok && !session_id.empty())
      asio::co_spawn(io, delete_session(shared_from_this()), asio::detached);
  }

  // Best effort: tells the server the session is over.
  asio::awaitable<void> delete_session(std::shared_ptr<State> self) {
    auto req = request(http::verb::delete_);
    if (credentials) {
      std::string why;
      auto value = credentials->authorization(why);
      if (!value) {
        spdlog::debug("[{}] no DELETE of session {}: no credentials ({})", name(), session_id, why);
        co_return;
      }
      req.set(http::field::authorization, *value);
    }
    ExchangeOptions opts;
    opts.timeout = std::min<std::chrono::milliseconds>(server.request_timeout, kDeleteTimeout);
    unsigned status = 0;
    auto result = co_await exchange(
        pool(), std::move(req), opts,
        [&](const ResponseHead& h) {
          status = h.status;
          return true;
        },
        [](std::string_view) { return true; });
    if (result.ec)
      spdlog::debug("[{}] DELETE of session {} failed: {}", name(), session_id,
                    describe_failure(result));
    else
      spdlog::debug("[{}] DELETE of session {}: HTTP {}", name(), session_id, status);
  }
};

StreamableHttpTransport::StreamableHttpTransport(const config::ServerConfig& server,
                                                 std::shared_ptr<SharedServerState> shared,
                                                 asio::io_context& io,
                                                 StreamableHttpOptions options,
                                                 std::shared_ptr<Credentials> credentials)
    : state_(std::make_shared<State>(server, std::move(shared), io, options,
                                     std::move(credentials))) {}

StreamableHttpTransport::~StreamableHttpTransport() {
  close();
}

void StreamableHttpTransport::start(Handlers handlers) {
  state_->handlers = std::move(handlers);
  state_->start();
}

void StreamableHttpTransport::send(std::string message) {
  state_->send(std::move(message));
}

void StreamableHttpTransport::on_initialized(std::string protocol_version) {
  state_->on_initialized(std::move(protocol_version));
}

void StreamableHttpTransport::close() {
  state_->close();
}

std::string StreamableHttpTransport::describe() const {
  return "http " + state_->server.url;
}

std::string StreamableHttpTransport::session_id() const {
  return state_->session_id;
}

bool StreamableHttpTransport::get_stream_open() const {
  return state_->get_open;
}

}  // namespace mcpgw::upstream
