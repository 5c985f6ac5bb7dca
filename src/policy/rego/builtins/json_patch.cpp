// json.filter, json.remove and json.patch (RFC 6902, extended to sets as OPA does: a set
// element is addressed by its own value).
#include <functional>
#include <map>

#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

using Path = std::vector<Value>;

// "a/b/c", "/a/b" (JSON pointer, with ~1 and ~0 escapes) or an array of segments.
Path parse_path(const Value& p) {
  Path out;
  if (p.is_array()) {
    out.assign(p.items().begin(), p.items().end());
    return out;
  }
  std::string s = p.as_string();
  if (!s.empty() && s[0] == '/') s.erase(0, 1);
  if (s.empty() && !p.as_string().empty()) return {str("")};  // "/" addresses the "" key
  if (s.empty()) return out;
  size_t pos = 0;
  while (true) {
    size_t slash = s.find('/', pos);
    std::string seg = s.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
    std::string unescaped;
    for (size_t i = 0; i < seg.size(); ++i) {
      if (seg[i] == '~' && i + 1 < seg.size() && (seg[i + 1] == '0' || seg[i + 1] == '1')) {
        unescaped += seg[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        unescaped += seg[i];
      }
    }
    out.push_back(str(std::move(unescaped)));
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  return out;
}

// The array index a segment names; nullopt when it is not a canonical index.
std::optional<size_t> index_of(const Value& seg) {
  if (seg.is_number()) {
    auto i = seg.to_int64();
    if (!i || *i < 0) return std::nullopt;
    return static_cast<size_t>(*i);
  }
  if (!seg.is_string()) return std::nullopt;
  const std::string& s = seg.as_string();
  if (s.empty() || s.size() > 18 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  return static_cast<size_t>(std::stoll(s));
}

// Object key matching: a string segment also names a number key with the same text.
const ObjectEntry* find_entry(const Value& obj, const Value& seg) {
  for (const auto& e : obj.entries()) {
    if (e.first == seg) return &e;
    if (seg.is_string() && e.first.is_number() && e.first.number_text() == seg.as_string())
      return &e;
  }
  return nullptr;
}

// ---- json.filter / json.remove ----

struct PathTrie {
  bool whole = false;
  std::map<Value, PathTrie> children;
};

PathTrie build_trie(const char* fn, const Value& paths) {
  if (!paths.is_set() && !paths.is_array()) fail_type(fn, 2, "one of {set, array}", paths);
  PathTrie root;
  for (const auto& p : paths.items()) {
    if (!p.is_string() && !p.is_array()) {
      fail_type(fn, 2, "one of {set, array} containing string paths or array of path segments", p);
    }
    PathTrie* node = &root;
    for (const auto& seg : parse_path(p)) node = &node->children[seg];
    node->whole = true;
  }
  return root;
}

const PathTrie* child_for(const PathTrie& t, const Value& key) {
  auto it = t.children.find(key);
  if (it != t.children.end()) return &it->second;
  if (key.is_number()) {
    it = t.children.find(str(key.number_text()));
    if (it != t.children.end()) return &it->second;
  }
  return nullptr;
}

std::optional<Value> filter(const Value& v, const PathTrie& t) {
  if (t.whole) return v;
  if (v.is_object()) {
    std::vector<ObjectEntry> out;
    for (const auto& [k, val] : v.entries()) {
      if (const PathTrie* c = child_for(t, k)) {
        if (auto f = filter(val, *c)) out.emplace_back(k, std::move(*f));
      }
    }
    return Value::object_sorted(std::move(out));
  }
  if (v.is_array()) {
    std::vector<Value> out;
    int64_t i = 0;
    for (const auto& item : v.items()) {
      if (const PathTrie* c = child_for(t, Value::integer(i++))) {
        if (auto f = filter(item, *c)) out.push_back(std::move(*f));
      }
    }
    return Value::array(std::move(out));
  }
  if (v.is_set()) {
    std::vector<Value> out;
    for (const auto& item : v.items()) {
      if (const PathTrie* c = child_for(t, item)) {
        if (auto f = filter(item, *c)) out.push_back(std::move(*f));
      }
    }
    return Value::set(std::move(out));
  }
  return std::nullopt;  // the path continues below a scalar: nothing there to keep
}

Value remove(const Value& v, const PathTrie& t) {
  if (v.is_object()) {
    std::vector<ObjectEntry> out;
    for (const auto& [k, val] : v.entries()) {
      const PathTrie* c = child_for(t, k);
      if (!c)
        out.emplace_back(k, val);
      else if (!c->whole)
        out.emplace_back(k, remove(val, *c));
    }
    return Value::object_sorted(std::move(out));
  }
  if (v.is_array()) {
    std::vector<Value> out;
    int64_t i = 0;
    for (const auto& item : v.items()) {
      const PathTrie* c = child_for(t, Value::integer(i++));
      if (!c)
        out.push_back(item);
      else if (!c->whole)
        out.push_back(remove(item, *c));
    }
    return Value::array(std::move(out));
  }
  if (v.is_set()) {
    std::vector<Value> out;
    for (const auto& item : v.items()) {
      const PathTrie* c = child_for(t, item);
      if (!c)
        out.push_back(item);
      else if (!c->whole)
        out.push_back(remove(item, *c));
    }
    return Value::set(std::move(out));
  }
  return v;
}

// ---- json.patch ----

[[noreturn]] void patch_fail(const std::string& msg) {
  fail("json.patch", msg);
}

Value get_child(const Value& node, const Value& seg) {
  if (node.is_object()) {
    if (const ObjectEntry* e = find_entry(node, seg)) return e->second;
  } else if (node.is_array()) {
    auto i = index_of(seg);
    if (i && *i < node.size()) return node.items()[*i];
  } else if (node.is_set()) {
    if (node.contains(seg)) return seg;
  }
  patch_fail("path " + rego_string(seg) + " does not exist");
}

Value set_child(const Value& node, const Value& seg, Value child) {
  if (node.is_object()) {
    std::vector<ObjectEntry> out(node.entries().begin(), node.entries().end());
    for (auto& e : out)
      if (e.first == seg ||
          (seg.is_string() && e.first.is_number() && e.first.number_text() == seg.as_string()))
        e.second = std::move(child);
    return Value::object_sorted(std::move(out));
  }
  if (node.is_array()) {
    std::vector<Value> out(node.items().begin(), node.items().end());
    out[*index_of(seg)] = std::move(child);
    return Value::array(std::move(out));
  }
  std::vector<Value> out;
  for (const auto& item : node.items())
    if (item != seg) out.push_back(item);
  out.push_back(std::move(child));
  return Value::set(std::move(out));
}

using LeafFn = std::function<Value(const Value& parent, const Value& last)>;

// Rebuilds `node` with the parent of the path's last segment replaced by leaf(parent, last).
Value at_parent(const Value& node, std::span<const Value> path, const LeafFn& leaf) {
  if (path.size() == 1) return leaf(node, path[0]);
  Value child = get_child(node, path[0]);
  return set_child(node, path[0], at_parent(child, path.subspan(1), leaf));
}

Value get_at(const Value& doc, const Path& path) {
  Value cur = doc;
  for (const auto& seg : path) cur = get_child(cur, seg);
  return cur;
}

Value add_at(const Value& doc, const Path& path, const Value& value) {
  if (path.empty()) return value;
  return at_parent(doc, path, [&](const Value& parent, const Value& last) -> Value {
    if (parent.is_object()) {
      std::vector<ObjectEntry> out(parent.entries().begin(), parent.entries().end());
      const ObjectEntry* existing = find_entry(parent, last);
      out.emplace_back(existing ? existing->first : last, value);
      return Value::object(std::move(out));
    }
    if (parent.is_array()) {
      std::vector<Value> out(parent.items().begin(), parent.items().end());
      if (last.is_string() && last.as_string() == "-") {
        out.push_back(value);
      } else {
        auto i = index_of(last);
        if (!i || *i > out.size()) patch_fail("invalid array index " + rego_string(last));
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(*i), value);
      }
      return Value::array(std::move(out));
    }
    if (parent.is_set()) {
      if (last != value) patch_fail("set element must equal the last path segment");
      std::vector<Value> out(parent.items().begin(), parent.items().end());
      out.push_back(value);
      return Value::set(std::move(out));
    }
    patch_fail("cannot add to a " + std::string(parent.type_name()));
  });
}

Value remove_at(const Value& doc, const Path& path) {
  if (path.empty()) patch_fail("cannot remove the whole document");
  return at_parent(doc, path, [&](const Value& parent, const Value& last) -> Value {
    if (parent.is_object()) {
      const ObjectEntry* e = find_entry(parent, last);
      if (!e) patch_fail("path " + rego_string(last) + " does not exist");
      std::vector<ObjectEntry> out;
      for (const auto& x : parent.entries())
        if (x.first != e->first) out.push_back(x);
      return Value::object_sorted(std::move(out));
    }
    if (parent.is_array()) {
      auto i = index_of(last);
      if (!i || *i >= parent.size()) patch_fail("invalid array index " + rego_string(last));
      std::vector<Value> out(parent.items().begin(), parent.items().end());
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(*i));
      return Value::array(std::move(out));
    }
    if (parent.is_set()) {
      if (!parent.contains(last)) patch_fail("path " + rego_string(last) + " does not exist");
      std::vector<Value> out;
      for (const auto& x : parent.items())
        if (x != last) out.push_back(x);
      return Value::set_sorted(std::move(out));
    }
    patch_fail("cannot remove from a " + std::string(parent.type_name()));
  });
}

Value patch_path(const Value& op, const char* field) {
  const Value* p = op.find(field);
  if (!p || (!p->is_string() && !p->is_array()))
    patch_fail(std::string("missing or invalid \"") + field + "\"");
  return *p;
}

Value json_patch(Args a, BuiltinContext&) {
  const Value& ops = kind_arg("json.patch", a, 2, Kind::Array);
  Value doc = a[0];
  for (const auto& op : ops.items()) {
    if (!op.is_object()) fail_type("json.patch", 2, "array of objects", ops);
    const Value* name = op.find("op");
    if (!name || !name->is_string()) patch_fail("missing \"op\"");
    const std::string& kind = name->as_string();
    Path path = parse_path(patch_path(op, "path"));
    const Value* value = op.find("value");
    if (kind == "add") {
      if (!value) patch_fail("missing \"value\"");
      doc = add_at(doc, path, *value);
    } else if (kind == "remove") {
      doc = remove_at(doc, path);
    } else if (kind == "replace") {
      if (!value) patch_fail("missing \"value\"");
      get_at(doc, path);  // must exist
      doc = path.empty() ? *value : add_at(remove_at(doc, path), path, *value);
    } else if (kind == "move" || kind == "copy") {
      Path from = parse_path(patch_path(op, "from"));
      Value moved = get_at(doc, from);
      if (kind == "move") {
        bool into_itself =
            from.size() < path.size() && std::equal(from.begin(), from.end(), path.begin());
        if (into_itself) patch_fail("cannot move a value into one of its children");
        doc = remove_at(doc, from);
      }
      doc = add_at(doc, path, moved);
    } else if (kind == "test") {
      if (!value) patch_fail("missing \"value\"");
      if (get_at(doc, path) != *value) patch_fail("test failed");
    } else {
      patch_fail("unknown op \"" + kind + "\"");
    }
  }
  return doc;
}

}  // namespace

void register_json_patch_builtins(Registry& r) {
  def(r, "json.filter", {kObject, kArray | kSet},
      [](Args a, BuiltinContext&) {
        const Value& obj = kind_arg("json.filter", a, 1, Kind::Object);
        return *filter(obj, build_trie("json.filter", a[1]));
      },
      {kAny});
  def(r, "json.remove", {kObject, kArray | kSet},
      [](Args a, BuiltinContext&) {
        const Value& obj = kind_arg("json.remove", a, 1, Kind::Object);
        return remove(obj, build_trie("json.remove", a[1]));
      },
      {kAny});
  def(r, "json.patch", {kAny, kArray}, json_patch);
}

}  // namespace mcpgw::policy::rego
