#include "policy/rego/value.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>

namespace mcpgw::policy::rego {

struct Value::Heap {
  std::string text;                  // String, or BigInt digits with optional '-'
  std::vector<Value> items;          // Array, Set
  std::vector<ObjectEntry> entries;  // Object
};

namespace {

const std::string kEmptyString;

int sign_of(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

// Compares two decimal integers given as text with optional '-' (no leading zeros).
int compare_decimal(std::string_view a, std::string_view b) {
  bool na = !a.empty() && a[0] == '-', nb = !b.empty() && b[0] == '-';
  if (na != nb) return na ? -1 : 1;
  if (na) {
    a.remove_prefix(1);
    b.remove_prefix(1);
  }
  int c = 0;
  if (a.size() != b.size()) {
    c = a.size() < b.size() ? -1 : 1;
  } else {
    c = sign_of(a.compare(b));
  }
  return na ? -c : c;
}

void append_escaped(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void append_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, r.ptr);
}

size_t mix(size_t h, size_t v) { return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); }

// A small recursive-descent JSON reader.
class JsonReader {
 public:
  explicit JsonReader(std::string_view s) : s_(s) {}

  Value document() {
    Value v = value(0);
    skip_ws();
    if (pos_ != s_.size()) fail("unexpected trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) {
    throw JsonError("invalid JSON at offset " + std::to_string(pos_) + ": " + what, pos_);
  }
  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
      ++pos_;
  }
  bool consume(char c) {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!consume(c)) fail(std::string("expected '") + c + "'");
  }
  void literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) fail("unexpected token");
    pos_ += word.size();
  }

  Value value(int depth) {
    if (depth > 1000) fail("nesting too deep");
    skip_ws();
    if (pos_ >= s_.size()) fail("unexpected end of input");
    char c = s_[pos_];
    switch (c) {
      case 'n': literal("null"); return Value::null();
      case 't': literal("true"); return Value::boolean(true);
      case 'f': literal("false"); return Value::boolean(false);
      case '"': return Value::string(string());
      case '[': {
        ++pos_;
        std::vector<Value> items;
        if (consume(']')) return Value::array(std::move(items));
        do {
          items.push_back(value(depth + 1));
        } while (consume(','));
        expect(']');
        return Value::array(std::move(items));
      }
      case '{': {
        ++pos_;
        std::vector<ObjectEntry> entries;
        if (consume('}')) return Value::object(std::move(entries));
        do {
          skip_ws();
          if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected object key string");
          Value key = Value::string(string());
          expect(':');
          entries.emplace_back(std::move(key), value(depth + 1));
        } while (consume(','));
        expect('}');
        return Value::object(std::move(entries));
      }
      default: return number();
    }
  }

  Value number() {
    size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) ||
                                s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E' ||
                                s_[pos_] == '+' || s_[pos_] == '-'))
      ++pos_;
    auto v = Value::number_from_text(s_.substr(start, pos_ - start));
    if (!v) {
      pos_ = start;
      fail("invalid value");
    }
    return *v;
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  uint32_t hex4() {
    if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char h = s_[pos_++];
      v <<= 4;
      if (h >= '0' && h <= '9') v |= h - '0';
      else if (h >= 'a' && h <= 'f') v |= h - 'a' + 10;
      else if (h >= 'A' && h <= 'F') v |= h - 'A' + 10;
      else fail("bad \\u escape");
    }
    return v;
  }

  std::string string() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated string");
      char c = s_[pos_++];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated escape");
      char e = s_[pos_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && pos_ + 6 <= s_.size() && s_[pos_] == '\\' &&
              s_[pos_ + 1] == 'u') {
            size_t save = pos_;
            pos_ += 2;
            uint32_t lo = hex4();
            if (lo >= 0xDC00 && lo < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              pos_ = save;
              cp = 0xFFFD;
            }
          } else if (cp >= 0xD800 && cp < 0xE000) {
            cp = 0xFFFD;
          }
          append_utf8(out, cp);
          break;
        }
        default: fail("bad escape");
      }
    }
    return out;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

