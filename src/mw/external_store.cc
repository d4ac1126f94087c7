#include "mw/external_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include "mw/text_blob.h"

namespace dw::mw {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A minimal reader of PHP's serialize() format: strings, integers, booleans,
// null, floats, arrays and objects (enough for HistoryBlob objects).
class PhpReader {
 public:
  explicit PhpReader(std::string_view in) : in_(in) {}

  struct Value {
    char type = 'N';  // s i b d N a O
    std::string_view str;
    int64_t num = 0;
    std::string class_name;
    std::vector<std::pair<Value, Value>> items;  // a and O
  };

  Status Read(Value* v, int depth = 0) {
    if (depth > 8) return Bad("nested too deep");
    if (pos_ + 1 >= in_.size()) return Bad("truncated");
    v->type = in_[pos_];
    switch (v->type) {
      case 'N':
        return Expect("N;");
      case 'b':
      case 'i': {
        pos_ += 2;
        DW_RETURN_IF_ERROR(Int(&v->num));
        return Expect(";");
      }
      case 'd': {
        pos_ += 2;
        size_t end = in_.find(';', pos_);
        if (end == std::string_view::npos) return Bad("truncated float");
        v->str = in_.substr(pos_, end - pos_);
        pos_ = end + 1;
        return Status::OK();
      }
      case 's': {
        pos_ += 2;
        DW_RETURN_IF_ERROR(Str(&v->str));
        return Expect(";");
      }
      case 'a':
      case 'O': {
        pos_ += 2;
        if (v->type == 'O') {
          std::string_view name;
          DW_RETURN_IF_ERROR(Str(&name));
          v->class_name = std::string(name);
          DW_RETURN_IF_ERROR(Expect(":"));
        }
        int64_t n = 0;
        DW_RETURN_IF_ERROR(Int(&n));
        if (n < 0 || static_cast<size_t>(n) > in_.size()) return Bad("bad element count");
        DW_RETURN_IF_ERROR(Expect(":{"));
        v->items.resize(static_cast<size_t>(n));
        for (auto& [key, value] : v->items) {
          DW_RETURN_IF_ERROR(Read(&key, depth + 1));
          DW_RETURN_IF_ERROR(Read(&value, depth + 1));
        }
        return Expect("}");
      }
      default:
        return Bad(fmt::format("unsupported type '{}'", v->type));
    }
  }
  bool AtEnd() const { return pos_ == in_.size(); }

 private:
  Status Bad(std::string_view what) const {
    return Status::Corruption(fmt::format("serialized PHP value: {} at byte {}", what, pos_));
  }
  Status Expect(std::string_view s) {
    if (in_.substr(pos_, s.size()) != s) return Bad(fmt::format("expected '{}'", s));
    pos_ += s.size();
    return Status::OK();
  }
  Status Int(int64_t* out) {
    const char* b = in_.data() + pos_;
    const char* e = in_.data() + in_.size();
    if (b < e && *b == '+') ++b;
    auto [p, ec] = std::from_chars(b, e, *out);
    if (ec != std::errc()) return Bad("expected a number");
    pos_ = static_cast<size_t>(p - in_.data());
    return Status::OK();
  }
  // LEN:"bytes"
  Status Str(std::string_view* out) {
    int64_t len = 0;
    DW_RETURN_IF_ERROR(Int(&len));
    DW_RETURN_IF_ERROR(Expect(":\""));
    if (len < 0 || static_cast<size_t>(len) > in_.size() - pos_) return Bad("string too long");
    *out = in_.substr(pos_, static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len);
    return Expect("\"");
  }

  std::string_view in_;
  size_t pos_ = 0;
};

// A property name of a serialized object, without the "\0*\0" (protected) or
// "\0Class\0" (private) prefix.
std::string_view PropName(std::string_view name) {
  if (!name.empty() && name[0] == '\0') {
    size_t second = name.find('\0', 1);
    if (second != std::string_view::npos) return name.substr(second + 1);
  }
  return name;
}

}  // namespace

namespace {

// The object inside a blob serialized twice (s:N:"O:...";), else `serialized`.
std::string_view Unwrap(std::string_view serialized) {
  if (!serialized.starts_with("s:")) return serialized;
  PhpReader reader(serialized);
  PhpReader::Value v;
  if (!reader.Read(&v).ok() || v.type != 's') return serialized;
  return v.str;
}

}  // namespace

