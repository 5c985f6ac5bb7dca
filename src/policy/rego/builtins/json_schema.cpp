// json.verify_schema and json.match_schema: JSON Schema (draft 4-7 keywords: type, enum, const,
// properties, required, additionalProperties, patternProperties, items, min/maxItems,
// uniqueItems, min/maxLength, pattern, minimum/maximum and their exclusive forms, multipleOf,
// min/maxProperties, allOf/anyOf/oneOf/not, local $ref). Errors carry the wording of
// gojsonschema, which OPA uses, so policies matching on messages keep working.
#include <re2/re2.h>

#include <cmath>

#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

const char* kTypeNames[] = {"array", "boolean", "integer", "number", "null", "object", "string"};

bool valid_type_name(const std::string& t) {
  for (const char* n : kTypeNames)
    if (t == n) return true;
  return false;
}

// Checks the schema itself; "" when it is usable.
std::string schema_problem(const Value& s, int depth = 0) {
  if (depth > 64) return "schema nested too deeply";
  if (s.is_bool()) return "";
  if (!s.is_object()) return "schema must be an object or a boolean";
  if (const Value* t = s.find("type")) {
    std::vector<Value> names;
    if (t->is_string())
      names.push_back(*t);
    else if (t->is_array())
      names.assign(t->items().begin(), t->items().end());
    else
      return "type must be a string or an array of strings";
    for (const auto& n : names) {
      if (!n.is_string() || !valid_type_name(n.as_string())) {
        return "has a primitive type that is NOT VALID -- given: /" +
               (n.is_string() ? n.as_string() : n.to_json()) +
               "/ Expected valid values are:[array boolean integer number null object string]";
      }
    }
  }
  if (const Value* req = s.find("required")) {
    if (!req->is_array()) return "required must be an array";
    for (const auto& r : req->items())
      if (!r.is_string()) return "required items must be strings";
  }
  if (const Value* p = s.find("pattern"); p && p->is_string()) {
    RE2 re(p->as_string(), RE2::Quiet);
    if (!re.ok()) return "Invalid regex pattern '" + p->as_string() + "'";
  }
  for (const char* key : {"properties", "patternProperties", "definitions", "$defs"}) {
    if (const Value* props = s.find(key)) {
      if (!props->is_object()) return std::string(key) + " must be an object";
      for (const auto& [_, sub] : props->entries())
        if (auto e = schema_problem(sub, depth + 1); !e.empty()) return e;
    }
  }
  for (const char* key : {"additionalProperties", "not", "items", "additionalItems", "contains"}) {
    if (const Value* sub = s.find(key)) {
      if (sub->is_array()) {
        for (const auto& x : sub->items())
          if (auto e = schema_problem(x, depth + 1); !e.empty()) return e;
      } else if (auto e = schema_problem(*sub, depth + 1); !e.empty()) {
        return e;
      }
    }
  }
  for (const char* key : {"allOf", "anyOf", "oneOf"}) {
    if (const Value* list = s.find(key)) {
      if (!list->is_array() || list->size() == 0)
        return std::string(key) + " must be a non-empty array";
      for (const auto& x : list->items())
        if (auto e = schema_problem(x, depth + 1); !e.empty()) return e;
    }
  }
  return "";
}

struct SchemaError {
  std::string type, field, desc;
};

// "(root)", "id", "a.b", "list.0".
std::string child_field(const std::string& parent, const std::string& key) {
  return parent == "(root)" ? key : parent + "." + key;
}

std::string json_type_of(const Value& v) {
  if (v.is_number())
    return v.is_integer() || std::trunc(v.as_double()) == v.as_double() ? "integer" : "number";
  if (v.is_set()) return "array";
  return std::string(v.type_name());
}

bool type_matches(const std::string& want, const Value& v) {
  std::string got = json_type_of(v);
  return want == got || (want == "number" && got == "integer");
}

std::string number_text(const Value& v) {
  return v.number_text();
}

class Validator {
 public:
  explicit Validator(const Value& root) : root_(root) {}

