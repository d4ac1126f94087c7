// FaultEnv: an Env that fails on purpose, to test that failures lose nothing.
//
//   FaultEnv env(Env::Default());
//   env.SetWriteLimit(1000);       // the 1001st byte written (all files) fails: ENOSPC
//   env.FailRenames(true);         // every RenameFile fails with EIO
//   ... run the code under test with &env ...
//   EXPECT_EQ(env.counts().renames, 0);
//
// Faults apply to files opened through this Env after the call. Counters count
// every call made through it. Thread-safe (atomics), like Env itself.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "env/env.h"

namespace dw::testing {

class FaultEnv : public EnvWrapper {
 public:
  explicit FaultEnv(Env* target) : EnvWrapper(target) {}

  struct Counts {
    std::atomic<uint64_t> files_created{0};
    std::atomic<uint64_t> bytes_written{0};
    std::atomic<uint64_t> syncs{0};
    std::atomic<uint64_t> renames{0};
    std::atomic<uint64_t> removes{0};
    std::atomic<uint64_t> dir_syncs{0};
    std::atomic<uint64_t> range_syncs{0};  // WritableFile::RangeSync calls, start or wait
    std::atomic<uint64_t> range_waits{0};  // of which wait=true
    std::atomic<uint64_t> range_bytes{0};  // bytes started (wait=false)
    std::atomic<uint64_t> drop_caches{0};
    std::atomic<uint64_t> flushed_syncs{0};  // WritableFile::SyncFlushed (not in syncs)
  };

  // Writes fail with ENOSPC ("No space left on device") once `bytes` bytes in
  // total have been written through this Env. Negative: no limit.
  void SetWriteLimit(int64_t bytes) { write_limit_ = bytes; }
  void FailRenames(bool fail) { fail_renames_ = fail; }
  void FailSyncs(bool fail) { fail_syncs_ = fail; }      // file Sync(), SyncFlushed(), SyncDir()
  void FailCreates(bool fail) { fail_creates_ = fail; }  // NewWritableFile(): EACCES
  // WritableFile::RangeSync fails with `err` (EIO, ENOSPC); 0: does not fail.
  void FailRangeSyncs(int err) { fail_range_syncs_ = err; }

  const Counts& counts() const { return counts_; }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                        OpenMode mode) override;
  Status RenameFile(const std::string& from, const std::string& to, bool replace) override;
  Status SyncDir(const std::string& dir) override;
  Status RemoveFile(const std::string& path) override;

 private:
  friend class FaultWritableFile;
  Counts counts_;
  std::atomic<int64_t> write_limit_{-1};
  std::atomic<bool> fail_renames_{false};
  std::atomic<bool> fail_syncs_{false};
  std::atomic<bool> fail_creates_{false};
  std::atomic<int> fail_range_syncs_{0};
};

}  // namespace dw::testing
