#include "gateway/gateway.h"

#include <spdlog/spdlog.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include "audit/metrics.h"
#include "audit/recorder.h"
#include "auth/authenticator.h"
#include "auth/challenge.h"
#include "auth/token_exchange.h"
#include "auth/upstream_credentials.h"

#include "http/mcp_endpoint.h"
#include "http/server.h"
#include "json/envelope.h"
#include "router/call_log.h"
#include "router/session_router.h"
#include "upstream/credentials.h"
#include "upstream/transport.h"

namespace mcpgw {

namespace {

// auth's client-credentials token as the upstream module's credential source.
class UpstreamToken final : public upstream::Credentials {
 public:
  explicit UpstreamToken(auth::ClientCredentialsSettings settings) : token_(std::move(settings)) {}
  std::optional<std::string> authorization(std::string& why_not) const override {
    return token_.authorization(why_not);
  }
  void refresh(const std::string& rejected, std::function<void()> done) override {
    token_.request_refresh(rejected, std::move(done));
  }
  auth::ClientCredentialsToken& token() { return token_; }

 private:
  auth::ClientCredentialsToken token_;
};

// A session's credentials for an upstream with grant token_exchange: the token exchanged for
// the session's client token (shared with the session, which renews it), cached by its digest.
class ExchangedToken final : public upstream::Credentials {
 public:
  ExchangedToken(std::shared_ptr<auth::TokenExchange> exchange,
                 std::shared_ptr<router::ClientToken> client)
      : exchange_(std::move(exchange)), client_(std::move(client)) {}
  std::optional<std::string> authorization(std::string& why_not) const override {
    if (!usable(why_not)) return std::nullopt;
    if (client_->token != digested_) {  // the client brought a newer token
      digested_ = client_->token;
      digest_ = auth::digest_token(digested_);
    }
    return exchange_->authorization(digest_, why_not);
  }
  void refresh(const std::string& rejected, std::function<void()> done) override {
    std::string why_not;
    if (!usable(why_not)) return done();
    exchange_->request(client_->token, rejected, std::move(done));
  }

 private:
  // A token is exchanged only while the client's own is valid.
  bool usable(std::string& why_not) const {
    if (!client_ || client_->token.empty())
      why_not = "token exchange needs the client's bearer token, and this session has none";
    else if (client_->expires <= std::chrono::system_clock::now())
      why_not = "the client's access token expired: it is not exchanged any more";
    else
      return true;
    return false;
  }
  std::shared_ptr<auth::TokenExchange> exchange_;
  std::shared_ptr<router::ClientToken> client_;
  mutable std::string digested_;
  mutable auth::TokenDigest digest_{};
};

}  // namespace

struct Gateway::Impl {
  config::Config config;
  asio::io_context io{1};
  router::GatewayContext ctx{io, config, {}};
  std::vector<std::unique_ptr<http::Server>> servers;
  std::vector<std::unique_ptr<http::McpEndpoint>> endpoints;
  asio::steady_timer ticker{io};
  asio::signal_set signals{io, SIGINT, SIGTERM};
  std::unique_ptr<auth::Authenticator> auth;
  std::vector<std::shared_ptr<UpstreamToken>> upstream_tokens;        // auth.upstreams
  std::vector<std::shared_ptr<auth::TokenExchange>> token_exchanges;  // ... grant token_exchange
  std::unique_ptr<audit::Recorder> audit;
  audit::Settings audit_settings;
  // A 431 whose Authorization field alone is over auth.max_token_bytes: the token is refused
  // with this challenge (see on_refused).
  std::size_t max_token_bytes = 0;
  std::string token_too_large_challenge;