  void validate(const Value& schema, const Value& doc, const std::string& field,
                std::vector<SchemaError>& out, int depth = 0) {
    if (depth > 64) {
      out.push_back({"internal", field, "schema recursion too deep"});
      return;
    }
    if (schema.is_bool()) {
      if (!schema.as_bool()) out.push_back({"false", field, "False always fails validation"});
      return;
    }
    if (!schema.is_object()) return;
    if (const Value* ref = schema.find("$ref"); ref && ref->is_string()) {
      if (const Value* target = resolve(ref->as_string()))
        validate(*target, doc, field, out, depth + 1);
      return;
    }
    if (const Value* t = schema.find("type")) {
      std::vector<std::string> names;
      if (t->is_string()) names.push_back(t->as_string());
      for (const auto& n : t->items())
        if (n.is_string()) names.push_back(n.as_string());
      bool ok = std::any_of(names.begin(), names.end(),
                            [&](const std::string& n) { return type_matches(n, doc); });
      if (!ok) {
        std::string expected;
        for (size_t i = 0; i < names.size(); ++i) expected += (i ? "/" : "") + names[i];
        out.push_back({"invalid_type", field,
                       "Invalid type. Expected: " + expected + ", given: " + json_type_of(doc)});
        return;
      }
    }
    if (const Value* e = schema.find("enum"); e && e->is_array()) {
      bool found = std::any_of(e->items().begin(), e->items().end(),
                               [&](const Value& x) { return x == doc; });
      if (!found) {
        std::string allowed;
        for (size_t i = 0; i < e->size(); ++i) allowed += (i ? ", " : "") + e->items()[i].to_json();
        out.push_back({"enum", field, field + " must be one of the following: " + allowed});
      }
    }
    if (const Value* c = schema.find("const"); c && *c != doc) {
      out.push_back({"const", field, field + " does not match: " + c->to_json()});
    }
    combinators(schema, doc, field, out, depth);
    if (doc.is_object()) object_rules(schema, doc, field, out, depth);
    if (doc.is_array() || doc.is_set()) array_rules(schema, doc, field, out, depth);
    if (doc.is_string()) string_rules(schema, doc, field, out);
    if (doc.is_number()) number_rules(schema, doc, field, out);
  }

 private:
  const Value* resolve(const std::string& ref) {
    if (ref == "#") return &root_;
    if (ref.rfind("#/", 0) != 0) return nullptr;
    const Value* cur = &root_;
    size_t pos = 2;
    while (cur && pos <= ref.size()) {
      size_t slash = ref.find('/', pos);
      std::string seg =
          ref.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
      cur = cur->find(seg);
      if (slash == std::string::npos) break;
      pos = slash + 1;
    }
    return cur;
  }

  bool passes(const Value& schema, const Value& doc, const std::string& field, int depth) {
    std::vector<SchemaError> scratch;
    validate(schema, doc, field, scratch, depth + 1);
    return scratch.empty();
  }

  void combinators(const Value& schema, const Value& doc, const std::string& field,
                   std::vector<SchemaError>& out, int depth) {
    if (const Value* all = schema.find("allOf"); all && all->is_array()) {
      std::vector<SchemaError> inner;
      for (const auto& s : all->items()) validate(s, doc, field, inner, depth + 1);
      if (!inner.empty()) {
        out.insert(out.end(), inner.begin(), inner.end());
        out.push_back({"number_all_of", field, "Must validate all the schemas (allOf)"});
      }
    }
    if (const Value* any = schema.find("anyOf"); any && any->is_array()) {
      bool ok = std::any_of(any->items().begin(), any->items().end(),
                            [&](const Value& s) { return passes(s, doc, field, depth); });
      if (!ok) out.push_back({"number_any_of", field, "Must validate at least one schema (anyOf)"});
    }
    if (const Value* one = schema.find("oneOf"); one && one->is_array()) {
      size_t n = std::count_if(one->items().begin(), one->items().end(),
                               [&](const Value& s) { return passes(s, doc, field, depth); });
      if (n != 1)
        out.push_back({"number_one_of", field, "Must validate one and only one schema (oneOf)"});
    }
    if (const Value* no = schema.find("not"); no && passes(*no, doc, field, depth)) {
      out.push_back({"number_not", field, "Must not validate the schema (not)"});
    }
  }

