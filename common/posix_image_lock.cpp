// The protocol, as QEMU's block/file-posix.c runs it (raw_apply_lock_bytes,
// raw_check_lock_bytes): a process shows each permission it holds with an OFD
// read lock on byte 100 + bit and each permission it refuses to share with one
// on byte 200 + bit. Read locks never block each other, so holders coexist;
// a conflict is found by asking (F_OFD_GETLK with a write lock) whether
// anyone else holds byte 200 + bit of a permission we want, or byte 100 + bit
// of a permission we do not share. OFD locks belong to the open file
// description: they vanish when it is closed, also when the process dies.
#include "common/posix_image_lock.h"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

namespace zonesim {
namespace {

constexpr off_t kPermBase = 100;    // RAW_LOCK_PERM_BASE
constexpr off_t kSharedBase = 200;  // RAW_LOCK_SHARED_BASE
constexpr unsigned kConsistentRead = 1u << 0, kWrite = 1u << 1, kWriteUnchanged = 1u << 2, kResize = 1u << 3;
constexpr unsigned kAllPerms = kConsistentRead | kWrite | kWriteUnchanged | kResize;
const char* const kPermNames[] = {"consistent read", "write", "write unchanged", "resize"};

struct Perms {
  unsigned held = 0;
  unsigned shared = kAllPerms;
};

Perms PermsOf(ImageLock intent) {
  switch (intent) {
    case ImageLock::kNone: return {0, kAllPerms};
    case ImageLock::kInspect: return {kConsistentRead, kAllPerms};
    case ImageLock::kRead: return {kConsistentRead, kAllPerms & ~(kWrite | kResize)};
    case ImageLock::kWrite: return {kConsistentRead | kWrite | kResize, kAllPerms & ~(kWrite | kResize)};
  }
  return {};
}

int Fcntl(int fd, int cmd, short type, off_t byte, struct flock* fl) {
  std::memset(fl, 0, sizeof *fl);
  fl->l_whence = SEEK_SET;
  fl->l_start = byte;
  fl->l_len = 1;
  fl->l_type = type;
  int r;
  do {
    r = ::fcntl(fd, cmd, fl);
  } while (r != 0 && errno == EINTR);
  return r;
}

Status LockError(const std::string& path, const char* what, off_t byte) {
  return Status::IoError(std::string(what) + " of byte " + std::to_string(byte) + " of " + path +
                         " failed: " + std::strerror(errno));
}

// Sets byte `byte` to a read lock (on) or unlocks it.
Status SetByte(int fd, const std::string& path, off_t byte, bool on) {
  struct flock fl;
  if (Fcntl(fd, F_OFD_SETLK, on ? F_RDLCK : F_UNLCK, byte, &fl) != 0) return LockError(path, "lock", byte);
  return Status::Ok();
}

// Whether another open file description holds a lock on `byte`.
Status HeldByOther(int fd, const std::string& path, off_t byte, bool* held) {
  struct flock fl;
  if (Fcntl(fd, F_OFD_GETLK, F_WRLCK, byte, &fl) != 0) return LockError(path, "lock test", byte);
  *held = fl.l_type != F_UNLCK;
  return Status::Ok();
}

Status Apply(int fd, const std::string& path, const Perms& p) {
  for (unsigned bit = 0; bit < 4; ++bit) {
    Status s = SetByte(fd, path, kPermBase + bit, (p.held >> bit) & 1);
    if (s.ok()) s = SetByte(fd, path, kSharedBase + bit, !((p.shared >> bit) & 1));
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status Conflict(const std::string& path, unsigned bit) {
  return Status::IoError(path + ": image is locked by another process (it holds or refuses to share the \"" +
                         kPermNames[bit] + "\" permission; use -U/--force-share to inspect it read-only)");
}

}  // namespace

Status ApplyImageLock(int fd, const std::string& path, ImageLock intent) {
  const Perms p = PermsOf(intent);
  Status s = Apply(fd, path, p);
  for (unsigned bit = 0; s.ok() && bit < 4; ++bit) {
    bool held = false;
    if ((p.held >> bit) & 1) {
      s = HeldByOther(fd, path, kSharedBase + bit, &held);
      if (s.ok() && held) s = Conflict(path, bit);
    }
    if (s.ok() && !((p.shared >> bit) & 1)) {
      s = HeldByOther(fd, path, kPermBase + bit, &held);
      if (s.ok() && held) s = Conflict(path, bit);
    }
  }
  if (!s.ok()) (void)Apply(fd, path, PermsOf(ImageLock::kNone));
  return s;
}

}  // namespace zonesim
