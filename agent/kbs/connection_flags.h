// The flags that say which KBS to trust, spelled and documented once for attest-cli (into a
// KbsConnection) and attest-agent (into its DaemonFlags, where unset must stay distinguishable
// from the config file's value: hence the template).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace attest::kbs {

// --url, --cert-file, --trust-system-store, --pin-sha256 (repeatable, one pin per flag).
template <class Text>
void add_kbs_trust_flags(CLI::App& app, Text& url, Text& cert_file, bool& trust_system_store,
                         std::vector<std::string>& pin_sha256) {
  app.add_option("--url", url, "KBS base URL, e.g. https://kbs.example:8080; config [kbs] url");
  app.add_option("--cert-file", cert_file,
                 "Trusted root CA(s) (PEM) for the KBS's TLS certificate: the ONLY roots trusted, "
                 "as with curl --cacert (config [kbs] cert_file); without it, the system store");
  app.add_flag("--trust-system-store", trust_system_store,
               "Trust the system CA store as well as --cert-file; config [kbs] trust_system_store");
  app.add_option("--pin-sha256", pin_sha256,
                 "Also require the KBS certificate's public key to match: base64 SHA-256 of its "
                 "DER SubjectPublicKeyInfo (curl --pinnedpubkey sha256//...); repeatable; config "
                 "[kbs] pin_sha256")
      ->expected(1)  // one pin per flag: a pin never swallows the resource URI after it
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

}  // namespace attest::kbs
