#include "common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace zonesim {

namespace {

int64_t MonotonicMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void CloseFd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

// Reads what one non-blocking read returns; false at end of file or on error.
bool ReadSome(int fd, std::string* into) {
  char buf[65536];
  ssize_t n;
  do n = read(fd, buf, sizeof buf);
  while (n < 0 && errno == EINTR);
  if (n > 0) {
    into->append(buf, static_cast<size_t>(n));
    return true;
  }
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

Status ErrnoStatus(std::string_view call, std::string_view what, int err) {
  return Status::IoError(std::string(call) + " " + std::string(what) + " failed: " + std::strerror(err));
}

}  // namespace

Status Subprocess::Start(const std::vector<std::string>& argv, std::unique_ptr<Subprocess>* out) {
  if (argv.empty() || argv[0].empty()) return Status::InvalidArgument("no program to start");
  signal(SIGPIPE, SIG_IGN);
  int in[2], o[2], e[2];
  if (pipe2(in, O_CLOEXEC) != 0) return ErrnoStatus("pipe", "subprocess", errno);
  if (pipe2(o, O_CLOEXEC) != 0) {
    int err = errno;
    close(in[0]), close(in[1]);
    return ErrnoStatus("pipe", "subprocess", err);
  }
  if (pipe2(e, O_CLOEXEC) != 0) {
    int err = errno;
    close(in[0]), close(in[1]), close(o[0]), close(o[1]);
    return ErrnoStatus("pipe", "subprocess", err);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, o[1], 1);
  posix_spawn_file_actions_adddup2(&actions, e[1], 2);

  std::vector<std::string> env_strings;
  for (char** p = environ; p && *p; ++p)
    if (std::strncmp(*p, "LC_ALL=", 7) != 0) env_strings.emplace_back(*p);
  env_strings.emplace_back("LC_ALL=C");
  std::vector<char*> envp, args;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (std::string& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]), close(o[1]), close(e[1]);
  if (rc != 0) {
    close(in[1]), close(o[0]), close(e[0]);
    return ErrnoStatus("start", argv[0], rc);
  }
  std::unique_ptr<Subprocess> p(new Subprocess());
  p->pid_ = pid;
  p->in_ = in[1];
  p->out_ = o[0];
  p->err_ = e[0];
  fcntl(p->out_, F_SETFL, fcntl(p->out_, F_GETFL) | O_NONBLOCK);
  fcntl(p->err_, F_SETFL, fcntl(p->err_, F_GETFL) | O_NONBLOCK);
  *out = std::move(p);
  return Status::Ok();
}

Status Subprocess::Run(const std::vector<std::string>& argv, int timeout_ms, std::string* out,
                       std::string* err, ExitStatus* status) {
  std::unique_ptr<Subprocess> p;
  Status s = Start(argv, &p);
  if (!s.ok()) return s;
  p->CloseStdin();
  const int64_t deadline = MonotonicMs() + timeout_ms;
  std::string text;
  // A marker that cannot occur (a NUL byte pair) reads to end of file.
  Subprocess::ReadEnd end = p->ReadUntil(std::string_view("\0\0", 2), timeout_ms, &text);
  int64_t left = std::max<int64_t>(0, deadline - MonotonicMs());
  *status = p->Wait(end == ReadEnd::kTimeout ? 0 : static_cast<int>(left));
  if (end == ReadEnd::kTimeout) status->timed_out = true, status->exited = false;
  *out = std::move(text);
  *err = p->TakeStderr();
  return Status::Ok();
}

Subprocess::~Subprocess() {
  CloseFd(&in_);
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int st;
    while (waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
  }
  CloseFd(&out_);
  CloseFd(&err_);
}

