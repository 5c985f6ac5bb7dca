#include "policy/rego/parser.h"

#include "policy/rego/errors.h"
#include "policy/rego/lexer.h"

namespace mcpgw::policy::rego {
namespace {

TermPtr make_term(TermKind kind, Location loc) {
  auto t = std::make_shared<Term>();
  t->kind = kind;
  t->loc = loc;
  return t;
}

TermPtr make_scalar(Value v, Location loc) {
  auto t = make_term(TermKind::Scalar, loc);
  t->value = std::move(v);
  return t;
}

TermPtr make_call(std::string op, std::vector<TermPtr> args, Location loc) {
  auto t = make_term(TermKind::Call, loc);
  t->name = std::move(op);
  t->args = std::move(args);
  return t;
}

std::shared_ptr<Body> clone_body(const std::shared_ptr<Body>& b);

TermPtr clone_term(const TermPtr& t) {
  if (!t) return nullptr;
  auto c = std::make_shared<Term>(*t);
  for (auto& a : c->args) a = clone_term(a);
  if (c->body) c->body = clone_body(c->body);
  for (auto& p : c->parts) p = p ? clone_body(p) : nullptr;
  return c;
}

std::shared_ptr<Body> clone_body(const std::shared_ptr<Body>& b) {
  if (!b) return nullptr;
  auto c = std::make_shared<Body>(*b);
  for (auto& e : c->exprs) {
    e.term = clone_term(e.term);
    for (auto& t : e.terms) t = clone_term(t);
    if (e.body) e.body = clone_body(e.body);
    for (auto& w : e.with) {
      w.target = clone_term(w.target);
      w.value = clone_term(w.value);
    }
  }
  return c;
}

std::vector<TermPtr> clone_terms(const std::vector<TermPtr>& ts) {
  std::vector<TermPtr> out;
  for (const auto& t : ts) out.push_back(clone_term(t));
  return out;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::string* file)
      : toks_(std::move(tokens)), file_(file) {}

  Module module(std::shared_ptr<std::string> file_holder) {
    Module m;
    m.file = std::move(file_holder);
    if (!is_keyword("package")) fail(peek(), "expected package declaration");
    m.loc = loc(peek());
    next();
    m.package = package_path();
    while (is_keyword("import")) m.imports.push_back(import_decl());
    while (peek().kind != TokenKind::End) {
      if (is_keyword("package")) fail(peek(), "unexpected package declaration: one per module");
      if (is_keyword("import")) {
        m.imports.push_back(import_decl());
        continue;
      }
      m.rules.push_back(rule());
    }
    return m;
  }

  std::shared_ptr<Body> query() {
    auto body = std::make_shared<Body>();
    body->loc = loc(peek());
    while (peek().kind != TokenKind::End) {
      body->exprs.push_back(literal());
      if (is_punct(";")) {
        next();
        continue;
      }
      if (peek().kind != TokenKind::End && !peek().newline_before) {
        fail(peek(), "unexpected " + describe(peek()) + " token: expected end of expression");
      }
    }
    if (body->exprs.empty()) fail(peek(), "empty query");
    number_exprs(*body);
    return body;
  }

  TermPtr single_term() {
    TermPtr t = in_expr();
    if (peek().kind != TokenKind::End)
      fail(peek(), "unexpected " + describe(peek()) + " after term");
    return t;
  }

