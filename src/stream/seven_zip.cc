#include "stream/seven_zip.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace dw::stream {
namespace {

// The first executable of `names` on PATH ("" if none). A name with a '/' is
// taken as it is.
std::string FindProgram(std::initializer_list<const char*> names) {
  const char* path_env = std::getenv("PATH");
  std::string path = path_env ? path_env : "/usr/bin:/bin";
  for (const char* name : names) {
    if (std::strchr(name, '/') != nullptr) {
      if (::access(name, X_OK) == 0) return name;
      continue;
    }
    size_t start = 0;
    while (start <= path.size()) {
      size_t end = path.find(':', start);
      if (end == std::string::npos) end = path.size();
      std::string dir = path.substr(start, end - start);
      if (dir.empty()) dir = ".";
      std::string candidate = dir + "/" + name;
      struct stat st;
      if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
          ::access(candidate.c_str(), X_OK) == 0) {
        return candidate;
      }
      start = end + 1;
    }
  }
  return "";
}

// The last non-empty lines of 7za's stderr, joined into one line.
std::string ErrorLine(int fd) {
  std::string text;
  if (fd >= 0 && ::lseek(fd, 0, SEEK_SET) == 0) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0 && text.size() < 65536) {
      text.append(buf, static_cast<size_t>(n));
    }
  }
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) {
      if (!out.empty()) out += " ";
      out += line;
    }
    pos = end + 1;
  }
  if (out.size() > 300) out = out.substr(0, 300) + "...";
  return out;
}

class SevenZipSource final : public Source {
 public:
  SevenZipSource(std::string path, std::string program, pid_t pid, int out_fd, int err_fd)
      : path_(std::move(path)),
        program_(std::move(program)),
        pid_(pid),
        out_fd_(out_fd),
        err_fd_(err_fd) {}
  ~SevenZipSource() override {
    if (out_fd_ >= 0) ::close(out_fd_);
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    if (err_fd_ >= 0) ::close(err_fd_);
  }

  Result<size_t> Read(char* buf, size_t n) override {
    if (!status_.ok()) return status_;
    if (out_fd_ < 0) return size_t{0};
    for (;;) {
      ssize_t got = ::read(out_fd_, buf, n);
      if (got > 0) return static_cast<size_t>(got);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) {
        status_ =
            Status::IOError(fmt::format("reading from {}: {}", program_, std::strerror(errno)));
        return status_;
      }
      break;
    }
    // End of the output: only a clean exit of 7za makes it the end of the data.
    ::close(out_fd_);
    out_fd_ = -1;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return size_t{0};
    std::string why = WIFEXITED(status) ? fmt::format("exit {}", WEXITSTATUS(status))
                                        : fmt::format("signal {}", WTERMSIG(status));
    std::string line = ErrorLine(err_fd_);
    // Not prefixed with the archive's name: the reader of the data adds it.
    status_ = Status::Corruption(
        fmt::format("{} failed ({}){}{}", program_, why, line.empty() ? "" : ": ", line));
    return status_;
  }

 private:
  std::string path_, program_;
  pid_t pid_;
  int out_fd_;
  int err_fd_;
  Status status_;
};

}  // namespace

bool IsSevenZipMagic(std::string_view b) {
  return b.size() >= 6 && b[0] == '7' && b[1] == 'z' && static_cast<unsigned char>(b[2]) == 0xBC &&
         static_cast<unsigned char>(b[3]) == 0xAF && static_cast<unsigned char>(b[4]) == 0x27 &&
         static_cast<unsigned char>(b[5]) == 0x1C;
}

Result<std::unique_ptr<Source>> OpenSevenZip(const std::string& path) {
  if (path == "-") {
    return Status::NotSupported(
        "stdin: a .7z archive cannot be read from a pipe (7-Zip needs to seek in it); give "
        "its file name");
  }
  const char* override_prog = std::getenv("DW_7ZA");
  std::string program =
      override_prog && *override_prog ? FindProgram({override_prog}) : FindProgram({"7za", "7z"});
  if (program.empty()) {
    return Status::NotFound(fmt::format(
        "{}: reading .7z needs 7za, which is not installed (apt-get install p7zip-full)", path));
  }
  if (::access(path.c_str(), R_OK) != 0) {
    return Status::IOError(fmt::format("{}: {}", path, std::strerror(errno)));
  }
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    return Status::IOError(fmt::format("{}: pipe: {}", path, std::strerror(errno)));
  }
  // 7za's messages go to an unlinked temporary file, read back on failure.
  std::string tmpl = (std::filesystem::temp_directory_path() / "dumpworks-7za.XXXXXX").string();
  int err = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (err >= 0) ::unlink(tmpl.c_str());
  // A path starting with '-' would be an option to 7za.
  std::string arg = path;
  if (!arg.empty() && arg[0] == '-') arg.insert(0, "./");
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    ::close(out[0]);
    ::close(out[1]);
    if (err >= 0) ::close(err);
    return Status::IOError(fmt::format("{}: fork: {}", path, std::strerror(e)));
  }
  if (pid == 0) {
    ::dup2(out[1], 1);
    if (err >= 0) ::dup2(err, 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::execl(program.c_str(), program.c_str(), "x", "-so", "-bd", "-y", arg.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  return std::unique_ptr<Source>(std::make_unique<SevenZipSource>(
      path, std::filesystem::path(program).filename().string(), pid, out[0], err));
}

}  // namespace dw::stream
