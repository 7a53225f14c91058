#!/usr/bin/env python3
"""Write a CycloneDX 1.5 JSON SBOM of the workspace from Cargo.lock and the workspace Cargo.toml.

    sbom.py [--workspace .] [--cargo-metadata metadata.json] [--output sbom.cdx.json]

Every ``[[package]]`` of Cargo.lock is a component:

- a crates.io package: ``pkg:cargo/<name>@<version>`` and the lock's ``checksum`` (the SHA-256
  of the ``.crate`` file that crates.io serves) as its SHA-256 hash;
- a package from another registry or from git: the same purl with a ``repository_url`` or
  ``vcs_url`` qualifier, and the lock's checksum when it has one;
- a workspace member (no ``source``): no purl, since ``publish = false`` and a
  ``pkg:cargo/<name>`` purl would name whatever crate of that name crates.io holds; its
  bom-ref is its name and version, and it carries the workspace's license.

The lock's dependency lists become the SBOM's ``dependencies`` graph. Cargo.lock is what is
resolved for every platform and every target, so this is a superset of what one shipped
binary links: dev-dependencies and, for example, Windows-only crates are in it too.

Cargo.lock holds no licenses. With ``--cargo-metadata`` (the output of
``cargo metadata --locked --format-version 1``), each component also gets the SPDX license
expression its own Cargo.toml declares.

The output depends only on the inputs: the serial number is a UUID derived from them, and
the timestamp is ``SOURCE_DATE_EPOCH`` when set (left out otherwise).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import sys
import tomllib
import uuid
from pathlib import Path
from urllib.parse import quote

CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index"
CRATES_IO_SPARSE = "sparse+https://index.crates.io/"
# A fixed namespace for the serial numbers this script derives (uuid5 of the inputs).
_SERIAL_NAMESPACE = uuid.UUID("5b0bd1a6-3f54-4d0b-8d0e-0b6c6a3e2c11")


class SbomError(Exception):
    """An input this script cannot turn into an SBOM; the message says which and why."""


def workspace_info(cargo_toml: str) -> dict:
    """``[workspace.package]`` of the workspace manifest's text: version, license, repository."""
    doc = tomllib.loads(cargo_toml)
    package = doc.get("workspace", {}).get("package", {})
    if "version" not in package:
        raise SbomError("Cargo.toml has no [workspace.package] version")
    return package


def _purl(name: str, version: str, source: str | None) -> str | None:
    if source is None:
        return None
    base = f"pkg:cargo/{quote(name, safe='')}@{quote(version, safe='')}"
    if source in (CRATES_IO, CRATES_IO_SPARSE):
        return base
    kind, _, url = source.partition("+")
    if kind == "git":
        # git+<url>?<rev spec>#<commit>: purl-spec's vcs_url is git+<url>@<commit>.
        repository, _, commit = url.partition("#")
        vcs = "git+" + repository.split("?", 1)[0] + (f"@{commit}" if commit else "")
        return f"{base}?vcs_url={quote(vcs, safe=':/')}"
    # Another registry (registry+ or sparse+): purl-spec's cargo type takes repository_url.
    return f"{base}?repository_url={quote(url, safe=':/')}"


def _bom_ref(name: str, version: str, source: str | None) -> str:
    purl = _purl(name, version, source)
    return purl if purl is not None else f"workspace:{name}@{version}"


def _resolve(dep: str, by_name: dict[str, list[dict]]) -> dict:
    """A lock dependency entry (``name``, ``name version`` or ``name version (source)``)."""
    parts = dep.split(" ", 2)
    candidates = by_name.get(parts[0], [])
    if len(parts) >= 2:
        candidates = [p for p in candidates if p["version"] == parts[1]]
    if len(parts) == 3:
        source = parts[2].strip("()")
        candidates = [p for p in candidates if p.get("source") == source]
    if len(candidates) != 1:
        raise SbomError(f"Cargo.lock: dependency {dep!r} matches {len(candidates)} packages")
    return candidates[0]


def _licenses(metadata: dict | None) -> dict[tuple[str, str, str | None], str]:
    if metadata is None:
        return {}
    out = {}
    for p in metadata.get("packages", []):
        if p.get("license"):
            out[(p["name"], p["version"], p.get("source"))] = p["license"]
    return out