Status HistoryBlobItems(std::string_view serialized, std::map<std::string, std::string>* items,
                        std::string* default_hash) {
  items->clear();
  if (default_hash != nullptr) default_hash->clear();
  PhpReader reader(Unwrap(serialized));
  PhpReader::Value obj;
  DW_RETURN_IF_ERROR(reader.Read(&obj));
  if (obj.type != 'O') return Status::Corruption("history blob: not a serialized object");
  if (Lower(obj.class_name) != "concatenatedgziphistoryblob") {
    return Status::NotSupported(fmt::format("history blob class '{}'", obj.class_name));
  }
  bool compressed = false;
  const PhpReader::Value* stored = nullptr;
  for (const auto& [key, value] : obj.items) {
    std::string_view prop = PropName(key.str);
    if (prop == "mCompressed") compressed = value.num != 0;
    if (prop == "mItems") stored = &value;
    if (prop == "mDefaultHash" && default_hash != nullptr && value.type == 's') {
      *default_hash = std::string(value.str);
    }
  }
  if (stored == nullptr) return Status::Corruption("history blob: no mItems");
  std::string inflated;
  PhpReader::Value array;
  std::unique_ptr<PhpReader> inner;
  const PhpReader::Value* list = stored;
  if (compressed) {
    if (stored->type != 's') return Status::Corruption("history blob: mItems is not a string");
    Status st = RawInflate(stored->str, &inflated);
    if (!st.ok()) return st.WithContext("history blob");
    inner = std::make_unique<PhpReader>(inflated);
    DW_RETURN_IF_ERROR(inner->Read(&array));
    list = &array;
  }
  if (list->type != 'a') return Status::Corruption("history blob: mItems is not an array");
  for (const auto& [key, value] : list->items) {
    std::string k = key.type == 's' ? std::string(key.str) : std::to_string(key.num);
    (*items)[k] = std::string(value.str);
  }
  return Status::OK();
}

Status HistoryBlobItem(std::string_view serialized, std::string_view hash, std::string* out) {
  std::map<std::string, std::string> items;
  DW_RETURN_IF_ERROR(HistoryBlobItems(serialized, &items));
  auto it = items.find(std::string(hash));
  if (it == items.end()) {
    return Status::NotFound(fmt::format("history blob has no item {}", hash));
  }
  *out = std::move(it->second);
  return Status::OK();
}

Result<ExternalUrl> ParseExternalUrl(std::string_view url) {
  constexpr std::string_view kScheme = "DB://";
  if (!url.starts_with(kScheme)) {
    if (url.find("://") != std::string_view::npos) {
      return Status::NotSupported(
          fmt::format("external store URL '{}': only DB:// is supported", url.substr(0, 200)));
    }
    return Status::InvalidArgument(fmt::format("external store URL '{}'", url.substr(0, 200)));
  }
  std::string_view rest = url.substr(kScheme.size());
  ExternalUrl u;
  size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos) {
    return Status::InvalidArgument(
        fmt::format("external store URL '{}': expected DB://cluster/id", url.substr(0, 200)));
  }
  u.cluster = std::string(rest.substr(0, slash));
  rest.remove_prefix(slash + 1);
  size_t item = rest.find('/');
  std::string_view id = rest.substr(0, item);
  if (item != std::string_view::npos) u.item = std::string(rest.substr(item + 1));
  auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), u.id);
  if (ec != std::errc() || p != id.data() + id.size() || u.id <= 0 ||
      (item != std::string_view::npos && u.item.empty())) {
    return Status::InvalidArgument(
        fmt::format("external store URL '{}': expected DB://cluster/id", url.substr(0, 200)));
  }
  return u;
}

struct ExternalStore::Cluster {
  std::unique_ptr<db::Connection> conn;
  std::string query;
  std::string describe;
};

ExternalStore::ExternalStore(std::map<std::string, db::DbSpec> clusters) {
  for (auto& [name, spec] : clusters) clusters_[Lower(name)] = std::move(spec);
}

ExternalStore::~ExternalStore() = default;

Status ExternalStore::AddClusterArg(std::string_view arg,
                                    std::map<std::string, db::DbSpec>* clusters) {
  size_t eq = arg.find('=');
  if (eq == 0 || eq == std::string_view::npos || eq + 1 == arg.size()) {
    return Status::InvalidArgument(
        fmt::format("--external-store '{}': expected CLUSTER=DBURL", arg));
  }
  auto spec = db::ParseDbUrl(arg.substr(eq + 1));
  if (!spec.ok()) {
    return spec.status().WithContext(fmt::format("--external-store {}", arg.substr(0, eq)));
  }
  (*clusters)[Lower(arg.substr(0, eq))] = *spec;
  return Status::OK();
}

