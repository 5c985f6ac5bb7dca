// Tests for the federated catalog: name prefixing, lookups, list-kind table, template matching.
#include "router/catalog.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ops/config.h"
#include "session/upstream_link.h"

namespace mcpgw::router {
namespace {

using nlohmann::json;

struct NoEvents : session::UpstreamEvents {
  void on_upstream_message(session::UpstreamLink&, std::string, const mcpgw::json::Envelope&,
                           std::shared_ptr<session::EventStream>) override {}
};

// Real links, never started: the catalog only reads their name and prefix setting.
class CatalogTest : public ::testing::Test {
 protected:
  std::shared_ptr<session::UpstreamLink> link(const std::string& name, bool prefix = true) {
    config::ServerConfig s;
    s.name = name;
    s.prefix = prefix;
    s.command = {"true"};
    return std::make_shared<session::UpstreamLink>(io_, s, nullptr, events_);
  }
  asio::io_context io_;
  NoEvents events_;
  Catalog catalog_;
};

TEST(ListKind, KnownMethods) {
  ASSERT_NE(list_kind("tools/list"), nullptr);
  EXPECT_EQ(list_kind("tools/list")->items_key, "tools");
  EXPECT_TRUE(list_kind("prompts/list")->renamed);
  EXPECT_FALSE(list_kind("resources/list")->renamed);
  EXPECT_EQ(list_kind("resources/list")->name_key, "uri");
  EXPECT_EQ(list_kind("resources/templates/list")->name_key, "uriTemplate");
  EXPECT_EQ(list_kind("resources/templates/list")->items_key, "resourceTemplates");
  for (std::string_view m : {"", "tools/call", "tools/list ", "TOOLS/LIST", "tools"})
    EXPECT_EQ(list_kind(m), nullptr) << m;
}

TEST_F(CatalogTest, PrefixedToolsAreRenamedAndRouteToTheOriginalName) {
  auto a = link("alpha");
  json items = json::parse(R"([{"name":"echo","description":"d"},{"name":"add"}])");
  json out = catalog_.add_items(*list_kind("tools/list"), a, items);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["name"], "alpha__echo");
  EXPECT_EQ(out[0]["description"], "d");
  EXPECT_EQ(out[1]["name"], "alpha__add");
  EXPECT_EQ(items[0]["name"], "echo");  // the input is not modified
  Target t;
  ASSERT_TRUE(catalog_.find_tool("alpha__echo", t));
  EXPECT_EQ(t.link, a);
  EXPECT_EQ(t.name, "echo");
  EXPECT_FALSE(catalog_.find_tool("echo", t));
  EXPECT_FALSE(catalog_.find_tool("alpha__", t));
  EXPECT_FALSE(catalog_.find_tool("ALPHA__echo", t));
  EXPECT_FALSE(catalog_.find_prompt("alpha__echo", t));
}

TEST_F(CatalogTest, UnprefixedServerKeepsNames) {
  auto b = link("beta", false);
  json out =
      catalog_.add_items(*list_kind("prompts/list"), b, json::parse(R"([{"name":"greet"}])"));
  EXPECT_EQ(out[0]["name"], "greet");
  Target t;
  ASSERT_TRUE(catalog_.find_prompt("greet", t));
  EXPECT_EQ(t.link, b);
  EXPECT_EQ(t.name, "greet");
  EXPECT_FALSE(catalog_.find_prompt("beta__greet", t));
}

TEST_F(CatalogTest, SameToolOnTwoPrefixedServersRoutesToEach) {
  auto a = link("a"), b = link("b");
  catalog_.add_items(*list_kind("tools/list"), a, json::parse(R"([{"name":"x"}])"));
  catalog_.add_items(*list_kind("tools/list"), b, json::parse(R"([{"name":"x"}])"));
  Target t;
  ASSERT_TRUE(catalog_.find_tool("a__x", t));
  EXPECT_EQ(t.link, a);
  ASSERT_TRUE(catalog_.find_tool("b__x", t));
  EXPECT_EQ(t.link, b);
}

// Two unprefixed servers offer the same tool: the one configured first (lower rank) keeps the
// name whichever answers first, and the other's item is not owned (left out of the list).
TEST_F(CatalogTest, NameCollisionGoesToTheServerConfiguredFirst) {
  auto first = link("first", false), second = link("second", false);
  const ListKind& tools = *list_kind("tools/list");
  // The second server answers first.
  catalog_.add_items(tools, second, json::parse(R"([{"name":"x"},{"name":"only2"}])"), 1);
  catalog_.add_items(tools, first, json::parse(R"([{"name":"x"},{"name":"only1"}])"), 0);
  Target t;
  ASSERT_TRUE(catalog_.find_tool("x", t));
  EXPECT_EQ(t.link, first);
  EXPECT_TRUE(catalog_.owns(tools, "x", first.get()));
  EXPECT_FALSE(catalog_.owns(tools, "x", second.get()));
  EXPECT_TRUE(catalog_.owns(tools, "only2", second.get()));
  EXPECT_FALSE(catalog_.owns(tools, "absent", first.get()));
  // And in the other order of answers, the same outcome.
  catalog_.clear("tools");
  catalog_.add_items(tools, first, json::parse(R"([{"name":"x"}])"), 0);
  catalog_.add_items(tools, second, json::parse(R"([{"name":"x"}])"), 1);
  ASSERT_TRUE(catalog_.find_tool("x", t));
  EXPECT_EQ(t.link, first);
  EXPECT_FALSE(catalog_.owns(tools, "x", second.get()));
  // Templates are not deduplicated.
  EXPECT_TRUE(catalog_.owns(*list_kind("resources/templates/list"), "t://{id}", second.get()));
}

TEST_F(CatalogTest, MalformedItemsAreSkipped) {
  auto a = link("a");
  json items =
      json::parse(R"([1,"x",null,{},{"name":5},{"name":null},{"title":"t"},{"name":"ok"}])");
  json out = catalog_.add_items(*list_kind("tools/list"), a, items);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["name"], "a__ok");
  EXPECT_TRUE(catalog_.add_items(*list_kind("tools/list"), a, json::object()).empty());
  EXPECT_TRUE(catalog_.add_items(*list_kind("tools/list"), a, json("tools")).empty());
  EXPECT_TRUE(catalog_.add_items(*list_kind("tools/list"), a, json()).empty());
}

