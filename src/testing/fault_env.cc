#include "testing/fault_env.h"

#include <cerrno>

namespace dw::testing {

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultEnv* env, std::string path, std::unique_ptr<WritableFile> f)
      : env_(env), path_(std::move(path)), file_(std::move(f)) {}

  Status Append(std::string_view data) override {
    int64_t limit = env_->write_limit_.load();
    if (limit >= 0) {
      uint64_t before = env_->counts_.bytes_written.fetch_add(data.size());
      if (before + data.size() > static_cast<uint64_t>(limit)) {
        // Write what fits, like a real disk filling up, then fail.
        uint64_t fit = before < static_cast<uint64_t>(limit) ? limit - before : 0;
        if (fit > 0) (void)file_->Append(data.substr(0, fit));
        return Status::FromErrno("write " + path_, ENOSPC);
      }
    } else {
      env_->counts_.bytes_written.fetch_add(data.size());
    }
    return file_->Append(data);
  }
  Status Flush() override { return file_->Flush(); }
  Status Sync() override {
    env_->counts_.syncs++;
    if (env_->fail_syncs_) return Status::FromErrno("fsync " + path_, EIO);
    return file_->Sync();
  }
  Status RangeSync(uint64_t offset, uint64_t n, bool wait) override {
    env_->counts_.range_syncs++;
    if (wait)
      env_->counts_.range_waits++;
    else
      env_->counts_.range_bytes += n;
    if (int err = env_->fail_range_syncs_.load())
      return Status::FromErrno("writeback " + path_, err);
    return file_->RangeSync(offset, n, wait);
  }
  Status SyncFlushed() override {
    env_->counts_.flushed_syncs++;
    if (env_->fail_syncs_) return Status::FromErrno("fsync " + path_, EIO);
    return file_->SyncFlushed();
  }
  void DropCache(uint64_t offset, uint64_t n) override {
    env_->counts_.drop_caches++;
    file_->DropCache(offset, n);
  }
  Status Close() override { return file_->Close(); }
  uint64_t Size() const override { return file_->Size(); }

 private:
  FaultEnv* env_;
  std::string path_;
  std::unique_ptr<WritableFile> file_;
};

Result<std::unique_ptr<WritableFile>> FaultEnv::NewWritableFile(const std::string& path,
                                                                OpenMode mode) {
  if (fail_creates_) return Status::FromErrno("create " + path, EACCES);
  DW_ASSIGN_OR_RETURN(auto f, target()->NewWritableFile(path, mode));
  counts_.files_created++;
  return std::unique_ptr<WritableFile>(new FaultWritableFile(this, path, std::move(f)));
}

Status FaultEnv::RenameFile(const std::string& from, const std::string& to, bool replace) {
  counts_.renames++;
  if (fail_renames_) return Status::FromErrno("rename " + from + " to " + to, EIO);
  return target()->RenameFile(from, to, replace);
}

Status FaultEnv::SyncDir(const std::string& dir) {
  counts_.dir_syncs++;
  if (fail_syncs_) return Status::FromErrno("fsync dir " + dir, EIO);
  return target()->SyncDir(dir);
}

Status FaultEnv::RemoveFile(const std::string& path) {
  counts_.removes++;
  return target()->RemoveFile(path);
}

}  // namespace dw::testing
