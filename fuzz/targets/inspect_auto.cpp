// `attest-cli inspect` on an arbitrary file: type sniffing, then whichever parser it picked.
#include "fuzz/fuzz_support.h"
#include "providers/inspect.h"

ATTEST_FUZZ_TARGET(inspect_auto) {
  using namespace attest;
  const ByteView in = fuzz::input(data, size);
  auto type = sniff_report_type(in);
  fuzz::check_error_named(type);
  if (!type) return;
  auto j = inspect_report(*type, in);
  fuzz::check_error_named(j);
  if (j) (void)j->dump();
}
