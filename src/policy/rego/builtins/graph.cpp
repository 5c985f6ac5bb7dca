// Graph built-ins: walk (a relation over every [path, value] pair), graph.reachable and
// graph.reachable_paths over adjacency objects.
#include <deque>
#include <set>

#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

// Pre-order: the value itself at path [], then its children (arrays by index, objects by key,
// sets by element).
void walk_into(const Value& v, std::vector<Value>& path, std::vector<Value>& out) {
  out.push_back(Value::array({Value::array(path), v}));
  if (v.is_array()) {
    int64_t i = 0;
    for (const auto& item : v.items()) {
      path.push_back(Value::integer(i++));
      walk_into(item, path, out);
      path.pop_back();
    }
  } else if (v.is_object()) {
    for (const auto& [k, child] : v.entries()) {
      path.push_back(k);
      walk_into(child, path, out);
      path.pop_back();
    }
  } else if (v.is_set()) {
    for (const auto& item : v.items()) {
      path.push_back(item);
      walk_into(item, path, out);
      path.pop_back();
    }
  }
}

Value walk_fn(Args a, BuiltinContext&) {
  std::vector<Value> path, out;
  walk_into(a[0], path, out);
  return Value::array(std::move(out));
}

// The neighbours of a node: a set or array of nodes; null means none.
std::span<const Value> edges_of(const char* fn, const Value& edges) {
  if (edges.is_null()) return {};
  if (!edges.is_set() && !edges.is_array()) {
    fail_raw("eval_type_error",
             std::string(fn) +
                 ": operand 1 must be object of sets or arrays but got object containing " +
                 std::string(edges.type_name()));
  }
  return edges.items();
}

const Value& initial_nodes(const char* fn, Args a) {
  const Value& init = a[1];
  if (!init.is_set() && !init.is_array()) fail_type(fn, 2, "one of {set, array}", init);
  return init;
}

Value reachable(Args a, BuiltinContext&) {
  const char* fn = "graph.reachable";
  const Value& graph = kind_arg(fn, a, 1, Kind::Object);
  const Value& init = initial_nodes(fn, a);
  std::set<Value> reached;
  std::deque<Value> queue(init.items().begin(), init.items().end());
  while (!queue.empty()) {
    Value node = std::move(queue.front());
    queue.pop_front();
    const Value* edges = graph.find(node);
    if (!edges || reached.count(node)) continue;
    reached.insert(node);
    for (const auto& next : edges_of(fn, *edges))
      if (!reached.count(next)) queue.push_back(next);
  }
  return Value::set_sorted(std::vector<Value>(reached.begin(), reached.end()));
}

// Depth first from `node` (already the last element of `path`). `seen` holds the nodes this
// branch may not enter again: its ancestors and the siblings expanded before it, as OPA does.
void paths_from(const char* fn, const Value& graph, std::vector<Value>& path, std::set<Value> seen,
                std::set<Value>& out) {
  const Value* edges = graph.find(path.back());
  if (!edges) {
    // A node outside the graph ends the path before it.
    if (path.size() > 1) out.insert(Value::array(std::vector<Value>(path.begin(), path.end() - 1)));
    return;
  }
  auto next = edges_of(fn, *edges);
  if (next.empty()) {
    out.insert(Value::array(path));
    return;
  }
  for (const auto& n : next) {
    if (seen.count(n)) {
      out.insert(Value::array(path));
      continue;
    }
    seen.insert(n);
    path.push_back(n);
    paths_from(fn, graph, path, seen, out);
    path.pop_back();
  }
}

Value reachable_paths(Args a, BuiltinContext&) {
  const char* fn = "graph.reachable_paths";
  const Value& graph = kind_arg(fn, a, 1, Kind::Object);
  const Value& init = initial_nodes(fn, a);
  std::set<Value> out;
  for (const auto& node : init.items()) {
    if (!graph.find(node)) continue;
    std::vector<Value> path{node};
    paths_from(fn, graph, path, {node}, out);
  }
  return Value::set_sorted(std::vector<Value>(out.begin(), out.end()));
}

}  // namespace

void register_graph_builtins(Registry& r) {
  def(r, "walk", {kAny}, walk_fn, {kArray, /*relation=*/true});
  def(r, "graph.reachable", {kObject, kSet | kArray}, reachable, {kSet});
  def(r, "graph.reachable_paths", {kObject, kSet | kArray}, reachable_paths, {kSet});
}

}  // namespace mcpgw::policy::rego
