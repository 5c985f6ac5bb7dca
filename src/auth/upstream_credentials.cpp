#include "auth/upstream_credentials.h"

#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <strings.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "auth/base64url.h"
#include "auth/challenge.h"
#include "auth/http_fetch.h"
#include "ops/config.h"

namespace mcpgw::auth {
namespace {

constexpr std::size_t kMaxConcurrentExchangesLimit = 64;

[[noreturn]] void fail(const YAML::Node& node, const std::string& key, const std::string& msg) {
  throw config::ConfigError::at(key, node, msg);
}

}  // namespace

std::string form_encode(std::string_view s) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', digits[c >> 4], digits[c & 15]};
    }
  }
  return out;
}

std::map<std::string, ClientCredentialsSettings> load_upstream_credentials(
    const YAML::Node& auth, const std::vector<config::ServerConfig>* servers) {
  std::map<std::string, ClientCredentialsSettings> out;
  if (!auth.IsDefined() || !auth.IsMap() || !auth["upstreams"]) return out;
  auto ups = auth["upstreams"];
  if (!ups.IsMap()) fail(ups, "auth.upstreams", "must be a mapping of server name to credentials");
  for (const auto& kv : ups) {
    std::string name = kv.first.as<std::string>();
    std::string path = "auth.upstreams." + name;
    const YAML::Node& n = kv.second;
    if (!n.IsMap()) fail(n, path, "must be a mapping");
    if (servers) {
      auto it = std::find_if(servers->begin(), servers->end(),
                             [&](const config::ServerConfig& s) { return s.name == name; });
      if (it == servers->end()) fail(kv.first, path, "no server is named '" + name + "'");
      if (it->transport == config::TransportKind::Stdio)
        fail(kv.first, path,
             "server '" + name + "' is a stdio process: credentials apply to http and sse servers");
      for (const auto& [header, value] : it->headers)
        if (strcasecmp(header.c_str(), "authorization") == 0)
          fail(kv.first, path,
               "server '" + name + "' already sets an Authorization header: use one or the other");
    }
    ClientCredentialsSettings s;
    for (const auto& field : n) {
      std::string key = field.first.as<std::string>();
      if (!field.second.IsScalar()) fail(field.second, path + "." + key, "must be a string");
      std::string value = field.second.as<std::string>();
      if (value.rfind("${env:", 0) == 0 && value.back() == '}') {
        std::string var = value.substr(6, value.size() - 7);
        const char* env = std::getenv(var.c_str());
        if (!env)
          fail(field.second, path + "." + key, "environment variable " + var + " is not set");
        value = env;
      }
      if (key == "token_endpoint")
        s.token_endpoint = value;
      else if (key == "client_id")
        s.client_id = value;
      else if (key == "client_secret")
        s.client_secret = value;
      else if (key == "scope")
        s.scope = value;
      else if (key == "resource")
        s.resource = value;
      else if (key == "audience")
        s.audience = value;
      else if (key == "max_concurrent_exchanges") {
        std::size_t count = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), count);
        if (ec != std::errc() || end != value.data() + value.size() || count == 0 ||
            count > kMaxConcurrentExchangesLimit)
          fail(field.second, path + "." + key,
               "must be a whole number from 1 to " + std::to_string(kMaxConcurrentExchangesLimit) +
                   ", not '" + value + "'");
        s.max_concurrent_exchanges = count;
      } else if (key == "grant") {
        if (value != "client_credentials" && value != "token_exchange")
          fail(field.second, path + "." + key,
               "must be client_credentials or token_exchange, not '" + value + "'");
        s.token_exchange = value == "token_exchange";
      } else if (key == "client_auth") {
        if (value != "client_secret_post" && value != "client_secret_basic")
          fail(field.second, path + "." + key,
               "must be client_secret_post or client_secret_basic, not '" + value + "'");
        s.basic_auth = value == "client_secret_basic";
      } else
        fail(field.first, path + "." + key, "unknown key");
    }
    if (s.token_endpoint.rfind("http://", 0) != 0 && s.token_endpoint.rfind("https://", 0) != 0)
      fail(n, path + ".token_endpoint", "required: the authorization server's token endpoint URL");
    if (s.client_id.empty()) fail(n, path + ".client_id", "required");
    for (const char* only_exchange : {"audience", "max_concurrent_exchanges"})
      if (n[only_exchange] && !s.token_exchange)
        fail(n[only_exchange], path + "." + only_exchange, "only applies to grant: token_exchange");
    out[name] = std::move(s);
  }
  return out;
}

