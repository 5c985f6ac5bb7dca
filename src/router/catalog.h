// The federated catalog of one client session: which upstream serves each exposed tool, prompt
// and resource, how names are prefixed, and how upstream list results merge into one.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mcpgw::session {
class UpstreamLink;
}

namespace mcpgw::router {

// Exposed names of a prefixed server's tools and prompts are "<server>__<name>".
inline constexpr std::string_view kPrefixSeparator = "__";

// What a list method is called upstream, and the key of its items and their name field.
struct ListKind {
  std::string_view method;      // tools/list
  std::string_view items_key;   // tools
  std::string_view name_key;    // name (tools, prompts) / uri (resources) / uriTemplate
  std::string_view capability;  // tools / prompts / resources
  bool renamed;                 // items get the server prefix
};
const ListKind* list_kind(std::string_view method);

struct Target {
  std::shared_ptr<session::UpstreamLink> link;
  std::string name;  // the name (or uri) as the upstream knows it
  size_t rank = 0;   // the server's position in the configuration
};

class Catalog {
 public:
  // Records one upstream's items (already fetched, all pages) for a list kind; returns the
  // items as exposed to the client (names prefixed where the server wants it). `rank` is the
  // server's position in the configuration: when two servers expose the same tool, prompt or
  // resource name (unprefixed), the one configured first keeps it, whatever answers first.
  nlohmann::json add_items(const ListKind& kind, const std::shared_ptr<session::UpstreamLink>& link,
                           const nlohmann::json& items, size_t rank = 0);
  // Whether `exposed` (a name, or a uri for resources) of this kind routes to `link`: false for
  // the item of a server that lost a name collision. Templates are not deduplicated: true.
  bool owns(const ListKind& kind, const std::string& exposed,
            const session::UpstreamLink* link) const;
  void clear(std::string_view capability);

  bool find_tool(const std::string& exposed, Target& out) const;
  bool find_prompt(const std::string& exposed, Target& out) const;
  bool find_resource(const std::string& uri, Target& out) const;
  bool fresh(std::string_view capability) const;
  void mark_fresh(std::string_view capability);

 private:
  // The name map of a list kind (nullptr for templates), const or not as `self` is.
  template <class Self>
  static auto* by_kind(Self& self, const ListKind& kind);
  static void warn_collision(const ListKind& kind, const std::string& exposed, const Target& a,
                             const Target& b);
  std::unordered_map<std::string, Target> tools_, prompts_, resources_;
  std::vector<std::pair<std::string, Target>> templates_;  // uriTemplate -> link
  std::vector<std::string> fresh_;
};

// Does uri match an RFC 6570 level-1 template such as test://template/{id}/data?
bool matches_template(std::string_view tmpl, std::string_view uri);

}  // namespace mcpgw::router
