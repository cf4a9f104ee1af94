// Readers for the daemon's parts of the config file: [agent], [[access]], [[secrets]],
// [[credentials]]. Private to agent/config (config.cpp calls them); the public shapes are in
// config.h.
#pragma once

#include <vector>

#include "agent/config/config.h"
#include "agent/config/id_resolver.h"
#include "agent/config/toml_section.h"

namespace attest::config {

[[nodiscard]] Result<void> read_agent(const Section& s, const IdResolver& ids, AgentSection& a);

[[nodiscard]] Result<AccessRule> read_access(const Section& s, const IdResolver& ids);
// `secrets_dir` is [agent] secrets_dir (read first, whatever the order in the file).
[[nodiscard]] Result<SecretEntry> read_secret(const Section& s, const IdResolver& ids,
                                              const std::filesystem::path& secrets_dir);
[[nodiscard]] Result<CredentialEntry> read_credential(const Section& s);

}  // namespace attest::config
