#!/usr/bin/env python3
"""packaging/k8s and packaging/container agree with each other and with the agent's config.

Parses every YAML document (python3-yaml) and checks, per workload: volumes and mounts match;
the config a container mounts exists (ConfigMap, keys, files it names) and uses only keys that
agent/config/config.h declares; the agent's socket lies on an in-memory emptyDir that the app
mounts at the same path; secrets written by an init container land on an in-memory volume the
app mounts read-only; the CoCo listener is loopback:8006 and the app points at it; every
container runs as non-root without privileges, and the agent runs as the Containerfile's USER.
Usage: k8s_manifests_test.py REPO_ROOT
"""
import ipaddress
import pathlib
import re
import sys
import tomllib
import unittest

import yaml

ROOT = pathlib.Path(sys.argv.pop(1) if len(sys.argv) > 1 else ".").resolve()
K8S = ROOT / "packaging" / "k8s"
CONFIG_DIR = "/etc/attest-agent"
# TOML section -> the struct in agent/config/config.h that holds it.
SECTIONS = {"kbs": "KbsSection", "evidence": "EvidenceSection", "agent": "AgentSection",
            "access": "AccessRule", "secrets": "SecretEntry", "credentials": "CredentialEntry"}


def struct_fields(header: str, name: str) -> set:
    body = re.search(r"struct %s \{(.*?)\n\};" % name, header, re.S)
    assert body, "struct %s not found in config.h" % name
    return set(re.findall(r"^\s+[\w:<>, ]+?\s(\w+)(?: = [^;]*)?;", body.group(1), re.M))


def documents():
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is not None:
                docs.append((path.name, doc))
    return docs


