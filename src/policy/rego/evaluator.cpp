#include "policy/rego/evaluator.h"

#include <algorithm>
#include <chrono>

#include "policy/rego/errors.h"
#include "policy/rego/function_ref.h"
#include "policy/rego/value_text.h"

namespace mcpgw::policy::rego {
namespace {

using Cont = FunctionRef<bool()>;
using ValueCont = FunctionRef<bool(const Value&)>;

// Variables of one rule, function or query evaluation.
struct Frame {
  explicit Frame(int size)
      : values(static_cast<size_t>(size)), bound(static_cast<size_t>(size), 0) {}
  std::vector<Value> values;
  std::vector<uint8_t> bound;
};

struct Mock {
  std::optional<Value> value;
  const DataNode* function = nullptr;
  const Builtin* builtin = nullptr;
};

struct CacheEntry {
  uint8_t state = 0;  // 0 unknown, 1 computing, 2 done
  std::optional<Value> value;
  // For objects built by ref-head rules: the keys in the order the rules produced them, which is
  // the order OPA enumerates them in (rule order, not key order).
  std::vector<Value> key_order;
};

// What `with` changes: input, parts of data, functions. Each `with` gets a fresh cache.
struct Context {
  std::optional<Value> input;
  std::vector<std::pair<std::vector<std::string>, Value>> data_overrides;
  std::map<std::string, Mock> mocks;
  std::vector<CacheEntry> cache;
};

const Value kEmptyObject = Value::object({});

Value upsert(const Value& base, std::span<const std::string> path, const Value& v) {
  if (path.empty()) return v;
  std::vector<ObjectEntry> entries;
  if (base.is_object()) entries.assign(base.entries().begin(), base.entries().end());
  Value key = Value::string(path[0]);
  const Value* existing = base.is_object() ? base.find(key) : nullptr;
  Value child = upsert(existing ? *existing : kEmptyObject, path.subspan(1), v);
  for (auto& e : entries) {
    if (e.first == key) {
      e.second = std::move(child);
      return Value::object_sorted(std::move(entries));
    }
  }
  entries.emplace_back(std::move(key), std::move(child));
  return Value::object(std::move(entries));
}

// Looks a key up in a collection the way a Rego reference does.
const Value* lookup(const Value& coll, const Value& key, Value& scratch) {
  switch (coll.kind()) {
    case Kind::Object:
      return coll.find(key);
    case Kind::Array: {
      if (!key.is_number()) return nullptr;
      auto i = key.to_int64();
      if (!i || *i < 0 || static_cast<size_t>(*i) >= coll.size()) return nullptr;
      return &coll.items()[static_cast<size_t>(*i)];
    }
    case Kind::Set:
      if (coll.contains(key)) {
        scratch = key;
        return &scratch;
      }
      return nullptr;
    default:
      return nullptr;
  }
}

class Evaluator {
 public:
  Evaluator(const Program& prog, const Value& data, const EvalOptions& opts)
      : prog_(prog), data_(data), opts_(opts) {
    bctx_.now_ns = opts.now_ns;
    if (bctx_.now_ns == 0) {
      bctx_.now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    }
    bctx_.seed = opts.seed;
    bctx_.strict = opts.strict_builtin_errors;
    bctx_.memo = &memo_;
    bctx_.print = opts.print;
    root_ctx_.input = opts.input;
    root_ctx_.cache.resize(static_cast<size_t>(prog.node_count));
    ctx_ = &root_ctx_;
  }

  std::vector<QueryResult> run(const CompiledQuery& q) {
    std::vector<QueryResult> results;
    Frame frame(q.frame_size);
    query_body_ = q.body.get();
    expr_values_.assign(q.body->exprs.size(), std::nullopt);
    eval_body(*q.body, 0, frame, [&]() {
      QueryResult r;
      for (const auto& [name, slot] : q.vars) {
        if (frame.bound[slot]) r.bindings.emplace_back(name, frame.values[slot]);
      }
      // Report expression values in source order.
      r.expressions.resize(q.body->exprs.size());
      for (size_t i = 0; i < q.body->exprs.size(); ++i) {
        r.expressions[static_cast<size_t>(q.body->exprs[i].index)] = expr_values_[i];
      }
      results.push_back(std::move(r));
      return true;
    });
    return results;
  }

 private:
  // ---- bindings
  static void bind(Frame& f, int slot, const Value& v) {
    f.values[static_cast<size_t>(slot)] = v;
    f.bound[static_cast<size_t>(slot)] = 1;
  }
  static void unbind(Frame& f, int slot) { f.bound[static_cast<size_t>(slot)] = 0; }
  static bool is_unbound_var(const Term& t, const Frame& f) {
    return t.kind == TermKind::Var && t.scope == VarScope::Local &&
           !f.bound[static_cast<size_t>(t.slot)];
  }
  // A term that unification can bind into: an unbound var, or a literal holding one.
  static bool is_pattern(const Term& t, const Frame& f) {
    if (t.kind == TermKind::Var) return is_unbound_var(t, f);
    if (t.kind == TermKind::Array) {
      for (const auto& a : t.args)
        if (is_pattern(*a, f)) return true;
      return false;
    }
    if (t.kind == TermKind::Object) {
      for (size_t i = 1; i < t.args.size(); i += 2)
        if (is_pattern(*t.args[i], f)) return true;
      return false;
    }
    return false;
  }

