// The Rego value model: immutable, cheaply copied values with OPA's ordering and JSON mapping.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpgw::policy::rego {

// Kinds in OPA's cross-type order: null < boolean < number < string < array < object < set.
enum class Kind : uint8_t { Null = 0, Boolean = 1, Number = 2, String = 3, Array = 4, Object = 5, Set = 6 };

// How a number is held. OPA keeps integers exact (big.Int) and other numbers as floats, and
// compares them all numerically. Integers that do not fit in int64 keep their decimal digits.
enum class NumberRep : uint8_t { Int, BigInt, Float };

// Thrown by Value::from_json for malformed text; `offset` is the byte where parsing stopped.
class JsonError : public std::runtime_error {
 public:
  JsonError(const std::string& what, size_t offset) : std::runtime_error(what), offset(offset) {}
  size_t offset;
};

class Value;
using ObjectEntry = std::pair<Value, Value>;

class Value {
 public:
  Value() = default;  // null

  static Value null() { return Value(); }
  static Value boolean(bool b);
  static Value integer(int64_t i);
  // A float, kept as a float even when integral (is_integer() is false, as for OPA's literal
  // 1.0); it still compares equal to the integer 1.
  static Value floating(double d);
  // Decimal digits with an optional leading '-'; collapses to an int64 when it fits.
  static Value big_integer(std::string_view digits);
  // Parses a JSON/Rego number literal ("12", "-3.5e2"); nullopt when it is not a number.
  static std::optional<Value> number_from_text(std::string_view text);
  // Result of arithmetic: integral values that fit in int64 become integers, as OPA does.
  static Value number_from_double(double d);
  static Value string(std::string s);
  static Value array(std::vector<Value> items);
  // Sorts by key; a later duplicate key replaces an earlier one.
  static Value object(std::vector<ObjectEntry> entries);
  // Sorts and removes duplicates.
  static Value set(std::vector<Value> items);
  // Build from already sorted, duplicate-free input (no check beyond a debug assertion).
  static Value object_sorted(std::vector<ObjectEntry> entries);
  static Value set_sorted(std::vector<Value> items);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool is_bool() const { return kind_ == Kind::Boolean; }
  bool is_number() const { return kind_ == Kind::Number; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_array() const { return kind_ == Kind::Array; }
  bool is_object() const { return kind_ == Kind::Object; }
  bool is_set() const { return kind_ == Kind::Set; }
  bool is_collection() const { return kind_ >= Kind::Array; }

  bool as_bool() const { return b_; }

  // Numbers.
  NumberRep number_rep() const { return rep_; }
  bool is_integer() const { return kind_ == Kind::Number && rep_ != NumberRep::Float; }
  bool is_int64() const { return kind_ == Kind::Number && rep_ == NumberRep::Int; }
  int64_t as_int64() const { return i_; }  // only when is_int64()
  // Any number as a double (big integers and int64 rounded to nearest).
  double as_double() const;
  // The exact integer value when it is an integer or an integral float that fits int64.
  std::optional<int64_t> to_int64() const;
  // The decimal text of an integer (any size); for floats the shortest round-trip form.
  std::string number_text() const;

  // Strings.
  const std::string& as_string() const;

  // Arrays and sets: elements (sets sorted). Objects: entries sorted by key.
  std::span<const Value> items() const;
  std::span<const ObjectEntry> entries() const;
  size_t size() const;  // elements, entries or string bytes; 0 for scalars
  // Object lookup by key; nullptr when absent or not an object.
  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  // Set membership.
  bool contains(const Value& v) const;

  // Total order across all values, as OPA's ast.Compare.
  int compare(const Value& other) const;
  friend bool operator==(const Value& a, const Value& b) { return a.compare(b) == 0; }
  friend bool operator!=(const Value& a, const Value& b) { return a.compare(b) != 0; }
  friend bool operator<(const Value& a, const Value& b) { return a.compare(b) < 0; }
  friend bool operator>(const Value& a, const Value& b) { return a.compare(b) > 0; }
  friend bool operator<=(const Value& a, const Value& b) { return a.compare(b) <= 0; }
  friend bool operator>=(const Value& a, const Value& b) { return a.compare(b) >= 0; }
  size_t hash() const;

  // "null", "boolean", "number", "string", "array", "object", "set" (as OPA's type_name).
  std::string_view type_name() const;

  // JSON text. Sets become arrays; object keys that are not strings are written as their JSON
  // text, as OPA does when it serialises such objects.
  std::string to_json() const;
  void append_json(std::string& out) const;
  // Pretty JSON with two-space indentation.
  std::string to_json_pretty() const;
  // Parses one JSON document; throws JsonError with the byte offset on bad input.
  static Value from_json(std::string_view text);

 private:
  struct Heap;
  Kind kind_ = Kind::Null;
  NumberRep rep_ = NumberRep::Int;
  union {
    bool b_;
    int64_t i_ = 0;
    double d_;
  };
  std::shared_ptr<const Heap> heap_;  // strings, big-integer digits, arrays, objects, sets
};

struct ValueHash {
  size_t operator()(const Value& v) const { return v.hash(); }
};

}  // namespace mcpgw::policy::rego
