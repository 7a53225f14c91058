"""tools/check_docs.py catches a missing make target, doctor flag, file or heading.

    python3 -m unittest discover -s tools -p 'test_*.py'      (make test runs this)
    python3 -m pytest tools/test_check_docs.py                 (pytest collects the same cases)

Each case builds a small repository (a Makefile, the doctor's argument parser, a few docs) in a
temporary directory and runs the checker on it.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_docs  # noqa: E402

MAKEFILE = """\
STAMP := node_modules/.stamp
FUZZ_CASES ?= 100
.PHONY: build test

build: ## Build
\tcargo build

test: build ## Test
\tFUZZ_CASES=$(FUZZ_CASES) cargo test

$(STAMP): package.json
\ttouch $@
"""

ARGS_RS = """\
pub fn parse(args: &[String]) {
    match flag.as_str() {
        "--json" => {}
        "--help" | "-h" => {}
        "--source-bucket" => None,
        other => {}
    }
}

#[cfg(test)]
mod tests {
    fn t() { parse(&args(&["--sauce"])); }
}
"""


class Repo:
    """A throwaway repository for one case."""

    def __init__(self, docs: dict[str, str]) -> None:
        self._dir = tempfile.TemporaryDirectory()
        self.root = Path(self._dir.name)
        files = {"Makefile": MAKEFILE, "tools/replication-doctor/src/args.rs": ARGS_RS, **docs}
        for name, text in files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")

    def check(self) -> check_docs.Report:
        return check_docs.check(self.root)

    def close(self) -> None:
        self._dir.cleanup()


class CheckDocsTest(unittest.TestCase):
    def repo(self, **docs: str) -> Repo:
        repo = Repo({name.replace("__", "/").replace("_md", ".md"): text for name, text in docs.items()})
        self.addCleanup(repo.close)
        return repo

    def problems(self, **docs: str) -> list[str]:
        return [str(p) for p in self.repo(**docs).check().problems]

    def test_docs_that_name_only_what_exists_pass(self) -> None:
        report = self.repo(
            README_md="""\
            # Project

            Run `make test`, or `make -C . build FUZZ_CASES=5`.

            ```sh
            make build && make test   # both
            replication-doctor --source-bucket S \\
              [--json] [-h]
            cargo run -p replication-doctor -- --json
            ```

            See [the guide](docs/guide.md#two-words) and [top](#project).
            """,
            docs__guide_md="# Guide\n\n## Two `words`\n",
        ).check()
        self.assertEqual([str(p) for p in report.problems], [])
        self.assertEqual((report.targets, report.flags, report.links), (4, 4, 2))

    def test_a_make_target_the_makefile_lacks_is_named_with_its_line(self) -> None:
        problems = self.problems(README_md="# P\n\nRun `make tset`.\n\n```\nmake build\nmake deploy\n```\n")
        self.assertEqual(len(problems), 2)
        self.assertTrue(problems[0].startswith("README.md:3: `make tset`: no target 'tset' in Makefile"), problems)
        self.assertIn("did you mean `make test`?", problems[0])
        self.assertTrue(problems[1].startswith("README.md:7: `make deploy`"), problems)

    def test_a_target_defined_through_a_variable_counts(self) -> None:
        self.assertEqual(self.problems(README_md="`make node_modules/.stamp`\n"), [])

    def test_a_make_variable_the_makefile_never_uses_is_named(self) -> None:
        problems = self.problems(README_md="`make test FUZZ_CASES=1 WATCH_PORT=9001`\n")
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("never uses WATCH_PORT", problems[0])

    def test_make_in_another_directory_uses_that_directory_s_makefile(self) -> None:
        problems = self.problems(README_md="`make -C sub build`\n")
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("sub, which has no Makefile", problems[0])

    def test_a_doctor_flag_the_parser_lacks_is_named(self) -> None:
        problems = self.problems(
            docs__doctor_md="""\
            # Doctor

            ```sh
            replication-doctor --source-bucket S \\
              --sauce-bucket D [--json]
            ```

            Or `target/debug/replication-doctor --jsn`.
            """
        )
        self.assertEqual(len(problems), 2, problems)
        self.assertTrue(problems[0].startswith("docs/doctor.md:4: replication-doctor has no flag --sauce-bucket"), problems)
        self.assertIn("did you mean --source-bucket?", problems[0])
        self.assertTrue(problems[1].startswith("docs/doctor.md:8: replication-doctor has no flag --jsn"), problems)

    def test_flags_in_the_doctor_s_own_tests_are_not_accepted(self) -> None:
        problems = self.problems(README_md="`replication-doctor --sauce`\n")
        self.assertEqual(len(problems), 1, problems)

    def test_other_commands_flags_and_prose_are_not_the_doctor_s(self) -> None:
        self.assertEqual(
            self.problems(
                README_md="""\
                `cargo install --locked --path tools/replication-doctor`, `aws --profile p`,
                `replication-doctor: could not check (--anything)`.
                """
            ),
            [],
        )

    def test_a_link_to_a_missing_file_or_heading_is_named(self) -> None:
        problems = self.problems(
            README_md="""\
            # P

            [gone](docs/gone.md), [img](docs/pic.png), [bad anchor](docs/a.md#nope),
            [own](#p), [own bad](#q), [web](https://example.com/x.md), `[code](not/a/link)`.
            """,
            docs__a_md="# A\n",
        )
        self.assertEqual(len(problems), 4, problems)
        self.assertIn("README.md:3: link to docs/gone.md: docs/gone.md does not exist", problems[0])
        self.assertIn("docs/pic.png does not exist", problems[1])
        self.assertIn("docs/a.md has no heading #nope", problems[2])
        self.assertIn("README.md:4: link to #q", problems[3])

    def test_relative_links_resolve_from_the_linking_file(self) -> None:
        self.assertEqual(self.problems(docs__a_md="[readme](../README.md#top)\n", README_md="# Top\n"), [])
        self.assertEqual(len(self.problems(docs__a_md="[readme](README.md)\n")), 1)

    def test_github_slugs(self) -> None:
        self.assertEqual(check_docs.github_slug("Deploying with CDK"), "deploying-with-cdk")
        self.assertEqual(check_docs.github_slug("`make test`: what CI runs"), "make-test-what-ci-runs")
        self.assertEqual(check_docs.github_slug("Live mode: the same tests on two real AWS accounts"), "live-mode-the-same-tests-on-two-real-aws-accounts")
        self.assertEqual(check_docs.github_slug("(a) Manifest from an S3 Inventory report"), "a-manifest-from-an-s3-inventory-report")
        self.assertEqual(check_docs.anchors("# A\n## A\n```\n# not a heading\n```\n"), {"a", "a-1"})

    def test_main_prints_problems_and_a_summary_and_exits_1(self) -> None:
        repo = self.repo(README_md="`make nope`\n")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = check_docs.main(["--root", str(repo.root)])
        self.assertEqual(code, 1)
        lines = out.getvalue().splitlines()
        self.assertTrue(lines[0].startswith("README.md:1: `make nope`"), lines)
        self.assertEqual(lines[-1], "docs: 1 make targets, 0 flags, 0 links checked: 1 problem(s)")


if __name__ == "__main__":
    unittest.main()
