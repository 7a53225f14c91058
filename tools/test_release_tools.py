"""Tests of the release tools: tools/sbom.py, tools/changelog.py and tools/repro_zip.py.

    .venv/bin/python -m unittest discover -s tools -p 'test_*.py'   (make test runs it)
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import tempfile
import os
import unittest
import zipfile
from pathlib import Path

import changelog
import repro_zip
import sbom

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "testdata" / "workspace"
REPO = HERE.parent


def _fixture_bom(**kwargs) -> dict:  # noqa: ANN003
    return sbom.build_sbom((FIXTURE / "Cargo.lock").read_text(), (FIXTURE / "Cargo.toml").read_text(), **kwargs)


def _schema_error(bom: dict) -> object:
    """What the official CycloneDX 1.5 JSON schema says is wrong with ``bom`` (None: valid).
    cyclonedx-python-lib, pinned in constraints.txt, ships the schemas and the validator."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    return JsonStrictValidator(SchemaVersion.V1_5).validate_str(json.dumps(bom))


def _by_name(bom: dict) -> dict[tuple[str, str], dict]:
    return {(c["name"], c["version"]): c for c in bom["components"]}


class SbomComponents(unittest.TestCase):
    def test_every_locked_package_is_one_component(self) -> None:
        bom = _fixture_bom()
        self.assertEqual(
            sorted(_by_name(bom)),
            [("app", "1.2.3"), ("core", "1.2.3"), ("forked", "0.4.0"), ("private", "2.0.0"),
             ("serde", "1.0.229"), ("syn", "1.0.109"), ("syn", "2.0.119")],
        )
        refs = [c["bom-ref"] for c in bom["components"]]
        self.assertEqual(len(refs), len(set(refs)), "bom-refs are unique")

    def test_a_crates_io_package_has_its_purl_and_the_lock_checksum_as_sha256(self) -> None:
        serde = _by_name(_fixture_bom())[("serde", "1.0.229")]
        self.assertEqual(serde["purl"], "pkg:cargo/serde@1.0.229")
        self.assertEqual(serde["bom-ref"], serde["purl"])
        self.assertEqual(serde["hashes"], [{
            "alg": "SHA-256", "content": "0d6ff1c0c1b7e1e1e46f6a4e08ac2ad8ab1b1a77b3a6b5f1e1b5e1c2d7f3a911"}])
        self.assertNotIn("properties", serde)

    def test_two_versions_of_one_crate_are_two_components(self) -> None:
        comps = _by_name(_fixture_bom())
        self.assertEqual(comps[("syn", "1.0.109")]["purl"], "pkg:cargo/syn@1.0.109")
        self.assertEqual(comps[("syn", "2.0.119")]["purl"], "pkg:cargo/syn@2.0.119")

    def test_a_workspace_member_has_no_purl_no_hash_and_the_workspace_license(self) -> None:
        app = _by_name(_fixture_bom())[("app", "1.2.3")]
        self.assertNotIn("purl", app)
        self.assertNotIn("hashes", app)
        self.assertEqual(app["bom-ref"], "workspace:app@1.2.3")
        self.assertEqual(app["licenses"], [{"expression": "Apache-2.0"}])

    def test_git_and_other_registry_sources_are_qualified(self) -> None:
        comps = _by_name(_fixture_bom())
        forked = comps[("forked", "0.4.0")]
        self.assertEqual(
            forked["purl"],
            "pkg:cargo/forked@0.4.0?vcs_url=git%2Bhttps://github.com/example/forked%400123456789abcdef0123456789abcdef01234567")
        self.assertNotIn("hashes", forked, "a git source has no checksum in the lock")
        private = comps[("private", "2.0.0")]
        self.assertEqual(private["purl"], "pkg:cargo/private@2.0.0?repository_url=https://registry.example.com/index/")
        self.assertEqual(private["hashes"][0]["content"], "1" * 64)

    def test_the_dependency_graph_follows_the_lock_and_names_versions_when_ambiguous(self) -> None:
        deps = {d["ref"]: d["dependsOn"] for d in _fixture_bom()["dependencies"]}
        self.assertEqual(deps["workspace:app@1.2.3"], sorted([
            "workspace:core@1.2.3", "pkg:cargo/serde@1.0.229", "pkg:cargo/syn@1.0.109", "pkg:cargo/syn@2.0.119"]))
        self.assertEqual(deps["pkg:cargo/serde@1.0.229"], ["pkg:cargo/syn@2.0.119"])
        self.assertEqual(deps["workspace:s3-kms-replication@1.2.3"], ["workspace:app@1.2.3", "workspace:core@1.2.3"])

    def test_the_document_is_cyclonedx_1_5_about_the_workspace_version(self) -> None:
        bom = _fixture_bom()
        self.assertEqual((bom["bomFormat"], bom["specVersion"], bom["version"]), ("CycloneDX", "1.5", 1))
        root = bom["metadata"]["component"]
        self.assertEqual((root["name"], root["version"], root["type"]), ("s3-kms-replication", "1.2.3", "application"))
        self.assertRegex(bom["serialNumber"], r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

    def test_the_same_inputs_give_the_same_document(self) -> None:
        when = datetime.datetime(2026, 12, 6, 12, 0, tzinfo=datetime.timezone.utc)
        self.assertEqual(_fixture_bom(timestamp=when), _fixture_bom(timestamp=when))
        self.assertEqual(_fixture_bom(timestamp=when)["metadata"]["timestamp"], "2026-12-06T12:00:00Z")
        self.assertNotIn("timestamp", _fixture_bom()["metadata"])

    def test_cargo_metadata_adds_third_party_licenses(self) -> None:
        metadata = {"packages": [
            {"name": "serde", "version": "1.0.229", "source": sbom.CRATES_IO, "license": "MIT OR Apache-2.0"},
        ]}
        comps = _by_name(_fixture_bom(metadata=metadata))
        self.assertEqual(comps[("serde", "1.0.229")]["licenses"], [{"expression": "MIT OR Apache-2.0"}])
        self.assertNotIn("licenses", comps[("syn", "2.0.119")])

    def test_an_unresolvable_dependency_is_an_error(self) -> None:
        lock = (FIXTURE / "Cargo.lock").read_text().replace(' "syn 1.0.109",\n', ' "syn",\n')
        with self.assertRaisesRegex(sbom.SbomError, "'syn' matches 2 packages"):
            sbom.build_sbom(lock, (FIXTURE / "Cargo.toml").read_text())

    def test_a_manifest_without_a_workspace_version_is_an_error(self) -> None:
        with self.assertRaisesRegex(sbom.SbomError, r"\[workspace.package\] version"):
            sbom.build_sbom((FIXTURE / "Cargo.lock").read_text(), "[workspace]\nmembers = []\n")

    def test_the_fixture_validates_against_the_cyclonedx_1_5_schema(self) -> None:
        self.assertIsNone(_schema_error(_fixture_bom(
            timestamp=datetime.datetime(2026, 12, 6, tzinfo=datetime.timezone.utc),
            metadata={"packages": [{"name": "serde", "version": "1.0.229", "source": sbom.CRATES_IO,
                                    "license": "MIT OR Apache-2.0"}]})))

    def test_the_schema_check_catches_a_bad_hash(self) -> None:
        bom = _fixture_bom()
        bom["components"][-1]["hashes"][0]["content"] = "not-hex"
        self.assertIsNotNone(_schema_error(bom))

    def test_the_workspace_itself_gives_one_component_per_locked_package(self) -> None:
        lock = (REPO / "Cargo.lock").read_text()
        bom = sbom.build_sbom(lock, (REPO / "Cargo.toml").read_text())
        self.assertEqual(len(bom["components"]), lock.count("[[package]]"))
        self.assertIsNone(_schema_error(bom))
        self.assertIn("workspace:replica-verifier@" + sbom.workspace_info((REPO / "Cargo.toml").read_text())["version"],
                      {c["bom-ref"] for c in bom["components"]})

    def test_main_writes_the_file(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "sbom.cdx.json"
            with contextlib.redirect_stderr(io.StringIO()):
                self.assertEqual(sbom.main(["--workspace", str(FIXTURE), "--output", str(out)]), 0)
            self.assertEqual(len(json.loads(out.read_text())["components"]), 7)
            with contextlib.redirect_stderr(io.StringIO()) as err:
                self.assertEqual(sbom.main(["--workspace", tmp]), 1)
            self.assertIn("Cargo.lock", err.getvalue())


CHANGELOG = """\
# Changelog

## [Unreleased]

- something not yet released

## [1.2.3] - 2026-12-06

### Added
- the thing

## 1.2.2

## [1.2.1]
- older
"""


class ChangelogEntry(unittest.TestCase):
    def test_the_entry_is_the_text_under_the_version_heading(self) -> None:
        self.assertEqual(changelog.entry(CHANGELOG, "1.2.3"), "### Added\n- the thing")
        self.assertEqual(changelog.entry(CHANGELOG, "1.2.1"), "- older")

    def test_a_missing_version_has_no_entry(self) -> None:
        self.assertIsNone(changelog.entry(CHANGELOG, "1.2.4"))
        self.assertIsNone(changelog.entry(CHANGELOG, "1.2"), "a prefix of a version is not the version")
        self.assertIsNone(changelog.entry(CHANGELOG, "2.3"), "nor a suffix")

    def test_a_heading_without_text_is_no_entry(self) -> None:
        self.assertIsNone(changelog.entry(CHANGELOG, "1.2.2"))

    def test_the_version_is_matched_literally(self) -> None:
        self.assertIsNone(changelog.entry("## [1x2x3]\n- dots are not wildcards\n", "1.2.3"))
        self.assertEqual(changelog.entry("## v1.2.3\n- v prefix\n", "1.2.3"), "- v prefix")

    def test_main_fails_without_an_entry_for_the_workspace_version(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "CHANGELOG.md"
            path.write_text(CHANGELOG.replace("## [1.2.3] - 2026-12-06", "## [1.2.0] - 2026-12-06"))
            with contextlib.redirect_stderr(io.StringIO()) as err:
                self.assertEqual(changelog.main(["--changelog", str(path), "--workspace", str(FIXTURE)]), 1)
            self.assertIn("no entry for 1.2.3", err.getvalue())
            path.write_text(CHANGELOG)
            with contextlib.redirect_stdout(io.StringIO()) as out:
                self.assertEqual(changelog.main(["--changelog", str(path), "--workspace", str(FIXTURE)]), 0)
            self.assertEqual(out.getvalue(), "### Added\n- the thing\n")

    def test_the_repository_changelog_has_an_entry_for_the_workspace_version(self) -> None:
        version = sbom.workspace_info((REPO / "Cargo.toml").read_text())["version"]
        self.assertIsNotNone(changelog.entry((REPO / "CHANGELOG.md").read_text(), version),
                             f"CHANGELOG.md needs a '## [{version}]' entry (make release refuses without one)")


class ReproducibleZip(unittest.TestCase):
    @staticmethod
    def _zip(path: Path, when: tuple[int, int, int, int, int, int]) -> None:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            info = zipfile.ZipInfo("bootstrap", date_time=when)
            info.external_attr = 0o100755 << 16
            info.create_system = 3
            z.writestr(info, b"\x7fELF the binary")

    def test_two_zips_of_one_file_at_different_times_become_the_same_bytes(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            a, b = Path(tmp) / "a.zip", Path(tmp) / "b.zip"
            self._zip(a, (2026, 12, 6, 16, 58, 0))
            self._zip(b, (2026, 12, 6, 17, 13, 4))
            self.assertNotEqual(a.read_bytes(), b.read_bytes())
            when = (2026, 12, 6, 12, 0, 0)
            repro_zip.normalize(str(a), str(a) + ".out", when)
            repro_zip.normalize(str(b), str(b) + ".out", when)
            self.assertEqual(Path(str(a) + ".out").read_bytes(), Path(str(b) + ".out").read_bytes())
            with zipfile.ZipFile(str(a) + ".out") as z:
                (info,) = z.infolist()
                self.assertEqual((info.filename, info.date_time), ("bootstrap", when))
                self.assertEqual(info.external_attr >> 16, 0o100755, "the bootstrap stays executable")
                self.assertEqual(z.read("bootstrap"), b"\x7fELF the binary")

    def test_the_time_is_source_date_epoch(self) -> None:
        old = os.environ.get("SOURCE_DATE_EPOCH")
        try:
            os.environ["SOURCE_DATE_EPOCH"] = "1796574833"  # 2026-12-06T16:33:53Z
            self.assertEqual(repro_zip.fixed_time(), (2026, 12, 6, 16, 33, 52), "zip times have 2 s steps")
            del os.environ["SOURCE_DATE_EPOCH"]
            self.assertEqual(repro_zip.fixed_time(), (1980, 1, 1, 0, 0, 0))
        finally:
            if old is not None:
                os.environ["SOURCE_DATE_EPOCH"] = old


if __name__ == "__main__":
    unittest.main()
