#include "auth/authenticator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include <boost/asio/post.hpp>

#include "auth/challenge.h"
#include "auth/claims.h"
#include "auth/engine.h"
#include "auth/http_fetch.h"
#include "auth/signature.h"

namespace mcpgw::auth {
namespace {

using Clock = std::chrono::system_clock;

std::string hex(const TokenDigest& d) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto b : d) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<long long> numeric_date(const nlohmann::json& claims, const char* key) {
  auto it = claims.find(key);
  if (it == claims.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<long long>();
  if (it->is_number_float()) return static_cast<long long>(it->get<double>());
  return std::nullopt;
}

long long to_unix(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string percent_encode(std::string_view s) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  return out;
}

std::string base64(std::string_view in) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out.push_back(a[(v >> k) & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += {a[(v >> 18) & 63], a[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {a[(v >> 18) & 63], a[(v >> 12) & 63], a[(v >> 6) & 63], '='};
  }
  return out;
}

// aud may be a string or an array (RFC 7519 §4.1.3).
bool audience_matches(const nlohmann::json& claims, const std::vector<std::string>& accepted) {
  auto it = claims.find("aud");
  if (it == claims.end()) return false;
  auto ok = [&](const nlohmann::json& v) {
    return v.is_string() &&
           std::find(accepted.begin(), accepted.end(), v.get<std::string>()) != accepted.end();
  };
  if (it->is_array()) return std::any_of(it->begin(), it->end(), ok);
  return ok(*it);
}

std::string describe_aud(const nlohmann::json& claims) {
  auto it = claims.find("aud");
  if (it == claims.end()) return "(none)";
  if (it->is_string()) return it->get<std::string>();
  std::string out;
  if (it->is_array())
    for (const auto& v : *it)
      if (v.is_string()) out += (out.empty() ? "" : ",") + v.get<std::string>();
  return out.empty() ? "(not a string)" : out;
}

}  // namespace

Engine::Engine(Settings settings, asio::io_context& io)
    : settings_(std::move(settings)),
      io_(io),
      cache_(settings_.cache_max_entries),
      worker_(
          settings_.jwks_refresh_interval, [this] { refresh_all(false); }, 1024) {
  for (const auto& is : settings_.issuers) {
    IssuerSettings copy = is;
    if (copy.audiences.empty()) copy.audiences = {settings_.resource};
    issuers_.push_back(std::make_unique<IssuerKeys>(std::move(copy), settings_));
  }
  for (const auto& key : settings_.api_keys) {
    auto id = std::make_shared<Identity>();
    id->scheme = "api_key";
    id->subject = key.name;
    id->client_id = key.name;
    id->raw_roles = key.roles;
    for (const char* role : {"admin", "user"})
      if (std::find(key.roles.begin(), key.roles.end(), role) != key.roles.end())
        id->roles.push_back(role);
    id->scopes = key.scopes;
    id->expires_at = Clock::time_point::max();
    id->claims = {{"sub", key.name}, {"roles", key.roles}};
    api_keys_[key.sha256_hex] = std::move(id);
  }
}

void Engine::start() {
  worker_.start();
  worker_.post([self = shared_from_this()](bool cancelled) {
    if (!cancelled) self->refresh_all(false);
  });
}

void Engine::stop() {
  worker_.stop();
}

void Engine::refresh_all(bool forced) {
  for (auto& is : issuers_) {
    if (!is->remote()) continue;
    auto error = is->refresh(forced);
    if (!error.empty())
      spdlog::warn("auth: issuer {}: key refresh failed ({}); {}", is->settings().issuer, error,
                   is->keys() ? "keeping the keys already known" : "no keys: its tokens fail");
  }
}

Outcome Engine::invalid(std::string reason) const {
  return deny(settings_, 401, "invalid_token", std::move(reason), settings_.required_scopes);
}

Outcome Engine::accept(std::shared_ptr<Identity> identity, const TokenDigest& digest,
                       Clock::time_point expires) {
  auto until = std::min(expires, Clock::now() + settings_.cache_max_ttl);
  std::shared_ptr<const Identity> shared = std::move(identity);
  cache_.insert(digest, shared, until);
  Outcome o;
  o.ok = true;
  o.identity = std::move(shared);
  return o;
}

IssuerKeys* Engine::find_issuer(const std::string& iss) {
  for (auto& is : issuers_)
    if (is->settings().issuer == iss) return is.get();
  return nullptr;
}

void Engine::off_thread(std::function<void()> task, std::function<void()> then, Done fail) {
  auto self = shared_from_this();
  auto shared_fail = std::make_shared<Done>(std::move(fail));
  bool queued = worker_.post(
      [self, task = std::move(task), then = std::move(then), shared_fail](bool cancelled) mutable {
        if (cancelled) {
          asio::post(self->io_, [self, shared_fail] {
            (*shared_fail)(self->invalid("authentication service is stopping"));
          });
          return;
        }
        task();
        asio::post(self->io_, std::move(then));
      });
  if (!queued) (*shared_fail)(invalid("authentication service is overloaded"));
}

AuthorizationParts split_authorization(std::string_view header) {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  auto space = header.find(' ');
  std::string_view scheme = header.substr(0, space);
  std::string_view token = space == std::string_view::npos ? "" : header.substr(space + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return {scheme, token};
}

std::string_view bearer_token(std::string_view header) {
  auto [scheme, token] = split_authorization(header);
  return iequals(scheme, "Bearer") ? token : std::string_view{};
}

void Engine::authenticate(std::string_view header, Done done) {
  if (!settings_.enabled) {  // no `auth:` section: the gateway runs unauthenticated
    static const auto anonymous = [] {
      auto id = std::make_shared<Identity>();
      id->scheme = "none";
      id->subject = "anonymous";
      id->expires_at = Clock::time_point::max();
      return std::shared_ptr<const Identity>(std::move(id));
    }();
    Outcome o;
    o.ok = true;
    o.identity = anonymous;
    done(std::move(o));
    return;
  }
  auto [scheme, token] = split_authorization(header);
  if (scheme.empty()) {
    done(deny(settings_, 401, "", "no access token", settings_.required_scopes));
    return;
  }
  bool api_key_scheme = iequals(scheme, "ApiKey");
  if (!iequals(scheme, "Bearer") && !api_key_scheme) {
    done(deny(settings_, 401, "", "unsupported authorization scheme (use Bearer)",
              settings_.required_scopes));
    return;
  }
  if (token.empty()) {
    // Credentials that do not parse (b64token is 1*char): a malformed request, 400 in RFC 6750
    // §3.1 and in the MCP authorization spec's error table. The challenge still points at the
    // metadata (RFC 6750 §3: MAY accompany other statuses).
    done(deny(settings_, 400, "invalid_request", "empty bearer token", settings_.required_scopes));
    return;
  }
  // Checked before hashing or parsing, so an oversized token costs nothing.
  if (token.size() > settings_.max_token_bytes) {
    done(invalid("token too large (" + std::to_string(token.size()) + " bytes, limit " +
                 std::to_string(settings_.max_token_bytes) + ")"));
    return;
  }
  TokenDigest digest = digest_token(token);
  if (auto identity = cache_.find(digest, Clock::now())) {
    Outcome o;
    o.ok = true;
    o.identity = std::move(identity);
    done(std::move(o));
    return;
  }
  if (!api_keys_.empty() && (api_key_scheme || !looks_like_jwt(token))) {
    auto it = api_keys_.find(hex(digest));
    if (it != api_keys_.end()) {
      Outcome o;
      o.ok = true;
      o.identity = it->second;
      done(std::move(o));
      return;
    }
    if (api_key_scheme) {
      done(invalid("unknown API key"));
      return;
    }
  }
  if (looks_like_jwt(token)) {
    verify_jwt(std::string(token), digest, true, std::move(done));
    return;
  }
  introspect(std::string(token), digest, std::move(done));
}

void Engine::verify_jwt(std::string token, TokenDigest digest, bool may_refresh, Done done) {
  auto parsed = parse_jwt(token, settings_.max_token_bytes);
  if (auto* e = std::get_if<ParseError>(&parsed)) {
    done(invalid(e->reason));
    return;
  }
  auto& jwt = std::get<ParsedJwt>(parsed);
  if (iequals(jwt.alg, "none")) {
    done(invalid("unsigned token (alg none) rejected"));
    return;
  }
  if (jwt.alg.rfind("HS", 0) == 0) {
    done(invalid("symmetric algorithm " + jwt.alg + " rejected"));
    return;
  }
  if (std::find(settings_.algorithms.begin(), settings_.algorithms.end(), jwt.alg) ==
      settings_.algorithms.end()) {
    done(invalid("algorithm " + jwt.alg + " not allowed"));
    return;
  }
  auto iss_it = jwt.payload.find("iss");
  if (iss_it == jwt.payload.end() || !iss_it->is_string()) {
    done(invalid("token has no issuer (iss)"));
    return;
  }
  std::string iss = iss_it->get<std::string>();
  IssuerKeys* issuer = find_issuer(iss);
  if (!issuer) {
    done(invalid("untrusted issuer " + iss));
    return;
  }
  auto keys = issuer->keys();
  auto has_kid = [&] {
    if (!keys) return false;
    if (jwt.kid.empty()) return !keys->keys.empty();
    return std::any_of(keys->keys.begin(), keys->keys.end(),
                       [&](const PublicKey& k) { return k.kid == jwt.kid; });
  };
  if (!has_kid()) {
    // With no keys yet (start-up), wait for the fetch in progress; with keys, an unknown kid
    // triggers a refresh only when the rate limit allows it.
    if (may_refresh && issuer->remote() &&
        (!keys || issuer->refresh_allowed(std::chrono::steady_clock::now()))) {
      auto self = shared_from_this();
      auto shared_done = std::make_shared<Done>(std::move(done));
      off_thread(
          [self, issuer] {
            auto error = issuer->refresh(true);
            if (!error.empty())
              spdlog::warn("auth: issuer {}: key refresh failed: {}", issuer->settings().issuer,
                           error);
          },
          [self, token = std::move(token), digest, shared_done]() mutable {
            self->verify_jwt(std::move(token), digest, false, std::move(*shared_done));
          },
          [shared_done](Outcome o) { (*shared_done)(std::move(o)); });
      return;
    }
    if (!keys || keys->keys.empty()) {
      done(invalid("no signing keys available for issuer " + iss + " (JWKS unreachable)"));
    } else {
      done(invalid("unknown key id " + jwt.kid));
    }
    return;
  }

  std::string mismatch;
  bool verified = false;
  for (const auto& key : keys->keys) {
    if (!jwt.kid.empty() && key.kid != jwt.kid) continue;
    if (auto why = key_mismatch(key, jwt.alg)) {
      mismatch = *why;
      continue;
    }
    mismatch.clear();
    if (verify_signature(jwt.alg, key.pkey.get(), jwt.signing_input, jwt.signature)) {
      verified = true;
      break;
    }
  }
  if (!verified) {
    done(invalid(mismatch.empty() ? "signature verification failed" : mismatch));
    return;
  }

  const auto& claims = jwt.payload;
  long long now = to_unix(Clock::now());
  long long leeway = settings_.leeway.count();
  auto exp = numeric_date(claims, "exp");
  if (!exp) {
    done(invalid("token has no expiry (exp)"));
    return;
  }
  if (now > *exp + leeway) {
    done(invalid("token expired"));
    return;
  }
  if (auto nbf = numeric_date(claims, "nbf"); nbf && now + leeway < *nbf) {
    done(invalid("token not yet valid (nbf)"));
    return;
  }
  if (!audience_matches(claims, issuer->settings().audiences)) {
    done(invalid("audience " + describe_aud(claims) + " is not this resource (" +
                 issuer->settings().audiences.front() + ")"));
    return;
  }
  auto identity = std::make_shared<Identity>();
  identity->scheme = "jwt";
  identity->issuer = iss;
  fill_identity(*identity, claims, issuer->settings(), settings_.role_mapping);
  if (identity->subject.empty()) {
    done(invalid("token has no subject (" + issuer->settings().subject_claim + ")"));
    return;
  }
  auto expires = Clock::time_point(std::chrono::seconds(*exp));
  identity->expires_at = expires;
  done(accept(std::move(identity), digest, expires));
}

void Engine::introspect(std::string token, TokenDigest digest, Done done) {
  IssuerKeys* issuer = nullptr;
  for (auto& is : issuers_)
    if (!is->settings().client_id.empty()) {
      issuer = is.get();
      break;
    }
  if (!issuer) {
    done(invalid("token is not a JWT and no introspection endpoint is configured"));
    return;
  }
  struct Result {
    std::string error;
    nlohmann::json body;
  };
  auto result = std::make_shared<Result>();
  auto self = shared_from_this();
  auto shared_done = std::make_shared<Done>(std::move(done));
  off_thread(
      [self, issuer, token = std::move(token), result] {
        std::string endpoint = issuer->introspection_endpoint();
        if (endpoint.empty()) {
          result->error = "issuer " + issuer->settings().issuer + " has no introspection endpoint";
          return;
        }
        const auto& is = issuer->settings();
        HttpRequest req;
        req.method = "POST";
        req.url = endpoint;
        req.timeout = self->settings_.http_timeout;
        req.ca_file = self->settings_.tls_ca_file;
        req.headers["Content-Type"] = "application/x-www-form-urlencoded";
        req.headers["Accept"] = "application/json";
        req.headers["Authorization"] = "Basic " + base64(percent_encode(is.client_id) + ":" +
                                                         percent_encode(is.client_secret));
        req.body = "token=" + percent_encode(token) + "&token_type_hint=access_token";
        auto response = http_fetch(req);
        if (response.status != 200) {
          result->error =
              "introspection failed: " +
              (response.error.empty() ? "HTTP " + std::to_string(response.status) : response.error);
          return;
        }
        result->body = nlohmann::json::parse(response.body, nullptr, false);
        if (!result->body.is_object()) result->error = "introspection response is not JSON";
      },
      [self, issuer, digest, result, shared_done] {
        auto& done = *shared_done;
        if (!result->error.empty()) {
          done(self->invalid(result->error));
          return;
        }
        const auto& body = result->body;
        if (body.value("active", false) != true) {
          done(self->invalid("token is not active (introspection)"));
          return;
        }
        const auto& is = issuer->settings();
        if (body.contains("iss") && body["iss"] != is.issuer) {
          done(self->invalid("introspection names another issuer"));
          return;
        }
        auto now = Clock::now();
        auto exp = numeric_date(body, "exp");
        if (exp && to_unix(now) > *exp + self->settings_.leeway.count()) {
          done(self->invalid("token expired"));
          return;
        }
        if (!body.contains("aud") && is.introspection_requires_audience) {
          done(self->invalid("token names no audience (introspection)"));
          return;
        }
        if (body.contains("aud") && !audience_matches(body, is.audiences)) {
          done(self->invalid("audience " + describe_aud(body) + " is not this resource (" +
                             is.audiences.front() + ")"));
          return;
        }
        auto identity = std::make_shared<Identity>();
        identity->scheme = "introspection";
        identity->issuer = is.issuer;
        fill_identity(*identity, body, is, self->settings_.role_mapping);
        if (identity->subject.empty()) identity->subject = identity->client_id;
        // Without exp, re-ask the server after a minute so revocation takes effect.
        auto expires =
            exp ? Clock::time_point(std::chrono::seconds(*exp)) : now + std::chrono::seconds(60);
        identity->expires_at = expires;
        done(self->accept(std::move(identity), digest, expires));
      },
      [shared_done](Outcome o) { (*shared_done)(std::move(o)); });
}

Outcome Engine::check_scopes(const Identity& identity, std::string_view method,
                             std::string_view tool) const {
  std::vector<std::string> needed = settings_.required_scopes;
  auto add = [&](const std::vector<std::string>& scopes) {
    for (const auto& s : scopes)
      if (std::find(needed.begin(), needed.end(), s) == needed.end()) needed.push_back(s);
  };
  if (auto it = settings_.method_scopes.find(std::string(method));
      it != settings_.method_scopes.end())
    add(it->second);
  if (!tool.empty()) {
    for (const auto& [pattern, scopes] : settings_.tool_scopes) {
      bool prefix = !pattern.empty() && pattern.back() == '*';
      std::string_view p(pattern);
      if (prefix ? tool.substr(0, p.size() - 1) == p.substr(0, p.size() - 1) : tool == p)
        add(scopes);
    }
  }
  std::vector<std::string> missing;
  for (const auto& s : needed)
    if (std::find(identity.scopes.begin(), identity.scopes.end(), s) == identity.scopes.end())
      missing.push_back(s);
  if (missing.empty()) {
    Outcome o;
    o.ok = true;
    return o;
  }
  std::string list;
  for (const auto& s : missing) list += (list.empty() ? "" : " ") + s;
  std::string what = std::string(method) + (tool.empty() ? "" : " " + std::string(tool));
  return deny(settings_, 403, "insufficient_scope", "missing scope " + list + " for " + what,
              needed);
}

// ---- Authenticator: the small public face ----

Authenticator::Authenticator(Settings settings, asio::io_context& io)
    : engine_(std::make_shared<Engine>(std::move(settings), io)) {}

Authenticator::~Authenticator() {
  engine_->stop();
}

void Authenticator::authenticate(std::string_view header, std::function<void(Outcome)> done) {
  engine_->authenticate(header, std::move(done));
}

Outcome Authenticator::check_scopes(const Identity& identity, std::string_view method,
                                    std::string_view tool) const {
  return engine_->check_scopes(identity, method, tool);
}

std::string Authenticator::protected_resource_metadata() const {
  return metadata_document(engine_->settings());
}

std::vector<std::string> Authenticator::metadata_paths() const {
  const auto& s = engine_->settings();
  std::string url =
      s.resource_metadata_url.empty() ? default_metadata_url(s.resource) : s.resource_metadata_url;
  auto scheme_end = url.find("://");
  auto path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  std::vector<std::string> paths;
  if (path_start != std::string::npos) paths.push_back(url.substr(path_start));
  if (std::find(paths.begin(), paths.end(), "/.well-known/oauth-protected-resource") == paths.end())
    paths.push_back("/.well-known/oauth-protected-resource");
  return paths;
}

bool Authenticator::enabled() const {
  return engine_->settings().enabled;
}
void Authenticator::start() {
  engine_->start();
}
void Authenticator::stop() {
  engine_->stop();
}

}  // namespace mcpgw::auth
