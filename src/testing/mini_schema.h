// The smallest MediaWiki 1.39 schema an export reads (page, revision, comment,
// actor, slots, content, content_models, slot_roles, text), for unit tests that
// build a wiki row by row in SQLite. Tests add their own indexes, the redirect
// table and rows. (Real wikis and the import use mw/schema.h.)
#pragma once

namespace dw::testing {

inline constexpr const char* kMiniExportSchemaSql = R"(
CREATE TABLE page (page_id INTEGER PRIMARY KEY, page_namespace INTEGER, page_title BLOB, page_is_redirect INTEGER, page_latest INTEGER);
CREATE TABLE revision (rev_id INTEGER PRIMARY KEY, rev_page INTEGER, rev_comment_id INTEGER, rev_actor INTEGER, rev_timestamp BLOB, rev_minor_edit INTEGER, rev_deleted INTEGER, rev_len INTEGER, rev_parent_id INTEGER, rev_sha1 BLOB);
CREATE TABLE comment (comment_id INTEGER PRIMARY KEY, comment_hash INTEGER, comment_text BLOB, comment_data BLOB);
CREATE TABLE actor (actor_id INTEGER PRIMARY KEY, actor_user INTEGER, actor_name BLOB);
CREATE TABLE slots (slot_revision_id INTEGER, slot_role_id INTEGER, slot_content_id INTEGER, slot_origin INTEGER, PRIMARY KEY (slot_revision_id, slot_role_id));
CREATE TABLE content (content_id INTEGER PRIMARY KEY, content_size INTEGER, content_sha1 BLOB, content_model INTEGER, content_address BLOB);
CREATE TABLE content_models (model_id INTEGER PRIMARY KEY, model_name BLOB);
CREATE TABLE slot_roles (role_id INTEGER PRIMARY KEY, role_name BLOB);
CREATE TABLE text (old_id INTEGER PRIMARY KEY, old_text BLOB, old_flags BLOB);
)";

}  // namespace dw::testing