void append_pretty(std::string& out, const Value& v, int indent) {
  auto newline = [&](int level) {
    out.push_back('\n');
    out.append(static_cast<size_t>(level) * 2, ' ');
  };
  if (v.is_array() || v.is_set()) {
    if (v.size() == 0) {
      out += "[]";
      return;
    }
    out.push_back('[');
    bool first = true;
    for (const auto& item : v.items()) {
      if (!first) out.push_back(',');
      first = false;
      newline(indent + 1);
      append_pretty(out, item, indent + 1);
    }
    newline(indent);
    out.push_back(']');
  } else if (v.is_object()) {
    if (v.size() == 0) {
      out += "{}";
      return;
    }
    out.push_back('{');
    bool first = true;
    for (const auto& [k, val] : v.entries()) {
      if (!first) out.push_back(',');
      first = false;
      newline(indent + 1);
      if (k.is_string()) append_escaped(out, k.as_string());
      else append_escaped(out, k.to_json());
      out += ": ";
      append_pretty(out, val, indent + 1);
    }
    newline(indent);
    out.push_back('}');
  } else {
    v.append_json(out);
  }
}

}  // namespace

Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::Boolean;
  v.b_ = b;
  return v;
}

Value Value::integer(int64_t i) {
  Value v;
  v.kind_ = Kind::Number;
  v.rep_ = NumberRep::Int;
  v.i_ = i;
  return v;
}

Value Value::floating(double d) {
  Value v;
  v.kind_ = Kind::Number;
  v.rep_ = NumberRep::Float;
  v.d_ = d;
  return v;
}

Value Value::number_from_double(double d) {
  if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) {
    return integer(static_cast<int64_t>(d));
  }
  return floating(d);
}

Value Value::big_integer(std::string_view digits) {
  bool neg = !digits.empty() && digits[0] == '-';
  std::string_view body = neg ? digits.substr(1) : digits;
  while (body.size() > 1 && body[0] == '0') body.remove_prefix(1);
  int64_t i = 0;
  auto r = std::from_chars(body.data(), body.data() + body.size(), i);
  if (r.ec == std::errc() && r.ptr == body.data() + body.size()) {
    return integer(neg ? -i : i);
  }
  if (neg && body == "9223372036854775808") return integer(INT64_MIN);
  Value v;
  v.kind_ = Kind::Number;
  v.rep_ = NumberRep::BigInt;
  auto heap = std::make_shared<Heap>();
  heap->text = (neg && body != "0" ? "-" : "") + std::string(body);
  v.heap_ = std::move(heap);
  return v;
}

std::optional<Value> Value::number_from_text(std::string_view text) {
  if (text.empty()) return std::nullopt;
  size_t i = 0;
  if (text[0] == '-') ++i;
  size_t int_start = i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == int_start) return std::nullopt;
  if (text[int_start] == '0' && i - int_start > 1) return std::nullopt;  // leading zero
  bool is_float = false;
  if (i < text.size() && text[i] == '.') {
    is_float = true;
    ++i;
    size_t frac = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == frac) return std::nullopt;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    is_float = true;
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    size_t exp = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == exp) return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  if (!is_float) return big_integer(text);
  double d = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), d);
  if (r.ec == std::errc::result_out_of_range) {
    d = std::strtod(std::string(text).c_str(), nullptr);
  } else if (r.ec != std::errc()) {
    return std::nullopt;
  }
  return floating(d);
}

Value Value::string(std::string s) {
  Value v;
  v.kind_ = Kind::String;
  auto heap = std::make_shared<Heap>();
  heap->text = std::move(s);
  v.heap_ = std::move(heap);
  return v;
}

Value Value::array(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::Array;
  auto heap = std::make_shared<Heap>();
  heap->items = std::move(items);
  v.heap_ = std::move(heap);
  return v;
}

Value Value::object_sorted(std::vector<ObjectEntry> entries) {
  Value v;
  v.kind_ = Kind::Object;
  auto heap = std::make_shared<Heap>();
  heap->entries = std::move(entries);
  v.heap_ = std::move(heap);
  return v;
}

Value Value::set_sorted(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::Set;
  auto heap = std::make_shared<Heap>();
  heap->items = std::move(items);
  v.heap_ = std::move(heap);
  return v;
}

Value Value::object(std::vector<ObjectEntry> entries) {
  // Stable sort keeps insertion order among equal keys, so the last one wins below.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const ObjectEntry& a, const ObjectEntry& b) { return a.first < b.first; });
  std::vector<ObjectEntry> out;
  out.reserve(entries.size());
  for (auto& e : entries) {
    if (!out.empty() && out.back().first == e.first) {
      out.back().second = std::move(e.second);
    } else {
      out.push_back(std::move(e));
    }
  }
  return object_sorted(std::move(out));
}