 private:
  // ---- token helpers
  const Token& peek(size_t ahead = 0) const {
    size_t i = std::min(pos_ + ahead, toks_.size() - 1);
    return toks_[i];
  }
  const Token& next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  bool is_punct(std::string_view p, size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == TokenKind::Punct && t.text == p;
  }
  bool is_ident(std::string_view word, size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == TokenKind::Ident && t.text == word;
  }
  // A keyword, unless it starts a reference (`if.foo` names a rule called if).
  bool is_keyword(std::string_view word) const {
    return is_ident(word) && !(!peek(1).newline_before && is_punct(".", 1));
  }
  Location loc(const Token& t) const { return Location{file_, t.row, t.col}; }
  static std::string describe(const Token& t) {
    switch (t.kind) {
      case TokenKind::End:
        return "eof";
      case TokenKind::Ident:
        return "ident '" + t.text + "'";
      case TokenKind::Number:
        return "number";
      case TokenKind::String:
        return "string";
      case TokenKind::Template:
        return "template string";
      case TokenKind::Punct:
        return "'" + t.text + "'";
    }
    return "token";
  }
  [[noreturn]] void fail(const Token& t, const std::string& msg) const {
    throw RegoError("rego_parse_error", msg, loc(t));
  }
  void expect_punct(std::string_view p) {
    if (!is_punct(p))
      fail(peek(), "unexpected " + describe(peek()) + ": expected '" + std::string(p) + "'");
    next();
  }
  std::string expect_ident() {
    if (peek().kind != TokenKind::Ident)
      fail(peek(), "unexpected " + describe(peek()) + ": expected ident");
    return next().text;
  }
  // A literal ends at ';', a line break, a closing bracket or the end.
  bool at_literal_end() const {
    const Token& t = peek();
    return t.kind == TokenKind::End || t.newline_before || is_punct(";") || is_punct("}") ||
           is_punct("]");
  }

  static void number_exprs(Body& b) {
    for (size_t i = 0; i < b.exprs.size(); ++i) b.exprs[i].index = static_cast<int>(i);
  }

  // ---- module level
  std::vector<std::string> package_path() {
    std::vector<std::string> path;
    path.push_back(expect_ident());
    while (!peek().newline_before && (is_punct(".") || is_punct("["))) {
      if (is_punct(".")) {
        next();
        path.push_back(expect_ident());
      } else {
        next();
        if (peek().kind != TokenKind::String) fail(peek(), "package path elements must be strings");
        path.push_back(next().text);
        expect_punct("]");
      }
    }
    if (!path.empty() && path[0] == "data") path.erase(path.begin());
    return path;
  }

  Import import_decl() {
    Import imp;
    imp.loc = loc(peek());
    next();  // import
    imp.path.push_back(expect_ident());
    while (!peek().newline_before && (is_punct(".") || is_punct("["))) {
      if (is_punct(".")) {
        next();
        imp.path.push_back(expect_ident());
      } else {
        next();
        if (peek().kind != TokenKind::String) fail(peek(), "import path elements must be strings");
        imp.path.push_back(next().text);
        expect_punct("]");
      }
    }
    const std::string& root = imp.path[0];
    if (root != "data" && root != "input" && root != "future" && root != "rego") {
      throw RegoError(
          "rego_parse_error",
          "invalid import " + root + ": path must begin with input, data, future or rego", imp.loc);
    }
    if (is_ident("as") && !peek().newline_before) {
      next();
      imp.alias = expect_ident();
    } else {
      imp.alias = imp.path.back();
    }
    return imp;
  }

  std::vector<TermPtr> head_ref() {
    std::vector<TermPtr> ref;
    const Token& first = peek();
    if (first.kind != TokenKind::Ident)
      fail(first, "unexpected " + describe(first) + ": expected rule head");
    auto v = make_term(TermKind::Var, loc(first));
    v->name = next().text;
    ref.push_back(v);
    while (!peek().newline_before && (is_punct(".") || is_punct("["))) {
      if (is_punct(".")) {
        next();
        const Token& t = peek();
        ref.push_back(make_scalar(Value::string(expect_ident()), loc(t)));
      } else {
        next();
        ref.push_back(in_expr_nested());
        expect_punct("]");
      }
    }
    return ref;
  }

