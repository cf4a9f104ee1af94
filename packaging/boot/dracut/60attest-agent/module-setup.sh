#!/bin/bash
# shellcheck disable=SC2154 # hostonly_cmdline, initdir: set by dracut for its modules
# dracut module: attest-cli, its libraries, the clevis pin "attest" and /etc/attest-agent, for
# clevis's dracut integration (60clevis) to unlock LUKS volumes bound with the attest pin, the
# way 60clevis-pin-tang does for tang.

check() {
    require_binaries attest-cli clevis-decrypt-attest || return 1
    return 0
}

depends() {
    echo clevis network
    return 0
}

install() {
    inst_multiple attest-cli clevis-decrypt-attest base64 sha256sum sed readlink dirname
    inst_simple "$(dirname "$(command -v clevis-decrypt-attest)")/clevis-attest-common" \
        /usr/bin/clevis-attest-common
    # tpm2-tss loads its TPM transport with dlopen(): not found by library scanning.
    inst_libdir_file "libtss2-tcti-device.so*"
    local f
    if [ -d /etc/attest-agent ]; then
        while read -r f; do inst_simple "$f"; done < <(find /etc/attest-agent -type f)
    fi
    [ -e /etc/ssl/certs/ca-certificates.crt ] && inst_simple /etc/ssl/certs/ca-certificates.crt
    # The KBS is on the network: ask for it in the initrd (as 60clevis-pin-tang does).
    if [ "${hostonly_cmdline}" = "yes" ]; then
        echo "rd.neednet=1" > "${initdir}/etc/cmdline.d/99attest-agent.conf"
    fi
    return 0
}

installkernel() {
    hostonly='' instmods tsm tsm_report tdx_guest sev-guest arm-cca-guest tpm_crb tpm_tis
}
