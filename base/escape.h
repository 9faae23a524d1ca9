// Escaping: byte strings as one line of printable ASCII (and back), and text made safe for
// HTML and SVG. Transcripts, session files and test failures print every byte with
// EscapeBytes, so that a NUL, a CR or a stray high byte is visible and a line can be pasted
// back into a session file; reports put text into markup with EscapeHtml.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ggs {

// Returns `bytes` with backslash, double quote, space and every byte outside printable ASCII
// written as \n, \r, \t, \\, \" or \xHH; the result has no spaces or control characters.
std::string EscapeBytes(std::string_view bytes);

// Like EscapeBytes, but spaces stay spaces: for reading, not for parsing back.
std::string ReadableBytes(std::string_view bytes);

// Inverts EscapeBytes. Returns nullopt on a malformed escape sequence.
std::optional<std::string> UnescapeBytes(std::string_view text);

// Returns `text` with <, >, &, ' and " written as character references, so that it can
// stand in an element's text or in a quoted attribute of HTML or SVG.
std::string EscapeHtml(std::string_view text);

}  // namespace ggs