Value Value::set(std::vector<Value> items) {
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return set_sorted(std::move(items));
}

double Value::as_double() const {
  if (kind_ != Kind::Number) return 0;
  switch (rep_) {
    case NumberRep::Int: return static_cast<double>(i_);
    case NumberRep::Float: return d_;
    case NumberRep::BigInt: return std::strtod(heap_->text.c_str(), nullptr);
  }
  return 0;
}

std::optional<int64_t> Value::to_int64() const {
  if (kind_ != Kind::Number) return std::nullopt;
  if (rep_ == NumberRep::Int) return i_;
  if (rep_ == NumberRep::Float && std::isfinite(d_) && d_ == std::trunc(d_) &&
      std::fabs(d_) < 9.2e18)
    return static_cast<int64_t>(d_);
  return std::nullopt;
}

std::string Value::number_text() const {
  switch (rep_) {
    case NumberRep::Int: return std::to_string(i_);
    case NumberRep::BigInt: return heap_->text;
    case NumberRep::Float: {
      std::string out;
      append_double(out, d_);
      return out;
    }
  }
  return {};
}

const std::string& Value::as_string() const {
  return kind_ == Kind::String ? heap_->text : kEmptyString;
}

std::span<const Value> Value::items() const {
  if (kind_ == Kind::Array || kind_ == Kind::Set) return heap_->items;
  return {};
}

std::span<const ObjectEntry> Value::entries() const {
  if (kind_ == Kind::Object) return heap_->entries;
  return {};
}

size_t Value::size() const {
  switch (kind_) {
    case Kind::String: return heap_->text.size();
    case Kind::Array:
    case Kind::Set: return heap_->items.size();
    case Kind::Object: return heap_->entries.size();
    default: return 0;
  }
}

const Value* Value::find(const Value& key) const {
  if (kind_ != Kind::Object) return nullptr;
  const auto& es = heap_->entries;
  auto it = std::lower_bound(es.begin(), es.end(), key,
                             [](const ObjectEntry& e, const Value& k) { return e.first < k; });
  if (it != es.end() && it->first == key) return &it->second;
  return nullptr;
}

const Value* Value::find(std::string_view key) const {
  if (kind_ != Kind::Object) return nullptr;
  const auto& es = heap_->entries;
  // String keys sort after null/boolean/number keys and before collections.
  auto it = std::lower_bound(es.begin(), es.end(), key, [](const ObjectEntry& e, std::string_view k) {
    if (e.first.kind_ != Kind::String) return e.first.kind_ < Kind::String;
    return std::string_view(e.first.heap_->text) < k;
  });
  if (it != es.end() && it->first.is_string() && it->first.heap_->text == key) return &it->second;
  return nullptr;
}

bool Value::contains(const Value& v) const {
  if (kind_ != Kind::Set) return false;
  return std::binary_search(heap_->items.begin(), heap_->items.end(), v);
}

namespace {
int compare_numbers(NumberRep ra, int64_t ia, double da, const std::string* ta, NumberRep rb,
                    int64_t ib, double db, const std::string* tb) {
  if (ra == NumberRep::Int && rb == NumberRep::Int) return ia < ib ? -1 : (ia > ib ? 1 : 0);
  if (ra != NumberRep::Float && rb != NumberRep::Float) {
    std::string sa = ra == NumberRep::Int ? std::to_string(ia) : *ta;
    std::string sb = rb == NumberRep::Int ? std::to_string(ib) : *tb;
    return compare_decimal(sa, sb);
  }
  double a = ra == NumberRep::Float ? da
             : ra == NumberRep::Int ? static_cast<double>(ia)
                                    : std::strtod(ta->c_str(), nullptr);
  double b = rb == NumberRep::Float ? db
             : rb == NumberRep::Int ? static_cast<double>(ib)
                                    : std::strtod(tb->c_str(), nullptr);
  if (a < b) return -1;
  if (a > b) return 1;
  // Equal as doubles: an int64 beyond 2^53 may still differ from the float.
  if (ra == NumberRep::Int && rb == NumberRep::Float && std::fabs(db) < 9.2e18) {
    auto bi = static_cast<int64_t>(db);
    return ia < bi ? -1 : (ia > bi ? 1 : 0);
  }
  if (rb == NumberRep::Int && ra == NumberRep::Float && std::fabs(da) < 9.2e18) {
    auto ai = static_cast<int64_t>(da);
    return ai < ib ? -1 : (ai > ib ? 1 : 0);
  }
  return 0;
}
}  // namespace

