#include "policy/rego/builtins/go_template.h"

#include <map>
#include <memory>
#include <vector>

namespace mcpgw::policy::rego::builtins {
namespace {

struct Node {
  enum Type { Text, Print, If, Range } type = Text;
  std::string text;                // Text: the text; others: the pipeline expression
  std::string key_var, value_var;  // Range with variables
  std::vector<std::unique_ptr<Node>> body, else_body;
};

struct Token {
  bool action;
  std::string text;
};

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\n' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\n' || s[e - 1] == '\r'))
    --e;
  return std::string(s.substr(b, e - b));
}

bool tokenize(std::string_view t, std::vector<Token>& out, std::string& error) {
  size_t i = 0;
  bool trim_next_text = false;
  while (i < t.size()) {
    size_t open = t.find("{{", i);
    std::string text(
        t.substr(i, open == std::string_view::npos ? std::string_view::npos : open - i));
    if (trim_next_text) {
      size_t b = 0;
      while (b < text.size() && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
      text.erase(0, b);
    }
    if (open == std::string_view::npos) {
      if (!text.empty()) out.push_back({false, text});
      break;
    }
    size_t close = t.find("}}", open + 2);
    if (close == std::string_view::npos) {
      error = "template: unclosed action";
      return false;
    }
    std::string_view inner = t.substr(open + 2, close - open - 2);
    if (inner.size() >= 2 && inner[0] == '-' && inner[1] == ' ') {
      while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.pop_back();
      inner.remove_prefix(2);
    }
    trim_next_text = false;
    if (inner.size() >= 2 && inner[inner.size() - 1] == '-' && inner[inner.size() - 2] == ' ') {
      trim_next_text = true;
      inner.remove_suffix(2);
    }
    if (!text.empty()) out.push_back({false, text});
    out.push_back({true, trim(inner)});
    i = close + 2;
  }
  return true;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  // Parses until {{end}} / {{else}} (returned through `stop`) or the end of input.
  bool parse(std::vector<std::unique_ptr<Node>>& into, std::string& stop, std::string& error) {
    while (pos_ < tokens_.size()) {
      const Token& tok = tokens_[pos_++];
      auto node = std::make_unique<Node>();
      if (!tok.action) {
        node->type = Node::Text;
        node->text = tok.text;
        into.push_back(std::move(node));
        continue;
      }
      const std::string& a = tok.text;
      if (a == "end" || a == "else") {
        stop = a;
        return true;
      }
      if (a.rfind("/*", 0) == 0) continue;  // comment
      if (a.rfind("if ", 0) == 0 || a.rfind("range ", 0) == 0) {
        bool is_if = a[0] == 'i';
        node->type = is_if ? Node::If : Node::Range;
        std::string expr = trim(a.substr(is_if ? 3 : 6));
        size_t assign = expr.find(":=");
        if (!is_if && assign != std::string::npos) {
          std::string vars = trim(expr.substr(0, assign));
          expr = trim(expr.substr(assign + 2));
          size_t comma = vars.find(',');
          if (comma == std::string::npos) {
            node->value_var = trim(vars);
          } else {
            node->key_var = trim(vars.substr(0, comma));
            node->value_var = trim(vars.substr(comma + 1));
          }
        }
        node->text = expr;
        std::string inner_stop;
        if (!parse(node->body, inner_stop, error)) return false;
        if (inner_stop == "else") {
          if (!parse(node->else_body, inner_stop, error)) return false;
        }
        if (inner_stop != "end") {
          error = "template: unexpected EOF";
          return false;
        }
        into.push_back(std::move(node));
        continue;
      }
      node->type = Node::Print;
      node->text = a;
      into.push_back(std::move(node));
    }
    stop.clear();
    return true;
  }

 private:
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

struct Scope {
  Value dot;
  std::map<std::string, Value> vars;
};

// nullopt for a missing key.
std::optional<Value> evaluate(const std::string& expr, const Scope& scope, std::string& error) {
  std::string e = trim(expr);
  if (e.empty()) {
    error = "template: missing value for command";
    return std::nullopt;
  }
  Value cur;
  std::string_view path;
  if (e[0] == '$') {
    size_t dot = e.find('.');
    std::string name = e.substr(0, dot);
    auto it = scope.vars.find(name);
    if (it == scope.vars.end()) {
      error = "template: undefined variable \"" + name + "\"";
      return std::nullopt;
    }
    cur = it->second;
    path = dot == std::string::npos ? std::string_view() : std::string_view(e).substr(dot);
  } else if (e[0] == '.') {
    cur = scope.dot;
    path = std::string_view(e);
    if (path == ".") path = {};
  } else {
    error = "template: unsupported action \"" + e + "\"";
    return std::nullopt;
  }
  while (!path.empty()) {
    path.remove_prefix(1);  // '.'
    size_t next = path.find('.');
    std::string key(path.substr(0, next));
    path = next == std::string_view::npos ? std::string_view() : path.substr(next);
    const Value* child = cur.find(key);
    if (!child) return std::nullopt;
    cur = *child;
  }
  return cur;
}

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Kind::Null:
      return false;
    case Kind::Boolean:
      return v.as_bool();
    case Kind::Number:
      return v.as_double() != 0;
    case Kind::String:
      return !v.as_string().empty();
    default:
      return v.size() > 0;
  }
}

