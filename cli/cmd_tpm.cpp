// attest-cli tpm provision-ak: create the attestation key the tpm provider quotes with and
// persist it; prints the AK public key (PEM) to register with the verifier
// (Trustee: /etc/tpm/trusted_ak_keys/<name>.pub).
#include <charconv>
#include <ostream>

#include "cli/commands.h"
#include "providers/tpm/ak.h"

namespace attest::cli {
namespace {

struct ProvisionAkOptions {
  std::string handle = "0x81010002";
  std::string alg = "rsa";
  bool force = false;
  std::string output;
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
  auto pem = tpm::spki_der_to_pem(ak->spki_der);
  if (!pem) return std::unexpected(std::move(pem.error()));
  ctx.err << "attest-cli: " << tpm::ak_alg_name(ak->alg) << " AK persisted at "
          << tpm::handle_hex(ak->handle) << "\n";
  return write_output(ctx, o.output, as_bytes(*pem), 0644);
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
                "--handle and print its public key (PEM)");
            prov->add_option("--handle", o->handle, "Persistent handle for the AK")
                ->capture_default_str();
            prov->add_option("--alg", o->alg,
                             "rsa (RSA-2048, RSASSA-SHA256; what Trustee "
                             "accepts) or ecc (NIST P-256, ECDSA-SHA256)")
                ->check(CLI::IsMember({"rsa", "ecc"}))
                ->capture_default_str();
            prov->add_flag("--force", o->force, "Replace a key already persisted at --handle");
            prov->add_option("-o,--output", o->output,
                             "Write the PEM to PATH (atomically) instead of stdout");
            add_tcti_option(*prov, ctx);
            return [o, &ctx] { return run_provision_ak(*o, ctx); };
          }};
}

}  // namespace attest::cli
