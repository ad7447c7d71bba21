// Trace files go through Env (common/env.h): writers and readers run on an
// in-memory file system without touching the disk, injected write faults
// reach the writer's caller with the file's path, and the POSIX Env still
// reads a trace from a pipe (read(2) front to back, never pread).
#include <doctest/doctest.h>
#include <unistd.h>

#include "common/fault_injection_env.h"
#include "common/mem_env.h"
#include "traces/fio_iolog_reader.h"
#include "traces/fio_iolog_writer.h"
#include "traces/input_file.h"
#include "traces/script_trace_reader.h"
#include "traces/script_writer.h"
#include "traces/tests/traces_test_util.h"

namespace zonesim {
namespace {

using namespace tracetest;

Operation WriteOp(uint64_t offset, uint64_t length, Payload p) {
  Operation op = MakeOp(OpKind::kWrite, offset, length);
  op.payload = p;
  return op;
}

std::vector<Operation> Workload() {
  return {WriteOp(0, 8192, Payload::Seeded(77)), WriteOp(8192, 4096, Payload::Fill(0x5a)),
          MakeOp(OpKind::kRead, 0, 4096), MakeOp(OpKind::kFlush, 0, 0),
          MakeOp(OpKind::kFinish, 1 << 20, 1 << 20), MakeOp(OpKind::kReset, 2 << 20, 1 << 20)};
}

TEST_CASE("a script written and read back on MemEnv never reaches the disk") {
  MemEnv mem;
  const std::string path = "/nonexistent-dir/trace.script";  // would fail on the real file system
  ScriptWriterOptions o;
  o.env = &mem;
  o.comment = "in memory";
  std::unique_ptr<ScriptWriter> w;
  REQUIRE(ScriptWriter::Create(path, o, &w).ok());
  const std::vector<Operation> ops = Workload();
  for (const Operation& op : ops) REQUIRE(w->Write(op).ok());
  REQUIRE(w->Close().ok());
  CHECK_FALSE(Env::Default()->FileExists(path));
  const std::vector<uint8_t> bytes = mem.Contents(path);
  CHECK(std::string(bytes.begin(), bytes.end()).rfind("# in memory\n", 0) == 0);

  std::unique_ptr<ScriptTraceReader> r;
  REQUIRE(ScriptTraceReader::Open(path, 4096, &r, &mem).ok());
  std::vector<OwnedEvent> got;
  REQUIRE(ReadAllEvents(r.get(), &got).ok());
  REQUIRE(got.size() == ops.size());
  for (size_t i = 0; i < ops.size(); ++i) CHECK(got[i].ev.op == ops[i]);
  CHECK(got[0].file == path);
}

TEST_CASE("a fio iolog longer than the read buffer round-trips on MemEnv") {
  MemEnv mem;
  FioIologWriterOptions o;
  o.env = &mem;
  std::unique_ptr<FioIologWriter> w;
  REQUIRE(FioIologWriter::Create("big.iolog", o, &w).ok());
  std::vector<Operation> ops;
  for (uint64_t i = 0; i < 2000; ++i) ops.push_back(MakeOp(i % 3 ? OpKind::kWrite : OpKind::kRead, i * 4096, 4096));
  for (const Operation& op : ops) REQUIRE(w->Write(op).ok());
  REQUIRE(w->Close().ok());
  REQUIRE(mem.Contents("big.iolog").size() > 3 * 4096);

  std::unique_ptr<FioIologReader> r;
  REQUIRE(FioIologReader::Open("big.iolog", 4096, &r, &mem).ok());
  std::vector<OwnedEvent> all, got;
  REQUIRE(ReadAllEvents(r.get(), &all).ok());
  for (const OwnedEvent& e : all)
    if (e.ev.has_op) got.push_back(e);  // not the file's add, open and close lines
  REQUIRE(got.size() == ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    CHECK(got[i].ev.op.kind == ops[i].kind);
    CHECK(got[i].ev.op.offset == ops[i].offset);
    CHECK(got[i].ev.op.length == ops[i].length);
  }
}

TEST_CASE("a failed trace write names the file and the cause") {
  MemEnv mem;
  FaultInjectionEnv faulty(&mem);
  ScriptWriterOptions o;
  o.env = &faulty;
  std::unique_ptr<ScriptWriter> w;
  REQUIRE(ScriptWriter::Create("f.script", o, &w).ok());
  for (const Operation& op : Workload()) REQUIRE(w->Write(op).ok());
  faulty.FailNthWrite(1);  // the buffered bytes reach the file at Close
  Status s = w->Close();
  CHECK(s.IsIoError());
  CHECK(s.message().find("f.script") == 0);
  CHECK(s.message().find("injected fault") != std::string::npos);
}

TEST_CASE("a trace that does not exist: NotFound naming the file, on MemEnv and on disk") {
  MemEnv mem;
  std::unique_ptr<InputFile> f;
  Status s = InputFile::Open(&mem, "missing.script", 4096, &f);
  CHECK(s.IsNotFound());
  CHECK(s.message().find("missing.script") == 0);
  testing::TestDir t;
  s = InputFile::Open(Env::Default(), t.File("missing.script"), 4096, &f);
  CHECK(s.IsNotFound());
  CHECK(s.message() == t.File("missing.script") + ": cannot open: No such file or directory");
}

TEST_CASE("a trace that is a pipe is refused at once, never waited for") {
  // A replay reads its trace twice (survey, then replay): a pipe would be
  // empty the second time, and opening a FIFO blocks until a writer comes.
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const std::string path = "/dev/fd/" + std::to_string(fds[0]);
  std::unique_ptr<ScriptTraceReader> r;
  Status s = ScriptTraceReader::Open(path, 4096, &r);
  ::close(fds[0]);
  ::close(fds[1]);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("not a regular file") != std::string::npos);
}

}  // namespace
}  // namespace zonesim