void print_value(std::string& out, const Value& v) {
  if (v.is_string())
    out += v.as_string();
  else if (v.is_number())
    out += v.number_text();
  else if (v.is_bool())
    out += v.as_bool() ? "true" : "false";
  else if (v.is_null())
    out += "<nil>";
  else
    out += v.to_json();
}

bool render(const std::vector<std::unique_ptr<Node>>& nodes, Scope& scope, std::string& out,
            std::string& error) {
  for (const auto& n : nodes) {
    switch (n->type) {
      case Node::Text:
        out += n->text;
        break;
      case Node::Print: {
        auto v = evaluate(n->text, scope, error);
        if (!error.empty()) return false;
        if (!v)
          out += "<undefined>";
        else
          print_value(out, *v);
        break;
      }
      case Node::If: {
        auto v = evaluate(n->text, scope, error);
        if (!error.empty()) return false;
        if (!render(v && truthy(*v) ? n->body : n->else_body, scope, out, error)) return false;
        break;
      }
      case Node::Range: {
        auto v = evaluate(n->text, scope, error);
        if (!error.empty()) return false;
        bool any = false;
        auto run = [&](const Value& key, const Value& val) {
          any = true;
          Scope inner = scope;
          inner.dot = val;
          if (!n->key_var.empty()) inner.vars[n->key_var] = key;
          if (!n->value_var.empty()) inner.vars[n->value_var] = val;
          return render(n->body, inner, out, error);
        };
        if (v && (v->is_array() || v->is_set())) {
          int64_t i = 0;
          for (const auto& item : v->items())
            if (!run(Value::integer(i++), item)) return false;
        } else if (v && v->is_object()) {
          for (const auto& [k, val] : v->entries())
            if (!run(k, val)) return false;
        } else if (v && v->is_number()) {
          auto count = v->to_int64().value_or(0);
          for (int64_t i = 0; i < count; ++i)
            if (!run(Value::integer(i), Value::integer(i))) return false;
        }
        if (!any && !render(n->else_body, scope, out, error)) return false;
        break;
      }
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> render_go_template(std::string_view tmpl, const Value& vars,
                                              std::string& error) {
  std::vector<Token> tokens;
  if (!tokenize(tmpl, tokens, error)) return std::nullopt;
  Parser parser(std::move(tokens));
  std::vector<std::unique_ptr<Node>> nodes;
  std::string stop;
  if (!parser.parse(nodes, stop, error)) return std::nullopt;
  if (!stop.empty()) {
    error = "template: unexpected {{" + stop + "}}";
    return std::nullopt;
  }
  Scope scope;
  scope.dot = vars;
  scope.vars["$"] = vars;
  std::string out;
  if (!render(nodes, scope, out, error)) return std::nullopt;
  return out;
}

}  // namespace mcpgw::policy::rego::builtins
