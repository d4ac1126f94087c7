#include "mw/content_model.h"

#include <array>
#include <utility>

namespace dw::mw {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 22> kModels = {{
    {"wikitext", "text/x-wiki"},
    {"javascript", "text/javascript"},
    {"css", "text/css"},
    {"json", "application/json"},
    {"text", "text/plain"},
    {"unknown", "text/plain"},
    {"Scribunto", "text/plain"},
    {"sanitized-css", "text/css"},
    {"flow-board", "application/json"},
    {"wikibase-item", "application/json"},
    {"wikibase-property", "application/json"},
    {"wikibase-lexeme", "application/json"},
    {"wikibase-mediainfo", "application/json"},
    {"GadgetDefinition", "application/json"},
    {"MassMessageListContent", "application/json"},
    {"JsonSchema", "application/json"},
    {"Json.JsonConfig", "application/json"},
    {"NewsletterContent", "application/json"},
    {"proofread-page", "text/x-wiki"},
    {"proofread-index", "text/x-wiki"},
    {"EntitySchema", "application/json"},
    {"vue", "text/x-vue"},
}};

}  // namespace

std::optional<std::string_view> DefaultFormat(std::string_view model) {
  for (const auto& [m, f] : kModels) {
    if (m == model) return f;
  }
  return std::nullopt;
}

bool IsTextModel(std::string_view model) { return DefaultFormat(model).has_value(); }

}  // namespace dw::mw