  void object_rules(const Value& schema, const Value& doc, const std::string& field,
                    std::vector<SchemaError>& out, int depth) {
    if (const Value* req = schema.find("required"); req && req->is_array()) {
      for (const auto& r : req->items()) {
        if (r.is_string() && !doc.find(r.as_string())) {
          out.push_back({"required", field, r.as_string() + " is required"});
        }
      }
    }
    const Value* props = schema.find("properties");
    const Value* patterns = schema.find("patternProperties");
    const Value* additional = schema.find("additionalProperties");
    for (const auto& [k, v] : doc.entries()) {
      std::string key = k.is_string() ? k.as_string() : k.to_json();
      std::string sub_field = child_field(field, key);
      bool matched = false;
      if (props && props->is_object()) {
        if (const Value* s = props->find(key)) {
          matched = true;
          validate(*s, v, sub_field, out, depth + 1);
        }
      }
      if (patterns && patterns->is_object()) {
        for (const auto& [pattern, s] : patterns->entries()) {
          if (!pattern.is_string()) continue;
          RE2 re(pattern.as_string(), RE2::Quiet);
          if (re.ok() && RE2::PartialMatch(key, re)) {
            matched = true;
            validate(s, v, sub_field, out, depth + 1);
          }
        }
      }
      if (!matched && additional) {
        if (additional->is_bool() && !additional->as_bool()) {
          out.push_back({"additional_property_not_allowed", field,
                         "Additional property " + key + " is not allowed"});
        } else if (additional->is_object()) {
          validate(*additional, v, sub_field, out, depth + 1);
        }
      }
    }
    if (const Value* mn = schema.find("minProperties");
        mn && mn->is_number() && doc.size() < mn->as_double()) {
      out.push_back({"object_property_count_gte", field,
                     "Must have at least " + number_text(*mn) + " properties"});
    }
    if (const Value* mx = schema.find("maxProperties");
        mx && mx->is_number() && doc.size() > mx->as_double()) {
      out.push_back({"object_property_count_lte", field,
                     "Must have at most " + number_text(*mx) + " properties"});
    }
  }

  void array_rules(const Value& schema, const Value& doc, const std::string& field,
                   std::vector<SchemaError>& out, int depth) {
    auto items = doc.items();
    if (const Value* it = schema.find("items")) {
      if (it->is_array()) {
        for (size_t i = 0; i < items.size() && i < it->size(); ++i)
          validate(it->items()[i], items[i], child_field(field, std::to_string(i)), out, depth + 1);
      } else {
        for (size_t i = 0; i < items.size(); ++i)
          validate(*it, items[i], child_field(field, std::to_string(i)), out, depth + 1);
      }
    }
    if (const Value* mn = schema.find("minItems");
        mn && mn->is_number() && items.size() < mn->as_double()) {
      out.push_back(
          {"array_min_items", field, "Array must have at least " + number_text(*mn) + " items"});
    }
    if (const Value* mx = schema.find("maxItems");
        mx && mx->is_number() && items.size() > mx->as_double()) {
      out.push_back(
          {"array_max_items", field, "Array must have at most " + number_text(*mx) + " items"});
    }
    if (const Value* u = schema.find("uniqueItems"); u && u->is_bool() && u->as_bool()) {
      for (size_t i = 0; i < items.size(); ++i) {
        for (size_t j = i + 1; j < items.size(); ++j) {
          if (items[i] == items[j]) {
            out.push_back({"unique", field,
                           "array items[" + std::to_string(i) + "," + std::to_string(j) +
                               "] must be unique"});
            return;
          }
        }
      }
    }
  }

  void string_rules(const Value& schema, const Value& doc, const std::string& field,
                    std::vector<SchemaError>& out) {
    size_t len = utf8_length(doc.as_string());
    if (const Value* mn = schema.find("minLength");
        mn && mn->is_number() && len < mn->as_double()) {
      out.push_back({"string_gte", field,
                     "String length must be greater than or equal to " + number_text(*mn)});
    }
    if (const Value* mx = schema.find("maxLength");
        mx && mx->is_number() && len > mx->as_double()) {
      out.push_back(
          {"string_lte", field, "String length must be less than or equal to " + number_text(*mx)});
    }
    if (const Value* p = schema.find("pattern"); p && p->is_string()) {
      RE2 re(p->as_string(), RE2::Quiet);
      if (re.ok() && !RE2::PartialMatch(doc.as_string(), re)) {
        out.push_back({"pattern", field, "Does not match pattern '" + p->as_string() + "'"});
      }
    }
  }

