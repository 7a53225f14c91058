#!/usr/bin/env python3
"""Copy a zip with every entry's timestamp set to SOURCE_DATE_EPOCH, so that equal contents
give equal bytes.

    repro_zip.py IN.zip OUT.zip

cargo lambda's zips record the bootstrap's file time: two builds of one commit give the same
bootstrap but different zips. ``make release`` copies them through this, so its SHA256SUMS
are the same for every build of a commit. Entry names, order, contents and Unix permissions
are kept; entries are deflated. Without SOURCE_DATE_EPOCH the time is 1980-01-01 (the
earliest a zip can hold).
"""

from __future__ import annotations

import datetime
import os
import sys
import zipfile

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def fixed_time() -> tuple[int, int, int, int, int, int]:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return ZIP_EPOCH
    t = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
    return max(ZIP_EPOCH, (t.year, t.month, t.day, t.hour, t.minute, t.second - t.second % 2))


def normalize(src: str, dst: str, date_time: tuple[int, int, int, int, int, int]) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            out = zipfile.ZipInfo(info.filename, date_time=date_time)
            out.external_attr = info.external_attr
            out.create_system = 3  # Unix, so that external_attr's permission bits are read
            out.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(out, zin.read(info), compresslevel=9)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: repro_zip.py IN.zip OUT.zip", file=sys.stderr)
        return 2
    normalize(args[0], args[1], fixed_time())
    return 0


if __name__ == "__main__":
    sys.exit(main())
