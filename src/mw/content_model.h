// Content models: the default serialization format of each model MediaWiki
// knows (ContentHandler::getDefaultFormat()), core and common extensions.
#pragma once

#include <optional>
#include <string_view>

namespace dw::mw {

// "wikitext" -> "text/x-wiki", "javascript" -> "text/javascript", ...;
// nullopt for a model no handler is known for.
std::optional<std::string_view> DefaultFormat(std::string_view model);

// Whether the model's content is text (TextContent): its blob is written as is.
bool IsTextModel(std::string_view model);

}  // namespace dw::mw
