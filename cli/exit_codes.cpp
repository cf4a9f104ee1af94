#include "cli/exit_codes.h"

namespace attest::cli {

int exit_code_for(const Error& e) {
  switch (e.code) {
    case Code::InvalidArgument:
      return kExitUsage;
    case Code::NotFound:
    case Code::Unsupported:
    case Code::FailedPrecondition:
      return kExitDevice;
    case Code::Corrupt:
      return kExitBadInput;
    case Code::Unavailable:
    case Code::DeadlineExceeded:
      return kExitNetwork;
    case Code::Unauthenticated:
      return kExitAttestationRefused;
    case Code::PermissionDenied:
      return kExitDenied;
    case Code::Internal:
    default:
      return kExitInternal;
  }
}

}  // namespace attest::cli