  [[noreturn]] void fail(const std::string& code, const std::string& msg, const Location& loc) {
    throw RegoError(code, msg, loc);
  }

  // ---- bodies and expressions
  bool eval_body(const Body& b, size_t i, Frame& f, Cont k) {
    if (i == b.exprs.size()) return k();
    return eval_expr(b, i, f, [&]() { return eval_body(b, i + 1, f, k); });
  }

  bool eval_expr(const Body& b, size_t i, Frame& f, Cont k) {
    const Expr& e = b.exprs[i];
    if (!e.with.empty()) return eval_with(b, i, f, k);
    return eval_expr_plain(b, i, f, k);
  }

  bool eval_expr_plain(const Body& b, size_t i, Frame& f, Cont k) {
    const Expr& e = b.exprs[i];
    if (e.negated) {
      bool found = false;
      eval_expr_positive(b, i, f, [&]() {
        found = true;
        return false;
      });
      if (found) return true;
      if (&b == query_body_) expr_values_[i] = Value::boolean(true);
      return k();
    }
    return eval_expr_positive(b, i, f, k);
  }

  bool eval_with(const Body& b, size_t i, Frame& f, Cont k) {
    const Expr& e = b.exprs[i];
    Context next;
    next.input = ctx_->input;
    next.data_overrides = ctx_->data_overrides;
    next.mocks = ctx_->mocks;
    next.cache.resize(static_cast<size_t>(prog_.node_count));
    for (const auto& w : e.with) {
      if (!w.mock_key.empty()) {
        Mock m;
        if (w.value_function)
          m.function = w.value_function;
        else if (w.value_builtin)
          m.builtin = w.value_builtin;
        else
          m.value = first_value(*w.value, f);
        if (!m.value && !m.function && !m.builtin) return true;  // undefined replacement
        next.mocks[w.mock_key] = std::move(m);
        continue;
      }
      std::optional<Value> v = first_value(*w.value, f);
      if (!v) return true;
      std::vector<std::string> path;
      for (size_t j = 1; j < w.target->args.size(); ++j)
        path.push_back(w.target->args[j]->value.as_string());
      if (w.target->scope == VarScope::Input) {
        next.input = upsert(next.input ? *next.input : kEmptyObject, path, *v);
        if (path.empty()) next.input = *v;
      } else {
        next.data_overrides.emplace_back(std::move(path), std::move(*v));
      }
    }
    Context* saved = ctx_;
    struct Restore {
      Context*& ctx;
      Context* saved;
      ~Restore() { ctx = saved; }
    } restore{ctx_, saved};
    ctx_ = &next;
    return eval_expr_plain(b, i, f, [&]() {
      ctx_ = saved;
      bool more = k();
      ctx_ = &next;
      return more;
    });
  }

  std::optional<Value> first_value(const Term& t, Frame& f) {
    std::optional<Value> out;
    eval_term(t, f, [&](const Value& v) {
      out = v;
      return false;
    });
    return out;
  }

  bool eval_expr_positive(const Body& b, size_t i, Frame& f, Cont k) {
    const Expr& e = b.exprs[i];
    bool top = &b == query_body_;
    switch (e.kind) {
      case ExprKind::SomeDecl:
        return k();
      case ExprKind::SomeIn:
        return eval_term(*e.terms[2], f, [&](const Value& coll) {
          return iterate(coll, [&](const Value& key, const Value& val) {
            auto with_value = [&]() { return match(*e.terms[1], val, f, k); };
            if (e.terms[0]) return match(*e.terms[0], key, f, with_value);
            return with_value();
          });
        });
      case ExprKind::Every:
        return eval_term(*e.terms[2], f, [&](const Value& domain) {
          if (!domain.is_collection()) return true;  // not iterable: false
          bool all = true;
          iterate(domain, [&](const Value& key, const Value& val) {
            bool ok = false;
            auto body = [&]() {
              return eval_body(*e.body, 0, f, [&]() {
                ok = true;
                return false;
              });
            };
            auto with_value = [&]() { return match(*e.terms[1], val, f, body); };
            if (e.terms[0])
              match(*e.terms[0], key, f, with_value);
            else
              with_value();
            if (!ok) all = false;
            return ok;
          });
          if (!all) return true;
          if (top) expr_values_[i] = Value::boolean(true);
          return k();
        });
      case ExprKind::Term:
        break;
    }
    const Term& t = *e.term;
    if (t.kind == TermKind::Call && (t.name == "eq" || t.name == "assign")) {
      return unify(*t.args[0], *t.args[1], f, [&]() {
        if (top) expr_values_[i] = Value::boolean(true);
        return k();
      });
    }
    if (t.kind == TermKind::Call && has_output_arg(t)) {
      std::vector<Value> args(t.args.size() - 1);
      return eval_args(t, 0, t.args.size() - 1, args, f, [&]() {
        return call(t, args, [&](const Value& result) {
          return match(*t.args.back(), result, f, [&]() {
            if (top) expr_values_[i] = Value::boolean(true);
            return k();
          });
        });
      });
    }
    return eval_term(t, f, [&](const Value& v) {
      if (v.is_bool() && !v.as_bool()) return true;
      if (top) expr_values_[i] = v;
      return k();
    });
  }

  static bool has_output_arg(const Term& t) {
    if (t.builtin) return t.args.size() == t.builtin->params.size() + 1;
    if (t.function) return t.args.size() == t.function->arity() + 1;
    return false;
  }

