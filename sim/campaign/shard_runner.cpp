#include "sim/campaign/shard_runner.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

namespace zonesim {

namespace {

Status Errno(const std::string& path, const char* op) {
  return Status::IoError(path + ": " + op + ": " + std::strerror(errno));
}

// Starts the shard's command with DIR as working directory and stdout and
// stderr in its files. The exit record of an earlier run goes first, so a
// shard interrupted now shows up as missing rather than as the old result.
Status StartShard(const std::string& dir, const Shard& shard, pid_t* pid) {
  const std::string exit_path = dir + "/" + ShardFile(shard.index, ".exit");
  if (unlink(exit_path.c_str()) != 0 && errno != ENOENT) return Errno(exit_path, "unlink");
  const std::string out_path = dir + "/" + ShardFile(shard.index, ".json");
  const std::string err_path = dir + "/" + ShardFile(shard.index, ".stderr");
  const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) return Errno(out_path, "open");
  const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (err < 0) {
    Status s = Errno(err_path, "open");
    close(out);
    return s;
  }
  std::vector<char*> argv;
  for (const std::string& a : shard.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  *pid = fork();
  if (*pid == 0) {
    // The child: only async-signal-safe calls until exec.
    if (chdir(dir.c_str()) != 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
      _exit(127);
    const int null_in = open("/dev/null", O_RDONLY);
    if (null_in >= 0) dup2(null_in, STDIN_FILENO);
    execv(argv[0], argv.data());
    const char* what = "zonesim campaign: cannot execute the shard's argv[0]: ";
    (void)!write(STDERR_FILENO, what, std::strlen(what));
    (void)!write(STDERR_FILENO, argv[0], std::strlen(argv[0]));
    (void)!write(STDERR_FILENO, "\n", 1);
    _exit(127);
  }
  const int fork_errno = errno;
  close(out);
  close(err);
  if (*pid < 0) {
    errno = fork_errno;
    return Errno(shard.argv[0], "fork");
  }
  return Status::Ok();
}

// Writes the exit record through a temporary name and rename(2), so a reader
// sees the whole record or none.
Status RecordExit(const std::string& dir, const Shard& shard, int wait_status, int* exit_code) {
  std::string record;
  if (WIFEXITED(wait_status)) {
    *exit_code = WEXITSTATUS(wait_status);
    record = "exit " + std::to_string(*exit_code) + "\n";
  } else {
    *exit_code = 128 + WTERMSIG(wait_status);
    record = "signal " + std::to_string(WTERMSIG(wait_status)) + "\n";
  }
  const std::string path = dir + "/" + ShardFile(shard.index, ".exit");
  const std::string temp = path + ".tmp";
  FILE* f = std::fopen(temp.c_str(), "w");
  if (!f) return Errno(temp, "open");
  const bool written = std::fputs(record.c_str(), f) >= 0;
  if (std::fclose(f) != 0 || !written) return Errno(temp, "write");
  if (std::rename(temp.c_str(), path.c_str()) != 0) return Errno(path, "rename");
  return Status::Ok();
}

Status WaitFor(pid_t pid, int* wait_status) {
  while (waitpid(pid, wait_status, 0) < 0) {
    if (errno != EINTR) return Status::IoError(std::string("waitpid: ") + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

Status RunShard(const std::string& dir, const Shard& shard, int* exit_code) {
  pid_t pid;
  Status s = StartShard(dir, shard, &pid);
  if (!s.ok()) return s;
  int w = 0;
  s = WaitFor(pid, &w);
  if (!s.ok()) return s;
  return RecordExit(dir, shard, w, exit_code);
}

Status RunShardsLocally(const std::string& dir, const std::vector<Shard>& shards, unsigned jobs,
                        const std::function<void(uint64_t, uint64_t)>& progress,
                        uint64_t* failures) {
  if (jobs == 0) jobs = 1;
  *failures = 0;
  std::map<pid_t, const Shard*> running;
  size_t next = 0;
  uint64_t done = 0;
  Status first_error;
  while (next < shards.size() || !running.empty()) {
    // Start more while there is room, unless something already went wrong.
    while (first_error.ok() && next < shards.size() && running.size() < jobs) {
      pid_t pid;
      Status s = StartShard(dir, shards[next], &pid);
      if (!s.ok()) {
        first_error = s;
        break;
      }
      running[pid] = &shards[next++];
    }
    if (running.empty()) break;
    int w = 0;
    const pid_t pid = waitpid(-1, &w, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      return Status::IoError(std::string("waitpid: ") + std::strerror(errno));
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;  // not one of ours
    int code = 0;
    Status s = RecordExit(dir, *it->second, w, &code);
    if (!s.ok() && first_error.ok()) first_error = s;
    if (code != 0) ++*failures;
    running.erase(it);
    if (progress) progress(++done, shards.size());
  }
  return first_error;
}

}  // namespace zonesim
