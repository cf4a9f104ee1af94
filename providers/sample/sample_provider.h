// Trustee's insecure `sample` evidence: no hardware, no signature. Only ever used when chosen
// explicitly (--tee sample); detection never returns it.
#pragma once

#include "providers/provider.h"

namespace attest {

ProviderInfo sample_provider_info();

}  // namespace attest
