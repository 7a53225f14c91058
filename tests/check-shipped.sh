#!/usr/bin/env bash
# Unzip the bootstraps that `make package` ships and prove that each one unwinds on panic.
#
# cargo-lambda's release defaults include `panic = "abort"` (see [profile.release] in
# Cargo.toml). This checks the artifact, not the profile text: each bootstrap runs its panic
# probe (replication_core::panic_probe), which panics once under the function's own guard. An
# unwinding build prints what the guard answered and exits 0; an aborting build is killed by
# SIGABRT. The unzipped bootstraps are what `make demo` and `make test` then run.
#
# usage: tests/check-shipped.sh <dir with <fn>/bootstrap.zip> <output dir>
# BOOTSTRAP_RUNNER, when set, prefixes the probe's command line: `make release` runs the arm64
# bootstraps through `qemu-aarch64 -L /usr/aarch64-linux-gnu` (tests/check-release.py).
set -euo pipefail
zips=$1
out=$2
declare -A expected=(
  [replication-setup]="internal error (panic): panic probe"
  [replica-verifier]="panic caught: panic probe"
)
status=0
for fn in replication-setup replica-verifier; do
  zip="$zips/$fn/bootstrap.zip"
  dir="$out/$fn"
  rm -rf "$dir" && mkdir -p "$dir"
  python3 -m zipfile -e "$zip" "$dir"
  chmod +x "$dir/bootstrap"
  set +e
  # shellcheck disable=SC2086 # the runner is a command and its arguments
  answer=$(${BOOTSTRAP_RUNNER:-} "$dir/bootstrap" --panic-probe 2>"$dir/probe.stderr")
  code=$?
  set -e
  if [ "$code" -eq 0 ] && [ "$answer" = "${expected[$fn]}" ]; then
    echo "✓ $zip unwinds on panic: the probe answered \"$answer\""
  else
    echo "✗ $zip does not unwind on panic: exit $code, answered \"$answer\" (expected \"${expected[$fn]}\")" >&2
    sed 's/^/    /' "$dir/probe.stderr" >&2
    echo "  A panic in the shipped function would abort the process; set panic = \"unwind\" in [profile.release]." >&2
    status=1
  fi
done
exit $status