  explicit Impl(config::Config c) : config(std::move(c)) {
    const YAML::Node& root = *config.raw;
    // Each module reads and validates its own section (errors name key and line).
    auto auth_settings = auth::load_config(root);
    max_token_bytes = auth_settings.max_token_bytes;
    token_too_large_challenge = auth::deny(auth_settings, 431, "invalid_token", "token too large",
                                           auth_settings.required_scopes)
                                    .www_authenticate;
    for (auto& [name, cc] : auth::load_upstream_credentials(root["auth"], &config.servers)) {
      cc.http_timeout = auth_settings.http_timeout;
      cc.ca_file = auth_settings.tls_ca_file;
      if (cc.token_exchange) {
        auto exchange = std::make_shared<auth::TokenExchange>(std::move(cc));
        token_exchanges.push_back(exchange);
        ctx.session_credentials[name] = [exchange](const router::SessionInfo& info) {
          return std::make_shared<ExchangedToken>(exchange, info.client_token);
        };
        continue;
      }
      upstream_tokens.push_back(std::make_shared<UpstreamToken>(std::move(cc)));
      ctx.credentials[name] = upstream_tokens.back();
    }
    auth = std::make_unique<auth::Authenticator>(std::move(auth_settings), io);
    if (root["audit"]) {
      audit_settings = audit::load_settings(root["audit"]);
      audit = audit::Recorder::create(audit_settings);
    } else {
      spdlog::warn("no audit: section in the config: calls are not recorded");
    }
    ctx.auth = auth.get();
    ctx.audit = audit.get();
  }

  void tick() {
    ticker.expires_after(std::chrono::seconds(1));
    ticker.async_wait([this](error_code ec) {
      if (ec) return;
      for (auto& e : endpoints) e->tick();
      tick();
    });
  }

  // The Host/Origin check (DNS rebinding), with a deny record when it refuses.
  std::optional<http::Reply> precheck(const http::McpEndpoint& mcp, const http::Request& req,
                                      std::string_view target) {
    auto r = mcp.precheck(req);
    if (r) {
      router::SessionInfo info{"", nullptr, req.client_addr, std::string(req.user_agent)};
      router::record_denial(audit.get(), info, "", target,
                            "Host or Origin not allowed (DNS rebinding protection)");
    }
    return r;
  }

  // Host/Origin checks, then authentication, then the MCP endpoint.
  void handle_mcp(http::McpEndpoint& mcp, http::Request& req,
                  std::function<void(http::Reply)> done) {
    if (auto r = precheck(mcp, req, "")) return done(std::move(*r));
    if (!auth->enabled()) return done(mcp.handle(req));
    auth->authenticate(req.authorization, [this, &mcp, &req, done](auth::Outcome o) {
      if (o.ok) {
        req.identity = o.identity;
        return done(mcp.handle(req));
      }
      // Name the method in the audit record when the body says it.
      std::string method;
      auto parsed = json::parse_body(req.body);
      if (parsed.ok && parsed.elements.size() == 1) {
        auto env = json::read_envelope(parsed.elements[0].in(req.body));
        method = std::string(env.method_name(parsed.elements[0].in(req.body)));
      }
      router::SessionInfo info{std::string(req.session_id), nullptr, req.client_addr,
                               std::string(req.user_agent)};
      router::record_denial(audit.get(), info, method, "", o.reason);
      spdlog::info("unauthenticated request from {}: {}", req.client_addr, o.reason);
      nlohmann::json body = {{"error", o.error.empty() ? "invalid_request" : o.error},
                             {"error_description", o.reason}};
      http::Reply r = http::Reply::json(o.http_status ? o.http_status : 401, body.dump());
      if (!o.www_authenticate.empty())
        r.headers.emplace_back("WWW-Authenticate", o.www_authenticate);
      done(std::move(r));
    });
  }