  // Calls fn(key, value) for each element; stops when fn returns false.
  template <typename F>
  static bool iterate(const Value& coll, F&& fn) {
    switch (coll.kind()) {
      case Kind::Array: {
        auto items = coll.items();
        for (size_t j = 0; j < items.size(); ++j) {
          if (!fn(Value::integer(static_cast<int64_t>(j)), items[j])) return false;
        }
        return true;
      }
      case Kind::Set:
        for (const auto& v : coll.items())
          if (!fn(v, v)) return false;
        return true;
      case Kind::Object:
        for (const auto& [key, v] : coll.entries())
          if (!fn(key, v)) return false;
        return true;
      default:
        return true;
    }
  }

  // ---- unification
  bool unify(const Term& a, const Term& b, Frame& f, Cont k) {
    if (is_unbound_var(a, f)) {
      return eval_term(b, f, [&](const Value& v) {
        if (!is_unbound_var(a, f)) {  // bound while evaluating b (e.g. x = x)
          return f.values[static_cast<size_t>(a.slot)] == v ? k() : true;
        }
        bind(f, a.slot, v);
        bool r = k();
        unbind(f, a.slot);
        return r;
      });
    }
    if (is_unbound_var(b, f)) return unify(b, a, f, k);
    bool pa = is_pattern(a, f), pb = is_pattern(b, f);
    if (pa && pb && a.kind == TermKind::Array && b.kind == TermKind::Array) {
      if (a.args.size() != b.args.size()) return true;
      return unify_elements(a, b, 0, f, k);
    }
    if (pa && pb && a.kind == TermKind::Object && b.kind == TermKind::Object) {
      if (a.args.size() != b.args.size()) return true;
      return unify_entries(a, b, 0, f, k);
    }
    if (pa) return eval_term(b, f, [&](const Value& v) { return match(a, v, f, k); });
    if (pb) return eval_term(a, f, [&](const Value& v) { return match(b, v, f, k); });
    return eval_term(a, f, [&](const Value& va) {
      return eval_term(b, f, [&](const Value& vb) { return va == vb ? k() : true; });
    });
  }

  // Object literals with constant keys: unify the values under equal keys.
  bool unify_entries(const Term& a, const Term& b, size_t i, Frame& f, Cont k) {
    if (i >= a.args.size()) return k();
    const Term& key = *a.args[i];
    if (key.kind != TermKind::Scalar) return true;
    for (size_t j = 0; j < b.args.size(); j += 2) {
      const Term& bkey = *b.args[j];
      if (bkey.kind == TermKind::Scalar && bkey.value == key.value) {
        return unify(*a.args[i + 1], *b.args[j + 1], f,
                     [&]() { return unify_entries(a, b, i + 2, f, k); });
      }
    }
    return true;
  }

  bool unify_elements(const Term& a, const Term& b, size_t i, Frame& f, Cont k) {
    if (i == a.args.size()) return k();
    return unify(*a.args[i], *b.args[i], f, [&]() { return unify_elements(a, b, i + 1, f, k); });
  }

  // Binds the pattern's unbound vars so that it equals v.
  bool match(const Term& p, const Value& v, Frame& f, Cont k) {
    if (p.kind == TermKind::Var && p.scope == VarScope::Local) {
      if (f.bound[static_cast<size_t>(p.slot)])
        return f.values[static_cast<size_t>(p.slot)] == v ? k() : true;
      bind(f, p.slot, v);
      bool r = k();
      unbind(f, p.slot);
      return r;
    }
    if (p.kind == TermKind::Scalar) return p.value == v ? k() : true;
    if (p.kind == TermKind::Array && is_pattern(p, f)) {
      if (!v.is_array() || v.size() != p.args.size()) return true;
      return match_elements(p, v, 0, f, k);
    }
    if (p.kind == TermKind::Object && is_pattern(p, f)) {
      if (!v.is_object() || v.size() * 2 != p.args.size()) return true;
      return match_entries(p, v, 0, f, k);
    }
    return eval_term(p, f, [&](const Value& pv) { return pv == v ? k() : true; });
  }

  bool match_elements(const Term& p, const Value& v, size_t i, Frame& f, Cont k) {
    if (i == p.args.size()) return k();
    return match(*p.args[i], v.items()[i], f, [&]() { return match_elements(p, v, i + 1, f, k); });
  }

  bool match_entries(const Term& p, const Value& v, size_t i, Frame& f, Cont k) {
    if (i >= p.args.size()) return k();
    return eval_term(*p.args[i], f, [&](const Value& key) {
      const Value* child = v.find(key);
      if (!child) return true;
      return match(*p.args[i + 1], *child, f, [&]() { return match_entries(p, v, i + 2, f, k); });
    });
  }

  // ---- terms
  bool eval_args(const Term& t, size_t i, size_t n, std::vector<Value>& out, Frame& f, Cont k) {
    // An argument that is still an unbound var waits until the others (which iterate and
    // bind it) ran.
    for (size_t j = 0; j < n; ++j) {
      if (is_unbound_var(*t.args[j], f)) {
        return eval_args_ordered(t, n, out, f, k);
      }
    }
    return eval_args_in_order(t, i, n, out, f, k);
  }

  bool eval_args_in_order(const Term& t, size_t i, size_t n, std::vector<Value>& out, Frame& f,
                          Cont k) {
    if (i == n) return k();
    return eval_term(*t.args[i], f, [&](const Value& v) {
      out[i] = v;
      return eval_args_in_order(t, i + 1, n, out, f, k);
    });
  }

