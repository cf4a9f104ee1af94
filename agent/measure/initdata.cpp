#include "agent/measure/initdata.h"

#include <algorithm>
#include <exception>

#include <toml++/toml.h>

namespace attest::measure {
namespace {

std::unexpected<Error> bad(std::string what) {
  return fail(Code::InvalidArgument, "init-data: " + std::move(what));
}

Result<HashAlg> parse_alg(std::string_view name) {
  if (name == "sha256") return HashAlg::Sha256;
  if (name == "sha384") return HashAlg::Sha384;
  if (name == "sha512") return HashAlg::Sha512;
  return fail(Code::Unsupported, "init-data: algorithm \"" + std::string(name) +
                                     "\" is not one of sha256, sha384, sha512");
}

Result<InitData> from_table(const toml::table& root, std::string_view text) {
  InitData out;
  const auto* version = root.get_as<std::string>("version");
  if (version == nullptr) return bad("`version` is missing or not a string");
  out.version = version->get();
  const auto* alg = root.get_as<std::string>("algorithm");
  if (alg == nullptr) return bad("`algorithm` is missing or not a string");
  auto parsed = parse_alg(alg->get());
  if (!parsed) return std::unexpected(std::move(parsed.error()));
  out.alg = *parsed;
  const auto* data = root.get_as<toml::table>("data");
  if (data == nullptr) return bad("`data` is missing or not a table");
  for (const auto& [key, value] : *data)
    if (!value.is_string()) return bad("data." + std::string(key.str()) + " is not a string");
  auto hashed = digest(out.alg, as_bytes(text));
  if (!hashed) return std::unexpected(std::move(hashed.error()).with_context("init-data"));
  out.digest = std::move(*hashed);
  return out;
}

bool binds_pcr8(TeeKind tee) {
  return tee == TeeKind::Tpm || tee == TeeKind::AzSnpVtpm || tee == TeeKind::AzTdxVtpm;
}

// Trustee's regularize_data: zero-pad or truncate to the field's size.
Bytes regularize(ByteView digest, std::size_t size) {
  Bytes out(digest.begin(), digest.begin() + std::min(digest.size(), size));
  out.resize(size, 0);
  return out;
}

std::string_view slot_name(TeeKind tee) {
  switch (tee) {
    case TeeKind::Tdx:
      return "MRCONFIGID";
    case TeeKind::Cca:
      return "the realm personalisation value";
    default:
      return "HOST_DATA";
  }
}

Result<InitDataBinding> bind_slot(EvidenceProvider& provider, const InitData& init) {
  auto slot = provider.initdata_slot();
  if (!slot) return std::unexpected(std::move(slot.error()));
  // CCA: Trustee compares the digest with the RPV as it is, without regularize_data.
  const Bytes want =
      provider.kind() == TeeKind::Cca ? init.digest : regularize(init.digest, slot->size());
  if (want != *slot)
    return fail(Code::FailedPrecondition,
                std::string(provider.name()) + ": init-data does not match the launch: " +
                    std::string(slot_name(provider.kind())) + " is " + hex_encode(*slot) +
                    ", the init-data's " + std::string(hash_alg_name(init.alg)) + " digest is " +
                    hex_encode(init.digest));
  return InitDataBinding::Matched;
}

Result<InitDataBinding> bind_pcr8(EvidenceProvider& provider, const InitData& init) {
  Bytes chain(32, 0);
  chain.insert(chain.end(), init.digest.begin(), init.digest.end());
  auto hashed = digest(HashAlg::Sha256, chain);
  if (!hashed) return std::unexpected(std::move(hashed.error()));
  const Bytes bound = std::move(*hashed);
  auto pcr8 = provider.read_register(kInitDataPcr);
  if (!pcr8) return std::unexpected(std::move(pcr8.error()));
  if (*pcr8 == bound) return InitDataBinding::AlreadyBound;
  if (*pcr8 != Bytes(pcr8->size(), 0))
    return fail(Code::FailedPrecondition,
                std::string(provider.name()) + ": PCR 8 is " + hex_encode(*pcr8) +
                    ", neither zero nor SHA-256(0^32 || init-data digest " +
                    hex_encode(init.digest) + ") = " + hex_encode(bound) +
                    ": something else was measured into PCR 8, refusing to extend it");
  ATTEST_TRY(provider.extend(kInitDataPcr, init.digest));
  auto after = provider.read_register(kInitDataPcr);
  if (!after) return std::unexpected(std::move(after.error()));
  if (*after != bound)
    return fail(Code::FailedPrecondition, std::string(provider.name()) + ": PCR 8 is " +
                                              hex_encode(*after) + " after the extend, expected " +
                                              hex_encode(bound) +
                                              " (another process extended it at the same time?)");
  return InitDataBinding::Extended;
}

}  // namespace

Result<InitData> parse_initdata(std::string_view toml) {
  try {
    const toml::table root = toml::parse(toml, std::string_view("init-data"));
    return from_table(root, toml);
  } catch (const toml::parse_error& e) {
    return bad("line " + std::to_string(e.source().begin.line) + ": " +
               std::string(e.description()));
  } catch (const std::exception& e) {  // toml++ allocates; nothing else should throw
    return fail(Code::Internal, std::string("init-data: ") + e.what());
  }
}

Result<void> check_initdata_alg(TeeKind tee, HashAlg alg) {
  if (tee == TeeKind::Cca && alg != HashAlg::Sha512)
    return fail(Code::InvalidArgument,
                "init-data algorithm " + std::string(hash_alg_name(alg)) +
                    " cannot be verified on cca: Trustee compares the digest with the 64-byte "
                    "realm personalisation value as it is; use algorithm = \"sha512\"");
  if (binds_pcr8(tee) && alg != HashAlg::Sha256)
    return fail(Code::InvalidArgument,
                "init-data algorithm " + std::string(hash_alg_name(alg)) +
                    " cannot be verified on " + std::string(tee_wire_name(tee)) +
                    ": Trustee checks PCR8 = SHA-256(0^32 || digest) with a 32-byte digest; "
                    "use algorithm = \"sha256\"");
  return {};
}

Result<InitData> initdata_for(TeeKind tee, std::string_view toml) {
  auto init = parse_initdata(toml);
  if (!init) return init;
  ATTEST_TRY(check_initdata_alg(tee, init->alg));
  return init;
}

std::string_view binding_name(InitDataBinding b) noexcept {
  switch (b) {
    case InitDataBinding::Matched:
      return "matches the launch measurement";
    case InitDataBinding::Extended:
      return "extended PCR 8";
    case InitDataBinding::AlreadyBound:
      return "PCR 8 already bound";
    case InitDataBinding::Unchecked:
    default:
      return "unchecked (this TEE carries no init-data field)";
  }
}

Result<InitDataBinding> bind_initdata(EvidenceProvider& provider, std::string_view toml) {
  auto init = initdata_for(provider.kind(), toml);
  if (!init) return std::unexpected(std::move(init.error()));
  switch (provider.kind()) {
    case TeeKind::Tdx:
    case TeeKind::Snp:
    case TeeKind::Cca:
      return bind_slot(provider, *init);
    case TeeKind::Tpm:
    case TeeKind::AzSnpVtpm:
    case TeeKind::AzTdxVtpm:
      return bind_pcr8(provider, *init);
    case TeeKind::Sample:
    default:
      return InitDataBinding::Unchecked;
  }
}

}  // namespace attest::measure