TEST_F(CatalogTest, ResourcesAreNeverRenamed) {
  auto a = link("a");
  json out = catalog_.add_items(*list_kind("resources/list"), a,
                                json::parse(R"([{"uri":"test://static-text","name":"n"}])"));
  EXPECT_EQ(out[0]["uri"], "test://static-text");
  EXPECT_EQ(out[0]["name"], "n");
  Target t;
  ASSERT_TRUE(catalog_.find_resource("test://static-text", t));
  EXPECT_EQ(t.link, a);
  EXPECT_EQ(t.name, "test://static-text");
  EXPECT_FALSE(catalog_.find_resource("test://static-tex", t));
}

TEST_F(CatalogTest, TemplatesRouteMatchingUris) {
  auto a = link("a");
  catalog_.add_items(*list_kind("resources/templates/list"), a,
                     json::parse(R"([{"uriTemplate":"test://template/{id}/data","name":"t"}])"));
  Target t;
  ASSERT_TRUE(catalog_.find_resource("test://template/42/data", t));
  EXPECT_EQ(t.link, a);
  EXPECT_EQ(t.name, "test://template/42/data");
  EXPECT_FALSE(catalog_.find_resource("test://template/42/other", t));
  EXPECT_FALSE(catalog_.find_resource("test://template//data", t));
}

TEST_F(CatalogTest, ClearAndFreshness) {
  auto a = link("a");
  catalog_.add_items(*list_kind("tools/list"), a, json::parse(R"([{"name":"x"}])"));
  catalog_.add_items(*list_kind("resources/list"), a, json::parse(R"([{"uri":"u://1"}])"));
  catalog_.add_items(*list_kind("resources/templates/list"), a,
                     json::parse(R"([{"uriTemplate":"u://t/{x}"}])"));
  EXPECT_FALSE(catalog_.fresh("tools"));
  catalog_.mark_fresh("tools");
  catalog_.mark_fresh("tools");
  catalog_.mark_fresh("resources");
  EXPECT_TRUE(catalog_.fresh("tools"));
  catalog_.clear("tools");
  EXPECT_FALSE(catalog_.fresh("tools"));  // marked twice, cleared once: still gone
  EXPECT_TRUE(catalog_.fresh("resources"));
  Target t;
  EXPECT_FALSE(catalog_.find_tool("a__x", t));
  catalog_.clear("resources");
  EXPECT_FALSE(catalog_.find_resource("u://1", t));
  EXPECT_TRUE(catalog_.find_resource("u://t/9", t));  // templates are their own capability
  catalog_.clear("templates");
  EXPECT_FALSE(catalog_.find_resource("u://t/9", t));
}

TEST(MatchesTemplate, Level1Variables) {
  EXPECT_TRUE(matches_template("test://template/{id}/data", "test://template/1/data"));
  EXPECT_TRUE(matches_template("a://{x}", "a://anything-here"));
  EXPECT_TRUE(matches_template("a://{x}.{y}", "a://one.two"));
  EXPECT_TRUE(matches_template("a://fixed", "a://fixed"));
  EXPECT_FALSE(matches_template("a://fixed", "a://fixed/more"));
  EXPECT_FALSE(matches_template("a://fixed/more", "a://fixed"));
  EXPECT_FALSE(matches_template("a://{x}", "a://"));         // empty variable
  EXPECT_FALSE(matches_template("a://{x}", "a://one/two"));  // a simple variable stops at '/'
  EXPECT_FALSE(matches_template("test://template/{id}/data", "test://template/1/2/data"));
  EXPECT_FALSE(matches_template("a://{x}/b", "a://x/c"));
  EXPECT_FALSE(matches_template("b://{x}", "a://x"));
}

TEST(MatchesTemplate, ReservedAndPathExpansionCrossSlashes) {
  EXPECT_TRUE(matches_template("file:///{+path}", "file:///a/b/c.txt"));
  EXPECT_TRUE(matches_template("a://{/p}", "a:///x/y"));
  EXPECT_FALSE(matches_template("file:///{+path}", "file:///"));
}

TEST(MatchesTemplate, MalformedTemplatesNeverMatchOrCrash) {
  EXPECT_FALSE(matches_template("a://{x", "a://{x"));
  EXPECT_FALSE(matches_template("a://{x", "a://y"));
  EXPECT_FALSE(matches_template("", "a://x"));
  EXPECT_TRUE(matches_template("", ""));
  EXPECT_FALSE(matches_template("{}", ""));
  EXPECT_TRUE(matches_template("{}", "abc"));      // an unnamed variable still matches one segment
  EXPECT_FALSE(matches_template("{x}{y}", "ab"));  // two adjacent variables: the first takes all
}

}  // namespace
}  // namespace mcpgw::router