  bool eval_args_ordered(const Term& t, size_t n, std::vector<Value>& out, Frame& f, Cont k) {
    std::vector<size_t> order;
    for (size_t j = 0; j < n; ++j)
      if (!is_unbound_var(*t.args[j], f)) order.push_back(j);
    for (size_t j = 0; j < n; ++j)
      if (is_unbound_var(*t.args[j], f)) order.push_back(j);
    return eval_args_by(t, order, 0, out, f, k);
  }

  bool eval_args_by(const Term& t, const std::vector<size_t>& order, size_t i,
                    std::vector<Value>& out, Frame& f, Cont k) {
    if (i == order.size()) return k();
    size_t j = order[i];
    return eval_term(*t.args[j], f, [&](const Value& v) {
      out[j] = v;
      return eval_args_by(t, order, i + 1, out, f, k);
    });
  }

  bool eval_term(const Term& t, Frame& f, ValueCont k) {
    switch (t.kind) {
      case TermKind::Scalar:
        return k(t.value);
      case TermKind::Var:
        if (t.scope != VarScope::Local)
          fail("rego_compile_error", "unresolved var " + t.name, t.loc);
        if (!f.bound[static_cast<size_t>(t.slot)]) {
          fail("rego_unsafe_var_error", "var " + t.name + " is unsafe", t.loc);
        }
        return k(f.values[static_cast<size_t>(t.slot)]);
      case TermKind::Ref:
        return eval_ref(t, f, k);
      case TermKind::Array: {
        std::vector<Value> items(t.args.size());
        return eval_args(t, 0, t.args.size(), items, f, [&]() { return k(Value::array(items)); });
      }
      case TermKind::Set: {
        std::vector<Value> items(t.args.size());
        return eval_args(t, 0, t.args.size(), items, f, [&]() { return k(Value::set(items)); });
      }
      case TermKind::Object: {
        std::vector<Value> items(t.args.size());
        return eval_args(t, 0, t.args.size(), items, f, [&]() {
          std::vector<ObjectEntry> entries;
          entries.reserve(items.size() / 2);
          for (size_t i = 0; i + 1 < items.size(); i += 2)
            entries.emplace_back(items[i], items[i + 1]);
          return k(Value::object(std::move(entries)));
        });
      }
      case TermKind::Call: {
        if (t.call_key == "print" && !t.builtin && !t.function) return eval_print(t, f, k);
        std::vector<Value> args(t.args.size());
        return eval_args(t, 0, t.args.size(), args, f, [&]() { return call(t, args, k); });
      }
      case TermKind::ArrayCompr: {
        std::vector<Value> items;
        eval_body(*t.body, 0, f, [&]() {
          return eval_term(*t.args[0], f, [&](const Value& v) {
            items.push_back(v);
            return true;
          });
        });
        return k(Value::array(std::move(items)));
      }
      case TermKind::SetCompr: {
        std::vector<Value> items;
        eval_body(*t.body, 0, f, [&]() {
          return eval_term(*t.args[0], f, [&](const Value& v) {
            items.push_back(v);
            return true;
          });
        });
        return k(Value::set(std::move(items)));
      }
      case TermKind::ObjectCompr: {
        std::vector<ObjectEntry> entries;
        eval_body(*t.body, 0, f, [&]() {
          return eval_term(*t.args[0], f, [&](const Value& key) {
            return eval_term(*t.args[1], f, [&](const Value& val) {
              for (const auto& e : entries) {
                if (e.first == key && e.second != val) {
                  fail("eval_conflict_error", "object keys must be unique", t.loc);
                }
              }
              entries.emplace_back(key, val);
              return true;
            });
          });
        });
        return k(Value::object(std::move(entries)));
      }
      case TermKind::Template:
        return eval_template(t, f, k);
    }
    return true;
  }

  // print(a, b, ...): writes the arguments (undefined ones as <undefined>) separated by spaces
  // to the print sink, and is always true, as in OPA.
  bool eval_print(const Term& t, Frame& f, ValueCont k) {
    std::string line;
    for (size_t i = 0; i < t.args.size(); ++i) {
      std::optional<Value> v = first_value(*t.args[i], f);
      if (i) line += " ";
      line += v ? to_display_text(*v) : "<undefined>";
    }
    if (bctx_.print) bctx_.print(line);
    return k(Value::boolean(true));
  }

  bool eval_template(const Term& t, Frame& f, ValueCont k) {
    std::string out;
    for (size_t i = 0; i < t.parts.size(); ++i) {
      if (!t.parts[i]) {
        out += t.args[i]->value.as_string();
        continue;
      }
      const Body& part = *t.parts[i];
      std::optional<Value> v;
      // The part is one expression; its value is the value of its term.
      const Expr& e = part.exprs[0];
      v = e.with.empty() ? first_value(*e.term, f) : eval_term_with(e, f);
      out += v ? to_display_text(*v) : "<undefined>";
    }
    return k(Value::string(std::move(out)));
  }

