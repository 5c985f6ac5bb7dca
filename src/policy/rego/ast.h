// The Rego syntax tree produced by the parser and annotated in place by the compiler.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "policy/rego/value.h"

namespace mcpgw::policy::rego {

struct Location {
  const std::string* file = nullptr;  // owned by the Module (or the query)
  int row = 0;
  int col = 0;
  std::string str() const;  // "file:row:col"
};

struct Builtin;
struct Body;
struct DataNode;

enum class TermKind : uint8_t {
  Scalar,         // a constant: value
  Var,            // name (resolved to slot by the compiler)
  Ref,            // args[0] is the head, args[1..] the path
  Array,          // args
  Object,         // args as key, value, key, value, ...
  Set,            // args
  ArrayCompr,     // args[0] head, body
  SetCompr,       // args[0] head, body
  ObjectCompr,    // args[0] key, args[1] value, body
  Call,           // name (operator or function ref text), args; ref_target for user functions
  Template,       // args: literal string scalars and expression bodies (bodies in `parts`)
};

// How the compiler resolved a Var or the head of a Ref.
enum class VarScope : uint8_t { Unresolved, Local, Input, Data };

struct Term;
using TermPtr = std::shared_ptr<Term>;

struct Term {
  TermKind kind = TermKind::Scalar;
  Location loc;
  Value value;                   // Scalar
  std::string name;              // Var name; Call operator / function name ("plus", "data.a.f")
  std::vector<TermPtr> args;     // see TermKind
  std::shared_ptr<Body> body;    // comprehensions
  std::vector<std::shared_ptr<Body>> parts;  // Template: one per expression part (null = text)
  bool wildcard = false;         // Var "_"
  // Compiler annotations.
  VarScope scope = VarScope::Unresolved;
  int slot = -1;                 // Local var slot in the frame
  bool ground = false;           // a constant (Scalar, or composite of constants)
  const Builtin* builtin = nullptr;  // Call to a built-in
  DataNode* function = nullptr;      // Call to a user function
  std::string call_key;              // Call: "count" or "data.pkg.f", the key `with` mocks use
};

struct WithModifier {
  TermPtr target;  // input..., data..., or a function / built-in name
  TermPtr value;
  Location loc;
  // Compiler annotations for function mocks: the call_key replaced, and the replacement when
  // the value names a function rather than giving a value.
  std::string mock_key;
  DataNode* value_function = nullptr;
  const Builtin* value_builtin = nullptr;
};

enum class ExprKind : uint8_t {
  Term,     // term: a call or a value that must be defined and not false
  SomeDecl, // some x, y (declaration only)
  SomeIn,   // some [key,] value in collection: terms[0]=key (may be null), [1]=value, [2]=coll
  Every,    // every [key,] value in domain { body }: terms as SomeIn, body
};

struct Expr {
  ExprKind kind = ExprKind::Term;
  Location loc;
  bool negated = false;
  TermPtr term;                  // Term
  std::vector<TermPtr> terms;    // SomeDecl vars; SomeIn / Every key, value, collection
  std::shared_ptr<Body> body;    // Every
  std::vector<WithModifier> with;
  int index = 0;                 // position in the source body, for error messages
};

struct Body {
  std::vector<Expr> exprs;
  Location loc;
  int scope_start = 0;  // slots below this belong to enclosing bodies (compiler annotation)
};

enum class RuleKind : uint8_t { Complete, PartialSet, Object, Function };

struct Rule {
  Location loc;
  bool is_default = false;
  std::vector<TermPtr> head_ref;     // p.q[r].s: first element is the Var p
  std::vector<TermPtr> params;       // functions
  bool has_params = false;           // f() with zero params is still a function
  TermPtr key;                       // `contains key`
  TermPtr value;                     // `:= value`; null means true
  bool assign = false;               // := rather than =
  std::shared_ptr<Body> body;        // null means always true
  std::shared_ptr<Rule> else_rule;   // else chain
  // Compiler annotations.
  RuleKind kind = RuleKind::Complete;
  bool set_leaf = false;             // `p[x].q contains y`: ref head object rule with set leaves
  size_t static_len = 0;             // leading head_ref terms that are names (the node path)
  int frame_size = 0;
  bool constant_value = false;       // value does not depend on the body: stop at first solution

  // The value term, or the constant `true` when the rule has none.
  const TermPtr& value_or_true() const {
    static const TermPtr kTrue = [] {
      auto t = std::make_shared<Term>();
      t->value = Value::boolean(true);
      t->ground = true;
      return t;
    }();
    return value ? value : kTrue;
  }
};

struct Import {
  std::vector<std::string> path;  // e.g. {"data", "foo", "bar"}
  std::string alias;              // the name it binds ("bar" or the `as` name)
  Location loc;
};

struct Module {
  std::shared_ptr<std::string> file;
  std::vector<std::string> package;  // without the leading "data"
  std::vector<Import> imports;
  std::vector<std::shared_ptr<Rule>> rules;
  Location loc;
};

}  // namespace mcpgw::policy::rego
