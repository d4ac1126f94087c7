#include "transfer/manifest.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "transfer/crypto.h"

namespace dw::transfer {

using nlohmann::json;

std::string ChecksumLine(const ManifestFile& f) {
  bool escape = f.path.find_first_of("\\\n\r") != std::string::npos;
  std::string line;
  if (escape) line += '\\';
  line += HexEncode(f.digest);
  line += "  ";
  for (char c : f.path) {
    if (!escape) {
      line += c;
    } else if (c == '\\') {
      line += "\\\\";
    } else if (c == '\n') {
      line += "\\n";
    } else if (c == '\r') {
      line += "\\r";
    } else {
      line += c;
    }
  }
  line += '\n';
  return line;
}

TransferRecord::TransferRecord(Env* env, std::string base, std::string ext)
    : env_(env),
      base_(std::move(base)),
      log_path_(base_ + ".log"),
      sum_path_(base_ + "." + ext),
      json_path_(base_ + ".manifest.json") {}

TransferRecord::~TransferRecord() {
  AbandonManifest();
  if (log_) (void)log_->Close();
}

Result<std::unique_ptr<TransferRecord>> TransferRecord::Open(Env* env, const std::string& dir,
                                                             const std::string& digest) {
  DW_RETURN_IF_ERROR(env->CreateDirs(dir));
  std::time_t now = static_cast<std::time_t>(env->NowMicros() / 1000000);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  std::string ext = digest == "sha256" ? "sha256" : "xxh128";
  std::string stem =
      JoinPath(dir, std::string("transfer-") + stamp + "-" + std::to_string(::getpid()));
  for (int k = 0;; ++k) {
    std::string base = k == 0 ? stem : stem + "." + std::to_string(k);
    auto f = env->NewWritableFile(base + ".log", OpenMode::kCreateExclusive);
    if (!f.ok()) {
      if (f.status().IsAlreadyExists() && k < 100) continue;
      return f.status();
    }
    std::unique_ptr<TransferRecord> r(new TransferRecord(env, base, ext));
    r->log_ = std::move(*f);
    return r;
  }
}

void TransferRecord::LogLine(std::string_view line) {
  std::lock_guard l(log_mu_);
  if (!log_ || log_failed_) return;
  Status s = log_->Append(line);
  if (s.ok() && (line.empty() || line.back() != '\n')) s = log_->Append("\n");
  if (s.ok()) s = log_->Flush();
  if (!s.ok()) {
    log_failed_ = true;
    std::fprintf(stderr, "dumpworks transfer: the transfer log stops here: %s\n",
                 s.ToString().c_str());
  }
}

Status TransferRecord::BeginManifest(const json& header, bool with_checksum_file) {
  AbandonManifest();
  files_ = 0;
  DW_ASSIGN_OR_RETURN(json_, env_->NewWritableFile(json_path_ + ".tmp", OpenMode::kTruncate));
  if (with_checksum_file) {
    DW_ASSIGN_OR_RETURN(sum_, env_->NewWritableFile(sum_path_ + ".tmp", OpenMode::kTruncate));
  }
  std::string head = header.is_object() ? header.dump() : "{}";
  head.pop_back();  // the closing brace: the files follow
  head += head.size() > 1 ? ",\n\"files\":[" : "\n\"files\":[";
  return json_->Append(head);
}

Status TransferRecord::AddFile(const ManifestFile& f) {
  if (!json_) return Status::InvalidArgument("manifest: AddFile before BeginManifest");
  json j = {{"path", f.path}, {"size", f.size}, {"digest", HexEncode(f.digest)}};
  std::string line = (files_ == 0 ? "\n" : ",\n") + j.dump();
  DW_RETURN_IF_ERROR(json_->Append(line));
  if (sum_) DW_RETURN_IF_ERROR(sum_->Append(ChecksumLine(f)));
  ++files_;
  return Status::OK();
}

Status TransferRecord::CommitManifest(const json& trailer) {
  if (!json_) return Status::InvalidArgument("manifest: commit before BeginManifest");
  std::string tail = "\n]";
  if (trailer.is_object() && !trailer.empty()) {
    std::string t = trailer.dump();  // "{...}"
    tail += ",\n" + t.substr(1);
  } else {
    tail += "}";
  }
  tail += "\n";
  Status s = json_->Append(tail);
  for (WritableFile* f : {json_.get(), sum_.get()}) {
    if (f == nullptr) continue;
    if (s.ok()) s = f->Sync();
    if (s.ok()) s = f->Close();
  }
  if (s.ok() && sum_) s = env_->RenameFile(sum_path_ + ".tmp", sum_path_, /*replace=*/false);
  if (s.ok()) s = env_->RenameFile(json_path_ + ".tmp", json_path_, /*replace=*/false);
  if (s.ok()) s = env_->SyncDir(DirName(json_path_));
  if (!s.ok()) {
    // Nothing half-written stays under the final names.
    if (sum_) (void)env_->RemoveFile(sum_path_);
    AbandonManifest();
    return s;
  }
  json_.reset();
  sum_.reset();
  return Status::OK();
}

void TransferRecord::AbandonManifest() {
  if (json_) {
    (void)json_->Close();
    json_.reset();
    (void)env_->RemoveFile(json_path_ + ".tmp");
  }
  if (sum_) {
    (void)sum_->Close();
    sum_.reset();
    (void)env_->RemoveFile(sum_path_ + ".tmp");
  }
}

}  // namespace dw::transfer
