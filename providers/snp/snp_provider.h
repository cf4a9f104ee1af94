// AMD SEV-SNP evidence: the ATTESTATION_REPORT and its certificate table, through configfs-tsm
// (provider "sev_guest", privlevel = cfg.snp_vmpl, auxblob = certificate table) where present,
// else SNP_GET_EXT_REPORT on /dev/sev-guest.
#pragma once

#include "providers/provider.h"

namespace attest {

// Registry entry: present if configfs-tsm is served by sev_guest, or /dev/sev-guest or the
// sev-guest platform device in sysfs exists.
ProviderInfo snp_provider_info();

namespace snp {

// Trustee's SnpEvidence from a raw report and certificate table (configfs auxblob or the
// ioctl's certificate buffer): {"attestation_report": <virtee AttestationReport JSON>,
// "cert_chain": <CertTableEntry list, or null when there are no certificates>}.
// Evidence.raw = the report, Evidence.aux = the table rebuilt compactly (empty without certs).
// The report's REPORT_DATA must equal `expected_report_data`.
[[nodiscard]] Result<Evidence> make_evidence(Bytes report, ByteView cert_table,
                                             ByteView expected_report_data);

}  // namespace snp
}  // namespace attest
