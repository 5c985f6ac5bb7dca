#include "router/catalog.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "session/upstream_link.h"

namespace mcpgw::router {

const ListKind* list_kind(std::string_view method) {
  static const ListKind kinds[] = {
      {"tools/list", "tools", "name", "tools", true},
      {"prompts/list", "prompts", "name", "prompts", true},
      {"resources/list", "resources", "uri", "resources", false},
      {"resources/templates/list", "resourceTemplates", "uriTemplate", "resources", false},
  };
  for (auto& k : kinds)
    if (k.method == method) return &k;
  return nullptr;
}

template <class Self>
auto* Catalog::by_kind(Self& self, const ListKind& kind) {
  decltype(&self.tools_) names = nullptr;
  if (kind.items_key == "tools")
    names = &self.tools_;
  else if (kind.items_key == "prompts")
    names = &self.prompts_;
  else if (kind.items_key == "resources")
    names = &self.resources_;
  return names;
}

nlohmann::json Catalog::add_items(const ListKind& kind,
                                  const std::shared_ptr<session::UpstreamLink>& link,
                                  const nlohmann::json& items, size_t rank) {
  nlohmann::json out = nlohmann::json::array();
  if (!items.is_array()) return out;
  bool prefix = kind.renamed && link->server().prefix;
  for (auto item : items) {
    if (!item.is_object()) continue;
    auto it = item.find(std::string(kind.name_key));
    if (it == item.end() || !it->is_string()) continue;
    std::string original = it->get<std::string>();
    std::string exposed =
        prefix ? link->name() + std::string(kPrefixSeparator) + original : original;
    if (prefix) *it = exposed;
    Target t{link, original, rank};
    auto* names = by_kind(*this, kind);
    if (!names) {
      templates_.emplace_back(exposed, t);
    } else if (auto [at, added] = names->try_emplace(exposed, t); !added) {
      if (at->second.link != link) {
        warn_collision(kind, exposed, at->second, t);
        if (rank < at->second.rank) at->second = t;
      } else {
        at->second = t;
      }
    }
    out.push_back(std::move(item));
  }
  return out;
}

bool Catalog::owns(const ListKind& kind, const std::string& exposed,
                   const session::UpstreamLink* link) const {
  auto* names = by_kind(*this, kind);
  if (!names) return true;
  auto it = names->find(exposed);
  return it != names->end() && it->second.link.get() == link;
}

// Once per name and process (every session lists the same upstreams): an operator should prefix
// one of the servers.
void Catalog::warn_collision(const ListKind& kind, const std::string& exposed, const Target& a,
                             const Target& b) {
  static std::set<std::string> warned;  // the event loop's thread only
  const Target& first = a.rank <= b.rank ? a : b;
  const Target& second = a.rank <= b.rank ? b : a;
  if (!warned.insert(std::string(kind.items_key) + "\n" + exposed).second) return;
  spdlog::warn(
      "{} '{}' is offered by servers '{}' and '{}'; clients see only '{}''s (configured first). "
      "Set prefix: true on one of them to expose both.",
      kind.items_key, exposed, first.link->name(), second.link->name(), first.link->name());
}

void Catalog::clear(std::string_view capability) {
  if (capability == "tools")
    tools_.clear();
  else if (capability == "prompts")
    prompts_.clear();
  else if (capability == "resources")
    resources_.clear();
  else if (capability == "templates")
    templates_.clear();
  fresh_.erase(std::remove(fresh_.begin(), fresh_.end(), capability), fresh_.end());
}

bool Catalog::fresh(std::string_view capability) const {
  return std::find(fresh_.begin(), fresh_.end(), capability) != fresh_.end();
}

void Catalog::mark_fresh(std::string_view capability) {
  if (!fresh(capability)) fresh_.emplace_back(capability);
}

bool Catalog::find_tool(const std::string& exposed, Target& out) const {
  auto it = tools_.find(exposed);
  if (it == tools_.end()) return false;
  out = it->second;
  return true;
}

bool Catalog::find_prompt(const std::string& exposed, Target& out) const {
  auto it = prompts_.find(exposed);
  if (it == prompts_.end()) return false;
  out = it->second;
  return true;
}

bool Catalog::find_resource(const std::string& uri, Target& out) const {
  auto it = resources_.find(uri);
  if (it != resources_.end()) {
    out = it->second;
    return true;
  }
  for (auto& [tmpl, t] : templates_) {
    if (matches_template(tmpl, uri)) {
      out = Target{t.link, uri};
      return true;
    }
  }
  return false;
}

bool matches_template(std::string_view tmpl, std::string_view uri) {
  size_t ti = 0, ui = 0;
  while (ti < tmpl.size()) {
    if (tmpl[ti] == '{') {
      size_t close = tmpl.find('}', ti);
      if (close == std::string_view::npos) return false;
      bool multi = close > ti + 1 && (tmpl[ti + 1] == '+' || tmpl[ti + 1] == '/');
      ti = close + 1;
      // The variable runs to the next literal character of the template (or the end).
      char stop = ti < tmpl.size() ? tmpl[ti] : '\0';
      size_t start = ui;
      while (ui < uri.size() && uri[ui] != stop && (multi || uri[ui] != '/')) ++ui;
      if (ui == start) return false;
    } else {
      if (ui >= uri.size() || uri[ui] != tmpl[ti]) return false;
      ++ti;
      ++ui;
    }
  }
  return ui == uri.size();
}

}  // namespace mcpgw::router