  std::shared_ptr<Rule> rule() {
    auto r = std::make_shared<Rule>();
    r->loc = loc(peek());
    if (is_ident("default") && !is_punct(".", 1) && !is_punct("[", 1)) {
      next();
      r->is_default = true;
    }
    r->head_ref = head_ref();
    if (is_punct("(") && !peek().newline_before) {
      next();
      r->has_params = true;
      r->params = term_list(")");
      expect_punct(")");
    }
    if (is_keyword("contains")) {
      next();
      r->key = relation_expr();
    }
    if (is_punct(":=") || is_punct("=")) {
      r->assign = next().text == ":=";
      r->value = in_expr();
    }
    if (r->is_default) {
      if (!r->value) fail(peek(), "default rules must have a value");
      return r;
    }
    r->body = rule_body(/*required=*/false);
    // else chain
    Rule* tail = r.get();
    while (is_ident("else") && !is_punct(".", 1) && !is_punct("[", 1)) {
      auto e = std::make_shared<Rule>();
      e->loc = loc(peek());
      next();
      e->head_ref = clone_terms(r->head_ref);
      e->params = clone_terms(r->params);
      e->has_params = r->has_params;
      if (is_punct(":=") || is_punct("=")) {
        e->assign = next().text == ":=";
        e->value = in_expr();
      }
      e->body = rule_body(false);
      tail->else_rule = e;
      tail = e.get();
    }
    return r;
  }

  // `if { ... }`, `if literal`, `{ ... }` or nothing (null body: always true).
  std::shared_ptr<Body> rule_body(bool required) {
    if (is_keyword("if")) {
      next();
      if (is_punct("{")) {
        // `if { ... }` is a body, unless it is a single object/set literal expression.
        size_t save = pos_;
        try {
          return block();
        } catch (const RegoError& block_error) {
          pos_ = save;
          try {
            return single_literal_body();
          } catch (const RegoError&) {
            throw block_error;  // the body's error is the one that makes sense
          }
        }
      }
      return single_literal_body();
    }
    if (is_punct("{") && !peek().newline_before) return block();
    if (required) fail(peek(), "expected rule body");
    return nullptr;
  }

  std::shared_ptr<Body> single_literal_body() {
    auto body = std::make_shared<Body>();
    body->loc = loc(peek());
    body->exprs.push_back(literal());
    number_exprs(*body);
    return body;
  }

  std::shared_ptr<Body> block() {
    auto body = std::make_shared<Body>();
    body->loc = loc(peek());
    expect_punct("{");
    int saved = nesting_;
    nesting_ = 0;
    while (!is_punct("}")) {
      if (peek().kind == TokenKind::End) fail(peek(), "unexpected eof token: expected '}'");
      body->exprs.push_back(literal());
      if (is_punct(";")) {
        next();
        continue;
      }
      if (!is_punct("}") && !peek().newline_before) {
        fail(peek(), "unexpected " + describe(peek()) + " token: expected end of expression");
      }
    }
    nesting_ = saved;
    next();
    if (body->exprs.empty()) fail(peek(), "found empty body");
    number_exprs(*body);
    return body;
  }

  // ---- literals
  Expr literal() {
    Expr e;
    e.loc = loc(peek());
    auto keyword = [&](std::string_view word) {
      return is_ident(word) && !is_punct("(", 1) && !is_punct(".", 1) && !is_punct("[", 1) &&
             !is_punct("=", 1) && !is_punct(":=", 1) && !is_punct("==", 1);
    };
    if (keyword("some")) {
      next();
      some_literal(e);
    } else if (keyword("every") && peek(1).kind == TokenKind::Ident) {
      next();
      every_literal(e);
    } else {
      if (keyword("not")) {
        next();
        e.negated = true;
      }
      TermPtr first = in_expr();
      if (is_punct(",") && nesting_ == 0) {
        // `k, v in xs` at literal level.
        next();
        TermPtr second = relation_expr();
        if (!is_ident("in")) fail(peek(), "unexpected " + describe(peek()) + ": expected 'in'");
        Location at = loc(next());
        TermPtr coll = relation_expr();
        first = make_call("internal.member_3", {first, second, coll}, at);
        while (is_ident("in") && continues()) {
          Location at2 = loc(next());
          first = make_call("internal.member_2", {first, relation_expr()}, at2);
        }
      }
      if (is_punct("=") || is_punct(":=")) {
        const Token& op = next();
        std::string name = op.text == "=" ? "eq" : "assign";
        Location at = loc(op);
        TermPtr rhs = in_expr();
        first = make_call(name, {first, rhs}, at);
      }
      e.kind = ExprKind::Term;
      e.term = first;
    }
    while (is_keyword("with")) {
      WithModifier w;
      w.loc = loc(next());
      w.target = relation_expr();
      if (!is_ident("as")) fail(peek(), "unexpected " + describe(peek()) + ": expected 'as'");
      next();
      w.value = in_expr();
      e.with.push_back(std::move(w));
    }
    return e;
  }

