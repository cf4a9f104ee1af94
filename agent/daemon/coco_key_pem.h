// The TEE private key in the PEM form Confidential Containers' CDH parses from /aa/token's
// "tee_keypair": RSA as PKCS#1 ("BEGIN RSA PRIVATE KEY"), EC as PKCS#8 ("BEGIN PRIVATE KEY"),
// as issue 7 specifies for CDH (not yet checked against guest-components' source here).
#pragma once

#include "common/error.h"
#include "common/secure_buffer.h"

namespace attest::daemon {

// `pkcs8_pem` as TeeKey::private_pem() gives it; RSA keys are re-encoded, others pass through.
// Every intermediate copy lives in OpenSSL secure-heap BIOs or SecureBuffer.
[[nodiscard]] Result<SecureBuffer> coco_key_pem(const SecureBuffer& pkcs8_pem);

}  // namespace attest::daemon
