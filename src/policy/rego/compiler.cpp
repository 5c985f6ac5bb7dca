#include "policy/rego/compiler.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>

#include "policy/rego/errors.h"
#include "policy/rego/parser.h"

namespace mcpgw::policy::rego {
namespace {

using Slots = std::vector<bool>;

std::string join_path(const std::vector<std::string>& path) {
  std::string out = "data";
  for (const auto& p : path) out += "." + p;
  return out;
}

DataNode* ensure_node(Program& prog, const std::vector<std::string>& path) {
  DataNode* node = prog.root.get();
  for (const auto& name : path) {
    auto it = node->children.find(name);
    if (it == node->children.end()) {
      auto child = std::make_unique<DataNode>();
      child->name = name;
      child->path = node->path;
      child->path.push_back(name);
      child->id = prog.node_count++;
      it = node->children.emplace(name, std::move(child)).first;
    }
    node = it->second.get();
  }
  return node;
}

const DataNode* find_node(const Program& prog, const std::vector<std::string>& path) {
  const DataNode* node = prog.root.get();
  for (const auto& name : path) {
    node = node->child(name);
    if (!node) return nullptr;
  }
  return node;
}

std::vector<std::string> split_dots(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    out.push_back(s.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

bool is_ground_term(const Term& t) {
  switch (t.kind) {
    case TermKind::Scalar:
      return true;
    case TermKind::Array:
    case TermKind::Set:
    case TermKind::Object:
      return std::all_of(t.args.begin(), t.args.end(),
                         [](const TermPtr& a) { return is_ground_term(*a); });
    default:
      return false;
  }
}

// Folds constant composite literals into Scalar terms so the evaluator sees plain values.
void fold_constants(Term& t) {
  if (t.kind != TermKind::Array && t.kind != TermKind::Set && t.kind != TermKind::Object) return;
  if (!is_ground_term(t)) return;
  Value v;
  if (t.kind == TermKind::Array) {
    std::vector<Value> items;
    for (auto& a : t.args) items.push_back(a->value);
    v = Value::array(std::move(items));
  } else if (t.kind == TermKind::Set) {
    std::vector<Value> items;
    for (auto& a : t.args) items.push_back(a->value);
    v = Value::set(std::move(items));
  } else {
    std::vector<ObjectEntry> entries;
    for (size_t i = 0; i + 1 < t.args.size(); i += 2)
      entries.emplace_back(t.args[i]->value, t.args[i + 1]->value);
    v = Value::object(std::move(entries));
  }
  t.kind = TermKind::Scalar;
  t.value = std::move(v);
  t.args.clear();
  t.ground = true;
}

struct Scope {
  Scope* parent = nullptr;
  std::map<std::string, int> names;
  // Where a name was declared (`:=`, some): nested bodies of earlier expressions do not see it.
  std::map<std::string, int> decl_at;
  int visible_limit = 1 << 30;  // while resolving nested bodies of expression N: N
};

// Compiles the bodies of one rule (or one query): resolves names and orders expressions.
class BodyCompiler {
 public:
  BodyCompiler(const Program& prog, const Module* mod, const std::set<std::string>* rule_names,
               const std::set<std::string>* mocked = nullptr)
      : prog_(prog), mod_(mod), rule_names_(rule_names), mocked_(mocked) {}

  int frame_size() const { return next_slot_; }

  // OPA's strict check: a var assigned with := and never used again.
  void check_unused_assignments(const Rule& r) {
    std::vector<int> uses(static_cast<size_t>(next_slot_), 0);
    std::function<void(const Term&)> count = [&](const Term& t) {
      if (t.kind == TermKind::Var && t.scope == VarScope::Local && t.slot >= 0)
        ++uses[static_cast<size_t>(t.slot)];
      for (const auto& a : t.args)
        if (a) count(*a);
      if (t.body) count_body(*t.body, count);
      for (const auto& p : t.parts)
        if (p) count_body(*p, count);
    };
    for (const auto& t : r.head_ref) count(*t);
    for (const auto& t : r.params) count(*t);
    if (r.key) count(*r.key);
    if (r.value) count(*r.value);
    if (r.body) count_body(*r.body, count);
    for (const auto& [slot, loc] : assigned_) {
      // The declaration itself is one use.
      if (uses[static_cast<size_t>(slot)] <= 1) {
        fail("rego_compile_error",
             "assigned var " + slot_names_[static_cast<size_t>(slot)] + " unused", loc);
      }
    }
  }

  static void count_body(const Body& b, const std::function<void(const Term&)>& count) {
    for (const auto& e : b.exprs) {
      if (e.term) count(*e.term);
      for (const auto& t : e.terms)
        if (t) count(*t);
      if (e.body) count_body(*e.body, count);
      for (const auto& w : e.with) count(*w.value);
    }
  }
  const std::vector<std::string>& slot_names() const { return slot_names_; }

  // Declares the vars of function parameters in the root scope and marks them bound.
  void declare_params(Scope& root, std::vector<TermPtr>& params) {
    for (auto& p : params) declare_pattern(root, *p);
    for (auto& p : params) resolve_term(*p, root);
  }

  int new_slot(const std::string& name) {
    slot_names_.push_back(name);
    return next_slot_++;
  }

  // Resolves a body and the extra terms that belong to its scope (rule heads), then orders it.
  void compile_body(Body* body, Scope& scope, std::vector<TermPtr*> head_terms,
                    Slots initially_bound, const std::vector<TermPtr*>& must_be_bound) {
    if (body) body->scope_start = scope_start_for(scope);
    if (body) declare_body(*body, scope);
    if (body) resolve_direct(*body, scope);
    for (auto* t : head_terms) resolve_term(**t, scope);
    if (body) resolve_nested(*body, scope);
    for (auto* t : head_terms) resolve_nested_in_term(**t, scope);
    Slots bound = std::move(initially_bound);
    bound.resize(1024 + next_slot_, false);
    if (body) order_body(*body, bound);
    for (auto* t : must_be_bound) {
      Slots needs(bound.size(), false), outs(bound.size(), false);
      value_vars(**t, bound, needs, outs);
      report_unsafe(needs, (*t)->loc);
    }
  }

  Slots params_bound(const std::vector<TermPtr>& params) {
    Slots bound(1024 + next_slot_, false);
    for (const auto& p : params) mark_all_vars(*p, bound);
    return bound;
  }

  int current_scope_start_ = 0;

 private:
  int scope_start_for(Scope&) { return current_scope_start_; }

  [[noreturn]] void fail(const std::string& code, const std::string& msg, const Location& loc) {
    throw RegoError(code, msg, loc);
  }

  // ---- declarations: `:=` targets, `some` vars, `some ... in` patterns shadow outer names.
  void declare_pattern(Scope& scope, Term& t, int at = -1) {
    if (t.kind == TermKind::Var) {
      if (t.wildcard) return;
      if (t.name == "input" || t.name == "data") return;
      scope.names[t.name] = new_slot(t.name);
      if (at >= 0) scope.decl_at[t.name] = at;
      return;
    }
    if (t.kind == TermKind::Array) {
      for (auto& a : t.args) declare_pattern(scope, *a, at);
    } else if (t.kind == TermKind::Object) {
      for (size_t i = 1; i < t.args.size(); i += 2) declare_pattern(scope, *t.args[i], at);
    }
  }

  void declare_body(Body& b, Scope& scope) {
    for (size_t j = 0; j < b.exprs.size(); ++j) {
      auto& e = b.exprs[j];
      int at = static_cast<int>(j);
      if (e.kind == ExprKind::SomeDecl) {
        for (auto& t : e.terms) declare_pattern(scope, *t, at);
      } else if (e.kind == ExprKind::SomeIn) {
        if (e.terms[0]) declare_pattern(scope, *e.terms[0], at);
        declare_pattern(scope, *e.terms[1], at);
      } else if (e.kind == ExprKind::Term && e.term->kind == TermKind::Call &&
                 e.term->name == "assign") {
        const Term& lhs = *e.term->args[0];
        if (lhs.kind == TermKind::Var && !lhs.wildcard && scope.names.count(lhs.name) &&
            scope.parent == nullptr && false) {
          // (re-assignment is reported below by the evaluator of the rule)
        }
        size_t before = slot_names_.size();
        declare_pattern(scope, *e.term->args[0], at);
        for (size_t k = before; k < slot_names_.size(); ++k) {
          assigned_.emplace_back(static_cast<int>(k), e.term->args[0]->loc);
        }
      }
    }
  }

  // ---- name resolution
  std::optional<std::vector<std::string>> global_path(const std::string& name) {
    if (name == "input") return std::vector<std::string>{"input"};
    if (name == "data") return std::vector<std::string>{"data"};
    if (mod_) {
      for (const auto& imp : mod_->imports) {
        if (imp.alias == name && (imp.path[0] == "data" || imp.path[0] == "input")) return imp.path;
      }
      if (rule_names_ && rule_names_->count(name)) {
        std::vector<std::string> path{"data"};
        path.insert(path.end(), mod_->package.begin(), mod_->package.end());
        path.push_back(name);
        return path;
      }
    }
    return std::nullopt;
  }

  std::optional<int> lookup(Scope& scope, const std::string& name) {
    for (Scope* s = &scope; s; s = s->parent) {
      auto it = s->names.find(name);
      if (it == s->names.end()) continue;
      if (s != &scope) {
        auto d = s->decl_at.find(name);
        if (d != s->decl_at.end() && d->second >= s->visible_limit) continue;
      }
      return it->second;
    }
    return std::nullopt;
  }

  // Turns a Var or the head of a Ref into a global reference when it names one.
  void resolve_var(Term& t, Scope& scope) {
    if (t.wildcard) {
      t.scope = VarScope::Local;
      t.slot = new_slot("_");
      return;
    }
    if (auto slot = lookup(scope, t.name)) {
      t.scope = VarScope::Local;
      t.slot = *slot;
      return;
    }
    if (auto path = global_path(t.name)) {
      auto head = std::make_shared<Term>(t);
      head->kind = TermKind::Var;
      head->args.clear();
      t.kind = TermKind::Ref;
      t.scope = (*path)[0] == "input" ? VarScope::Input : VarScope::Data;
      t.args.clear();
      t.args.push_back(head);
      for (size_t i = 1; i < path->size(); ++i) {
        auto s = std::make_shared<Term>();
        s->kind = TermKind::Scalar;
        s->loc = t.loc;
        s->value = Value::string((*path)[i]);
        s->ground = true;
        t.args.push_back(s);
      }
      return;
    }
    t.scope = VarScope::Local;
    t.slot = new_slot(t.name);
    scope.names[t.name] = t.slot;
  }

  void resolve_ref(Term& t, Scope& scope) {
    Term& head = *t.args[0];
    if (head.kind == TermKind::Var) {
      resolve_var(head, scope);
      if (head.kind == TermKind::Ref) {
        // Splice the global path in front of the rest of this ref.
        std::vector<TermPtr> args = head.args;
        for (size_t i = 1; i < t.args.size(); ++i) args.push_back(t.args[i]);
        t.scope = head.scope;
        t.args = std::move(args);
      } else {
        t.scope = VarScope::Local;
      }
    } else {
      resolve_term(head, scope);
      t.scope = VarScope::Local;
    }
    for (size_t i = 1; i < t.args.size(); ++i) resolve_term(*t.args[i], scope);
  }

  // Resolves vars outside nested bodies.
  void resolve_term(Term& t, Scope& scope) {
    switch (t.kind) {
      case TermKind::Scalar:
        t.ground = true;
        return;
      case TermKind::Var:
        resolve_var(t, scope);
        return;
      case TermKind::Ref:
        resolve_ref(t, scope);
        return;
      case TermKind::Array:
      case TermKind::Set:
      case TermKind::Object:
        for (auto& a : t.args) resolve_term(*a, scope);
        fold_constants(t);
        return;
      case TermKind::Call:
        for (auto& a : t.args) resolve_term(*a, scope);
        resolve_call(t);
        return;
      case TermKind::ArrayCompr:
      case TermKind::SetCompr:
      case TermKind::ObjectCompr:
      case TermKind::Template:
        return;  // nested bodies: resolve_nested
    }
  }

  void resolve_direct(Body& b, Scope& scope) {
    for (auto& e : b.exprs) {
      if (e.kind == ExprKind::Every) {
        resolve_term(*e.terms[2], scope);
      } else {
        if (e.term) resolve_term(*e.term, scope);
        for (auto& t : e.terms)
          if (t) resolve_term(*t, scope);
      }
      for (auto& w : e.with) {
        resolve_with_target(w, scope);
        resolve_term(*w.value, scope);
      }
    }
  }

  void resolve_nested(Body& b, Scope& scope) {
    for (size_t j = 0; j < b.exprs.size(); ++j) {
      auto& e = b.exprs[j];
      scope.visible_limit = static_cast<int>(j);
      if (e.term) resolve_nested_in_term(*e.term, scope);
      for (auto& t : e.terms)
        if (t) resolve_nested_in_term(*t, scope);
      for (auto& w : e.with) resolve_nested_in_term(*w.value, scope);
      if (e.kind == ExprKind::Every) {
        Scope inner{&scope, {}};
        int saved = current_scope_start_;
        current_scope_start_ = next_slot_;
        if (e.terms[0]) declare_pattern(inner, *e.terms[0]);
        declare_pattern(inner, *e.terms[1]);
        if (e.terms[0]) resolve_term(*e.terms[0], inner);
        resolve_term(*e.terms[1], inner);
        Slots bound(1024 + next_slot_, false);
        if (e.terms[0]) mark_all_vars(*e.terms[0], bound);
        mark_all_vars(*e.terms[1], bound);
        compile_nested(e.body.get(), inner, {}, std::move(bound));
        current_scope_start_ = saved;
      }
    }
    scope.visible_limit = 1 << 30;
  }

  void compile_nested(Body* body, Scope& scope, std::vector<TermPtr*> heads, Slots extra_bound) {
    body->scope_start = current_scope_start_;
    declare_body(*body, scope);
    resolve_direct(*body, scope);
    for (auto* t : heads) resolve_term(**t, scope);
    resolve_nested(*body, scope);
    for (auto* t : heads) resolve_nested_in_term(**t, scope);
    // Everything from enclosing bodies is bound by the time this body runs.
    Slots bound(1024 + next_slot_, false);
    for (int i = 0; i < body->scope_start; ++i) bound[i] = true;
    for (size_t i = 0; i < extra_bound.size() && i < bound.size(); ++i)
      if (extra_bound[i]) bound[i] = true;
    order_body(*body, bound);
    for (auto* t : heads) {
      Slots needs(bound.size(), false), outs(bound.size(), false);
      value_vars(**t, bound, needs, outs);
      report_unsafe(needs, (*t)->loc);
    }
  }

  void resolve_nested_in_term(Term& t, Scope& scope) {
    switch (t.kind) {
      case TermKind::ArrayCompr:
      case TermKind::SetCompr:
      case TermKind::ObjectCompr: {
        Scope inner{&scope, {}};
        int saved = current_scope_start_;
        current_scope_start_ = next_slot_;
        std::vector<TermPtr*> heads;
        for (auto& a : t.args) heads.push_back(&a);
        compile_nested(t.body.get(), inner, heads, {});
        current_scope_start_ = saved;
        return;
      }
      case TermKind::Template: {
        for (auto& part : t.parts) {
          if (!part) continue;
          Scope inner{&scope, {}};
          int saved = current_scope_start_;
          current_scope_start_ = next_slot_;
          compile_nested(part.get(), inner, {}, {});
          current_scope_start_ = saved;
        }
        return;
      }
      default:
        for (auto& a : t.args)
          if (a) resolve_nested_in_term(*a, scope);
    }
  }

  std::string call_text(const Term& t) { return t.name; }

  void resolve_call(Term& t) {
    const std::string& name = t.name;
    size_t nargs = t.args.size();
    if (name == "print" && !(rule_names_ && rule_names_->count("print"))) {
      t.call_key = "print";  // variadic; the evaluator handles it (undefined args print too)
      return;
    }
    // User functions: relative to the package, through an import, or absolute.
    std::vector<std::string> segs = split_dots(name);
    std::optional<std::vector<std::string>> path;
    if (segs[0] == "data") {
      path = std::vector<std::string>(segs.begin() + 1, segs.end());
    } else if (mod_) {
      for (const auto& imp : mod_->imports) {
        if (imp.alias == segs[0] && imp.path[0] == "data") {
          std::vector<std::string> p(imp.path.begin() + 1, imp.path.end());
          p.insert(p.end(), segs.begin() + 1, segs.end());
          path = p;
        }
      }
      if (!path && rule_names_ && rule_names_->count(segs[0])) {
        std::vector<std::string> p = mod_->package;
        p.insert(p.end(), segs.begin(), segs.end());
        path = p;
      }
    }
    if (path) {
      const DataNode* node = find_node(prog_, *path);
      if (node && node->is_function) {
        size_t arity = node->arity();
        if (nargs != arity && nargs != arity + 1) {
          fail("rego_type_error",
               "function " + join_path(*path) + " has arity " + std::to_string(arity) + ", got " +
                   std::to_string(nargs) + " arguments",
               t.loc);
        }
        t.function = const_cast<DataNode*>(node);
        t.call_key = join_path(*path);
        return;
      }
      if (segs[0] == "data" ||
          (!prog_.registry->find(name) && !(mocked_ && mocked_->count(name)))) {
        fail("rego_type_error", "undefined function " + name, t.loc);
      }
    }
    const Builtin* b = prog_.registry->find(name);
    if (!b && mocked_ && mocked_->count(name)) {
      t.call_key = name;  // runs only when a `with` replaces it
      return;
    }
    if (!b) fail("rego_type_error", "undefined function " + name, t.loc);
    size_t arity = b->params.size();
    if (nargs != arity && nargs != arity + 1) {
      fail("rego_type_error",
           name + ": arity mismatch: have " + std::to_string(nargs) + " arguments, want " +
               std::to_string(arity),
           t.loc);
    }
    // Constant arguments of a wrong kind are caught here, as OPA's type checker does.
    for (size_t i = 0; i < arity && i < nargs; ++i) {
      const Term& a = *t.args[i];
      if (a.kind == TermKind::Scalar && !(b->params[i] & type_of(a.value.kind()))) {
        fail("rego_type_error",
             name + ": invalid argument(s): operand " + std::to_string(i + 1) + " has type " +
                 std::string(a.value.type_name()),
             a.loc);
      }
    }
    t.builtin = b;
    t.call_key = name;
  }

  void resolve_with_target(WithModifier& w, Scope& scope) {
    Term& target = *w.target;
    std::string text;
    if (target.kind == TermKind::Var) {
      text = target.name;
    } else if (target.kind == TermKind::Ref && target.args[0]->kind == TermKind::Var) {
      text = target.args[0]->name;
      for (size_t i = 1; i < target.args.size(); ++i) {
        const Term& p = *target.args[i];
        if (p.kind != TermKind::Scalar || !p.value.is_string()) {
          fail("rego_compile_error", "with keyword target must be a reference with constant keys",
               w.loc);
        }
        text += "." + p.value.as_string();
      }
    } else {
      fail("rego_compile_error", "with keyword target must be a reference", w.loc);
    }
    std::vector<std::string> segs = split_dots(text);
    if (segs[0] == "input") {
      target.kind = TermKind::Ref;
      if (target.args.empty()) target.args.push_back(std::make_shared<Term>(target));
      target.scope = VarScope::Input;
      return;
    }
    // A function or built-in to replace?
    Term probe;
    probe.kind = TermKind::Call;
    probe.name = text;
    probe.loc = target.loc;
    bool is_function = false;
    try {
      std::vector<TermPtr> none;
      resolve_call_no_arity(probe);
      is_function = true;
    } catch (const RegoError&) {
    }
    if (is_function && segs[0] != "data") {
      w.mock_key = probe.call_key;
    } else if (is_function && probe.function) {
      w.mock_key = probe.call_key;
    } else if (segs[0] == "data" || (mod_ && global_path(segs[0]))) {
      resolve_term(target, scope);
      if (target.kind != TermKind::Ref || target.scope != VarScope::Data) {
        fail("rego_compile_error", "with keyword target must reference data or input", w.loc);
      }
      return;
    } else {
      // Unknown built-ins (such as network ones left out on purpose) may still be mocked.
      w.mock_key = text;
    }
    // The replacement: another function, or a value.
    Term& v = *w.value;
    std::string vtext;
    if (v.kind == TermKind::Var)
      vtext = v.name;
    else if (v.kind == TermKind::Ref && v.args[0]->kind == TermKind::Var) {
      vtext = v.args[0]->name;
      for (size_t i = 1; i < v.args.size(); ++i) {
        const Term& p = *v.args[i];
        if (p.kind != TermKind::Scalar || !p.value.is_string()) {
          vtext.clear();
          break;
        }
        vtext += "." + p.value.as_string();
      }
    }
    if (!vtext.empty() && !lookup(scope, split_dots(vtext)[0])) {
      Term vp;
      vp.kind = TermKind::Call;
      vp.name = vtext;
      vp.loc = v.loc;
      try {
        resolve_call_no_arity(vp);
        if (vp.function) {
          w.value_function = vp.function;
        } else if (vp.builtin) {
          w.value_builtin = vp.builtin;
        }
        if (w.value_function || w.value_builtin) {
          v.kind = TermKind::Scalar;
          v.value = Value::null();
          v.args.clear();
        }
      } catch (const RegoError&) {
      }
    }
  }

  // Like resolve_call but for names only (with targets): no arity checks.
  void resolve_call_no_arity(Term& t) {
    std::vector<std::string> segs = split_dots(t.name);
    std::optional<std::vector<std::string>> path;
    if (segs[0] == "data") {
      path = std::vector<std::string>(segs.begin() + 1, segs.end());
    } else if (mod_) {
      for (const auto& imp : mod_->imports) {
        if (imp.alias == segs[0] && imp.path[0] == "data") {
          std::vector<std::string> p(imp.path.begin() + 1, imp.path.end());
          p.insert(p.end(), segs.begin() + 1, segs.end());
          path = p;
        }
      }
      if (!path && rule_names_ && rule_names_->count(segs[0])) {
        std::vector<std::string> p = mod_->package;
        p.insert(p.end(), segs.begin(), segs.end());
        path = p;
      }
    }
    if (path) {
      const DataNode* node = find_node(prog_, *path);
      if (node && node->is_function) {
        t.function = const_cast<DataNode*>(node);
        t.call_key = join_path(*path);
        return;
      }
    }
    if (const Builtin* b = prog_.registry->find(t.name)) {
      t.builtin = b;
      t.call_key = t.name;
      return;
    }
    throw RegoError("rego_type_error", "undefined function " + t.name, t.loc);
  }

  // ---- safety: which slots an expression needs bound and which it binds
  void mark_all_vars(const Term& t, Slots& s) {
    if (t.kind == TermKind::Var && t.scope == VarScope::Local && t.slot >= 0) {
      if (static_cast<size_t>(t.slot) >= s.size()) s.resize(t.slot + 1024, false);
      s[t.slot] = true;
    }
    for (const auto& a : t.args)
      if (a) mark_all_vars(*a, s);
  }

  static void set(Slots& s, int slot) {
    if (static_cast<size_t>(slot) >= s.size()) s.resize(slot + 1024, false);
    s[slot] = true;
  }
  static bool get(const Slots& s, int slot) {
    return static_cast<size_t>(slot) < s.size() && s[slot];
  }

  // Slots referenced anywhere inside a nested body (for closures).
  void referenced_slots(const Term& t, std::vector<int>& out) {
    if (t.kind == TermKind::Var && t.scope == VarScope::Local && t.slot >= 0) out.push_back(t.slot);
    for (const auto& a : t.args)
      if (a) referenced_slots(*a, out);
    if (t.body) referenced_in_body(*t.body, out);
    for (const auto& p : t.parts)
      if (p) referenced_in_body(*p, out);
  }
  void referenced_in_body(const Body& b, std::vector<int>& out) {
    for (const auto& e : b.exprs) {
      if (e.term) referenced_slots(*e.term, out);
      for (const auto& t : e.terms)
        if (t) referenced_slots(*t, out);
      if (e.body) referenced_in_body(*e.body, out);
      for (const auto& w : e.with) referenced_slots(*w.value, out);
    }
  }

  void closure_needs(const Body& body, const Slots& bound, Slots& needs) {
    std::vector<int> refs;
    referenced_in_body(body, refs);
    for (int s : refs)
      if (s < body.scope_start && !get(bound, s)) set(needs, s);
  }

  void value_vars(const Term& t, const Slots& bound, Slots& needs, Slots& outs) {
    switch (t.kind) {
      case TermKind::Scalar:
        return;
      case TermKind::Var:
        if (t.scope == VarScope::Local && !get(bound, t.slot) && !get(outs, t.slot))
          set(needs, t.slot);
        return;
      case TermKind::Ref: {
        if (t.scope == VarScope::Local) value_vars(*t.args[0], bound, needs, outs);
        for (size_t i = 1; i < t.args.size(); ++i) {
          const Term& p = *t.args[i];
          if (p.kind == TermKind::Var && p.scope == VarScope::Local && !get(bound, p.slot)) {
            set(outs, p.slot);  // iteration binds it
          } else if (p.kind == TermKind::Array || p.kind == TermKind::Object) {
            pattern_vars(p, bound, needs, outs);  // iteration matches keys against it
          } else {
            value_vars(p, bound, needs, outs);
          }
        }
        return;
      }
      case TermKind::Array:
      case TermKind::Set:
      case TermKind::Object:
        for (const auto& a : t.args) value_vars(*a, bound, needs, outs);
        return;
      case TermKind::Call: {
        // Iteration in one argument binds vars another argument uses (`x == xs[x]`): the
        // evaluator evaluates such arguments last.
        Slots ignored(needs.size(), false);
        for (const auto& a : t.args) value_vars(*a, bound, ignored, outs);
        for (const auto& a : t.args) value_vars(*a, bound, needs, outs);
        return;
      }
      case TermKind::ArrayCompr:
      case TermKind::SetCompr:
      case TermKind::ObjectCompr:
        closure_needs(*t.body, bound, needs);
        return;
      case TermKind::Template:
        for (const auto& p : t.parts)
          if (p) closure_needs(*p, bound, needs);
        return;
    }
  }

  // A pattern binds its unbound vars (top level and inside array/object literals).
  void pattern_vars(const Term& t, const Slots& bound, Slots& needs, Slots& outs) {
    if (t.kind == TermKind::Var && t.scope == VarScope::Local) {
      if (!get(bound, t.slot)) set(outs, t.slot);
      return;
    }
    if (t.kind == TermKind::Array) {
      for (const auto& a : t.args) pattern_vars(*a, bound, needs, outs);
      return;
    }
    if (t.kind == TermKind::Object) {
      for (size_t i = 0; i + 1 < t.args.size(); i += 2) {
        value_vars(*t.args[i], bound, needs, outs);
        pattern_vars(*t.args[i + 1], bound, needs, outs);
      }
      return;
    }
    value_vars(t, bound, needs, outs);
  }

  static bool any(const Slots& s) { return std::find(s.begin(), s.end(), true) != s.end(); }

  // Can `a = b` run now? Mirrors the evaluator's unify.
  bool unify_ready(const Term& a, const Term& b, const Slots& bound, Slots& outs) {
    Slots na(bound.size(), false), oa(bound.size(), false);
    value_vars(a, bound, na, oa);
    Slots nb(bound.size(), false), ob(bound.size(), false);
    value_vars(b, bound, nb, ob);
    if (!any(na)) {
      Slots pn(bound.size(), false), po(bound.size(), false);
      pattern_vars(b, bound, pn, po);
      if (!any(pn)) {
        merge(outs, oa);
        merge(outs, po);
        return true;
      }
    }
    if (!any(nb)) {
      Slots pn(bound.size(), false), po(bound.size(), false);
      pattern_vars(a, bound, pn, po);
      if (!any(pn)) {
        merge(outs, ob);
        merge(outs, po);
        return true;
      }
    }
    // Two literals of the same shape unify element by element.
    if (a.kind == TermKind::Array && b.kind == TermKind::Array && a.args.size() == b.args.size()) {
      Slots local = bound;
      for (size_t i = 0; i < a.args.size(); ++i) {
        Slots o(bound.size(), false);
        if (!unify_ready(*a.args[i], *b.args[i], local, o)) return false;
        merge(local, o);
        merge(outs, o);
      }
      return true;
    }
    if (a.kind == TermKind::Object && b.kind == TermKind::Object &&
        a.args.size() == b.args.size()) {
      Slots local = bound;
      for (size_t i = 0; i + 1 < a.args.size(); i += 2) {
        const Term* other = nullptr;
        for (size_t j = 0; j + 1 < b.args.size(); j += 2) {
          if (a.args[i]->kind == TermKind::Scalar && b.args[j]->kind == TermKind::Scalar &&
              a.args[i]->value == b.args[j]->value)
            other = b.args[j + 1].get();
        }
        if (!other) return false;
        Slots o(bound.size(), false);
        if (!unify_ready(*a.args[i + 1], *other, local, o)) return false;
        merge(local, o);
        merge(outs, o);
      }
      return true;
    }
    return false;
  }

  static void merge(Slots& into, const Slots& from) {
    if (into.size() < from.size()) into.resize(from.size(), false);
    for (size_t i = 0; i < from.size(); ++i)
      if (from[i]) into[i] = true;
  }

  // Whether expression e can run given `bound`; fills the slots it binds and the missing ones.
  bool expr_ready(const Expr& e, const Slots& bound, Slots& outs, Slots& missing) {
    Slots needs(bound.size(), false);
    for (const auto& w : e.with) value_vars(*w.value, bound, needs, outs);
    switch (e.kind) {
      case ExprKind::SomeDecl:
        break;
      case ExprKind::SomeIn: {
        value_vars(*e.terms[2], bound, needs, outs);
        if (e.terms[0]) pattern_vars(*e.terms[0], bound, needs, outs);
        pattern_vars(*e.terms[1], bound, needs, outs);
        break;
      }
      case ExprKind::Every:
        value_vars(*e.terms[2], bound, needs, outs);
        closure_needs(*e.body, bound, needs);
        break;
      case ExprKind::Term: {
        const Term& t = *e.term;
        if (t.kind == TermKind::Call && (t.name == "eq" || t.name == "assign")) {
          Slots o(bound.size(), false);
          if (!unify_ready(*t.args[0], *t.args[1], bound, o)) {
            value_vars(*t.args[0], bound, needs, o);
            value_vars(*t.args[1], bound, needs, o);
            // Report the vars that neither side can provide.
            Slots po(bound.size(), false), pn(bound.size(), false);
            pattern_vars(*t.args[0], bound, pn, po);
            pattern_vars(*t.args[1], bound, pn, po);
            missing = needs;
            merge(missing, po);
            return false;
          }
          merge(outs, o);
        } else if (t.kind == TermKind::Call && has_output_arg(t)) {
          for (size_t i = 0; i + 1 < t.args.size(); ++i) value_vars(*t.args[i], bound, needs, outs);
          pattern_vars(*t.args.back(), bound, needs, outs);
        } else {
          value_vars(t, bound, needs, outs);
        }
        break;
      }
    }
    if (e.negated) {
      // A negation binds nothing; vars only it mentions stay local to it.
      std::fill(outs.begin(), outs.end(), false);
    }
    if (any(needs)) {
      missing = needs;
      return false;
    }
    return true;
  }

  static bool has_output_arg(const Term& t) {
    if (t.builtin) return t.args.size() == t.builtin->params.size() + 1;
    if (t.function) return t.args.size() == t.function->arity() + 1;
    return false;
  }

  void report_unsafe(const Slots& needs, const Location& loc) {
    std::vector<std::string> names;
    for (size_t i = 0; i < needs.size(); ++i) {
      if (needs[i] && i < slot_names_.size()) names.push_back(slot_names_[i]);
    }
    if (names.empty()) return;
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    std::string msg = "var " + names[0] + " is unsafe";
    if (names.size() > 1) {
      msg = "vars ";
      for (size_t i = 0; i < names.size(); ++i) msg += (i ? ", " : "") + names[i];
      msg += " are unsafe";
    }
    fail("rego_unsafe_var_error", msg, loc);
  }

  // Orders expressions so that each runs once its inputs are bound (OPA reorders the same way).
  void order_body(Body& b, Slots& bound) {
    std::vector<Expr> pending = std::move(b.exprs);
    std::vector<Expr> ordered;
    while (!pending.empty()) {
      bool progressed = false;
      for (size_t i = 0; i < pending.size(); ++i) {
        Slots outs(bound.size(), false), missing(bound.size(), false);
        if (expr_ready(pending[i], bound, outs, missing)) {
          merge(bound, outs);
          ordered.push_back(std::move(pending[i]));
          pending.erase(pending.begin() + static_cast<long>(i));
          progressed = true;
          break;
        }
      }
      if (!progressed) {
        Slots outs(bound.size(), false), missing(bound.size(), false);
        expr_ready(pending[0], bound, outs, missing);
        if (!any(missing)) missing = outs;
        report_unsafe(missing, pending[0].loc);
        fail("rego_unsafe_var_error", "expression is unsafe", pending[0].loc);
      }
    }
    b.exprs = std::move(ordered);
  }

  const Program& prog_;
  const Module* mod_;
  const std::set<std::string>* rule_names_;
  // Names of unknown built-ins that some `with` replaces: calls to them compile, and can only
  // run while mocked.
  const std::set<std::string>* mocked_;
  std::vector<std::pair<int, Location>> assigned_;  // slots declared by :=
  int next_slot_ = 0;
  std::vector<std::string> slot_names_;
};

std::string head_text(const Rule& r) {
  std::string out = r.head_ref[0]->name;
  for (size_t i = 1; i < r.head_ref.size(); ++i) {
    const Term& t = *r.head_ref[i];
    if (t.kind == TermKind::Scalar && t.value.is_string())
      out += "." + t.value.as_string();
    else
      out += "[...]";
  }
  return out;
}

void classify_rule(Rule& r) {
  size_t n = 1;
  while (n < r.head_ref.size() && r.head_ref[n]->kind == TermKind::Scalar &&
         r.head_ref[n]->value.is_string())
    ++n;
  r.static_len = n;
  if (r.has_params) {
    if (n != r.head_ref.size()) {
      throw RegoError("rego_parse_error", "function names must be references with constant keys",
                      r.loc);
    }
    r.kind = RuleKind::Function;
  } else if (r.key) {
    r.kind = n == r.head_ref.size() ? RuleKind::PartialSet : RuleKind::Object;
    r.set_leaf = n != r.head_ref.size();
  } else if (n < r.head_ref.size()) {
    r.kind = RuleKind::Object;
  } else {
    r.kind = RuleKind::Complete;
  }
  for (Rule* e = r.else_rule.get(); e; e = e->else_rule.get()) {
    e->static_len = r.static_len;
    e->kind = r.kind;
    e->set_leaf = r.set_leaf;
  }
  // Parameters that are not patterns (template strings, calls, refs) are compared after the
  // body ran: `f($"{x}")` becomes `f(__arg0) if { ...; __arg0 = $"{x}" }`.
  for (Rule* e = &r; e; e = e->else_rule.get()) {
    for (size_t i = 0; i < e->params.size(); ++i) {
      TermPtr& p = e->params[i];
      if (p->kind == TermKind::Var || p->kind == TermKind::Scalar || p->kind == TermKind::Array ||
          p->kind == TermKind::Object || p->kind == TermKind::Set)
        continue;
      auto var = std::make_shared<Term>();
      var->kind = TermKind::Var;
      var->loc = p->loc;
      var->name = "__arg" + std::to_string(i);
      auto var_use = std::make_shared<Term>(*var);
      auto eq = std::make_shared<Term>();
      eq->kind = TermKind::Call;
      eq->name = "eq";
      eq->loc = p->loc;
      eq->args = {var_use, p};
      Expr ex;
      ex.loc = p->loc;
      ex.term = eq;
      if (!e->body) {
        e->body = std::make_shared<Body>();
        e->body->loc = p->loc;
      }
      ex.index = static_cast<int>(e->body->exprs.size());
      e->body->exprs.push_back(std::move(ex));
      p = var;
    }
  }
}

// Texts of every `with` target in a body tree ("http.send", "data.x.f").
void collect_with_targets(const Body* b, std::set<std::string>& out);

void collect_in_term(const Term* t, std::set<std::string>& out) {
  if (!t) return;
  for (const auto& a : t->args) collect_in_term(a.get(), out);
  if (t->body) collect_with_targets(t->body.get(), out);
  for (const auto& p : t->parts) collect_with_targets(p.get(), out);
}

void collect_with_targets(const Body* b, std::set<std::string>& out) {
  if (!b) return;
  for (const auto& e : b->exprs) {
    for (const auto& w : e.with) {
      const Term& t = *w.target;
      std::string text;
      if (t.kind == TermKind::Var)
        text = t.name;
      else if (t.kind == TermKind::Ref && t.args[0]->kind == TermKind::Var) {
        text = t.args[0]->name;
        for (size_t i = 1; i < t.args.size(); ++i) {
          if (t.args[i]->kind == TermKind::Scalar && t.args[i]->value.is_string())
            text += "." + t.args[i]->value.as_string();
        }
      }
      if (!text.empty()) out.insert(text);
    }
    collect_in_term(e.term.get(), out);
    for (const auto& t : e.terms) collect_in_term(t.get(), out);
    collect_with_targets(e.body.get(), out);
  }
}

void compile_rule(const Program& prog, const Module& mod, const std::set<std::string>& names,
                  const std::set<std::string>& mocked, bool strict, Rule& r) {
  BodyCompiler bc(prog, &mod, &names, &mocked);
  Scope root;
  bc.declare_params(root, r.params);
  Slots bound = bc.params_bound(r.params);
  std::vector<TermPtr*> heads;
  for (size_t i = r.static_len; i < r.head_ref.size(); ++i) heads.push_back(&r.head_ref[i]);
  if (r.key) heads.push_back(&r.key);
  if (r.value) heads.push_back(&r.value);
  bc.compile_body(r.body.get(), root, heads, bound, heads);
  r.frame_size = bc.frame_size();
  r.constant_value =
      (!r.value || r.value->kind == TermKind::Scalar) && r.kind == RuleKind::Complete;
  if (strict) bc.check_unused_assignments(r);
  if (r.else_rule) compile_rule(prog, mod, names, mocked, strict, *r.else_rule);
}

}  // namespace

std::shared_ptr<Program> compile_modules(std::vector<Module> modules, const Registry& registry,
                                         const CompileOptions& options) {
  auto prog = std::make_shared<Program>();
  prog->registry = &registry;
  prog->root = std::make_unique<DataNode>();
  prog->root->id = prog->node_count++;
  prog->modules = std::move(modules);
  // 1. Place every rule in the tree.
  std::map<std::vector<std::string>, std::set<std::string>> names_by_package;
  for (auto& mod : prog->modules) {
    auto& names = names_by_package[mod.package];
    ensure_node(*prog, mod.package)->is_package = true;
    for (auto& r : mod.rules) {
      classify_rule(*r);
      names.insert(r->head_ref[0]->name);
      std::vector<std::string> path = mod.package;
      for (size_t i = 0; i < r->static_len; ++i) {
        path.push_back(i == 0 ? r->head_ref[0]->name : r->head_ref[i]->value.as_string());
      }
      DataNode* node = ensure_node(*prog, path);
      if (r->kind == RuleKind::Function) {
        if (node->is_function && node->arity() != r->params.size()) {
          throw RegoError("rego_type_error",
                          "conflicting rules " + join_path(node->path) +
                              " found: functions must have the same arity",
                          r->loc);
        }
        node->is_function = true;
        if (r->is_default)
          node->default_rule = r;
        else
          node->functions.push_back(r);
      } else if (r->is_default) {
        if (node->default_rule) {
          throw RegoError("rego_type_error",
                          "multiple default rules " + join_path(node->path) + " found", r->loc);
        }
        node->default_rule = r;
      } else {
        node->rules.push_back(r);
      }
    }
  }
  // 2. Kinds must agree per node.
  std::function<void(DataNode&)> check = [&](DataNode& n) {
    bool complete = false, set = false, object = false;
    for (auto& r : n.rules) {
      complete |= r->kind == RuleKind::Complete;
      set |= r->kind == RuleKind::PartialSet;
      object |= r->kind == RuleKind::Object;
    }
    if ((complete && set) || (set && object) || (complete && object) ||
        (n.is_function && !n.rules.empty())) {
      throw RegoError("rego_type_error", "conflicting rules " + join_path(n.path) + " found",
                      n.rules.empty() ? Location{} : n.rules[0]->loc);
    }
    for (auto& [_, c] : n.children) check(*c);
  };
  check(*prog->root);
  // 3. Resolve and order every rule body.
  std::set<std::string> mocked;
  for (auto& mod : prog->modules) {
    for (auto& r : mod.rules) {
      for (Rule* e = r.get(); e; e = e->else_rule.get())
        collect_with_targets(e->body.get(), mocked);
    }
  }
  for (auto& mod : prog->modules) {
    const auto& names = names_by_package[mod.package];
    for (auto& r : mod.rules) compile_rule(*prog, mod, names, mocked, options.strict, *r);
  }
  return prog;
}

CompiledQuery compile_query_body(const Program& program, std::shared_ptr<Body> body,
                                 std::shared_ptr<std::string> file) {
  CompiledQuery q;
  q.file = std::move(file);
  q.body = std::move(body);
  BodyCompiler bc(program, nullptr, nullptr);
  Scope root;
  bc.compile_body(q.body.get(), root, {}, Slots(1024, false), {});
  q.frame_size = bc.frame_size();
  std::set<std::string> seen;
  const auto& names = bc.slot_names();
  for (int i = 0; i < q.frame_size; ++i) {
    const std::string& n = names[i];
    if (n == "_" || seen.count(n)) continue;
    // Only vars of the query's own scope are reported.
    if (root.names.count(n) && root.names.at(n) == i) {
      seen.insert(n);
      q.vars.emplace_back(n, i);
    }
  }
  return q;
}

CompiledQuery compile_query(const Program& program, std::string_view query) {
  auto file = std::make_shared<std::string>("query");
  auto body = parse_query(query, file.get());
  return compile_query_body(program, std::move(body), file);
}

}  // namespace mcpgw::policy::rego