  void some_literal(Expr& e) {
    // `some x, y` declares; `some [k,] v in coll` iterates.
    std::vector<TermPtr> terms;
    terms.push_back(relation_expr());
    while (is_punct(",")) {
      next();
      terms.push_back(relation_expr());
    }
    if (is_ident("in")) {
      if (terms.size() > 2) fail(peek(), "unexpected 'in': at most key and value may precede it");
      next();
      e.kind = ExprKind::SomeIn;
      TermPtr coll = relation_expr();
      e.terms = {terms.size() == 2 ? terms[0] : nullptr, terms.back(), coll};
      return;
    }
    // `some x in xs` where the parser took `x in xs` as a membership call.
    if (terms.size() == 1 && terms[0]->kind == TermKind::Call &&
        terms[0]->name == "internal.member_2") {
      e.kind = ExprKind::SomeIn;
      e.terms = {nullptr, terms[0]->args[0], terms[0]->args[1]};
      return;
    }
    if (terms.size() == 2 && terms[1]->kind == TermKind::Call &&
        terms[1]->name == "internal.member_2") {
      e.kind = ExprKind::SomeIn;
      e.terms = {terms[0], terms[1]->args[0], terms[1]->args[1]};
      return;
    }
    for (auto& t : terms) {
      if (t->kind != TermKind::Var) fail(peek(), "expected var in some declaration");
    }
    e.kind = ExprKind::SomeDecl;
    e.terms = std::move(terms);
  }

  void every_literal(Expr& e) {
    e.kind = ExprKind::Every;
    TermPtr first = or_expr();
    TermPtr key;
    if (is_punct(",")) {
      next();
      key = first;
      first = or_expr();
    }
    if (!is_ident("in"))
      fail(peek(), "unexpected " + describe(peek()) + ": expected 'in' in every");
    next();
    TermPtr domain = relation_expr();
    if (key && key->kind != TermKind::Var) fail(peek(), "every key must be a variable");
    if (first->kind != TermKind::Var) fail(peek(), "every value must be a variable");
    e.terms = {key, first, domain};
    e.body = block();
  }

  // ---- terms, lowest precedence first
  TermPtr in_expr() {
    TermPtr lhs = relation_expr();
    while (is_keyword("in") && continues()) {
      Location at = loc(next());
      TermPtr rhs = relation_expr();
      lhs = make_call("internal.member_2", {lhs, rhs}, at);
    }
    return lhs;
  }

  // An operator continues the expression unless a line break at literal level ends it.
  bool continues() const { return nesting_ > 0 || !peek().newline_before; }

  TermPtr relation_expr() {
    TermPtr lhs = or_expr();
    while (continues()) {
      std::string op;
      if (is_punct("=="))
        op = "equal";
      else if (is_punct("!="))
        op = "neq";
      else if (is_punct("<"))
        op = "lt";
      else if (is_punct("<="))
        op = "lte";
      else if (is_punct(">"))
        op = "gt";
      else if (is_punct(">="))
        op = "gte";
      else
        break;
      Location at = loc(next());
      TermPtr rhs = or_expr();
      lhs = make_call(op, {lhs, rhs}, at);
    }
    return lhs;
  }