  // Value of an expression's term evaluated under its `with` modifiers.
  std::optional<Value> eval_term_with(const Expr& e, Frame& f) {
    Context next;
    next.input = ctx_->input;
    next.data_overrides = ctx_->data_overrides;
    next.mocks = ctx_->mocks;
    next.cache.resize(static_cast<size_t>(prog_.node_count));
    for (const auto& w : e.with) {
      if (!w.mock_key.empty()) {
        Mock m;
        if (w.value_function)
          m.function = w.value_function;
        else if (w.value_builtin)
          m.builtin = w.value_builtin;
        else
          m.value = first_value(*w.value, f);
        next.mocks[w.mock_key] = std::move(m);
        continue;
      }
      std::optional<Value> v = first_value(*w.value, f);
      if (!v) return std::nullopt;
      std::vector<std::string> path;
      for (size_t j = 1; j < w.target->args.size(); ++j)
        path.push_back(w.target->args[j]->value.as_string());
      if (w.target->scope == VarScope::Input) {
        next.input = path.empty() ? *v : upsert(next.input ? *next.input : kEmptyObject, path, *v);
      } else {
        next.data_overrides.emplace_back(std::move(path), std::move(*v));
      }
    }
    Context* saved = ctx_;
    ctx_ = &next;
    std::optional<Value> out;
    try {
      out = first_value(*e.term, f);
    } catch (...) {
      ctx_ = saved;
      throw;
    }
    ctx_ = saved;
    return out;
  }

  // ---- calls
  bool call(const Term& t, const std::vector<Value>& args_in, ValueCont k) {
    size_t n =
        t.builtin ? t.builtin->params.size() : (t.function ? t.function->arity() : args_in.size());
    std::span<const Value> args(args_in.data(), std::min(n, args_in.size()));
    const Builtin* builtin = t.builtin;
    const DataNode* function = t.function;
    std::string suspended_key;
    // Inside a mock function, calls reach the originals (a mock never calls another mock).
    if (!ctx_->mocks.empty()) {
      auto it = ctx_->mocks.find(t.call_key);
      if (it != ctx_->mocks.end()) {
        suspended_key = t.call_key;
        const Mock& m = it->second;
        if (m.value) return k(*m.value);
        builtin = m.builtin;
        function = m.function;
        // A mock function may take the arguments even if the original was a built-in.
        if (function)
          args =
              std::span<const Value>(args_in.data(), std::min(args_in.size(), function->arity()));
      }
    }
    if (function) {
      // Inside a mock, calls of the mocked name reach the original.
      if (suspended_key.empty()) {
        auto v = call_function(*function, args, t.loc);
        return v ? k(*v) : true;
      }
      Context plain;
      plain.input = ctx_->input;
      plain.data_overrides = ctx_->data_overrides;
      plain.cache.resize(static_cast<size_t>(prog_.node_count));
      Context* saved = ctx_;
      ctx_ = &plain;
      std::optional<Value> v;
      try {
        v = call_function(*function, args, t.loc);
      } catch (...) {
        ctx_ = saved;
        throw;
      }
      ctx_ = saved;
      return v ? k(*v) : true;
    }
    if (!builtin) {
      fail("eval_builtin_error",
           t.name +
               ": not available in the embedded engine (network built-ins are left out on "
               "purpose); only calls replaced with `with` can run",
           t.loc);
    }
    BuiltinResult r = builtin->fn(args, bctx_);
    if (auto* v = std::get_if<Value>(&r)) {
      if (builtin->relation) {
        for (const auto& item : v->items())
          if (!k(item)) return false;
        return true;
      }
      return k(*v);
    }
    if (auto* err = std::get_if<BuiltinError>(&r)) {
      if (bctx_.strict) fail(err->code, err->message, t.loc);
      return true;  // non-strict: a failing built-in is undefined
    }
    return true;
  }

  std::optional<Value> call_function(const DataNode& node, std::span<const Value> args,
                                     const Location& loc) {
    for (const DataNode* active : call_stack_) {
      if (active == &node) {
        fail("rego_recursion_error", "function data." + join(node.path) + " is recursive", loc);
      }
    }
    call_stack_.push_back(&node);
    std::optional<Value> result;
    for (const auto& rule : node.functions) {
      for (const Rule* r = rule.get(); r; r = r->else_rule.get()) {
        bool produced = false;
        Frame f(r->frame_size);
        match_params(*r, args, 0, f, [&]() {
          return eval_rule_body(*r, f, [&]() {
            return eval_term(*r->value_or_true(), f, [&](const Value& v) {
              produced = true;
              if (result && *result != v) {
                call_stack_.pop_back();
                fail("eval_conflict_error",
                     "functions must not produce multiple outputs for same inputs", r->loc);
              }
              result = v;
              return !r->constant_value;
            });
          });
        });
        if (produced) break;  // else branches only when this one is undefined
      }
    }
    if (!result && node.default_rule) {
      Frame f(node.default_rule->frame_size);
      result = first_value(*node.default_rule->value, f);
    }
    call_stack_.pop_back();
    return result;
  }

  bool match_params(const Rule& r, std::span<const Value> args, size_t i, Frame& f, Cont k) {
    if (i == r.params.size()) return k();
    if (i >= args.size()) return true;
    return match(*r.params[i], args[i], f, [&]() { return match_params(r, args, i + 1, f, k); });
  }

  bool eval_rule_body(const Rule& r, Frame& f, Cont k) {
    if (!r.body) return k();
    return eval_body(*r.body, 0, f, k);
  }

  static std::string join(const std::vector<std::string>& path) {
    std::string out;
    for (size_t i = 0; i < path.size(); ++i) out += (i ? "." : "") + path[i];
    return out;
  }

