#!/usr/bin/env python3
"""Run the emulator conformance suite: every case against a fresh emulator, judged by AWS's
recorded answers (see framework.py and README.md).

    .venv/bin/python tests/conformance/conformance.py            # make test runs this
    .venv/bin/python tests/conformance/conformance.py -k notif   # only cases whose name has 'notif'
    .venv/bin/python tests/conformance/conformance.py -v         # also the source of every case
    LOCAL_AWS_PLAIN=1 .venv/bin/python tests/conformance/conformance.py --report-only
                                                                 # plain moto, for comparison

One line per case (``ok``, ``DIFF`` or ``excepted``), the differences under each DIFF, then
``conformance: N/M`` (N cases of M give AWS's answer). Exit 1 when a case differs that is not
on the exception list, or when an excepted case now matches (its exception is stale), unless
``--report-only``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "local-aws"))

import cases  # noqa: E402
import launcher  # noqa: E402
from framework import Case, World, differences  # noqa: E402


def all_cases() -> list[Case]:
    found: list[Case] = []
    for module in sorted(m.name for m in pkgutil.iter_modules(cases.__path__)):
        loaded = importlib.import_module(f"cases.{module}")
        for case in loaded.CASES:
            case.group = module
            found.append(case)
    names = [c.name for c in found]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise SystemExit(f"conformance: case names must be unique: {duplicated}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-k", dest="pattern", default="", help="run only cases whose name contains this")
    parser.add_argument("-v", dest="verbose", action="store_true", help="print every case's source")
    parser.add_argument("--report-only", action="store_true", help="exit 0 whatever the result")
    args = parser.parse_args()

    selected = [c for c in all_cases() if args.pattern in c.name]
    matched, failures = 0, []
    plain = os.environ.get("LOCAL_AWS_PLAIN") == "1"
    with launcher.placeholder_credentials(), launcher.serving(plain=plain) as endpoint:
        world = World(endpoint)
        for case in selected:
            try:
                found = differences(case.expect, case.run(world))
            except Exception:  # a crash of the case is a difference, reported with its trace
                found = ["the case raised:\n" + traceback.format_exc(limit=4)]
            if not found:
                matched += 1
            if found and case.exception:
                status = "excepted"
            elif not found and case.exception:
                status = "STALE"
                failures.append(case.name)
            elif found:
                status = "DIFF"
                failures.append(case.name)
            else:
                status = "ok"
            print(f"{status:8} {case.group}/{case.name}" + (f"  [{case.operation}]" if case.operation else ""),
                  flush=True)
            if args.verbose or status in ("DIFF", "STALE"):
                print(f"           source: {case.source.cite()}")
            if status == "STALE":
                print(f"           matches now: remove its exception ({case.exception})")
            if found and status != "excepted" or (found and args.verbose):
                for line in found:
                    print(f"           - {line}")
            if status == "excepted" and args.verbose:
                print(f"           excepted because: {case.exception}")
    print(f"conformance: {matched}/{len(selected)}")
    if failures and not args.report_only:
        print(f"conformance: {len(failures)} case(s) failed: {', '.join(failures)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