Result<ExternalStore::Cluster*> ExternalStore::Open(const std::string& name) {
  auto it = open_.find(name);
  if (it != open_.end()) return it->second.get();
  auto spec = clusters_.find(name);
  if (spec == clusters_.end()) {
    return Status::NotFound(fmt::format("external store cluster '{}' is not configured", name));
  }
  db::DbSpec s = spec->second;
  s.read_only = true;
  auto conn = db::Connect(s);
  if (!conn.ok()) {
    return conn.status().WithContext(fmt::format("external store cluster '{}'", name));
  }
  auto c = std::make_unique<Cluster>();
  c->conn = std::move(*conn);
  c->describe = s.Describe();
  c->query = c->conn->Sql("SELECT blob_text FROM {blobs} WHERE blob_id = ?");
  Cluster* raw = c.get();
  open_[name] = std::move(c);
  return raw;
}

Status ExternalStore::Fetch(std::string_view url, std::string* out) {
  DW_ASSIGN_OR_RETURN(ExternalUrl u, ParseExternalUrl(url));
  std::string name = Lower(u.cluster);
  std::string key = fmt::format("{}/{}", name, u.id);
  if (!u.item.empty() && key == cached_key_) {
    auto it = cached_items_.find(u.item);
    if (it == cached_items_.end()) {
      return Status::NotFound(fmt::format("{}: history blob has no item {}", url, u.item));
    }
    *out = it->second;
    return Status::OK();
  }
  DW_ASSIGN_OR_RETURN(Cluster * c, Open(name));
  db::Value p[] = {u.id};
  auto cur = c->conn->Query(c->query, p);
  if (!cur.ok()) return cur.status().WithContext(fmt::format("external store cluster '{}'", name));
  auto found = (*cur)->Next();
  if (!found.ok()) {
    return found.status().WithContext(fmt::format("external store cluster '{}'", name));
  }
  if (!*found) {
    return Status::NotFound(fmt::format("{}: no blob {} in {}", url, u.id, c->describe));
  }
  std::string_view blob = (*cur)->row().Bytes(0);
  if (u.item.empty()) {
    out->assign(blob.data(), blob.size());
    return Status::OK();
  }
  Status st = CacheItems(key, blob);
  if (!st.ok()) return st.WithContext(std::string(url.substr(0, 200)));
  auto it = cached_items_.find(u.item);
  if (it == cached_items_.end()) {
    return Status::NotFound(fmt::format("{}: history blob has no item {}", url, u.item));
  }
  *out = it->second;
  return Status::OK();
}

Status ExternalStore::CacheItems(std::string key, std::string_view serialized) {
  cached_key_.clear();
  DW_RETURN_IF_ERROR(HistoryBlobItems(serialized, &cached_items_));
  cached_key_ = std::move(key);
  return Status::OK();
}

void ExternalStore::SetWikiDatabase(db::DbSpec wiki) {
  wiki.read_only = true;
  wiki_ = std::move(wiki);
  wiki_conn_.reset();
}

Status ExternalStore::StubText(int64_t old_id, std::string_view hash, std::string* out) {
  std::string key = fmt::format("tt:{}", old_id);
  if (key != cached_key_) {
    if (!wiki_) {
      return Status::NotSupported(
          fmt::format("history blob stub (text row {}): no wiki database to read it from", old_id));
    }
    if (wiki_conn_ == nullptr) {
      auto conn = db::Connect(*wiki_);
      if (!conn.ok()) return conn.status().WithContext("history blob stub");
      auto c = std::make_unique<Cluster>();
      c->conn = std::move(*conn);
      c->describe = wiki_->Describe();
      c->query = c->conn->Sql("SELECT old_flags, old_text FROM {text} WHERE old_id = ?");
      wiki_conn_ = std::move(c);
    }
    db::Value p[] = {old_id};
    DW_ASSIGN_OR_RETURN(auto cur, wiki_conn_->conn->Query(wiki_conn_->query, p));
    DW_ASSIGN_OR_RETURN(bool found, cur->Next());
    if (!found) {
      return Status::NotFound(fmt::format("history blob stub: no text row {}", old_id));
    }
    std::string flags(cur->row().Bytes(0));
    std::string text(cur->row().Bytes(1));
    cur.reset();
    BlobFlags f = ParseBlobFlags(flags);
    if (f.external) {
      if (empty()) {
        return Status::NotSupported(fmt::format(
            "history blob stub: text row {} is external blob {} (no external store configured)",
            old_id, text.substr(0, 200)));
      }
      std::string fetched;
      Status st = Fetch(text, &fetched);
      if (!st.ok()) return st.WithContext(fmt::format("history blob stub (text row {})", old_id));
      text = std::move(fetched);
    }
    if (!f.object) {
      return Status::Corruption(
          fmt::format("history blob stub: text row {} is not an object row", old_id));
    }
    if (f.gzip) {
      // HistoryBlobStub::getText(): "a bug in the compress script may at times
      // gzip-compress a HistoryBlob object row".
      std::string inflated;
      Status st = RawInflate(text, &inflated);
      if (!st.ok()) return st.WithContext(fmt::format("history blob stub (text row {})", old_id));
      text = std::move(inflated);
    }
    Status st = CacheItems(key, text);
    if (!st.ok()) return st.WithContext(fmt::format("history blob in text row {}", old_id));
  }
  auto it = cached_items_.find(std::string(hash));
  if (it == cached_items_.end()) {
    return Status::NotFound(
        fmt::format("history blob stub: text row {} has no item {}", old_id, hash));
  }
  *out = it->second;
  return Status::OK();
}