  // ---- references
  bool eval_ref(const Term& t, Frame& f, ValueCont k) {
    if (t.scope == VarScope::Input) {
      if (!ctx_->input) return true;
      return walk_value(*ctx_->input, t, 1, f, k);
    }
    if (t.scope == VarScope::Data) return eval_data(*prog_.root, t, 1, f, k);
    return eval_term(*t.args[0], f,
                     [&](const Value& head) { return walk_value(head, t, 1, f, k); });
  }

  // data_doc: v is (part of) a document under data, whose objects have string keys only; OPA
  // finds "2" for data.x[2] there.
  bool walk_value(const Value& v, const Term& t, size_t i, Frame& f, ValueCont k,
                  bool data_doc = false) {
    if (i == t.args.size()) return k(v);
    const Term& p = *t.args[i];
    if (is_unbound_var(p, f)) {
      return iterate(v, [&](const Value& key, const Value& child) {
        bind(f, p.slot, key);
        bool r = walk_value(child, t, i + 1, f, k);
        unbind(f, p.slot);
        return r;
      });
    }
    if (is_pattern(p, f)) {
      return iterate(v, [&](const Value& key, const Value& child) {
        return match(p, key, f, [&]() { return walk_value(child, t, i + 1, f, k); });
      });
    }
    auto step = [&](const Value& key) {
      Value scratch;
      const Value* child = lookup(v, key, scratch);
      if (!child && data_doc && v.is_object() && key.is_integer())
        child = v.find(key.number_text());
      if (!child) return true;
      Value keep = *child;  // v may be a temporary owned by the caller's frame
      return walk_value(keep, t, i + 1, f, k, data_doc);
    };
    if (p.kind == TermKind::Scalar) return step(p.value);
    return eval_term(p, f, step);
  }

  // Overrides from `with data...`: the value at `path` if an override covers it.
  // Returns 0 when none applies, 1 with *out set, 2 when the covered value is undefined.
  int overridden(const std::vector<std::string>& path, Value& out) {
    const auto& ov = ctx_->data_overrides;
    for (auto it = ov.rbegin(); it != ov.rend(); ++it) {
      const auto& [opath, value] = *it;
      if (opath.size() > path.size()) continue;
      if (!std::equal(opath.begin(), opath.end(), path.begin())) continue;
      Value cur = value;
      for (size_t j = opath.size(); j < path.size(); ++j) {
        const Value* child = cur.find(path[j]);
        if (!child) return 2;
        Value next = *child;
        cur = next;
      }
      out = cur;
      return 1;
    }
    return 0;
  }

  bool has_deeper_override(const std::vector<std::string>& path) const {
    for (const auto& [opath, _] : ctx_->data_overrides) {
      if (opath.size() > path.size() && std::equal(path.begin(), path.end(), opath.begin()))
        return true;
    }
    return false;
  }

  bool eval_data(const DataNode& node, const Term& t, size_t i, Frame& f, ValueCont k) {
    if (!ctx_->data_overrides.empty()) {
      Value ov;
      int r = overridden(node.path, ov);
      if (r == 1) return walk_value(ov, t, i, f, k);
      if (r == 2) return true;
    }
    if (node.has_rules()) {
      // Base documents take precedence over rules at the same path, as in OPA.
      if (const Value* base = base_at(node.path)) {
        Value keep = *base;
        return walk_value(keep, t, i, f, k);
      }
    }
    const Term* next = i < t.args.size() ? t.args[i].get() : nullptr;
    bool iterating = next && (is_unbound_var(*next, f) || is_pattern(*next, f));
    if (!iterating && (i == t.args.size() || node.has_rules() || node.is_function)) {
      auto v = node_value(node);
      if (!v) return true;
      Value keep = *v;
      return walk_value(keep, t, i, f, k);
    }
    const Term& p = *t.args[i];
    if (iterating) {
      auto v = node_value(node);
      if (!v) return true;
      Value keep = *v;
      const auto& order = ctx_->cache[static_cast<size_t>(node.id)].key_order;
      if (is_unbound_var(p, f) && keep.is_object() && order.size() == keep.size()) {
        std::vector<Value> keys = order;  // the cache may change while we iterate
        for (const auto& key : keys) {
          const Value* child = keep.find(key);
          if (!child) continue;
          bind(f, p.slot, key);
          bool more = walk_value(*child, t, i + 1, f, k);
          unbind(f, p.slot);
          if (!more) return false;
        }
        return true;
      }
      return walk_value(keep, t, i, f, k);
    }
    auto step = [&](const Value& raw_key) {
      // Documents under data are JSON: integer keys name the same member as their text.
      Value key = raw_key;
      if (raw_key.is_number() && raw_key.is_integer()) key = Value::string(raw_key.number_text());
      if (key.is_string()) {
        if (const DataNode* child = node.child(key.as_string()))
          return eval_data(*child, t, i + 1, f, k);
      }
      if (key.is_string() && has_deeper_override(node.path)) {
        // Base data below this node with the overrides under it applied.
        std::vector<std::string> path = node.path;
        path.push_back(key.as_string());
        Value ov;
        int r = overridden(path, ov);
        if (r == 1) return walk_value(ov, t, i + 1, f, k);
        if (r == 2) return true;
        const Value* base = base_at(path);
        std::optional<Value> v;
        if (base) v = *base;
        for (const auto& [opath, value] : ctx_->data_overrides) {
          if (opath.size() > path.size() && std::equal(path.begin(), path.end(), opath.begin())) {
            v = upsert(v ? *v : kEmptyObject,
                       std::span<const std::string>(opath).subspan(path.size()), value);
          }
        }
        if (!v) return true;
        Value keep = *v;
        return walk_value(keep, t, i + 1, f, k);
      }
      const Value* base = base_at(node.path);
      if (!base) return true;
      Value scratch;
      const Value* c = lookup(*base, key, scratch);
      if (!c) return true;
      Value keep = *c;
      return walk_value(keep, t, i + 1, f, k, true);
    };
    if (p.kind == TermKind::Scalar) return step(p.value);
    return eval_term(p, f, step);
  }

