// Small text helpers the codecs share: ASCII case-insensitive comparison and trimming of
// blanks, as HTTP-style header lines need them.
#pragma once

#include <string_view>

namespace ggs {

// True when `a` and `b` are equal but for the case of ASCII letters.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// `s` without the spaces and tabs at its ends.
std::string_view TrimBlanks(std::string_view s);

}  // namespace ggs