Status HistoryObjectText(std::string_view serialized, ExternalStore* store, std::string* out) {
  PhpReader reader(serialized);
  PhpReader::Value obj;
  Status st = reader.Read(&obj);
  if (!st.ok() || obj.type != 'O') {
    return Status::Corruption("'object' text blob: not a serialized object");
  }
  std::string cls = Lower(obj.class_name);
  if (cls == "concatenatedgziphistoryblob") {
    std::map<std::string, std::string> items;
    std::string def;
    DW_RETURN_IF_ERROR(HistoryBlobItems(serialized, &items, &def));
    auto it = items.find(def);
    if (it == items.end()) {
      return Status::NotFound(fmt::format("history blob has no default item '{}'", def));
    }
    *out = std::move(it->second);
    return Status::OK();
  }
  if (cls != "historyblobstub") {
    return Status::NotSupported(fmt::format("'object' text blob of class '{}'", obj.class_name));
  }
  int64_t old_id = 0;
  std::string hash;
  for (const auto& [key, value] : obj.items) {
    std::string_view prop = PropName(key.str);
    if (prop == "mOldId") {
      // An int, or the string the database gave compressOld.php.
      if (value.type == 'i') {
        old_id = value.num;
      } else if (value.type == 's') {
        auto [p, ec] =
            std::from_chars(value.str.data(), value.str.data() + value.str.size(), old_id);
        if (ec != std::errc() || p != value.str.data() + value.str.size()) old_id = 0;
      }
    }
    if (prop == "mHash" && value.type == 's') hash = std::string(value.str);
  }
  if (old_id <= 0) return Status::Corruption("history blob stub without a text row id");
  if (store == nullptr) {
    return Status::NotSupported(
        fmt::format("history blob stub (text row {}): no wiki database to read it from", old_id));
  }
  return store->StubText(old_id, hash, out);
}

Status DecodeTextRow(std::string_view flags, std::string_view raw, ExternalStore* store,
                     std::string* out) {
  BlobFlags f = ParseBlobFlags(flags);
  if (!f.external && !f.object) return DecodeTextBlob(flags, raw, out);
  if (f.error) return Status::Corruption("text row flagged 'error'");
  if (!f.unknown.empty()) return Status::NotSupported("unknown text flag '" + f.unknown + "'");
  std::string fetched;
  std::string_view blob = raw;
  if (f.external) {
    if (store == nullptr || store->empty()) {
      return Status::NotSupported(
          fmt::format("external blob {} (no external store configured)", raw.substr(0, 200)));
    }
    DW_RETURN_IF_ERROR(store->Fetch(raw, &fetched));
    blob = fetched;
  }
  // The row's other flags apply to the (fetched) bytes: gzip, then object.
  std::string inflated;
  if (f.gzip) {
    Status st = RawInflate(blob, &inflated);
    if (!st.ok()) {
      return f.external ? st.WithContext(fmt::format("external blob {}", raw.substr(0, 200))) : st;
    }
    blob = inflated;
  }
  if (f.object) return HistoryObjectText(blob, store, out);
  if (blob.data() == fetched.data()) {
    *out = std::move(fetched);
  } else if (blob.data() == inflated.data()) {
    *out = std::move(inflated);
  } else {
    out->assign(blob.data(), blob.size());
  }
  return Status::OK();
}

}  // namespace dw::mw
