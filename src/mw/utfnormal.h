// MediaWiki's UtfNormal\Validator::cleanUp(), byte for byte: what
// Xml::elementClean() (and so every title, user name, comment and text in a
// dump) does to a string before escaping it.
//
//   1. C0 controls other than \t \n \r, and U+FFFE / U+FFFF, become U+FFFD;
//   2. invalid UTF-8 is repaired the way UtfNormal's quickIsNFCVerify() does it
//      (one U+FFFD per broken sequence, sequences cut at ASCII letters);
//   3. the result is put in Unicode normalization form C (ICU).
//
// Pure ASCII without controls, by far the common case, is detected in one scan
// and left alone. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace dw::mw {

// True if CleanUp(s) may differ from s (false for plain ASCII text, valid NFC...).
// Cheap: one scan, and an NFC quick check only for non-ASCII input.
bool NeedsCleanUp(std::string_view s);

// The fused pass of Xml::elementClean() + htmlspecialchars(): if CleanUp(s)
// would leave s as it is, appends s to *out with & < > (and, if quot, ")
// escaped as XML character data and returns true. Otherwise (and, with
// stop_cr, at the first \r) returns false and leaves *out as it was; the
// caller then takes the slow path (CleanUp(), then escaping). One pass over s,
// 16 bytes at a time over ASCII (SSE2; bytewise elsewhere).
bool AppendEscapedIfClean(std::string_view s, bool quot, bool stop_cr, std::string* out);

// Writes cleanUp(s) to *out (replacing its contents).
void CleanUp(std::string_view s, std::string* out);

}  // namespace dw::mw
