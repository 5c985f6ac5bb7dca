// Object, array and set built-ins: object.get/keys/remove/filter/union/union_n/subset,
// array.concat/slice/reverse/flatten, intersection, union.
#include <algorithm>

#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

const Value& object_arg(const char* fn, Args a, int pos) {
  return kind_arg(fn, a, pos, Kind::Object);
}

// The keys named by object.remove / object.filter's second operand.
std::vector<Value> key_list(const char* fn, Args a) {
  const Value& k = a[1];
  std::vector<Value> out;
  if (k.is_object()) {
    for (const auto& [key, _] : k.entries()) out.push_back(key);
  } else if (k.is_set() || k.is_array()) {
    out.assign(k.items().begin(), k.items().end());
  } else {
    fail_type(fn, 2, "one of {object, set, array}", k);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Value object_get(Args a, BuiltinContext&) {
  const Value& obj = object_arg("object.get", a, 1);
  const Value& key = a[1];
  const Value& fallback = a[2];
  if (!key.is_array()) {
    const Value* v = obj.find(key);
    return v ? *v : fallback;
  }
  // An array key is a path through nested objects (and arrays, by index).
  const Value* cur = &obj;
  for (const auto& seg : key.items()) {
    if (cur->is_object()) {
      cur = cur->find(seg);
    } else if (cur->is_array()) {
      auto i = seg.is_number() ? seg.to_int64() : std::nullopt;
      if (!i || *i < 0 || static_cast<size_t>(*i) >= cur->size()) return fallback;
      cur = &cur->items()[*i];
    } else if (cur->is_set()) {
      cur = cur->contains(seg) ? &seg : nullptr;
    } else {
      return fallback;
    }
    if (!cur) return fallback;
  }
  return *cur;
}

Value object_keys(Args a, BuiltinContext&) {
  const Value& obj = object_arg("object.keys", a, 1);
  std::vector<Value> keys;
  for (const auto& [k, _] : obj.entries()) keys.push_back(k);
  return Value::set_sorted(std::move(keys));
}

Value object_remove(Args a, BuiltinContext&) {
  const Value& obj = object_arg("object.remove", a, 1);
  auto keys = key_list("object.remove", a);
  std::vector<ObjectEntry> out;
  for (const auto& e : obj.entries()) {
    if (!std::binary_search(keys.begin(), keys.end(), e.first)) out.push_back(e);
  }
  return Value::object_sorted(std::move(out));
}

Value object_filter(Args a, BuiltinContext&) {
  const Value& obj = object_arg("object.filter", a, 1);
  auto keys = key_list("object.filter", a);
  std::vector<ObjectEntry> out;
  for (const auto& e : obj.entries()) {
    if (std::binary_search(keys.begin(), keys.end(), e.first)) out.push_back(e);
  }
  return Value::object_sorted(std::move(out));
}

// Recursive merge; on conflicts the right side wins unless both sides are objects.
Value merge(const Value& left, const Value& right) {
  std::vector<ObjectEntry> out;
  auto l = left.entries();
  auto r = right.entries();
  size_t i = 0, j = 0;
  while (i < l.size() || j < r.size()) {
    if (j == r.size() || (i < l.size() && l[i].first < r[j].first)) {
      out.push_back(l[i++]);
    } else if (i == l.size() || r[j].first < l[i].first) {
      out.push_back(r[j++]);
    } else {
      if (l[i].second.is_object() && r[j].second.is_object()) {
        out.emplace_back(l[i].first, merge(l[i].second, r[j].second));
      } else {
        out.push_back(r[j]);
      }
      ++i;
      ++j;
    }
  }
  return Value::object_sorted(std::move(out));
}

Value object_union_n(Args a, BuiltinContext&) {
  const Value& list = kind_arg("object.union_n", a, 1, Kind::Array);
  Value acc = Value::object({});
  for (const auto& item : list.items()) {
    if (!item.is_object()) {
      fail_raw("eval_type_error",
               "object.union_n: operand 1 must be array of objects but got array containing " +
                   std::string(item.type_name()));
    }
    acc = merge(acc, item);
  }
  return acc;
}

bool subset(const Value& super, const Value& sub);

// A contiguous run of `sub` inside `super`.
bool array_subset(const Value& super, const Value& sub) {
  auto big = super.items();
  auto small = sub.items();
  if (small.empty()) return true;
  if (small.size() > big.size()) return false;
  for (size_t start = 0; start + small.size() <= big.size(); ++start) {
    if (std::equal(small.begin(), small.end(), big.begin() + start)) return true;
  }
  return false;
}

bool subset(const Value& super, const Value& sub) {
  if (super.is_object() && sub.is_object()) {
    for (const auto& [k, v] : sub.entries()) {
      const Value* sv = super.find(k);
      if (!sv) return false;
      bool same_collection = (sv->is_object() && v.is_object()) || (sv->is_set() && v.is_set()) ||
                             (sv->is_array() && v.is_array());
      if (same_collection ? !subset(*sv, v) : *sv != v) return false;
    }
    return true;
  }
  if (super.is_set() && sub.is_set()) {
    return std::all_of(sub.items().begin(), sub.items().end(),
                       [&](const Value& x) { return super.contains(x); });
  }
  if (super.is_array() && sub.is_array()) return array_subset(super, sub);
  if (super.is_array() && sub.is_set()) {
    return std::all_of(sub.items().begin(), sub.items().end(), [&](const Value& x) {
      return std::find(super.items().begin(), super.items().end(), x) != super.items().end();
    });
  }
  return false;
}

Value object_subset(Args a, BuiltinContext&) {
  const Value& super = a[0];
  const Value& sub = a[1];
  if (!super.is_object() && !super.is_set() && !super.is_array())
    fail_type("object.subset", 1, "one of {object, set, array}", super);
  if (!sub.is_object() && !sub.is_set() && !sub.is_array())
    fail_type("object.subset", 2, "one of {object, set, array}", sub);
  bool compatible = super.kind() == sub.kind() || (super.is_array() && sub.is_set());
  if (!compatible) fail_type("object.subset", 2, std::string(super.type_name()), sub);
  return Value::boolean(subset(super, sub));
}

Value array_slice(Args a, BuiltinContext&) {
  const Value& arr = kind_arg("array.slice", a, 1, Kind::Array);
  int64_t start = int_arg("array.slice", a, 2);
  int64_t stop = int_arg("array.slice", a, 3);
  int64_t n = static_cast<int64_t>(arr.size());
  start = std::max<int64_t>(start, 0);
  stop = std::min(stop, n);
  if (start >= stop) return Value::array({});
  auto items = arr.items().subspan(start, stop - start);
  return Value::array(std::vector<Value>(items.begin(), items.end()));
}

Value set_fold(const char* fn, Args a, bool is_union) {
  const Value& sets = kind_arg(fn, a, 1, Kind::Set);
  for (const auto& s : sets.items()) {
    if (!s.is_set()) {
      fail_raw("eval_type_error", std::string(fn) +
                                      ": operand 1 must be set of sets but got set containing " +
                                      std::string(s.type_name()));
    }
  }
  if (sets.size() == 0) return Value::set({});
  if (is_union) {
    std::vector<Value> all;
    for (const auto& s : sets.items()) all.insert(all.end(), s.items().begin(), s.items().end());
    return Value::set(std::move(all));
  }
  std::vector<Value> acc(sets.items()[0].items().begin(), sets.items()[0].items().end());
  for (const auto& s : sets.items().subspan(1)) {
    std::vector<Value> next;
    for (auto& x : acc)
      if (s.contains(x)) next.push_back(std::move(x));
    acc = std::move(next);
  }
  return Value::set_sorted(std::move(acc));
}

}  // namespace

void register_collection_builtins(Registry& r) {
  def(r, "object.get", {kObject, kAny, kAny}, object_get);
  def(r, "object.keys", {kObject}, object_keys, {kSet});
  def(r, "object.remove", {kObject, kObject | kSet | kArray}, object_remove, {kObject});
  def(r, "object.filter", {kObject, kObject | kSet | kArray}, object_filter, {kObject});
  def(r, "object.union", {kObject, kObject},
      [](Args a, BuiltinContext&) {
        return merge(object_arg("object.union", a, 1), object_arg("object.union", a, 2));
      },
      {kObject});
  def(r, "object.union_n", {kArray}, object_union_n, {kObject});
  def(r, "object.subset", {kObject | kSet | kArray, kObject | kSet | kArray}, object_subset,
      {kBoolean});
  def(r, "array.concat", {kArray, kArray},
      [](Args a, BuiltinContext&) {
        const Value& x = kind_arg("array.concat", a, 1, Kind::Array);
        const Value& y = kind_arg("array.concat", a, 2, Kind::Array);
        std::vector<Value> out(x.items().begin(), x.items().end());
        out.insert(out.end(), y.items().begin(), y.items().end());
        return Value::array(std::move(out));
      },
      {kArray});
  def(r, "array.slice", {kArray, kNumber, kNumber}, array_slice, {kArray});
  def(r, "array.reverse", {kArray},
      [](Args a, BuiltinContext&) {
        const Value& x = kind_arg("array.reverse", a, 1, Kind::Array);
        std::vector<Value> out(x.items().rbegin(), x.items().rend());
        return Value::array(std::move(out));
      },
      {kArray});
  def(r, "array.flatten", {kArray},
      [](Args a, BuiltinContext&) {
        const Value& x = kind_arg("array.flatten", a, 1, Kind::Array);
        std::vector<Value> out;
        for (const auto& item : x.items()) {
          if (item.is_array())
            out.insert(out.end(), item.items().begin(), item.items().end());
          else
            out.push_back(item);
        }
        return Value::array(std::move(out));
      },
      {kArray});
  def(r, "intersection", {kSet},
      [](Args a, BuiltinContext&) { return set_fold("intersection", a, false); }, {kSet});
  def(r, "union", {kSet}, [](Args a, BuiltinContext&) { return set_fold("union", a, true); },
      {kSet});
}

}  // namespace mcpgw::policy::rego
