#include "common/json_depth.h"

#include <string>

namespace attest {

Result<void> check_json_depth(std::string_view text, std::string_view what, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth)
          return fail(Code::Corrupt, std::string(what) + ": JSON nested deeper than " +
                                         std::to_string(max_depth) + " levels at byte " +
                                         std::to_string(i));
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;  // unbalanced text is the parser's to report
        break;
      default:
        break;
    }
  }
  return {};
}

}  // namespace attest
