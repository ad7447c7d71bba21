// RapidCheck stateful properties: the qcow2 zoned image behaves exactly like
// the reference model over random operation sequences, for every profile and
// random combinations of the parameters between them.
//
// In rc::state terms the Model is the reference ZoneModel itself (apply runs the
// operation on it) and the system under test is a fresh zoned qcow2 image (run
// executes the operation there and compares status, append LBA, read data, the
// full zone report and the open/active counts with the model's). Each command
// is a small class that picks its operation from the model's state, weighted
// toward the edges: writes at and beside the write pointer, exact fills,
// appends at the size limit, opens at the limits, every condition for
// finish/close/reset, select-all forms and power cycles.
//
// A failure is shrunk by RapidCheck to a minimal command sequence, printed as
// `zonesim io` script lines together with the device configuration, which
// `zonesim fuzz --config ... --replay FILE` replays in lockstep.
#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <cstdio>
#include <memory>

#include "common/unsynced_env.h"
#include "properties/rc_setup.h"
#include "sim/devices/image_setup.h"
#include "sim/lockstep/lockstep.h"
#include "sim/devices/model_device.h"
#include "sim/exec/op_outcome.h"
#include "sim/devices/qcow2_device.h"
#include "zoned/script.h"

namespace zonesim {

// How RapidCheck prints a generated configuration in a counterexample.
void showValue(const DeviceConfig& c, std::ostream& os) { os << FormatDeviceConfig(c); }

namespace {

struct ImageUnderTest {
  std::unique_ptr<Device> device;
};

using Model = ZoneModel;
using Command = rc::state::Command<Model, ImageUnderTest>;

// Runs op on a copy of the model held by a ModelDevice (the same path the
// lockstep checker takes, range handling included).
OpOutcome ApplyToModel(Model& m, const Operation& op, ModelDevice* dev_out = nullptr) {
  ModelDevice dev(m.config());
  dev.model() = m;
  OpOutcome out = ApplyOperation(dev, op);
  m = dev.model();
  if (dev_out) dev_out->model() = dev.model();
  return out;
}

// Every command is one Operation; subclasses choose it.
struct OpCommand : Command {
  Operation op;

  void apply(Model& m) const override { ApplyToModel(m, op); }

  void run(const Model& s0, ImageUnderTest& sut) const override {
    Model expected = s0;
    ModelDevice after(s0.config());
    OpOutcome want = ApplyToModel(expected, op, &after);
    OpOutcome got = ApplyOperation(*sut.device, op);
    std::string what = DescribeOutcomeDifference(op, want, got);
    if (what.empty()) what = DescribeStateDifference(after, *sut.device);
    if (!what.empty()) {
      RC_LOG() << "divergence on `" << FormatScriptLine(op) << "`: " << what << "\n  model: "
               << want.Summary() << "\n  image: " << got.Summary() << "\n";
      RC_FAIL(what);
    }
  }