  // A request the HTTP server refused by itself (431, 413, 400): a deny record, and for a 431 at
  // the MCP endpoint whose Authorization field is over max_token_bytes, the invalid_token
  // challenge (the status stays 431: see docs/authentication.md).
  void on_refused(const http::McpEndpoint& mcp, const http::Refusal& f, http::Reply& reply) {
    std::string reason = f.reason;
    std::string_view path = f.target.substr(0, f.target.find('?'));
    if (f.status == 431 && auth->enabled() && f.authorization_bytes > max_token_bytes &&
        mcp.owns_path(path)) {
      reply.headers.emplace_back("WWW-Authenticate", token_too_large_challenge);
      reason = "token too large (" + reason + ")";
    }
    router::SessionInfo info{"", nullptr, f.client_addr, std::string(f.user_agent)};
    router::record_denial(audit.get(), info, "", "", reason);
    spdlog::info("refused a request from {}: {} {}", f.client_addr, f.status, reason);
  }

  // A refusal at the admin endpoint: a deny record naming the caller when it was verified.
  void deny_admin(const http::Request& req, std::shared_ptr<const auth::Identity> identity,
                  const std::string& reason) {
    router::SessionInfo info{"", std::move(identity), req.client_addr, std::string(req.user_agent)};
    router::record_denial(audit.get(), info, "", "/admin/audit", reason);
  }

  // GET /admin/audit?subject=&server=&tool=&decision=&since=&until=&limit= : JSON lines, for
  // the admin role only. The query runs on its own thread; the reply comes back to the loop.
  void handle_admin_audit(http::Request& req, std::function<void(http::Reply)> done) {
    if (!audit) return done(http::Reply::json(404, R"({"error":"no audit trail configured"})"));
    if (!auth->enabled()) {
      deny_admin(req, nullptr, "the admin endpoint needs authentication to be configured");
      return done(http::Reply::json(
          403, R"({"error":"the admin endpoint needs authentication to be configured"})"));
    }
    auth->authenticate(req.authorization, [this, &req, done](auth::Outcome o) {
      if (!o.ok) {
        deny_admin(req, nullptr, o.reason);
        http::Reply r = http::Reply::json(
            o.http_status ? o.http_status : 401,
            nlohmann::json{{"error", o.error}, {"error_description", o.reason}}.dump());
        if (!o.www_authenticate.empty())
          r.headers.emplace_back("WWW-Authenticate", o.www_authenticate);
        return done(std::move(r));
      }
      auto& roles = o.identity->roles;
      if (std::find(roles.begin(), roles.end(), "admin") == roles.end()) {
        deny_admin(req, o.identity, "the admin role is required");
        return done(http::Reply::json(
            403, R"({"error":"forbidden","error_description":"the admin role is required"})"));
      }
      audit::QueryFilter f;
      std::string bad;
      for (auto [key, value] : http::query_params(req.query())) {
        std::string k(key), v(value);
        try {
          if (k == "subject")
            f.subject = v;
          else if (k == "server")
            f.server = v;
          else if (k == "tool")
            f.tool = v;
          else if (k == "decision")
            f.decision = v;
          else if (k == "since")
            f.since_us = audit::parse_time(v);
          else if (k == "until")
            f.until_us = audit::parse_time(v);
          else if (k == "limit")
            f.limit = std::stoul(v);
          else
            bad = "unknown parameter '" + k + "'";
        } catch (const std::exception& e) {
          bad = "bad value for '" + k + "': " + e.what();
        }
      }
      if (!bad.empty()) return done(http::Reply::json(400, nlohmann::json{{"error", bad}}.dump()));
      std::thread([this, f, done] {
        http::Reply r;
        try {
          r = http::Reply::json(200, audit::query_json(audit_settings, f));
          r.content_type = "application/x-ndjson";
        } catch (const std::exception& e) {
          r = http::Reply::json(503, nlohmann::json{{"error", e.what()}}.dump());
        }
        asio::post(io, [done, r = std::move(r)]() mutable { done(std::move(r)); });
      }).detach();
    });
  }

  // Prometheus text format: sessions, and the audit trail's counters (where a fail_open
  // gateway's lost events show). No identities or arguments: served without a token.
  http::Reply metrics(http::McpEndpoint& mcp) {
    std::string body =
        "# HELP mcpgw_sessions Client sessions open now.\n# TYPE mcpgw_sessions gauge\n"
        "mcpgw_sessions " +
        std::to_string(mcp.session_count()) + "\n";
    if (audit) body += audit::prometheus_metrics(audit->stats(), audit->accepting());
    http::Reply r = http::Reply::text(200, std::move(body));
    r.content_type = "text/plain; version=0.0.4";
    return r;
  }