  const Value* base_at(const std::vector<std::string>& path) const {
    const Value* cur = &data_;
    for (const auto& key : path) {
      cur = cur->find(key);
      if (!cur) return nullptr;
    }
    return cur;
  }

  // ---- virtual documents
  std::optional<Value> node_value(const DataNode& node) {
    if (!ctx_->data_overrides.empty()) {
      Value ov;
      int r = overridden(node.path, ov);
      if (r == 1) return ov;
      if (r == 2) return std::nullopt;
    }
    CacheEntry& entry = ctx_->cache[static_cast<size_t>(node.id)];
    if (entry.state == 2) return entry.value;
    if (entry.state == 1) {
      fail("rego_recursion_error", "rule data." + join(node.path) + " is recursive",
           node.rules.empty() ? Location{} : node.rules[0]->loc);
    }
    entry.state = 1;
    std::optional<Value> v;
    try {
      v = compute_node(node);
    } catch (...) {
      ctx_->cache[static_cast<size_t>(node.id)].state = 0;
      throw;
    }
    if (v && has_deeper_override(node.path)) {
      for (const auto& [opath, value] : ctx_->data_overrides) {
        if (opath.size() > node.path.size() &&
            std::equal(node.path.begin(), node.path.end(), opath.begin())) {
          v = upsert(*v, std::span<const std::string>(opath).subspan(node.path.size()), value);
        }
      }
    }
    CacheEntry& done = ctx_->cache[static_cast<size_t>(node.id)];
    done.state = 2;
    done.value = v;
    return v;
  }

  std::optional<Value> compute_node(const DataNode& node) {
    RuleKind kind = RuleKind::Object;
    if (!node.rules.empty())
      kind = node.rules[0]->kind;
    else if (node.default_rule && !node.is_function)
      kind = RuleKind::Complete;
    if (node.is_function) return std::nullopt;  // functions are not values
    if (kind == RuleKind::Complete) return eval_complete(node);
    if (kind == RuleKind::PartialSet) return eval_partial_set(node);
    return eval_object_node(node);
  }

  std::optional<Value> eval_complete(const DataNode& node) {
    std::optional<Value> result;
    for (const auto& rule : node.rules) {
      for (const Rule* r = rule.get(); r; r = r->else_rule.get()) {
        bool produced = false;
        Frame f(r->frame_size);
        eval_rule_body(*r, f, [&]() {
          return eval_term(*r->value_or_true(), f, [&](const Value& v) {
            produced = true;
            if (result && *result != v) {
              fail("eval_conflict_error", "complete rules must not produce multiple outputs",
                   r->loc);
            }
            result = v;
            return !r->constant_value;
          });
        });
        if (produced) break;
      }
    }
    if (!result && node.default_rule) {
      Frame f(node.default_rule->frame_size);
      result = first_value(*node.default_rule->value, f);
    }
    return result;
  }

  std::optional<Value> eval_partial_set(const DataNode& node) {
    std::vector<Value> items;
    for (const auto& r : node.rules) {
      Frame f(r->frame_size);
      eval_rule_body(*r, f, [&]() {
        return eval_term(*r->key, f, [&](const Value& v) {
          items.push_back(v);
          return true;
        });
      });
    }
    return Value::set(std::move(items));
  }

  // A path of keys below the node and the value there, from one rule solution or a child.
  struct Leaf {
    std::vector<Value> keys;
    Value value;
    Location loc;
    bool mergeable = false;   // from base data or a child node: may merge with deeper leaves
    bool set_member = false;  // an element of a set at this path (ref head `contains`)
  };

  bool eval_head_keys(const Rule& r, size_t i, std::vector<Value>& keys, Frame& f, Cont k) {
    if (i == r.head_ref.size()) return k();
    return eval_term(*r.head_ref[i], f, [&](const Value& key) {
      keys.push_back(key);
      bool more = eval_head_keys(r, i + 1, keys, f, k);
      keys.pop_back();
      return more;
    });
  }