def pod_spec(doc):
    if doc["kind"] == "Pod":
        return doc["spec"]
    if doc["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        return doc["spec"]["template"]["spec"]
    return None


def is_agent(container):
    return "attest-agent" in container["image"] and not container.get("command")


def mount_of(container, volume):
    return next((m for m in container.get("volumeMounts", []) if m["name"] == volume), None)


def under(path, directory):
    return pathlib.PurePosixPath(path).is_relative_to(directory)


class Manifests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.docs = documents()
        cls.configmaps = {d["metadata"]["name"]: d for _, d in cls.docs if d["kind"] == "ConfigMap"}
        cls.workloads = [(f, d, pod_spec(d)) for f, d in cls.docs if pod_spec(d) is not None]
        header = (ROOT / "agent" / "config" / "config.h").read_text()
        cls.fields = {sec: struct_fields(header, st) for sec, st in SECTIONS.items()}
        containerfile = (ROOT / "packaging" / "container" / "Containerfile").read_text()
        user = re.findall(r"^USER (\d+):(\d+)$", containerfile, re.M)
        assert len(user) == 1, "the Containerfile needs exactly one numeric USER uid:gid"
        cls.image_uid, cls.image_gid = int(user[0][0]), int(user[0][1])

    def config_of(self, spec, container):
        """(parsed config.toml, ConfigMap) mounted at /etc/attest-agent, or (None, None)."""
        volumes = {v["name"]: v for v in spec["volumes"]}
        for m in container.get("volumeMounts", []):
            if m["mountPath"] == CONFIG_DIR:
                name = volumes[m["name"]]["configMap"]["name"]
                self.assertIn(name, self.configmaps, "ConfigMap %s is not defined" % name)
                cm = self.configmaps[name]
                self.assertTrue(m.get("readOnly"), "%s must be mounted read-only" % CONFIG_DIR)
                return tomllib.loads(cm["data"]["config.toml"]), cm
        return None, None

    def test_every_document_is_well_formed(self):
        self.assertGreaterEqual(len(self.workloads), 3)
        for f, d in self.docs:
            for key in ("apiVersion", "kind", "metadata"):
                self.assertIn(key, d, f)
            self.assertTrue(d["metadata"].get("name"), f)
            spec = pod_spec(d)
            if spec is not None and d["kind"] != "Pod":
                self.assertEqual(d["spec"]["selector"]["matchLabels"].items()
                                 <= d["spec"]["template"]["metadata"]["labels"].items(), True, f)

    def test_mounts_name_declared_volumes_and_configmaps_exist(self):
        for f, _, spec in self.workloads:
            volumes = {v["name"]: v for v in spec["volumes"]}
            used = set()
            for c in spec.get("initContainers", []) + spec["containers"]:
                for m in c.get("volumeMounts", []):
                    self.assertIn(m["name"], volumes, "%s: %s mounts an undeclared volume" % (f, c["name"]))
                    used.add(m["name"])
            self.assertEqual(used, set(volumes), "%s: declared but unused volumes" % f)
            for v in volumes.values():
                if "configMap" in v:
                    self.assertIn(v["configMap"]["name"], self.configmaps, f)

    def test_configs_use_only_keys_the_agent_declares(self):
        for name, cm in self.configmaps.items():
            config = tomllib.loads(cm["data"]["config.toml"])
            for section, value in config.items():
                self.assertIn(section, SECTIONS, "%s: unknown section [%s]" % (name, section))
                for table in value if isinstance(value, list) else [value]:
                    unknown = set(table) - self.fields[section]
                    self.assertFalse(unknown, "%s: [%s] keys not in config.h: %s" % (name, section, unknown))
            cert = config.get("kbs", {}).get("cert_file")
            if cert and under(cert, CONFIG_DIR):
                self.assertIn(pathlib.PurePosixPath(cert).name, cm["data"], "%s: %s is not in the ConfigMap" % (name, cert))

    def test_agent_socket_is_shared_with_the_app_on_an_in_memory_volume(self):
        checked = 0
        for f, _, spec in self.workloads:
            volumes = {v["name"]: v for v in spec["volumes"]}
            agents = [c for c in spec.get("initContainers", []) if is_agent(c)]
            for agent in agents:
                self.assertEqual(agent.get("restartPolicy"), "Always", "%s: the agent must be a native sidecar" % f)
                config, _ = self.config_of(spec, agent)
                self.assertIsNotNone(config, "%s: the agent mounts no config" % f)
                socket = config["agent"]["socket_path"]
                mount = next(m for m in agent["volumeMounts"] if under(socket, m["mountPath"]))
                self.assertEqual(volumes[mount["name"]]["emptyDir"].get("medium"), "Memory", f)
                self.assertFalse(mount.get("readOnly"), "%s: the agent must create its socket" % f)
                probe = agent["startupProbe"]["exec"]["command"]
                self.assertEqual(probe, ["test", "-S", socket], f)
                for app in spec["containers"]:
                    env = {e["name"]: e.get("value") for e in app.get("env", [])}
                    if "ATTEST_AGENT_SOCKET" in env:
                        self.assertEqual(env["ATTEST_AGENT_SOCKET"], socket, f)
                        app_mount = mount_of(app, mount["name"])
                        self.assertIsNotNone(app_mount, "%s: the app does not mount the socket volume" % f)
                        self.assertEqual(app_mount["mountPath"], mount["mountPath"], f)
                        # The socket is 0660 root:attest; the app reaches it through the group.
                        groups = [spec["securityContext"].get("fsGroup")] + spec["securityContext"].get("supplementalGroups", [])
                        self.assertIn(self.image_gid, groups, "%s: the app is not in the agent's group" % f)
                        checked += 1
        self.assertGreaterEqual(checked, 1)

    def test_init_container_secrets_land_on_memory_the_app_reads_only(self):
        checked = 0
        for f, _, spec in self.workloads:
            volumes = {v["name"]: v for v in spec["volumes"]}
            for init in spec.get("initContainers", []):
                if init.get("command") != ["attest-cli"]:
                    continue
                args = init["args"]
                self.assertEqual(args[0], "get-resource", f)
                out = args[args.index("-o") + 1]
                mount = next(m for m in init["volumeMounts"] if under(out, m["mountPath"]))
                self.assertEqual(volumes[mount["name"]]["emptyDir"].get("medium"), "Memory",
                                 "%s: secrets must stay off the node's disk" % f)
                config, _ = self.config_of(spec, init)
                self.assertIn("url", config["kbs"], f)
                readers = [c for c in spec["containers"] if mount_of(c, mount["name"])]
                self.assertTrue(readers, "%s: no container reads %s" % (f, out))
                for c in readers:
                    m = mount_of(c, mount["name"])
                    self.assertTrue(m.get("readOnly"), "%s: %s must mount the secrets read-only" % (f, c["name"]))
                    files = [e["value"] for e in c.get("env", []) if e["name"].endswith("_FILE")]
                    for path in files:
                        self.assertEqual(str(pathlib.PurePosixPath(m["mountPath"]) /
                                             pathlib.PurePosixPath(path).relative_to(m["mountPath"])), out)
                checked += 1
        self.assertGreaterEqual(checked, 1)

    def test_coco_listener_is_loopback_8006_and_the_app_points_at_it(self):
        checked = 0
        for f, _, spec in self.workloads:
            for agent in [c for c in spec.get("initContainers", []) if is_agent(c)]:
                config, _ = self.config_of(spec, agent)
                listen = config["agent"].get("rest_listen")
                if listen is None:
                    continue
                host, port = listen.rsplit(":", 1)
                self.assertTrue(ipaddress.ip_address(host.strip("[]")).is_loopback, f)
                self.assertEqual(port, "8006", "%s: api-server-rest clients expect port 8006" % f)
                self.assertTrue(any(r.get("loopback") for r in config.get("access", [])),
                                "%s: no [[access]] rule for loopback callers" % f)
                urls = [e["value"] for c in spec["containers"] for e in c.get("env", [])
                        if str(e.get("value", "")).startswith("http://")]
                self.assertIn("http://%s" % listen, urls, f)
                checked += 1
        self.assertGreaterEqual(checked, 1)

    def test_containers_run_unprivileged_and_the_agent_as_the_image_user(self):
        for f, _, spec in self.workloads:
            self.assertTrue(spec["securityContext"].get("runAsNonRoot"), f)
            self.assertEqual(spec["securityContext"]["seccompProfile"]["type"], "RuntimeDefault", f)
            self.assertFalse(spec.get("automountServiceAccountToken", True), f)
            self.assertFalse(spec.get("hostNetwork", False) or spec.get("hostPID", False), f)
            for c in spec.get("initContainers", []) + spec["containers"]:
                sc = c["securityContext"]
                self.assertNotEqual(sc.get("runAsUser", 0), 0, "%s: %s" % (f, c["name"]))
                self.assertIs(sc.get("allowPrivilegeEscalation"), False, c["name"])
                self.assertIs(sc.get("readOnlyRootFilesystem"), True, c["name"])
                self.assertEqual(sc["capabilities"]["drop"], ["ALL"], c["name"])
                self.assertNotIn("add", sc["capabilities"], c["name"])
                self.assertFalse(sc.get("privileged", False), c["name"])
                if "attest-agent" in c["image"]:
                    self.assertEqual(sc["runAsUser"], self.image_uid, "%s: %s" % (f, c["name"]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
