// CheckImage: the passes of check_context.h in order, --repair and the
// re-check after it, and the exit codes.
#include "qcow2/check/image_check.h"

#include <memory>

#include "qcow2/check/check_context.h"
#include "qcow2/check/check_repair.h"

namespace zonesim::check {

namespace {

// One read-only check; the context is kept for --repair.
std::unique_ptr<CheckContext> CheckOnce(Env* env, const std::string& path, const CheckOptions& options,
                                        std::unique_ptr<File>* file, CheckReport* report) {
  *report = CheckReport();
  report->path = path;
  report->checked = true;
  uint64_t size = 0;
  Status s = env->OpenFile(path, OpenMode::kReadOnly, file);
  // As qemu-img check: a reader that no writer may change under it.
  if (s.ok()) s = (*file)->Lock(options.force_share ? ImageLock::kInspect : ImageLock::kRead);
  if (s.ok()) s = (*file)->Size(&size);
  auto c = std::make_unique<CheckContext>(file->get(), size, options, report);
  if (!s.ok()) {
    c->findings.StopCheck("io.unreadable", s.message());
    return c;
  }
  if (!CheckHeader(*c)) return c;
  CheckZonedExtension(*c);
  LoadStoredRefcounts(*c);
  if (!report->checked) return c;
  WalkReferences(*c);
  if (!report->checked) return c;
  CompareRefcounts(*c);
  CheckZonedTable(*c);
  return c;
}

}  // namespace

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::kError: return "error";
    case Severity::kLeak: return "leak";
    case Severity::kWarning: return "warning";
  }
  return "?";
}

int CheckReport::exit_code() const {
  if (!checked) return 1;
  if (counts.errors > 0) return 2;
  if (counts.leaks > 0) return 3;
  return 0;
}

bool CheckReport::has(std::string_view id) const {
  for (const Finding& f : findings) {
    if (f.id == id) return true;
  }
  return omitted.count(std::string(id)) > 0;
}

int WorstExitCode(const std::vector<int>& codes) {
  auto rank = [](int code) {
    switch (code) {
      case 1: return 3;
      case 2: return 2;
      case 3: return 1;
      default: return 0;
    }
  };
  int worst = 0;
  for (int c : codes) {
    if (rank(c) > rank(worst)) worst = c;
  }
  return worst;
}

Status CheckImage(Env* env, const std::string& path, const CheckOptions& options, CheckReport* report) {
  CheckOptions first = options;
  first.repair = false;
  std::unique_ptr<File> file;
  std::unique_ptr<CheckContext> c = CheckOnce(env, path, first, &file, report);
  if (!options.repair || !report->checked) return Status::Ok();
  const RepairPlan plan = PlanRepair(*c);
  std::vector<std::string> refused = plan.refused;
  if (plan.set.empty()) {
    report->not_repaired = std::move(refused);
    return Status::Ok();
  }
  const CheckCounts before = report->counts;
  if (options.force_share) {
    return Status::InvalidArgument(path + ": --repair writes the image; it cannot be combined with -U");
  }
  {
    std::unique_ptr<File> rw;
    // Our own reader lock would refuse our writer: drop it first.
    Status s = file->Lock(ImageLock::kNone);
    if (s.ok()) s = env->OpenFile(path, OpenMode::kReadWrite, &rw);
    if (s.ok()) s = rw->Lock(ImageLock::kWrite);
    if (s.ok()) s = ApplyRepair(rw.get(), *c, plan);
    if (!s.ok()) return Status::IoError(path + ": --repair could not write: " + s.message());
  }
  c.reset();
  file.reset();
  CheckReport after;
  c = CheckOnce(env, path, first, &file, &after);
  after.repairs = plan.changes;
  after.not_repaired = std::move(refused);
  after.before_repair = before;
  *report = std::move(after);
  return Status::Ok();
}

}  // namespace zonesim::check