TokenResponse request_token(const ClientCredentialsSettings& settings, const std::string& grant) {
  HttpRequest req;
  req.method = "POST";
  req.url = settings.token_endpoint;
  req.timeout = settings.http_timeout;
  req.ca_file = settings.ca_file;
  req.headers["Content-Type"] = "application/x-www-form-urlencoded";
  req.headers["Accept"] = "application/json";
  req.body = grant;
  if (settings.basic_auth) {
    // RFC 6749 2.3.1: id and secret form-encoded, joined by ':', in standard base64.
    std::string b64 = base64url_encode(form_encode(settings.client_id) + ":" +
                                       form_encode(settings.client_secret));
    for (char& c : b64) c = c == '-' ? '+' : c == '_' ? '/' : c;
    b64.append((4 - b64.size() % 4) % 4, '=');
    req.headers["Authorization"] = "Basic " + b64;
  } else {
    req.body += "&client_id=" + form_encode(settings.client_id);
    if (!settings.client_secret.empty())
      req.body += "&client_secret=" + form_encode(settings.client_secret);
  }
  if (!settings.scope.empty()) req.body += "&scope=" + form_encode(settings.scope);
  if (!settings.resource.empty()) req.body += "&resource=" + form_encode(settings.resource);
  if (settings.token_exchange && !settings.audience.empty())
    req.body += "&audience=" + form_encode(settings.audience);
  auto res = http_fetch(req);
  TokenResponse out;
  auto body = nlohmann::json::parse(res.body, nullptr, false);
  auto text = [&](const char* key) {
    return body.is_object() && body.contains(key) && body[key].is_string()
               ? body[key].get<std::string>()
               : std::string();
  };
  if (res.status != 200) {
    out.error = res.error.empty() ? "token endpoint answered HTTP " + std::to_string(res.status)
                                  : res.error;
    // RFC 6749 5.2: the OAuth error code and, when given, why (the IdP's text, made printable).
    if (auto code = text("error"); !code.empty()) {
      auto why = text("error_description");
      out.error += " (" + printable_reason(why.empty() ? code : code + ": " + why) + ")";
    }
  } else if (text("access_token").empty()) {
    out.error = "token response has no access_token";
  } else {
    out.access_token = text("access_token");
    out.expires_in = body.contains("expires_in") && body["expires_in"].is_number_integer()
                         ? body["expires_in"].get<long long>()
                         : 300;
    if (out.expires_in <= 0) out.expires_in = 60;
  }
  return out;
}

ClientCredentialsToken::ClientCredentialsToken(ClientCredentialsSettings settings)
    : settings_(std::move(settings)) {}

ClientCredentialsToken::~ClientCredentialsToken() {
  stop();
}

void ClientCredentialsToken::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  next_refresh_ = {};  // the thread's first fetch is at once
  thread_ = std::thread([this] { run(); });
}

void ClientCredentialsToken::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<std::function<void()>> waiting;
  {
    std::lock_guard lock(mutex_);
    waiting = std::move(waiting_);
    waiting_.clear();
  }
  for (auto& done : waiting) done();
}

std::optional<std::string> ClientCredentialsToken::authorization() const {
  std::string why_not;
  return authorization(why_not);
}

std::optional<std::string> ClientCredentialsToken::authorization(std::string& why_not) const {
  std::lock_guard lock(mutex_);
  if (!token_.empty() && std::chrono::system_clock::now() < expires_) return "Bearer " + token_;
  const std::string& from = settings_.token_endpoint;
  if (!token_.empty())
    why_not = "the token from " + from + " expired and was not renewed" +
              (last_error_.empty() ? std::string() : ": " + last_error_);
  else if (!last_error_.empty())
    why_not = "no token from " + from + ": " + last_error_;
  else
    why_not = "no token from " + from + " yet";
  return std::nullopt;
}

void ClientCredentialsToken::request_refresh(const std::string& rejected,
                                             std::function<void()> done) {
  {
    std::unique_lock lock(mutex_);
    bool valid = !token_.empty() && std::chrono::system_clock::now() < expires_;
    bool newer = valid && "Bearer " + token_ != rejected;
    if (!newer && thread_.joinable() && !stopping_) {
      waiting_.push_back(std::move(done));
      if (!fetching_) {
        // One fetch now, unless the last one was too recent (an upstream that refuses every
        // token must not turn into a flood of token requests).
        auto now = std::chrono::steady_clock::now();
        auto earliest = attempted_ ? last_attempt_ + settings_.min_refresh_interval : now;
        next_refresh_ = std::min(next_refresh_, std::max(now, earliest));
      }
      lock.unlock();
      cv_.notify_all();
      return;
    }
  }
  done();
}

std::string ClientCredentialsToken::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

TokenResponse ClientCredentialsToken::fetch() {
  {
    std::lock_guard lock(mutex_);
    last_attempt_ = std::chrono::steady_clock::now();
    attempted_ = true;
  }
  return request_token(settings_, "grant_type=client_credentials");
}

std::string ClientCredentialsToken::apply_locked(TokenResponse res) {
  last_error_ = res.error;
  auto now_steady = std::chrono::steady_clock::now();
  if (!res.error.empty()) {
    next_refresh_ = now_steady + settings_.retry_interval;
    return res.error;
  }
  token_ = std::move(res.access_token);
  expires_ = std::chrono::system_clock::now() + std::chrono::seconds(res.expires_in);
  next_refresh_ =
      now_steady + std::chrono::seconds(std::max<long long>(1, res.expires_in * 8 / 10));
  return "";
}

std::string ClientCredentialsToken::refresh_now() {
  TokenResponse res = fetch();
  std::lock_guard lock(mutex_);
  return apply_locked(std::move(res));
}

void ClientCredentialsToken::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (std::chrono::steady_clock::now() < next_refresh_) {
      // Woken early by stop() or by request_refresh() moving next_refresh_ forward.
      cv_.wait_until(lock, next_refresh_);
      continue;
    }
    fetching_ = true;
    lock.unlock();
    TokenResponse res = fetch();
    lock.lock();
    // The result, the end of the fetch and the callers it answers are published together: a
    // caller who sees the result cannot also join the fetch that produced it.
    std::string error = apply_locked(std::move(res));
    fetching_ = false;
    auto waiting = std::move(waiting_);
    waiting_.clear();
    lock.unlock();
    if (!error.empty()) spdlog::warn("upstream token from {}: {}", settings_.token_endpoint, error);
    for (auto& done : waiting) done();
    lock.lock();
  }
}

}  // namespace mcpgw::auth