  http::Reply handle(http::McpEndpoint& mcp, http::Request& req) {
    std::string_view path = req.path();
    for (auto& p : auth->metadata_paths())
      if (auth->enabled() && path == p)
        return http::Reply::json(200, auth->protected_resource_metadata());
    if (path == "/healthz" || path == "/livez") return http::Reply::json(200, R"({"status":"ok"})");
    if (path == "/metrics") return metrics(mcp);
    if (path == "/readyz")
      return http::Reply::json(
          200, R"({"status":"ready","sessions":)" + std::to_string(mcp.session_count()) + "}");
    return http::Reply::json(404, R"({"error":"not found"})");
  }
};

Gateway::Gateway(config::Config config) : impl_(std::make_unique<Impl>(std::move(config))) {}

void Gateway::check(const config::Config& config) {
  const YAML::Node& root = *config.raw;
  auth::load_config(root);
  auth::load_upstream_credentials(root["auth"], &config.servers);
  if (root["audit"]) audit::load_settings(root["audit"]);
}
Gateway::~Gateway() = default;

int Gateway::run() {
  auto& d = *impl_;
  for (auto& server : d.config.servers)
    d.ctx.shared[server.name] = upstream::make_shared_state(server, d.io);
  for (auto& listen : d.config.listeners) {
    auto endpoint = std::make_unique<http::McpEndpoint>(d.ctx, listen.path);
    auto* mcp = endpoint.get();
    auto server = std::make_unique<http::Server>(
        d.io, listen, d.config.limits,
        [&d, mcp](http::Request& req, std::function<void(http::Reply)> done) {
          if (mcp->owns_path(req.path())) return d.handle_mcp(*mcp, req, std::move(done));
          if (req.path() == "/admin/audit" && req.method == "GET") {
            if (auto r = d.precheck(*mcp, req, "/admin/audit")) return done(std::move(*r));
            return d.handle_admin_audit(req, std::move(done));
          }
          done(d.handle(*mcp, req));
        });
    server->on_refused(
        [&d, mcp](const http::Refusal& f, http::Reply& reply) { d.on_refused(*mcp, f, reply); });
    server->start();
    std::string scheme = listen.tls_cert.empty() ? "http" : "https";
    std::string host =
        listen.host.find(':') != std::string::npos ? "[" + listen.host + "]" : listen.host;
    spdlog::info("mcp-gateway listening on {}://{}:{}{}", scheme, host, server->port(),
                 listen.path);
    d.endpoints.push_back(std::move(endpoint));
    d.servers.push_back(std::move(server));
  }
  d.auth->start();
  for (auto& t : d.upstream_tokens) t->token().start();
  for (auto& x : d.token_exchanges) x->start();
  d.tick();
  d.signals.async_wait([&d](error_code ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", sig);
    for (auto& s : d.servers) s->stop();
    for (auto& e : d.endpoints) e->close_all();
    d.ticker.cancel();
    // Give upstream transports a moment to close (DELETE, SIGTERM) before stopping the loop.
    auto t = std::make_shared<asio::steady_timer>(d.io, std::chrono::milliseconds(300));
    t->async_wait([&d, t](error_code) { d.io.stop(); });
  });
  d.io.run();
  d.auth->stop();
  for (auto& t : d.upstream_tokens) t->token().stop();
  for (auto& x : d.token_exchanges) x->stop();
  if (d.audit) {
    d.audit->shutdown();  // drains the queue into the sink or the spool
    auto st = d.audit->stats();
    spdlog::info("audit: {} events recorded, {} spooled, {} dropped", st.enqueued, st.spooled,
                 st.dropped);
  }
  return 0;
}

}  // namespace mcpgw
