#!/usr/bin/env python3
"""Fails when a documented interface drifts from its manual page.

- every option of `attest-cli [CMD...] --help`, for every command and subcommand found by walking
  the help's "Subcommands:" lists, must appear in attest-cli(1): the top-level ones in GLOBAL
  OPTIONS, the others in the `.SS "attest-cli CMD"` section of their command;
- an option a command's section describes as an item (.TP/.TQ) must exist in that command's
  --help (or, for a command with subcommands, in one of theirs): no stale option is documented;
- every option of `attest-agent --help` must appear in attest-agent(8), when that binary is built;
- every key of the shipped config.toml must appear in its section of attest-agent.toml(5).

Usage: check_man.py MAN_DIR CONFIG_TOML ATTEST_CLI [ATTEST_AGENT]
"""
import re
import subprocess
import sys
from pathlib import Path

OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def clean(line: str) -> str:
    return re.sub(r"\\f[BIRP]|\\&|\\c$", "", line).replace("\\-", "-")


def item_options(page: Path) -> dict[str, set[str]]:
    """Maps each .SS heading to the options named on its item lines (the line after .TP/.TQ)."""
    items: dict[str, set[str]] = {}
    name, after_tag = "", False
    for line in page.read_text().splitlines():
        line = clean(line)
        m = re.match(r'^\.(SH|SS)\s+"?([^"]*)"?\s*$', line)
        if m:
            name, after_tag = m.group(2).strip(), False
            continue
        if after_tag:
            items.setdefault(name, set()).update(OPTION.findall(line.split('"')[0]))
        after_tag = line.startswith((".TP", ".TQ"))
    return items


def roff_sections(page: Path) -> dict[str, str]:
    """Maps each .SH/.SS heading to its text, with roff escapes for '-' and fonts removed."""
    sections: dict[str, str] = {}
    name = ""
    for line in page.read_text().splitlines():
        line = clean(line)
        m = re.match(r'^\.(SH|SS)\s+"?([^"]*)"?\s*$', line)
        if m:
            name = m.group(2).strip()
            sections.setdefault(name, "")
            continue
        sections[name] = sections.get(name, "") + line + "\n"
    return sections


def mentions(text: str, option: str) -> bool:
    return re.search(r"(?<![\w-])" + re.escape(option) + r"(?![\w-])", text) is not None


def help_of(binary: str, args: list[str]) -> str:
    run = subprocess.run([binary, *args, "--help"], capture_output=True, text=True, timeout=30)
    if run.returncode != 0:
        sys.exit(f"FAIL: {binary} {' '.join(args)} --help exited {run.returncode}: {run.stderr}")
    return run.stdout


def help_block(text: str, title: str) -> list[str]:
    """The indented lines under 'Options:' or 'Subcommands:' in CLI11's help."""
    lines, inside = [], False
    for line in text.splitlines():
        if line.rstrip() == title:
            inside = True
        elif inside and line and not line.startswith(" "):
            inside = False
        elif inside and line.strip():
            lines.append(line)
    return lines


def options_in(help_text: str) -> list[str]:
    # CLI11 puts an option's names at a two-space indent ("  -o,--output TEXT  ..."); wrapped
    # descriptions are indented further.
    found = []
    for line in help_block(help_text, "Options:"):
        m = re.match(r"^  (-\S+)", line)
        if m:
            found += [o for o in m.group(1).split(",") if OPTION.fullmatch(o)]
    return found


def subcommands_in(help_text: str) -> list[str]:
    return [m.group(1) for l in help_block(help_text, "Subcommands:") if (m := re.match(r"^  (\S+)", l))]


def check_cli(page: Path, cli: str, errors: list[str]) -> int:
    sections = roff_sections(page)
    top = help_of(cli, [])
    top_options = options_in(top)
    checked = 0
    for option in top_options:
        checked += 1
        if not mentions(sections.get("GLOBAL OPTIONS", ""), option):
            errors.append(f"{page.name}: GLOBAL OPTIONS lacks {option}")
    todo = [[c] for c in subcommands_in(top)]
    if not todo:
        errors.append(f"{cli} --help lists no subcommands (help format changed?)")
    real: dict[str, set[str]] = {}  # heading -> options of that command and its subcommands
    while todo:
        path = todo.pop(0)
        text = help_of(cli, path)
        heading = "attest-cli " + " ".join(path)
        for depth in range(1, len(path) + 1):
            real.setdefault("attest-cli " + " ".join(path[:depth]), set()).update(options_in(text))
        if heading not in sections:
            errors.append(f'{page.name}: no section .SS "{heading}"')
            continue
        for option in options_in(text):
            if option in top_options:
                continue  # -h,--help: documented once, globally
            checked += 1
            if not mentions(sections[heading], option):
                errors.append(f'{page.name}: section "{heading}" lacks {option}')
        todo += [path + [c] for c in subcommands_in(text)]
    for heading, documented in item_options(page).items():
        if heading in real:
            for option in sorted(documented - real[heading]):
                errors.append(f'{page.name}: section "{heading}" documents {option}, which '
                              f"'{heading} --help' does not have")
    return checked


def check_agent(page: Path, agent: str, errors: list[str]) -> int:
    text = page.read_text().replace("\\-", "-")
    options = options_in(help_of(agent, []))
    if not options:
        errors.append(f"{agent} --help lists no options (help format changed?)")
    for option in options:
        if not mentions(text, option):
            errors.append(f"{page.name}: lacks {option}")
    return len(options)


def check_config(page: Path, config: Path, errors: list[str]) -> int:
    sections = roff_sections(page)
    section, checked = None, 0
    for line in config.read_text().splitlines():
        # A section header, also a commented-out one ("# [[access]]" heads an example block).
        m = re.match(r"^#?\s*(\[\[?[a-z_]+\]\]?)\s*$", line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"^#?\s*([a-z_]+)\s*=", line)
        if m and section:
            checked += 1
            if not mentions(sections.get(section, ""), m.group(1)):
                errors.append(f"{page.name}: section {section} lacks key {m.group(1)}")
    if checked == 0:
        errors.append(f"{config}: no keys found (format changed?)")
    return checked


def main() -> None:
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    man_dir, config, cli = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    errors: list[str] = []
    n_cli = check_cli(man_dir / "attest-cli.1", cli, errors)
    n_cfg = check_config(man_dir / "attest-agent.toml.5", config, errors)
    n_agent = check_agent(man_dir / "attest-agent.8", sys.argv[4], errors) if len(sys.argv) == 5 else 0
    for e in errors:
        print("FAIL:", e)
    if errors:
        sys.exit(1)
    agent_note = f", {n_agent} attest-agent options" if len(sys.argv) == 5 else " (attest-agent not built)"
    print(f"ok: {n_cli} attest-cli options, {n_cfg} config keys{agent_note} documented")


if __name__ == "__main__":
    main()