  TermPtr or_expr() {
    TermPtr lhs = and_expr();
    while (is_punct("|") && !no_pipe_ && continues()) {
      Location at = loc(next());
      lhs = make_call("or", {lhs, and_expr()}, at);
    }
    return lhs;
  }

  TermPtr and_expr() {
    TermPtr lhs = arith_expr();
    while (is_punct("&") && continues()) {
      Location at = loc(next());
      lhs = make_call("and", {lhs, arith_expr()}, at);
    }
    return lhs;
  }

  TermPtr arith_expr() {
    TermPtr lhs = factor_expr();
    while ((is_punct("+") || is_punct("-")) && continues()) {
      const Token& op = next();
      std::string name = op.text == "+" ? "plus" : "minus";
      Location at = loc(op);
      lhs = make_call(name, {lhs, factor_expr()}, at);
    }
    return lhs;
  }

  TermPtr factor_expr() {
    TermPtr lhs = postfix_expr();
    while ((is_punct("*") || is_punct("/") || is_punct("%")) && continues()) {
      const Token& op = next();
      std::string name = op.text == "*" ? "mul" : (op.text == "/" ? "div" : "rem");
      Location at = loc(op);
      lhs = make_call(name, {lhs, postfix_expr()}, at);
    }
    return lhs;
  }

  // Text of a ref made only of a var and dotted names ("strings.replace_n"), else "".
  static std::string ref_text(const TermPtr& t) {
    if (t->kind == TermKind::Var) return t->name;
    if (t->kind != TermKind::Ref || t->args[0]->kind != TermKind::Var) return "";
    std::string out = t->args[0]->name;
    for (size_t i = 1; i < t->args.size(); ++i) {
      const auto& p = t->args[i];
      if (p->kind != TermKind::Scalar || !p->value.is_string()) return "";
      out += "." + p->value.as_string();
    }
    return out;
  }

  TermPtr postfix_expr() {
    TermPtr t = primary();
    while (!peek().newline_before || nesting_ > 0) {
      if (is_punct(".")) {
        next();
        const Token& name = peek();
        if (name.kind != TokenKind::Ident)
          fail(name, "unexpected " + describe(name) + ": expected ident");
        t = append_ref(t, make_scalar(Value::string(next().text), loc(name)));
      } else if (is_punct("[")) {
        next();
        TermPtr index = in_expr_nested();
        expect_punct("]");
        t = append_ref(t, index);
      } else if (is_punct("(")) {
        std::string name = ref_text(t);
        if (name.empty()) fail(peek(), "unexpected '(': only named functions can be called");
        Location at = t->loc;
        next();
        ++nesting_;
        bool saved_pipe = no_pipe_;
        no_pipe_ = false;
        auto args = term_list(")");
        no_pipe_ = saved_pipe;
        --nesting_;
        expect_punct(")");
        if (name == "set" && args.empty()) {
          t = make_scalar(Value::set({}), at);
        } else {
          t = make_call(name, std::move(args), at);
        }
      } else {
        break;
      }
    }
    return t;
  }

  static TermPtr append_ref(TermPtr base, TermPtr elem) {
    if (base->kind == TermKind::Ref) {
      auto copy = std::make_shared<Term>(*base);
      copy->args.push_back(std::move(elem));
      return copy;
    }
    auto ref = make_term(TermKind::Ref, base->loc);
    ref->args = {std::move(base), std::move(elem)};
    return ref;
  }

  std::vector<TermPtr> term_list(std::string_view close) {
    std::vector<TermPtr> out;
    while (!is_punct(close)) {
      out.push_back(in_expr());
      if (!is_punct(",")) break;
      next();
    }
    return out;
  }

