// Splits Rego source into tokens with their line and column.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "policy/rego/ast.h"

namespace mcpgw::policy::rego {

enum class TokenKind : uint8_t { Ident, Number, String, Template, Punct, End };

// One piece of a template string ($"..." or $`...`): literal text, or expression source.
struct TemplatePart {
  bool is_expr = false;
  std::string text;  // decoded literal, or the expression's source
  int row = 0;       // where the expression source starts
  int col = 0;
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;  // identifier, number text, decoded string, or punctuation
  int row = 1;
  int col = 1;
  bool newline_before = false;  // a line break separates it from the previous token
  std::vector<TemplatePart> parts;  // Template
};

// Throws RegoError(rego_parse_error) with the position of the offending character.
std::vector<Token> tokenize(std::string_view source, const std::string* file, int first_row = 1,
                            int first_col = 1);

}  // namespace mcpgw::policy::rego
