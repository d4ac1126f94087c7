// The record a transfer keeps on the orchestrator's host, in its log directory
// (--log-dir, default /var/log/dumpworks/transfer):
//
//   transfer-<UTC time>-<pid>.log            every log line of the run: the
//                                            orchestrator's and the agents'
//   transfer-<UTC time>-<pid>.sha256         manifest: one sha256sum line per file
//     (or .xxh128 with --digest xxh3)        ("<hex digest>  <path>", paths
//                                            relative to the target directory)
//   transfer-<UTC time>-<pid>.manifest.json  the same files with sizes, plus the
//                                            source, the targets and their outcome
//
// The digests are the source's in-stream digests, which every target that
// reports OK has verified against its own copy; so `cd DIR && sha256sum -c
// <manifest>` (or `xxh128sum -c`) checks a copy later. The manifest files are
// written under temporary names while the source streams (memory stays bounded
// however many files there are) and renamed into place, after fsync, only when
// the source has sent every file (Commit); otherwise they are removed.
//
// Thread-safety: LogLine may be called from any thread; the rest from one.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "env/env.h"

namespace dw::transfer {

struct ManifestFile {
  std::string path;    // relative to the target directory (starts with the copy's name)
  uint64_t size = 0;   // bytes
  std::string digest;  // raw digest bytes (32 for sha256, 16 for xxh3-128, canonical order)
};

// One line of a sha256sum/xxh128sum file: "<hex>  <path>\n". A path holding a
// backslash, newline or carriage return is written as GNU coreutils does: the
// line starts with '\' and those characters are escaped (\\, \n, \r).
std::string ChecksumLine(const ManifestFile& f);

class TransferRecord {
 public:
  // Creates `dir` if missing and opens a new log file in it (never an existing one).
  // `digest` is "sha256" or "xxh3" (the manifest's extension and its lines).
  static Result<std::unique_ptr<TransferRecord>> Open(Env* env, const std::string& dir,
                                                      const std::string& digest);
  ~TransferRecord();

  const std::string& log_path() const { return log_path_; }
  const std::string& checksum_path() const { return sum_path_; }
  const std::string& json_path() const { return json_path_; }

  // Appends one line (a '\n' is added if missing). Errors are reported once on
  // stderr and then ignored: a full log disk must not fail the transfer.
  void LogLine(std::string_view line);

  // Starts (or restarts, dropping what was added) the manifest. `header` holds
  // the JSON twin's leading members (source, type, algorithm, started, ...).
  Status BeginManifest(const nlohmann::json& header, bool with_checksum_file);
  bool manifest_open() const { return json_ != nullptr; }
  Status AddFile(const ManifestFile& f);
  // Ends the JSON twin with `trailer`'s members (targets, finished, ...),
  // syncs both files and renames them into place.
  Status CommitManifest(const nlohmann::json& trailer);
  // Removes the temporary manifest files (the source did not finish).
  void AbandonManifest();
  uint64_t manifest_files() const { return files_; }

 private:
  TransferRecord(Env* env, std::string base, std::string ext);

  Env* env_;
  std::string base_;
  std::string log_path_, sum_path_, json_path_;
  std::mutex log_mu_;
  std::unique_ptr<WritableFile> log_;
  bool log_failed_ = false;
  std::unique_ptr<WritableFile> sum_, json_;
  uint64_t files_ = 0;
};

}  // namespace dw::transfer