  void show(std::ostream& os) const override { os << FormatScriptLine(op); }
};

uint32_t AnySequentialZone(const Model& m) {
  uint32_t conv = m.config().conventional_zones;
  return *rc::gen::inRange<uint32_t>(conv, m.nr_zones());
}

// A zone in the wanted condition if there is one, else any sequential zone.
uint32_t ZoneIn(const Model& m, ZoneCondition c) {
  std::vector<uint32_t> matches;
  for (uint32_t z = m.config().conventional_zones; z < m.nr_zones(); ++z)
    if (m.zone(z).cond == c) matches.push_back(z);
  if (matches.empty()) return AnySequentialZone(m);
  return *rc::gen::elementOf(matches);
}

Payload SomeData() { return Payload::Seeded(*rc::gen::inRange<uint64_t>(1, 1000)); }

uint64_t Room(const Model& m, uint32_t z) {
  ZoneReportEntry e = m.zone(z);
  if (e.wp < e.start || e.wp >= e.start + e.capacity) return 0;
  return e.start + e.capacity - e.wp;
}

struct WriteAtWp : OpCommand {
  explicit WriteAtWp(const Model& m) {
    uint32_t z = AnySequentialZone(m);
    const uint64_t bs = m.config().block_size;
    uint64_t room = Room(m, z) / bs;
    op.kind = OpKind::kWrite;
    op.offset = room ? m.zone(z).wp : m.zone(z).start;
    op.length = bs * (room ? *rc::gen::inRange<uint64_t>(1, std::min<uint64_t>(room, 16) + 1) : 1);
    op.payload = SomeData();
  }
};

struct FillZone : OpCommand {  // exactly up to the capacity, or one block past it
  explicit FillZone(const Model& m) {
    uint32_t z = AnySequentialZone(m);
    const uint64_t bs = m.config().block_size;
    uint64_t room = Room(m, z);
    op.kind = OpKind::kWrite;
    op.offset = room ? m.zone(z).wp : m.zone(z).start;
    op.length = std::max<uint64_t>(room, bs) + (*rc::gen::inRange(0, 4) == 0 ? bs : 0);
    op.payload = SomeData();
  }
};

struct WriteBesideWp : OpCommand {
  explicit WriteBesideWp(const Model& m) {
    uint32_t z = *rc::gen::inRange<uint32_t>(0, m.nr_zones());
    const uint64_t bs = m.config().block_size;
    ZoneReportEntry e = m.zone(z);
    uint64_t base = (e.wp >= e.start && e.wp < e.start + e.length) ? e.wp : e.start;
    int64_t delta = *rc::gen::element<int64_t>(-1, 1, 2, 0);
    op.kind = OpKind::kWrite;
    op.offset = (delta < 0 && base >= bs) ? base - bs : base + static_cast<uint64_t>(delta) * bs;
    if (op.offset + bs > m.config().size) op.offset = m.config().size - bs;
    op.length = bs * *rc::gen::inRange<uint64_t>(1, 4);
    op.payload = SomeData();
  }
};

struct AppendCmd : OpCommand {
  explicit AppendCmd(const Model& m) {
    uint32_t z = *rc::gen::inRange<uint32_t>(0, m.nr_zones());
    const uint64_t bs = m.config().block_size;
    uint64_t max_blocks = std::max<uint64_t>(m.config().max_append_bytes / bs, 1);
    op.kind = OpKind::kAppend;
    op.offset = m.config().zone_start(z);
    op.length = bs * *rc::gen::element<uint64_t>(1, max_blocks, max_blocks + 1,
                                                 std::max<uint64_t>(Room(m, z) / bs, 1));
    op.payload = SomeData();
  }
};

struct ReadCmd : OpCommand {
  explicit ReadCmd(const Model& m) {
    uint32_t z = *rc::gen::inRange<uint32_t>(0, m.nr_zones());
    const uint64_t bs = m.config().block_size;
    ZoneReportEntry e = m.zone(z);
    op.kind = OpKind::kRead;
    op.offset = e.start + bs * *rc::gen::inRange<uint64_t>(0, e.length / bs);
    uint64_t max_len = std::min<uint64_t>(m.config().size - op.offset, 64 * bs);
    op.length = bs * *rc::gen::inRange<uint64_t>(1, max_len / bs + 1);
  }
};

template <OpKind kKind>
struct ManageCmd : OpCommand {
  explicit ManageCmd(const Model& m) {
    op.kind = kKind;
    if (*rc::gen::inRange(0, 10) == 0) {  // Select All
      op.offset = 0;
      op.length = m.config().size;
      return;
    }
    uint32_t z = *rc::gen::inRange(0, 5) == 0
                     ? *rc::gen::inRange<uint32_t>(0, m.nr_zones())
                     : ZoneIn(m, *rc::gen::element(ZoneCondition::kEmpty, ZoneCondition::kImplicitOpen,
                                                   ZoneCondition::kExplicitOpen, ZoneCondition::kClosed,
                                                   ZoneCondition::kFull, ZoneCondition::kReadOnly,
                                                   ZoneCondition::kOffline));
    op.offset = m.config().zone_start(z);
    op.length = m.config().zone_length(z);
  }
};

struct PowerCycleCmd : OpCommand {
  explicit PowerCycleCmd(const Model&) { op.kind = OpKind::kPowerCycle; }
};

// A power loss (issue 15). RapidCheck's model state must follow from the
// commands alone, never from the device's choice, so the crash state is the
// one every device must produce alike: everything kept (`powerloss keepall`).
// The crash states that lose writes, where the checker adopts the device's
// choice, are what `zonesim fuzz --power-loss-rate` runs.
// A flush, then a power loss in any crash mode: with nothing unsynced, every
// mode leaves the one state a RapidCheck model can predict (the flushed one).
// Power losses with writes in flight, whose outcome is a set of states, are
// the lockstep checker's (sim/lockstep/power_loss_check.cpp: `zonesim fuzz
// --power-loss-rate`).
struct PowerLossCmd : Command {
  OpCommand flush, loss;
  explicit PowerLossCmd(const Model&) {
    flush.op.kind = OpKind::kFlush;
    loss.op.kind = OpKind::kPowerLoss;
    loss.op.crash.mode = *rc::gen::element(CrashMode::kLoseAll, CrashMode::kKeepAll, CrashMode::kTorn,
                                           CrashMode::kReorder);
    loss.op.crash.sector = *rc::gen::element(512u, 4096u);
    loss.op.crash.seed = *rc::gen::inRange<uint64_t>(0, 1000);
  }
  void apply(Model& m) const override {
    flush.apply(m);
    loss.apply(m);
  }
  void run(const Model& s0, ImageUnderTest& sut) const override {
    flush.run(s0, sut);
    Model flushed = s0;
    flush.apply(flushed);
    loss.run(flushed, sut);
  }
  void show(std::ostream& os) const override {
    flush.show(os);
    os << "; ";
    loss.show(os);
  }
};

struct FlushCmd : OpCommand {
  explicit FlushCmd(const Model&) { op.kind = OpKind::kFlush; }
};

struct InjectCmd : OpCommand {
  explicit InjectCmd(const Model& m) {
    op.kind = *rc::gen::element(OpKind::kInjectReadOnly, OpKind::kInjectOffline);
    op.offset = m.config().zone_start(AnySequentialZone(m));
  }
};

template <typename C>
rc::Gen<std::shared_ptr<const Command>> Make(std::shared_ptr<const Model> m) {
  return rc::gen::exec([m] { return std::shared_ptr<const Command>(std::make_shared<C>(*m)); });
}

rc::Gen<std::shared_ptr<const Command>> NextCommand(const Model& state) {
  auto m = std::make_shared<const Model>(state);
  return rc::gen::weightedOneOf<std::shared_ptr<const Command>>({
      {20, Make<WriteAtWp>(m)},
      {6, Make<FillZone>(m)},
      {4, Make<WriteBesideWp>(m)},
      {8, Make<AppendCmd>(m)},
      {6, Make<ReadCmd>(m)},
      {8, Make<ManageCmd<OpKind::kOpen>>(m)},
      {6, Make<ManageCmd<OpKind::kClose>>(m)},
      {5, Make<ManageCmd<OpKind::kFinish>>(m)},
      {6, Make<ManageCmd<OpKind::kReset>>(m)},
      {3, Make<PowerCycleCmd>(m)},
      {2, Make<PowerLossCmd>(m)},
      {1, Make<FlushCmd>(m)},
      {1, Make<InjectCmd>(m)},
  });
}

// Small devices in every shape the issue lists: capacity < size, a smaller
// last zone, conventional zones, tiny or no limits, and the behaviour
// parameters varied between the profiles' choices.
rc::Gen<DeviceConfig> GenConfig(Profile profile) {
  return rc::gen::exec([profile] {
    DeviceConfig c;
    c.params = profile_params(profile);
    c.block_size = 512;
    c.zone_size = uint64_t{1} << *rc::gen::inRange(15, 18);  // 32 KiB .. 128 KiB
    bool small_cap = profile != Profile::kZbc && *rc::gen::arbitrary<bool>();
    c.zone_capacity = small_cap ? c.zone_size * 3 / 4 : c.zone_size;
    uint32_t zones = *rc::gen::inRange<uint32_t>(3, 9);
    c.size = uint64_t{zones} * c.zone_size;
    if (*rc::gen::arbitrary<bool>()) c.size -= c.zone_size / 2;  // smaller last zone
    c.conventional_zones = profile == Profile::kZns ? 0 : *rc::gen::inRange<uint32_t>(0, 2);
    uint32_t seq = c.nr_zones() - c.conventional_zones;
    // max open 1, max active 1, both, unlimited, and in between.
    c.max_open_zones = *rc::gen::element<uint32_t>(0, 1, 1, 2, 3);
    c.max_active_zones = profile == Profile::kZbc ? 0 : *rc::gen::element<uint32_t>(0, 1, 2, 3, 4);
    if (c.max_open_zones > seq) c.max_open_zones = seq;
    if (c.max_active_zones > seq) c.max_active_zones = seq;
    if (c.max_active_zones != 0 && c.max_open_zones > c.max_active_zones)
      c.max_open_zones = c.max_active_zones;
    uint64_t cap_last = c.zone_capacity_of(c.nr_zones() - 1);
    uint64_t append_limit = std::min<uint64_t>(c.zone_capacity - 512, 16 << 10);
    (void)cap_last;
    c.max_append_bytes = static_cast<uint32_t>(512 * *rc::gen::inRange<uint64_t>(1, append_limit / 512 + 1));
    // Parameters between the profiles (deterministic implicit-close policies, so
    // both sides must pick the same victim).
    ZoneParams& p = c.params;
    if (*rc::gen::arbitrary<bool>()) {
      p.implicit_close = *rc::gen::element(ImplicitClosePolicy::kFail, ImplicitClosePolicy::kOldestOpened,
                                           ImplicitClosePolicy::kLowestIndex,
                                           ImplicitClosePolicy::kRoundRobin,
                                           ImplicitClosePolicy::kLeastRecentlyWritten);
      p.close_empty_open_zone = *rc::gen::element(CloseEmptyResult::kClosed, CloseEmptyResult::kEmpty);
      p.open_full_zone = *rc::gen::element(PointlessOp::kError, PointlessOp::kNoOp);
      p.close_empty_or_full_zone = *rc::gen::element(PointlessOp::kError, PointlessOp::kNoOp);
      p.finish_requires_open_resource = *rc::gen::arbitrary<bool>();
      p.finish_empty_requires_active = *rc::gen::arbitrary<bool>();
      p.implicit_close_on_explicit_open = *rc::gen::arbitrary<bool>();
      p.implicit_close_before_resource_check = *rc::gen::arbitrary<bool>();
      p.swap_closed_when_active_full = *rc::gen::arbitrary<bool>();
      p.open_all_atomic = *rc::gen::arbitrary<bool>();
      p.restricted_reads = *rc::gen::arbitrary<bool>();
      p.read_across_zones = *rc::gen::arbitrary<bool>();
      p.full_wp = *rc::gen::element(FullWpReport::kAsWritten, FullWpReport::kCapacityEnd,
                                    FullWpReport::kZoneEnd, FullWpReport::kAllOnes);
      p.precedence = *rc::gen::element(ErrorPrecedence::kStateFirst, ErrorPrecedence::kBoundaryFirst);
    }
    return c;
  });
}

bool CheckProfile(Profile profile) {
  std::string name = "qcow2 image matches the model (" + std::string(to_string(profile)) + ")";
  return rc::check(name, [profile] {
    DeviceConfig config = *GenConfig(profile);
    RC_PRE(config.Validate().ok());
    uint32_t cluster = *rc::gen::element<uint32_t>(4096, 65536);
    RC_TAG(config.max_open_zones, config.max_active_zones);
    RC_LOG() << "config: " << FormatDeviceConfig(config) << "\n"
             << "replay the commands below with: zonesim fuzz --config '"
             << FormatDeviceConfig(config) << "' --replay repro.script\n";
    static UnsyncedEnv env;
    TempDir dir;
    RC_ASSERT(dir.ok());
    std::string path = dir.path() + "/prop.qcow2";
    Status s = CreateZonedImage(&env, path, config, cluster);
    RC_ASSERT(s.ok());
    ImageUnderTest sut;
    sut.device = OpenImageDevice(&env, path, config.params, &s);
    RC_ASSERT(sut.device != nullptr);
    rc::state::check(ZoneModel(config), sut, &NextCommand);
  });
}

}  // namespace
}  // namespace zonesim

int main() {
  zonesim::ConfigureRapidCheck(60);
  bool ok = true;
  for (zonesim::Profile p : {zonesim::Profile::kZns, zonesim::Profile::kZbc, zonesim::Profile::kLinux})
    ok = zonesim::CheckProfile(p) && ok;
  return ok ? 0 : 1;
}