def build_sbom(
    cargo_lock: str,
    cargo_toml: str,
    *,
    metadata: dict | None = None,
    timestamp: datetime.datetime | None = None,
    name: str = "s3-kms-replication",
) -> dict:
    """The CycloneDX 1.5 document (a dict) for the lockfile and manifest texts."""
    lock = tomllib.loads(cargo_lock)
    packages = lock.get("package", [])
    if not packages:
        raise SbomError("Cargo.lock lists no [[package]]")
    info = workspace_info(cargo_toml)
    version = info["version"]
    workspace_license = info.get("license")
    licenses = _licenses(metadata)

    by_name: dict[str, list[dict]] = {}
    for p in packages:
        by_name.setdefault(p["name"], []).append(p)

    components = []
    dependencies = []
    for p in sorted(packages, key=lambda p: (p["name"], p["version"], p.get("source") or "")):
        source = p.get("source")
        ref = _bom_ref(p["name"], p["version"], source)
        component: dict = {
            "type": "library",
            "bom-ref": ref,
            "name": p["name"],
            "version": p["version"],
        }
        purl = _purl(p["name"], p["version"], source)
        if purl is not None:
            component["purl"] = purl
        if "checksum" in p:
            component["hashes"] = [{"alg": "SHA-256", "content": p["checksum"]}]
        license_expr = licenses.get((p["name"], p["version"], source))
        if license_expr is None and source is None:
            license_expr = workspace_license
        if license_expr:
            component["licenses"] = [{"expression": license_expr}]
        if source is None:
            component["properties"] = [{"name": "cargo:source", "value": "workspace"}]
        elif source not in (CRATES_IO, CRATES_IO_SPARSE):
            component["properties"] = [{"name": "cargo:source", "value": source}]
        components.append(component)
        depends = sorted(
            {_bom_ref(d["name"], d["version"], d.get("source"))
             for d in (_resolve(dep, by_name) for dep in p.get("dependencies", []))}
        )
        dependencies.append({"ref": ref, "dependsOn": depends})

    root_ref = f"workspace:{name}@{version}"
    members = sorted(_bom_ref(p["name"], p["version"], None) for p in packages if "source" not in p)
    dependencies.insert(0, {"ref": root_ref, "dependsOn": members})

    root: dict = {"type": "application", "bom-ref": root_ref, "name": name, "version": version}
    if workspace_license:
        root["licenses"] = [{"expression": workspace_license}]
    if info.get("repository"):
        root["externalReferences"] = [{"type": "vcs", "url": info["repository"]}]

    metadata_section: dict = {
        "tools": {"components": [{"type": "application", "name": "tools/sbom.py"}]},
        "component": root,
    }
    if timestamp is not None:
        metadata_section = {
            "timestamp": timestamp.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            **metadata_section,
        }
    digest = hashlib.sha256()
    for part in (cargo_lock, cargo_toml, json.dumps(sorted(([*k, v] for k, v in licenses.items()), key=repr))):
        digest.update(part.encode())
        digest.update(b"\0")
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid5(_SERIAL_NAMESPACE, digest.hexdigest())}",
        "version": 1,
        "metadata": metadata_section,
        "components": components,
        "dependencies": dependencies,
    }


def _timestamp_from_env() -> datetime.datetime | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workspace", type=Path, default=Path("."), help="the directory of Cargo.toml and Cargo.lock")
    p.add_argument("--cargo-metadata", type=Path, help="`cargo metadata --format-version 1` output, for licenses")
    p.add_argument("--output", type=Path, help="where to write the SBOM (default: stdout)")
    a = p.parse_args(argv)
    try:
        metadata = json.loads(a.cargo_metadata.read_text()) if a.cargo_metadata else None
        bom = build_sbom(
            (a.workspace / "Cargo.lock").read_text(),
            (a.workspace / "Cargo.toml").read_text(),
            metadata=metadata,
            timestamp=_timestamp_from_env(),
        )
    except (OSError, SbomError, tomllib.TOMLDecodeError, json.JSONDecodeError) as e:
        print(f"sbom.py: {e}", file=sys.stderr)
        return 1
    text = json.dumps(bom, indent=2, ensure_ascii=False) + "\n"
    if a.output:
        a.output.write_text(text)
        print(f"sbom.py: {len(bom['components'])} components -> {a.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
