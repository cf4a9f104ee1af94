#include "agent/config/id_resolver.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace attest::config {
namespace {

// Runs a *_r lookup with a buffer that grows on ERANGE (large groups do not fit the initial
// sysconf size), up to a bound so that a broken NSS module cannot make us allocate forever.
template <class Entry, class Lookup>
bool lookup(long size_hint, Lookup&& call, Entry& entry) {
  std::size_t size = size_hint > 0 ? static_cast<std::size_t>(size_hint) : 4096;
  constexpr std::size_t kMax = 1u << 20;
  for (; size <= kMax; size *= 2) {
    std::vector<char> buf(size);
    Entry* found = nullptr;
    const int rc = call(&entry, buf.data(), buf.size(), &found);
    if (rc == ERANGE) continue;
    return rc == 0 && found != nullptr;
  }
  return false;
}

class SystemIdResolver final : public IdResolver {
 public:
  std::optional<uid_t> uid_of(const std::string& user) const override {
    struct passwd pw {};
    const bool ok = lookup(
        ::sysconf(_SC_GETPW_R_SIZE_MAX),
        [&](struct passwd* e, char* b, std::size_t n, struct passwd** r) {
          return ::getpwnam_r(user.c_str(), e, b, n, r);
        },
        pw);
    if (!ok) return std::nullopt;
    return pw.pw_uid;
  }
  std::optional<gid_t> gid_of(const std::string& group) const override {
    struct group gr {};
    const bool ok = lookup(
        ::sysconf(_SC_GETGR_R_SIZE_MAX),
        [&](struct group* e, char* b, std::size_t n, struct group** r) {
          return ::getgrnam_r(group.c_str(), e, b, n, r);
        },
        gr);
    if (!ok) return std::nullopt;
    return gr.gr_gid;
  }
};

}  // namespace

const IdResolver& system_id_resolver() {
  static const SystemIdResolver resolver;
  return resolver;
}

}  // namespace attest::config