  TermPtr in_expr_nested() {
    ++nesting_;
    bool saved_pipe = no_pipe_;
    no_pipe_ = false;
    TermPtr t = in_expr();
    no_pipe_ = saved_pipe;
    --nesting_;
    return t;
  }

  TermPtr primary() {
    // Bound the recursion: a hostile module must not overflow the stack.
    struct Depth {
      int& d;
      explicit Depth(int& d) : d(++d) {}
      ~Depth() { --d; }
    } depth(depth_);
    if (depth_ > 500) fail(peek(), "terms nested too deeply (more than 500 levels)");
    const Token& t = peek();
    Location at = loc(t);
    switch (t.kind) {
      case TokenKind::Number: {
        auto v = Value::number_from_text(next().text);
        if (!v) fail(t, "invalid number");
        return make_scalar(*v, at);
      }
      case TokenKind::String:
        return make_scalar(Value::string(next().text), at);
      case TokenKind::Template:
        return template_term();
      case TokenKind::Ident: {
        std::string name = next().text;
        bool ref_follows = !peek().newline_before && (is_punct(".") || is_punct("["));
        if (ref_follows && (name == "true" || name == "false" || name == "null")) {
          auto v = make_term(TermKind::Var, at);  // `false.foo`: a rule named false
          v->name = std::move(name);
          return v;
        }
        if (name == "true") return make_scalar(Value::boolean(true), at);
        if (name == "false") return make_scalar(Value::boolean(false), at);
        if (name == "null") return make_scalar(Value::null(), at);
        auto v = make_term(TermKind::Var, at);
        v->wildcard = name == "_";
        v->name = std::move(name);
        return v;
      }
      case TokenKind::Punct:
        break;
      case TokenKind::End:
        fail(t, "unexpected eof token: expected term");
    }
    if (t.text == "-" && peek(1).kind == TokenKind::Number) {
      next();
      auto v = Value::number_from_text("-" + next().text);
      if (!v) fail(t, "invalid number");
      return make_scalar(*v, at);
    }
    if (t.text == "(") {
      next();
      TermPtr inner = in_expr_nested();
      if (is_punct(",")) {
        // `(k, v in xs)`
        next();
        ++nesting_;
        TermPtr second = relation_expr();
        if (!is_ident("in")) fail(peek(), "unexpected " + describe(peek()) + ": expected 'in'");
        Location in_at = loc(next());
        TermPtr coll = relation_expr();
        inner = make_call("internal.member_3", {inner, second, coll}, in_at);
        while (is_ident("in")) {
          Location at2 = loc(next());
          inner = make_call("internal.member_2", {inner, relation_expr()}, at2);
        }
        --nesting_;
      }
      expect_punct(")");
      return inner;
    }
    if (t.text == "[") return array_term();
    if (t.text == "{") return brace_term();
    fail(t, "unexpected " + describe(t) + " token: expected term");
  }

  // Parses the head of a possible comprehension: `|` ends it instead of meaning union.
  TermPtr collection_head() {
    ++nesting_;
    bool saved = no_pipe_;
    no_pipe_ = true;
    TermPtr t = in_expr();
    no_pipe_ = saved;
    --nesting_;
    return t;
  }

  std::shared_ptr<Body> compr_body(std::string_view close) {
    auto body = std::make_shared<Body>();
    body->loc = loc(peek());
    int saved = nesting_;
    bool saved_pipe = no_pipe_;
    nesting_ = 0;
    no_pipe_ = false;
    while (!is_punct(close)) {
      if (peek().kind == TokenKind::End)
        fail(peek(), "unexpected eof token: expected '" + std::string(close) + "'");
      body->exprs.push_back(literal());
      if (is_punct(";")) {
        next();
        continue;
      }
      if (!is_punct(close) && !peek().newline_before) {
        fail(peek(), "unexpected " + describe(peek()) + " token: expected end of expression");
      }
    }
    nesting_ = saved;
    no_pipe_ = saved_pipe;
    if (body->exprs.empty()) fail(peek(), "found empty comprehension body");
    number_exprs(*body);
    return body;
  }