int Value::compare(const Value& o) const {
  if (kind_ != o.kind_) return kind_ < o.kind_ ? -1 : 1;
  switch (kind_) {
    case Kind::Null: return 0;
    case Kind::Boolean: return b_ == o.b_ ? 0 : (b_ ? 1 : -1);
    case Kind::Number:
      return compare_numbers(rep_, i_, d_, heap_ ? &heap_->text : nullptr, o.rep_, o.i_, o.d_,
                             o.heap_ ? &o.heap_->text : nullptr);
    case Kind::String:
      if (heap_ == o.heap_) return 0;
      return sign_of(heap_->text.compare(o.heap_->text));
    case Kind::Array:
    case Kind::Set: {
      if (heap_ == o.heap_) return 0;
      const auto& a = heap_->items;
      const auto& b = o.heap_->items;
      size_t n = std::min(a.size(), b.size());
      for (size_t i = 0; i < n; ++i) {
        int c = a[i].compare(b[i]);
        if (c != 0) return c;
      }
      return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
    }
    case Kind::Object: {
      if (heap_ == o.heap_) return 0;
      const auto& a = heap_->entries;
      const auto& b = o.heap_->entries;
      size_t n = std::min(a.size(), b.size());
      for (size_t i = 0; i < n; ++i) {
        int c = a[i].first.compare(b[i].first);
        if (c != 0) return c;
        c = a[i].second.compare(b[i].second);
        if (c != 0) return c;
      }
      return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
    }
  }
  return 0;
}

size_t Value::hash() const {
  size_t h = static_cast<size_t>(kind_) * 0x100000001b3ULL;
  switch (kind_) {
    case Kind::Null: return h;
    case Kind::Boolean: return mix(h, b_ ? 1 : 2);
    case Kind::Number: {
      // Equal numbers must hash alike whatever their representation.
      if (auto i = to_int64()) return mix(h, std::hash<int64_t>{}(*i));
      if (rep_ == NumberRep::BigInt) return mix(h, std::hash<std::string>{}(heap_->text));
      return mix(h, std::hash<double>{}(d_));
    }
    case Kind::String: return mix(h, std::hash<std::string>{}(heap_->text));
    case Kind::Array:
    case Kind::Set:
      for (const auto& v : heap_->items) h = mix(h, v.hash());
      return h;
    case Kind::Object:
      for (const auto& [k, v] : heap_->entries) h = mix(mix(h, k.hash()), v.hash());
      return h;
  }
  return h;
}

std::string_view Value::type_name() const {
  switch (kind_) {
    case Kind::Null: return "null";
    case Kind::Boolean: return "boolean";
    case Kind::Number: return "number";
    case Kind::String: return "string";
    case Kind::Array: return "array";
    case Kind::Object: return "object";
    case Kind::Set: return "set";
  }
  return "unknown";
}

void Value::append_json(std::string& out) const {
  switch (kind_) {
    case Kind::Null: out += "null"; return;
    case Kind::Boolean: out += b_ ? "true" : "false"; return;
    case Kind::Number:
      if (rep_ == NumberRep::Float) append_double(out, d_);
      else out += number_text();
      return;
    case Kind::String: append_escaped(out, heap_->text); return;
    case Kind::Array:
    case Kind::Set: {
      out.push_back('[');
      bool first = true;
      for (const auto& v : heap_->items) {
        if (!first) out.push_back(',');
        first = false;
        v.append_json(out);
      }
      out.push_back(']');
      return;
    }
    case Kind::Object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, v] : heap_->entries) {
        if (!first) out.push_back(',');
        first = false;
        if (k.is_string()) append_escaped(out, k.heap_->text);
        else append_escaped(out, k.to_json());
        out.push_back(':');
        v.append_json(out);
      }
      out.push_back('}');
      return;
    }
  }
}

std::string Value::to_json() const {
  std::string out;
  append_json(out);
  return out;
}

std::string Value::to_json_pretty() const {
  std::string out;
  append_pretty(out, *this, 0);
  return out;
}

Value Value::from_json(std::string_view text) { return JsonReader(text).document(); }

}  // namespace mcpgw::policy::rego
