// Records what a transport hands to its owner, for assertions.
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "upstream/transport.h"

namespace mcpgw::upstream::testing {

struct Received {
  nlohmann::json message;
  std::string in_reply_to;
  std::chrono::steady_clock::time_point at;
};

struct Recorder {
  std::vector<Received> received;
  std::vector<std::string> closed;

  Transport::Handlers handlers() {
    return {[this](std::string m, std::string_view reply_to) {
              received.push_back({nlohmann::json::parse(m), std::string(reply_to),
                                  std::chrono::steady_clock::now()});
            },
            [this](std::string reason) { closed.push_back(std::move(reason)); }};
  }
  // The response to request `id` (any JSON id), or nullptr.
  const Received* response(const nlohmann::json& id) const {
    for (const auto& r : received)
      if (r.message.is_object() && r.message.contains("id") && r.message["id"] == id &&
          !r.message.contains("method"))
        return &r;
    return nullptr;
  }
  std::vector<const Received*> with_method(const std::string& method) const {
    std::vector<const Received*> out;
    for (const auto& r : received)
      if (r.message.is_object() && r.message.value("method", "") == method) out.push_back(&r);
    return out;
  }
};

inline std::string request(const nlohmann::json& id, const std::string& method,
                           nlohmann::json params = nlohmann::json::object()) {
  return nlohmann::json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}
      .dump();
}

inline const char* kInitialized = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";

}  // namespace mcpgw::upstream::testing
