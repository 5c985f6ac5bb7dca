#include "policy/rego/lexer.h"

#include <cctype>

#include "policy/rego/errors.h"

namespace mcpgw::policy::rego {
namespace {

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

void append_utf8(std::string& out, uint32_t cp) {
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

class Lexer {
 public:
  Lexer(std::string_view src, const std::string* file, int row, int col)
      : s_(src), file_(file), row_(row), col_(col) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    bool newline = false;
    while (true) {
      newline |= skip_space();
      Token t;
      t.row = row_;
      t.col = col_;
      t.newline_before = newline;
      newline = false;
      if (pos_ >= s_.size()) {
        t.kind = TokenKind::End;
        out.push_back(std::move(t));
        return out;
      }
      char c = s_[pos_];
      if (ident_start(c)) {
        size_t start = pos_;
        while (pos_ < s_.size() && ident_char(s_[pos_])) advance();
        t.kind = TokenKind::Ident;
        t.text = std::string(s_.substr(start, pos_ - start));
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 (c == '.' && pos_ + 1 < s_.size() &&
                  std::isdigit(static_cast<unsigned char>(s_[pos_ + 1])))) {
        t.kind = TokenKind::Number;
        t.text = number();
      } else if (c == '"') {
        t.kind = TokenKind::String;
        t.text = quoted_string();
      } else if (c == '`') {
        t.kind = TokenKind::String;
        t.text = raw_string();
      } else if (c == '$' && pos_ + 1 < s_.size() && (s_[pos_ + 1] == '"' || s_[pos_ + 1] == '`')) {
        t.kind = TokenKind::Template;
        advance();
        t.parts = template_string();
      } else {
        t.kind = TokenKind::Punct;
        t.text = punct();
      }
      out.push_back(std::move(t));
    }
  }

 private:
  [[noreturn]] void fail(const std::string& msg) {
    throw RegoError("rego_parse_error", msg, Location{file_, row_, col_});
  }
  void advance() {
    if (s_[pos_] == '\n') {
      ++row_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++pos_;
  }
  bool skip_space() {
    bool newline = false;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '\n') {
        newline = true;
        advance();
      } else if (c == ' ' || c == '\t' || c == '\r') {
        advance();
      } else if (c == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') advance();
      } else {
        break;
      }
    }
    return newline;
  }

  std::string number() {
    size_t start = pos_;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) advance();
    if (pos_ < s_.size() && s_[pos_] == '.' && pos_ + 1 < s_.size() &&
        std::isdigit(static_cast<unsigned char>(s_[pos_ + 1]))) {
      advance();
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) advance();
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      size_t save = pos_;
      int save_col = col_;
      advance();
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) advance();
      if (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
        while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) advance();
      } else {
        pos_ = save;
        col_ = save_col;
      }
    }
    if (pos_ < s_.size() && ident_start(s_[pos_])) fail("invalid number");
    std::string text(s_.substr(start, pos_ - start));
    if (text[0] == '.') text = "0" + text;
    return text;
  }

  uint32_t hex4() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      if (pos_ >= s_.size()) fail("unterminated string");
      char h = s_[pos_];
      v <<= 4;
      if (h >= '0' && h <= '9') v |= h - '0';
      else if (h >= 'a' && h <= 'f') v |= h - 'a' + 10;
      else if (h >= 'A' && h <= 'F') v |= h - 'A' + 10;
      else fail("invalid \\u escape in string");
      advance();
    }
    return v;
  }

  // Decodes one backslash escape (after the backslash) into out.
  void escape(std::string& out, bool allow_brace) {
    if (pos_ >= s_.size()) fail("unterminated string");
    char e = s_[pos_];
    advance();
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
        if (cp >= 0xD800 && cp < 0xDC00 && pos_ + 1 < s_.size() && s_[pos_] == '\\' &&
            s_[pos_ + 1] == 'u') {
          advance();
          advance();
          uint32_t lo = hex4();
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        append_utf8(out, cp);
        break;
      }
      case '{':
        if (allow_brace) {
          out.push_back('{');
          break;
        }
        [[fallthrough]];
      default: fail(std::string("invalid escape sequence \\") + e);
    }
  }

  std::string quoted_string() {
    advance();  // "
    std::string out;
    while (true) {
      if (pos_ >= s_.size() || s_[pos_] == '\n') fail("unterminated string");
      char c = s_[pos_];
      if (c == '"') {
        advance();
        return out;
      }
      advance();
      if (c == '\\') escape(out, false);
      else out.push_back(c);
    }
  }

  std::string raw_string() {
    advance();  // `
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated raw string");
      char c = s_[pos_];
      advance();
      if (c == '`') return out;
      out.push_back(c);
    }
  }

  // Skips a complete string, raw string or template starting at pos_.
  void skip_string_like() {
    if (s_[pos_] == '$') {
      advance();
      template_string();
    } else if (s_[pos_] == '"') {
      quoted_string();
    } else {
      raw_string();
    }
  }

  // After `{` in a template: returns the expression source up to the matching `}`.
  std::string template_expr() {
    size_t start = pos_;
    int depth = 0;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated template expression");
      char c = s_[pos_];
      if (c == '"' || c == '`' ||
          (c == '$' && pos_ + 1 < s_.size() && (s_[pos_ + 1] == '"' || s_[pos_ + 1] == '`'))) {
        skip_string_like();
        continue;
      }
      if (c == '{') ++depth;
      if (c == '}') {
        if (depth == 0) {
          std::string text(s_.substr(start, pos_ - start));
          advance();
          return text;
        }
        --depth;
      }
      advance();
    }
  }

  std::vector<TemplatePart> template_string() {
    char quote = s_[pos_];
    advance();
    std::vector<TemplatePart> parts;
    std::string literal;
    while (true) {
      if (pos_ >= s_.size() || (quote == '"' && s_[pos_] == '\n')) fail("unterminated template string");
      char c = s_[pos_];
      if (c == quote) {
        advance();
        break;
      }
      if (c == '\\' && (quote == '"' || (pos_ + 1 < s_.size() && s_[pos_ + 1] == '{'))) {
        advance();
        escape(literal, true);
        continue;
      }
      if (c == '{') {
        if (!literal.empty()) parts.push_back(TemplatePart{false, std::move(literal), 0, 0});
        literal.clear();
        advance();
        TemplatePart p;
        p.is_expr = true;
        p.row = row_;
        p.col = col_;
        p.text = template_expr();
        parts.push_back(std::move(p));
        continue;
      }
      literal.push_back(c);
      advance();
    }
    if (!literal.empty()) parts.push_back(TemplatePart{false, std::move(literal), 0, 0});
    return parts;
  }

  std::string punct() {
    static const char* two[] = {":=", "==", "!=", "<=", ">="};
    for (const char* p : two) {
      if (s_.substr(pos_, 2) == p) {
        advance();
        advance();
        return p;
      }
    }
    char c = s_[pos_];
    static const std::string_view singles = "=<>+-*/%&|()[]{},;:.";
    if (singles.find(c) == std::string_view::npos) {
      fail(std::string("unexpected character '") + c + "'");
    }
    advance();
    return std::string(1, c);
  }

  std::string_view s_;
  const std::string* file_;
  size_t pos_ = 0;
  int row_;
  int col_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source, const std::string* file, int first_row,
                            int first_col) {
  return Lexer(source, file, first_row, first_col).run();
}

}  // namespace mcpgw::policy::rego