Status Subprocess::Write(std::string_view bytes) {
  if (in_ < 0) return Status::IoError("the process's standard input is closed");
  while (!bytes.empty()) {
    ssize_t n = write(in_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write to the standard input of", "the process", errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

void Subprocess::CloseStdin() { CloseFd(&in_); }

bool Subprocess::Pump(int timeout_ms) {
  struct pollfd fds[2];
  nfds_t n = 0;
  if (!out_eof_ && out_ >= 0) fds[n++] = {out_, POLLIN, 0};
  if (err_ >= 0) fds[n++] = {err_, POLLIN, 0};
  if (n == 0) return false;
  int rc;
  do rc = poll(fds, n, timeout_ms);
  while (rc < 0 && errno == EINTR);
  for (nfds_t i = 0; i < n && rc > 0; ++i) {
    if (fds[i].revents == 0) continue;
    if (fds[i].fd == out_) {
      if (!ReadSome(out_, &out_buf_)) out_eof_ = true;
    } else if (!ReadSome(err_, &err_buf_)) {
      CloseFd(&err_);
    }
  }
  return !out_eof_;
}

Subprocess::ReadEnd Subprocess::ReadUntil(std::string_view marker, int timeout_ms, std::string* out) {
  const int64_t deadline = MonotonicMs() + timeout_ms;
  while (true) {
    size_t at = out_buf_.find(marker);
    if (at != std::string::npos) {
      out->assign(out_buf_, 0, at);
      out_buf_.erase(0, at + marker.size());
      return ReadEnd::kMarker;
    }
    if (out_eof_) {
      *out = std::move(out_buf_);
      out_buf_.clear();
      return ReadEnd::kEof;
    }
    int64_t left = deadline - MonotonicMs();
    if (left <= 0) {
      *out = out_buf_;
      return ReadEnd::kTimeout;
    }
    Pump(static_cast<int>(left));
  }
}

std::string Subprocess::TakeStderr() {
  while (err_ >= 0) {
    size_t before = err_buf_.size();
    if (!ReadSome(err_, &err_buf_)) {
      CloseFd(&err_);
      break;
    }
    if (err_buf_.size() == before) break;  // nothing more in the pipe now
  }
  std::string s = std::move(err_buf_);
  err_buf_.clear();
  return s;
}

Subprocess::ExitStatus Subprocess::Wait(int timeout_ms) {
  ExitStatus r;
  if (pid_ <= 0) return r;
  const int64_t deadline = MonotonicMs() + timeout_ms;
  int st = 0;
  while (true) {
    pid_t w = waitpid(pid_, &st, WNOHANG);
    if (w == pid_) break;
    if (w < 0 && errno != EINTR) break;
    int64_t left = deadline - MonotonicMs();
    if (left <= 0) {
      kill(pid_, SIGKILL);
      while (waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
      }
      r.timed_out = true;
      break;
    }
    // Drain the output pipes while waiting, so a child blocked writing can exit.
    if (!Pump(static_cast<int>(std::min<int64_t>(left, 20))) && err_ < 0) {
      struct timespec ts = {0, 5 * 1000 * 1000};
      nanosleep(&ts, nullptr);
    }
  }
  pid_ = -1;
  if (WIFEXITED(st)) {
    r.exited = !r.timed_out;
    r.code = WEXITSTATUS(st);
  } else if (WIFSIGNALED(st)) {
    r.signal = WTERMSIG(st);
  }
  return r;
}

Subprocess::ExitStatus Subprocess::Kill() {
  if (pid_ > 0) kill(pid_, SIGKILL);
  return Wait(0);
}

std::string Subprocess::ExitStatus::Describe() const {
  if (timed_out) return "did not exit in time and was killed";
  if (exited) return "exit status " + std::to_string(code);
  if (signal != 0) return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  return "not started";
}

Status SplitCommandLine(std::string_view line, std::vector<std::string>* words) {
  words->clear();
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words->push_back(std::move(word)), word.clear(), in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (++i == line.size()) return Status::InvalidArgument("command line ends with a backslash");
      word += line[i];
    } else if (c == '\'') {
      size_t end = line.find('\'', i + 1);
      if (end == std::string_view::npos) return Status::InvalidArgument("unterminated ' in command line");
      word.append(line.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i >= line.size()) return Status::InvalidArgument("unterminated \" in command line");
        if (line[i] == '"') break;
        if (line[i] == '\\' && i + 1 < line.size() && std::strchr("\"\\$`", line[i + 1])) ++i;
        word += line[i];
      }
    } else {
      word += c;
    }
  }
  if (in_word) words->push_back(std::move(word));
  if (words->empty()) return Status::InvalidArgument("empty command line");
  return Status::Ok();
}

}  // namespace zonesim
