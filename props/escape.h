// Escape: byte strings as one line of printable ASCII, and back. Transcripts, session files
// and test failures print every byte this way, so that a NUL, a CR or a stray high byte is
// visible and a line can be pasted back into a session file.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ggs::props {

// Returns `bytes` with backslash, double quote, space and every byte outside printable ASCII
// written as \n, \r, \t, \\, \" or \xHH; the result has no spaces or control characters.
std::string Escape(std::string_view bytes);

// Like Escape, but spaces stay spaces: for reading, not for parsing back.
std::string Readable(std::string_view bytes);

// Inverts Escape. Returns nullopt on a malformed escape sequence.
std::optional<std::string> Unescape(std::string_view text);

}  // namespace ggs::props