  void number_rules(const Value& schema, const Value& doc, const std::string& field,
                    std::vector<SchemaError>& out) {
    double x = doc.as_double();
    auto num = [&](const char* k) -> const Value* {
      const Value* v = schema.find(k);
      return v && v->is_number() ? v : nullptr;
    };
    // Draft 4 writes exclusiveMinimum as a flag next to minimum; later drafts as a number.
    const Value* ex_min = schema.find("exclusiveMinimum");
    const Value* ex_max = schema.find("exclusiveMaximum");
    if (const Value* mn = num("minimum")) {
      bool exclusive = ex_min && ex_min->is_bool() && ex_min->as_bool();
      if (exclusive ? !(x > mn->as_double()) : x < mn->as_double()) {
        out.push_back({exclusive ? "number_gt" : "number_gte", field,
                       std::string(exclusive ? "Must be greater than "
                                             : "Must be greater than or equal to ") +
                           number_text(*mn)});
      }
    }
    if (ex_min && ex_min->is_number() && !(x > ex_min->as_double())) {
      out.push_back({"number_gt", field, "Must be greater than " + number_text(*ex_min)});
    }
    if (const Value* mx = num("maximum")) {
      bool exclusive = ex_max && ex_max->is_bool() && ex_max->as_bool();
      if (exclusive ? !(x < mx->as_double()) : x > mx->as_double()) {
        out.push_back(
            {exclusive ? "number_lt" : "number_lte", field,
             std::string(exclusive ? "Must be less than " : "Must be less than or equal to ") +
                 number_text(*mx)});
      }
    }
    if (ex_max && ex_max->is_number() && !(x < ex_max->as_double())) {
      out.push_back({"number_lt", field, "Must be less than " + number_text(*ex_max)});
    }
    if (const Value* m = num("multipleOf"); m && m->as_double() != 0) {
      double q = x / m->as_double();
      if (std::fabs(q - std::round(q)) > 1e-9) {
        out.push_back({"multiple_of", field, "Must be a multiple of " + number_text(*m)});
      }
    }
  }

  const Value& root_;
};

bool contains_set(const Value& v) {
  if (v.is_set()) return true;
  if (v.is_array()) return std::any_of(v.items().begin(), v.items().end(), contains_set);
  if (v.is_object()) {
    return std::any_of(v.entries().begin(), v.entries().end(), [](const ObjectEntry& e) {
      return contains_set(e.first) || contains_set(e.second);
    });
  }
  return false;
}

// A schema or document operand: a JSON string or a value (sets become arrays).
Value document_arg(const char* fn, Args a, int pos, bool schema) {
  const Value& v = a[pos - 1];
  if (v.is_string()) {
    try {
      return Value::from_json(v.as_string());
    } catch (const JsonError& e) {
      fail(fn, std::string(schema ? "schema" : "document") + " is not valid JSON: " + e.what());
    }
  }
  if (schema && !v.is_object() && !v.is_bool())
    fail_type(fn, pos, "one of {string, object, boolean}", v);
  // Sets become arrays, as in JSON; values without sets are used as they are.
  return contains_set(v) ? Value::from_json(v.to_json()) : v;
}

Value verify_schema(Args a, BuiltinContext&) {
  Value schema;
  try {
    schema = document_arg("json.verify_schema", a, 1, true);
  } catch (const Failure& f) {
    if (f.error.code == "eval_type_error") throw;
    return Value::array({Value::boolean(false), str(f.error.message)});
  }
  std::string problem = schema_problem(schema);
  if (!problem.empty()) return Value::array({Value::boolean(false), str("jsonschema: " + problem)});
  return Value::array({Value::boolean(true), Value::null()});
}

Value match_schema(Args a, BuiltinContext&) {
  const char* fn = "json.match_schema";
  Value doc = document_arg(fn, a, 1, false);
  Value schema = document_arg(fn, a, 2, true);
  std::string problem = schema_problem(schema);
  if (!problem.empty()) fail(fn, problem);
  std::vector<SchemaError> errors;
  Validator(schema).validate(schema, doc, "(root)", errors);
  std::vector<Value> out;
  for (const auto& e : errors) {
    out.push_back(Value::object({{str("error"), str(e.field + ": " + e.desc)},
                                 {str("desc"), str(e.desc)},
                                 {str("field"), str(e.field)},
                                 {str("type"), str(e.type)}}));
  }
  return Value::array({Value::boolean(out.empty()), Value::array(std::move(out))});
}

}  // namespace

void register_json_schema_builtins(Registry& r) {
  def(r, "json.verify_schema", {kString | kObject | kBoolean}, verify_schema, {kArray});
  def(r, "json.match_schema", {kAny, kString | kObject | kBoolean}, match_schema, {kArray});
}

}  // namespace mcpgw::policy::rego
