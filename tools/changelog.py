#!/usr/bin/env python3
"""Print CHANGELOG.md's entry for a version; fail when there is none.

    changelog.py [--changelog CHANGELOG.md] [--version X.Y.Z | --workspace .]

An entry is a ``## [X.Y.Z]`` heading (``## X.Y.Z`` and a ``v`` prefix are accepted, and so is
anything after the version on the line, such as `` - 2026-12-06``) followed by at least one
line of text before the next ``## `` heading. Without ``--version``, the version is
``[workspace.package] version`` of the workspace's Cargo.toml. ``make release`` runs this first:
a release whose version the CHANGELOG does not describe is refused, and the entry becomes the
release's notes.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from sbom import SbomError, workspace_info


def entry(changelog: str, version: str) -> str | None:
    """The text under ``version``'s heading, stripped; None when there is no heading or no text."""
    heading = re.compile(rf"^##\s+\[?v?{re.escape(version)}\]?(?=\s|$)")
    lines = changelog.splitlines()
    for i, line in enumerate(lines):
        if heading.match(line):
            body = []
            for following in lines[i + 1:]:
                if following.startswith("## "):
                    break
                body.append(following)
            text = "\n".join(body).strip()
            return text or None
    return None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--changelog", type=Path, default=Path("CHANGELOG.md"))
    p.add_argument("--version", help="default: [workspace.package] version of --workspace's Cargo.toml")
    p.add_argument("--workspace", type=Path, default=Path("."))
    a = p.parse_args(argv)
    try:
        version = a.version or workspace_info((a.workspace / "Cargo.toml").read_text())["version"]
        text = a.changelog.read_text()
    except (OSError, SbomError) as e:
        print(f"changelog.py: {e}", file=sys.stderr)
        return 1
    found = entry(text, version)
    if found is None:
        print(f"changelog.py: {a.changelog} has no entry for {version}: add a '## [{version}] - YYYY-MM-DD' "
              f"section that says what this release changes", file=sys.stderr)
        return 1
    print(found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
