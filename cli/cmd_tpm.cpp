// attest-cli tpm provision-ak: create the attestation key the tpm provider quotes with and
// persist it; prints what registers it with the verifier. Since Trustee v0.20 there is no
// trusted-AK directory: the attestation policy checks the evidence's `ak_public` (one-line
// standard base64 of the DER SubjectPublicKeyInfo) against the reference value `trusted_aks`.
// (Before, the tpm verifier read PEM files from /etc/tpm/trusted_ak_keys; trustee 15f876f
// deps/verifier/src/tpm/mod.rs, which also shows it takes RSASSA signatures only.)
#include <charconv>
#include <ostream>

#include "cli/commands.h"
#include "cli/output_options.h"
#include "providers/tpm/ak.h"

namespace attest::cli {
namespace {

struct ProvisionAkOptions {
  std::string handle = "0x81010002";
  std::string alg = "rsa";
  bool force = false;
  std::string output;
  std::string format = "trusted-aks";
};

Result<std::uint32_t> parse_handle(std::string_view s) {
  std::string_view digits = s;
  if (digits.starts_with("0x") || digits.starts_with("0X")) digits.remove_prefix(2);
  std::uint32_t v = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, 16);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
    return fail(Code::InvalidArgument,
                "--handle '" + std::string(s) + "' is not a hex handle like 0x81010002");
  return v;
}

Result<void> run_provision_ak(const ProvisionAkOptions& o, Context& ctx) {
  auto handle = parse_handle(o.handle);
  if (!handle) return std::unexpected(std::move(handle.error()));
  auto alg = tpm::parse_ak_alg(o.alg);
  if (!alg) return std::unexpected(std::move(alg.error()));
  auto esys = tpm::Esys::open(ctx.providers.tcti);
  if (!esys) return std::unexpected(std::move(esys.error()));
  auto ak = tpm::provision_ak(*esys, {*handle, *alg, o.force});
  if (!ak) return std::unexpected(std::move(ak.error()));
  ctx.err << "attest-cli: " << tpm::ak_alg_name(ak->alg) << " AK persisted at "
          << tpm::handle_hex(ak->handle) << "\n";
  if (o.format == "pem") {
    auto pem = tpm::spki_der_to_pem(ak->spki_der);
    if (!pem) return std::unexpected(std::move(pem.error()));
    return write_output(ctx, o.output, as_bytes(*pem), 0644);
  }
  const std::string value = base64_encode(ak->spki_der);  // exactly what `ak_public` carries
  if (ak->alg == tpm::AkAlg::Rsa) {
    ctx.err << "attest-cli: register it with Trustee (v0.20 or later) as a trusted_aks reference "
               "value:\n"
            << "  kbs-client --url https://KBS:8080 config --auth-private-key ADMIN_KEY.pem "
               "set-sample-reference-value trusted_aks "
            << value << "\n"
            << "attest-cli: the attestation policy then accepts the TPM when\n"
            << "  input.tpm.ak_public in data.reference.trusted_aks\n";
  } else {
    ctx.err << "attest-cli: an ECC AK signs ECDSA quotes, for verifiers that take them "
               "(tpm2_checkquote, Keylime); Trustee's tpm verifier and --tee tpm need --alg rsa\n";
  }
  return write_output(ctx, o.output, as_bytes(value + "\n"), 0644);
}

}  // namespace

Command tpm_command() {
  return {"tpm", "TPM administration ('tpm provision-ak' creates the attestation key)",
          [](CLI::App& sub, Context& ctx) -> std::function<Result<void>()> {
            auto o = std::make_shared<ProvisionAkOptions>();
            sub.require_subcommand(1);
            CLI::App* prov = sub.add_subcommand(
                "provision-ak",
                "Create a restricted signing AK (owner-hierarchy primary), persist it at "
                "--handle and print its trusted_aks reference value (one-line base64 DER "
                "public key; how to register it goes to stderr)");
            prov->add_option("--handle", o->handle, "Persistent handle for the AK")
                ->capture_default_str();
            prov->add_option("--alg", o->alg,
                             "rsa (RSA-2048, RSASSA-SHA256; what Trustee and --tee tpm accept) or "
                             "ecc (NIST P-256, ECDSA-SHA256; for tpm2_checkquote, Keylime)")
                ->check(CLI::IsMember({"rsa", "ecc"}))
                ->capture_default_str();
            prov->add_flag("--force", o->force, "Replace a key already persisted at --handle");
            prov->add_option("--format", o->format,
                             "trusted-aks (one-line standard base64 of the DER "
                             "SubjectPublicKeyInfo: Trustee's trusted_aks / ak_public) or pem")
                ->check(CLI::IsMember({"trusted-aks", "pem"}))
                ->capture_default_str();
            add_output_option(*prov, "-o,--output", o->output,
                              "Write the public key to PATH (atomically) instead of stdout");
            add_tcti_option(*prov, ctx);
            return [o, &ctx] { return run_provision_ak(*o, ctx); };
          }};
}

}  // namespace attest::cli