  std::optional<Value> eval_object_node(const DataNode& node) {
    std::vector<Leaf> leaves;
    bool defined = !node.rules.empty() || !node.children.empty() || node.is_package;
    const Value* base = base_at(node.path);
    if (base && !base->is_object() && node.rules.empty() && node.children.empty()) return *base;
    if (base && base->is_object()) {
      defined = true;
      for (const auto& [key, v] : base->entries())
        leaves.push_back(Leaf{{key}, v, {}, true, false});
    }
    for (const auto& [name, child] : node.children) {
      if (child->is_function) continue;
      auto cv = node_value(*child);
      if (!cv) continue;
      Value key = Value::string(name);
      // Base data and rules under the same key merge as objects.
      bool merged = false;
      for (auto& leaf : leaves) {
        if (leaf.keys.size() == 1 && leaf.keys[0] == key) {
          leaf.value = merge_objects(leaf.value, *cv);
          merged = true;
        }
      }
      if (!merged) leaves.push_back(Leaf{{key}, *cv, {}, true, false});
    }
    for (const auto& rule : node.rules) {
      for (const Rule* r = rule.get(); r; r = r->else_rule.get()) {
        bool produced = false;
        Frame f(r->frame_size);
        eval_rule_body(*r, f, [&]() {
          std::vector<Value> keys;
          return eval_head_keys(*r, r->static_len, keys, f, [&]() {
            const Term& value = r->set_leaf ? *r->key : *r->value_or_true();
            return eval_term(value, f, [&](const Value& v) {
              produced = true;
              leaves.push_back(Leaf{keys, v, r->loc, false, r->set_leaf});
              return true;
            });
          });
        });
        if (produced) break;
      }
    }
    if (!defined && leaves.empty()) return std::nullopt;
    if (!node.rules.empty()) {
      std::vector<Value>& order = ctx_->cache[static_cast<size_t>(node.id)].key_order;
      order.clear();
      for (const auto& leaf : leaves) {
        if (std::find(order.begin(), order.end(), leaf.keys[0]) == order.end())
          order.push_back(leaf.keys[0]);
      }
    }
    return build_object(leaves, 0, leaves.size(), 0);
  }

  // Merges rule results (b) into base data (a); base data wins where both define a leaf.
  static Value merge_objects(const Value& a, const Value& b) {
    if (!a.is_object() || !b.is_object()) return a;
    std::vector<ObjectEntry> entries(a.entries().begin(), a.entries().end());
    for (const auto& [k, v] : b.entries()) {
      bool found = false;
      for (auto& e : entries) {
        if (e.first == k) {
          e.second = merge_objects(e.second, v);
          found = true;
        }
      }
      if (!found) entries.emplace_back(k, v);
    }
    return Value::object(std::move(entries));
  }

  // Builds the object for leaves[from, to), all sharing keys[0, depth).
  Value build_object(std::vector<Leaf>& leaves, size_t from, size_t to, size_t depth) {
    std::stable_sort(
        leaves.begin() + static_cast<long>(from), leaves.begin() + static_cast<long>(to),
        [depth](const Leaf& a, const Leaf& b) { return a.keys[depth] < b.keys[depth]; });
    std::vector<ObjectEntry> entries;
    size_t i = from;
    while (i < to) {
      size_t j = i + 1;
      while (j < to && leaves[j].keys[depth] == leaves[i].keys[depth]) ++j;
      // Group [i, j) shares this key.
      bool any_leaf_here = false, any_deeper = false;
      for (size_t x = i; x < j; ++x) {
        if (leaves[x].keys.size() == depth + 1)
          any_leaf_here = true;
        else
          any_deeper = true;
      }
      if (any_leaf_here && any_deeper) {
        // Objects from base data or child rules merge with deeper rule results.
        std::vector<Leaf> expanded;
        for (size_t x = i; x < j; ++x) {
          Leaf& l = leaves[x];
          if (l.keys.size() > depth + 1) {
            expanded.push_back(l);
          } else if (l.mergeable && l.value.is_object()) {
            for (const auto& [k2, v2] : l.value.entries()) {
              Leaf e = l;
              e.keys.push_back(k2);
              e.value = v2;
              expanded.push_back(std::move(e));
            }
          } else {
            fail("eval_conflict_error", "object keys must be unique", l.loc);
          }
        }
        entries.emplace_back(leaves[i].keys[depth],
                             build_object(expanded, 0, expanded.size(), depth + 1));
        i = j;
        continue;
      }
      bool set_leaves = false;
      for (size_t x = i; x < j; ++x) set_leaves |= leaves[x].set_member;
      if (any_leaf_here && set_leaves) {
        std::vector<Value> items;
        for (size_t x = i; x < j; ++x) {
          const Leaf& l = leaves[x];
          if (l.set_member)
            items.push_back(l.value);
          else if (l.value.is_set())
            items.insert(items.end(), l.value.items().begin(), l.value.items().end());
          else
            fail("eval_conflict_error", "object keys must be unique", l.loc);
        }
        entries.emplace_back(leaves[i].keys[depth], Value::set(std::move(items)));
        i = j;
        continue;
      }
      if (any_leaf_here) {
        for (size_t x = i + 1; x < j; ++x) {
          if (leaves[x].value != leaves[i].value) {
            fail("eval_conflict_error", "object keys must be unique", leaves[x].loc);
          }
        }
        entries.emplace_back(leaves[i].keys[depth], leaves[i].value);
      } else {
        entries.emplace_back(leaves[i].keys[depth], build_object(leaves, i, j, depth + 1));
      }
      i = j;
    }
    return Value::object_sorted(std::move(entries));
  }

  const Program& prog_;
  const Value& data_;
  const EvalOptions& opts_;
  BuiltinContext bctx_;
  std::map<std::string, Value> memo_;
  Context root_ctx_;
  Context* ctx_;
  std::vector<const DataNode*> call_stack_;
  const Body* query_body_ = nullptr;
  std::vector<std::optional<Value>> expr_values_;
};

}  // namespace

std::vector<QueryResult> evaluate(const Program& program, const Value& data,
                                  const CompiledQuery& query, const EvalOptions& options) {
  Evaluator ev(program, data, options);
  return ev.run(query);
}

}  // namespace mcpgw::policy::rego
