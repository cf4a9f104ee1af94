// The KBS's Set-Cookie header (kbs-session-id), sent back on every later request.
#include "agent/kbs/session_cookie.h"
#include "fuzz/fuzz_support.h"

ATTEST_FUZZ_TARGET(session_cookie) {
  using namespace attest;
  auto id = kbs::parse_session_cookie(fuzz::text(data, size));
  if (!id) return;
  // The id goes into a request header: no CR, LF or other control character may pass.
  for (const char ch : kbs::session_cookie_header(*id))
    ATTEST_FUZZ_CHECK(static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f);
}