  TermPtr array_term() {
    Location at = loc(next());  // [
    auto arr = make_term(TermKind::Array, at);
    if (is_punct("]")) {
      next();
      return arr;
    }
    TermPtr first = collection_head();
    if (is_punct("|")) {
      next();
      auto c = make_term(TermKind::ArrayCompr, at);
      c->args = {first};
      c->body = compr_body("]");
      expect_punct("]");
      return c;
    }
    arr->args.push_back(first);
    ++nesting_;
    while (is_punct(",")) {
      next();
      if (is_punct("]")) break;
      arr->args.push_back(in_expr());
    }
    --nesting_;
    expect_punct("]");
    return arr;
  }

  TermPtr brace_term() {
    Location at = loc(next());  // {
    if (is_punct("}")) {
      next();
      return make_term(TermKind::Object, at);
    }
    TermPtr first = collection_head();
    if (is_punct("|")) {
      next();
      auto c = make_term(TermKind::SetCompr, at);
      c->args = {first};
      c->body = compr_body("}");
      expect_punct("}");
      return c;
    }
    if (is_punct(":")) {
      next();
      TermPtr value = collection_head();
      if (is_punct("|")) {
        next();
        auto c = make_term(TermKind::ObjectCompr, at);
        c->args = {first, value};
        c->body = compr_body("}");
        expect_punct("}");
        return c;
      }
      auto obj = make_term(TermKind::Object, at);
      obj->args = {first, value};
      ++nesting_;
      while (is_punct(",")) {
        next();
        if (is_punct("}")) break;
        obj->args.push_back(in_expr());
        expect_punct(":");
        obj->args.push_back(in_expr());
      }
      --nesting_;
      expect_punct("}");
      return obj;
    }
    auto set = make_term(TermKind::Set, at);
    set->args.push_back(first);
    ++nesting_;
    while (is_punct(",")) {
      next();
      if (is_punct("}")) break;
      set->args.push_back(in_expr());
    }
    --nesting_;
    expect_punct("}");
    return set;
  }

  TermPtr template_term() {
    const Token& tok = next();
    auto t = make_term(TermKind::Template, loc(tok));
    for (const auto& part : tok.parts) {
      if (!part.is_expr) {
        t->args.push_back(make_scalar(Value::string(part.text), loc(tok)));
        t->parts.push_back(nullptr);
        continue;
      }
      Parser sub(tokenize(part.text, file_, part.row, part.col), file_);
      auto body = std::make_shared<Body>();
      body->loc = Location{file_, part.row, part.col};
      if (sub.peek().kind == TokenKind::End) fail(tok, "empty template expression");
      body->exprs.push_back(sub.literal());
      if (sub.peek().kind != TokenKind::End)
        fail(sub.peek(), "unexpected " + describe(sub.peek()) + " in template expression");
      number_exprs(*body);
      t->args.push_back(nullptr);
      t->parts.push_back(body);
    }
    return t;
  }

  std::vector<Token> toks_;
  const std::string* file_;
  size_t pos_ = 0;
  int nesting_ = 0;       // inside (), [] or {} of a term: line breaks do not end expressions
  bool no_pipe_ = false;  // parsing a collection head: '|' starts a comprehension body
  int depth_ = 0;         // nesting of terms being parsed
};

}  // namespace

Module parse_module(std::string_view source, const std::string& file) {
  auto holder = std::make_shared<std::string>(file);
  Parser p(tokenize(source, holder.get()), holder.get());
  return p.module(holder);
}

std::shared_ptr<Body> parse_query(std::string_view source, const std::string* file) {
  Parser p(tokenize(source, file), file);
  return p.query();
}

TermPtr parse_term(std::string_view source, const std::string* file) {
  Parser p(tokenize(source, file), file);
  return p.single_term();
}

}  // namespace mcpgw::policy::rego
