// The per-wiki, per-run-date lock: <private>/<wiki>/lock_<date>, as Wikimedia's
// Locker. The file is created exclusively (O_CREAT|O_EXCL) and holds "host pid"
// (no newline). While held, a heartbeat thread touches it every 10 s so others
// can tell a live run from a dead one; Release() (or the destructor) removes it
// only if it still holds our "host pid".
//
// A second worker fails with one line naming the lock file and its owner:
//   "<private>/aawiki/lock_20261201: locked by snap1001 pid 4242 (heartbeat 3 s ago)"
// A lock whose heartbeat is older than `stale_seconds` ([reporting] staleage), or
// whose pid is not running on this host, is stale: Acquire() with
// break_stale=true removes it (and says so in the log); --force always breaks it.
//
// Thread-safety: one object per holder; the heartbeat thread only touches the file.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/result.h"
#include "env/env.h"

namespace dw::run {

struct LockOwner {
  std::string host;
  int64_t pid = 0;
  int64_t age_seconds = 0;  // since the last heartbeat (file mtime)
};

// Reads a lock file's owner. NotFound if there is no lock.
Result<LockOwner> ReadLock(Env* env, const std::string& path);

class RunLock {
 public:
  struct Options {
    int64_t stale_seconds = 3600;
    bool break_stale = true;  // remove a stale lock and take it
    bool force = false;       // remove any lock and take it (--force)
    int64_t heartbeat_seconds = 10;
  };

  // Creates the lock (and its directory). AlreadyExists with the owner in the
  // message when someone else holds it.
  static Result<std::unique_ptr<RunLock>> Acquire(Env* env, const std::string& path,
                                                  const Options& options);
  ~RunLock();  // Release()
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  // Stops the heartbeat and removes the file if it is still ours. Idempotent.
  Status Release();
  const std::string& path() const { return path_; }

  // This host's name and this process's id, as written into lock files.
  static std::string HostName();

 private:
  RunLock(Env* env, std::string path, std::string content, int64_t heartbeat_seconds);
  void Heartbeat();

  Env* env_;
  std::string path_;
  std::string content_;
  int64_t heartbeat_seconds_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool released_ = false;
  std::thread thread_;
};

}  // namespace dw::run
