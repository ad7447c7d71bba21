// Subprocess: a child process driven through its standard streams, started
// without a shell (argv as given, the program looked up in PATH). Used to talk
// to an implementation under test through its qemu-io front end: write one
// command line, read its answer up to the next prompt, keep what it printed on
// stderr apart.
//
// Timeouts bound how long zonesim waits for a process that stopped answering;
// they never decide an outcome that a responsive process could change, so a
// run stays deterministic as long as the process answers.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace zonesim {

class Subprocess {
 public:
  // Starts argv[0] with the arguments; its environment is ours plus LC_ALL=C
  // (error texts in English whatever the user's locale). Ignores SIGPIPE in
  // this process, so a child that dies makes writes fail instead of killing us.
  static Status Start(const std::vector<std::string>& argv, std::unique_ptr<Subprocess>* out);

  struct ExitStatus;
  // Runs argv to completion with stdin closed: its stdout and stderr, and how
  // it ended. A non-ok Status only when it could not be started.
  static Status Run(const std::vector<std::string>& argv, int timeout_ms, std::string* out,
                    std::string* err, ExitStatus* status);

  ~Subprocess();  // kills (SIGKILL) and reaps a child still running
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Writes bytes to the child's stdin. IoError (with errno text) if it is gone.
  Status Write(std::string_view bytes);
  void CloseStdin();

  enum class ReadEnd { kMarker, kEof, kTimeout };
  // Reads stdout until `marker` has been read (*out gets what came before it,
  // the marker is consumed), until end of file, or until timeout_ms pass
  // without the marker. stderr is collected meanwhile (see TakeStderr).
  ReadEnd ReadUntil(std::string_view marker, int timeout_ms, std::string* out);

  // Everything the child wrote to stderr since the last call, after reading
  // what is already in the pipe without waiting.
  std::string TakeStderr();

  struct ExitStatus {
    bool ok() const { return exited && code == 0; }
    bool exited = false;      // exited normally with `code`
    int code = 0;
    int signal = 0;           // killed by this signal
    bool timed_out = false;   // had to be killed after timeout_ms
    std::string Describe() const;  // "exit status 1", "killed by signal 6 (Aborted)"
  };
  // Waits up to timeout_ms for the child to exit, then kills it.
  ExitStatus Wait(int timeout_ms);
  // SIGKILL now (before anything else reaches the child: not even the end of
  // its stdin, which a program may take as a cue to exit cleanly), then reaps it.
  ExitStatus Kill();

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

 private:
  Subprocess() = default;
  // Reads what is available on stdout/stderr, waiting at most timeout_ms.
  // Returns false when stdout reached end of file.
  bool Pump(int timeout_ms);

  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  bool out_eof_ = false;
  std::string out_buf_;
  std::string err_buf_;
};

// Splits a command line the way a POSIX shell splits words: blanks separate,
// single quotes keep everything, double quotes keep all but \" \\ \$ \`,
// a backslash escapes the next character. No expansion, no shell is run.
// InvalidArgument for an unterminated quote or an empty command.
Status SplitCommandLine(std::string_view line, std::vector<std::string>* words);

}  // namespace zonesim
