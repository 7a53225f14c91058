#!/usr/bin/env bash
# Fresh-app tests of the packaged constructs, as a user installs them (make cdk-consumer-test):
#
#   1. pack:    `npm pack` in infra/cdk (prepack compiles with jsii into dist/)
#   2. ts:      for the lowest and the newest aws-cdk-lib in versions.json, a new
#               `cdk init app --language typescript --generate-only` project (the CLI's own
#               template, no network; jest dropped, the test does not run it) installs the
#               tarball by name with that aws-cdk-lib and constructs, checks npm left one
#               aws-cdk-lib, type-checks the library's own sources against that aws-cdk-lib,
#               runs `cdk synth` on app.ts, checks the assembly (check-assembly.mjs) and the
#               synth-time refusals (refusals.ts)
#   3. python:  the wheel (jsii-pacmak --targets python, from step 1's build), then for each
#               aws-cdk-lib in versions.json a new `cdk init app --language python
#               --generate-only` project whose venv pip-installs the wheel, aws-cdk-lib and
#               constructs (PyPI), `cdk synth` on app.py, the same checks (refusals.py); then the
#               Python and TypeScript templates at the lowest version must be the same
#
# Needs infra/cdk's node_modules (make cdk-setup), node, npm, python3 with venv, and the npm
# and PyPI registries. The functions' code: $S3KR_PREBUILT, else make package's zips in
# dist/lambda when both are there, else placeholder bootstraps (an x86_64 ELF header, never
# deployable). Usage: run.sh [all|ts|python]; S3KR_KEEP=1 keeps the work directory.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CDK_DIR=$(dirname "$HERE")
REPO=$(cd "$CDK_DIR/../.." && pwd)

# jsii (compiler, pacmak, and the kernel under Python) prints a banner on every run about Node 20
# being past its end of support; Node 20 is what this machine has, and it works.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
# The CDK CLI sends no telemetry and checks for no newer version (no network but the registries).
export CDK_DISABLE_CLI_TELEMETRY=true CDK_DISABLE_VERSION_CHECK=true

version() { node -p "require('$HERE/versions.json').$1"; }

# ------------------------------------------------------------------ one scenario (child process)
# Each scenario runs as its own `run.sh _<scenario> ...` process so that `set -e` applies in it.
ts_app() {
  local label=$1 work=$2 cdklib constructs dir
  cdklib=$(version "typescript.$label['aws-cdk-lib']")
  constructs=$(version "typescript.$label.constructs")
  dir="$work/ts-$label/consumer"
  mkdir -p "$dir" && cd "$dir"
  echo "== TypeScript app, aws-cdk-lib $cdklib, constructs $constructs ($dir)"
  "$CDK_DIR/node_modules/.bin/cdk" init app --language typescript --generate-only >/dev/null
  rm -rf test jest.config.js lib
  node - "$cdklib" "$constructs" "$work/package.tgz" <<'EOF'
const fs = require('node:fs');
const [cdklib, constructs, tarball] = process.argv.slice(2);
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
for (const dev of ['@swc/core', '@swc/jest', '@types/jest', 'jest']) delete pkg.devDependencies[dev];
delete pkg.scripts.test;
pkg.dependencies = { 'aws-cdk-lib': cdklib, constructs, 's3-kms-replication-cdk': `file:${tarball}` };
fs.writeFileSync('package.json', JSON.stringify(pkg, null, 2) + '\n');
const tsconfig = JSON.parse(fs.readFileSync('tsconfig.json', 'utf8'));
tsconfig.compilerOptions.types = ['node'];
fs.writeFileSync('tsconfig.json', JSON.stringify(tsconfig, null, 2) + '\n');
EOF
  cp "$HERE/app.ts" bin/consumer.ts
  cp "$HERE/refusals.ts" refusals.ts
  cp -R "$PREBUILT" lambda
  npm install --no-audit --no-fund --loglevel=error
  local copies
  copies=$(find node_modules -path '*node_modules/aws-cdk-lib/package.json' | wc -l)
  [ "$copies" -eq 1 ] || { echo "npm installed $copies copies of aws-cdk-lib:"; npm ls aws-cdk-lib --all; exit 1; }
  [ "$(node -p "require('aws-cdk-lib/package.json').version")" = "$cdklib" ]
  echo "one aws-cdk-lib ($cdklib); s3-kms-replication-cdk $(node -p "require('s3-kms-replication-cdk/package.json').version") by name"
  npx cdk synth --no-notices --quiet
  node "$HERE/check-assembly.mjs" cdk.out
  npx tsx refusals.ts
  # The library's sources against this aws-cdk-lib: every API they use exists in it.
  mkdir libsrc && cp "$CDK_DIR"/lib/*.ts libsrc/
  cat > tsconfig.libsrc.json <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022", "module": "nodenext", "moduleResolution": "nodenext", "lib": ["ES2022"],
    "types": ["node"], "strict": true, "noImplicitReturns": true, "noEmit": true, "skipLibCheck": true
  },
  "include": ["libsrc/*.ts"]
}
EOF
  npx tsc -p tsconfig.libsrc.json
  echo "infra/cdk/lib/*.ts type-check against aws-cdk-lib $cdklib"
}

python_wheel() {
  local work=$1
  echo "== Python wheel (jsii-pacmak --targets python)"
  cd "$CDK_DIR"
  # From the pack step's jsii build (dist/, .jsii): pacmak packs the package again to embed it,
  # and without scripts that pack does not compile a second time (npm run package:python does).
  npm_config_ignore_scripts=true node_modules/.bin/jsii-pacmak --targets python --outdir "$work/dist-packages" --no-npmignore
  cp "$work"/dist-packages/python/*.whl "$work/"
  ls -l "$work"/*.whl
}

python_app() {
  local label=$1 work=$2 cdklib constructs dir
  cdklib=$(version "python.$label['aws-cdk-lib']")
  constructs=$(version "python.$label.constructs")
  dir="$work/py-$label/consumer"
  mkdir -p "$dir" && cd "$dir"
  echo "== Python app, aws-cdk-lib $cdklib, constructs $constructs ($dir)"
  "$CDK_DIR/node_modules/.bin/cdk" init app --language python --generate-only >/dev/null
  rm -rf consumer tests source.bat requirements-dev.txt
  printf '%s\n' "aws-cdk-lib==$cdklib" "constructs==$constructs" "$(ls "$work"/s3_kms_replication_cdk-*.whl)" >requirements.txt
  python3 -m venv .venv
  .venv/bin/pip install --quiet --no-compile --disable-pip-version-check -r requirements.txt
  .venv/bin/python -c '
import sys
from importlib.metadata import version
assert version("aws-cdk-lib") == sys.argv[1], version("aws-cdk-lib")
print("aws-cdk-lib", version("aws-cdk-lib"), "constructs", version("constructs"), "jsii", version("jsii"),
      "s3-kms-replication-cdk", version("s3-kms-replication-cdk"), "cargo-lambda-cdk", version("cargo-lambda-cdk"))
' "$cdklib"
  cp "$HERE/app.py" "$HERE/refusals.py" .
  cp -R "$PREBUILT" lambda
  # cdk.json runs "python3 app.py": the venv's, as after `source .venv/bin/activate`. The CLI is
  # the one pinned in infra/cdk (the version the TypeScript apps get from cdk init).
  PATH="$dir/.venv/bin:$PATH" "$CDK_DIR/node_modules/.bin/cdk" synth --no-notices --quiet
  node "$HERE/check-assembly.mjs" cdk.out
  .venv/bin/python refusals.py
}

case "${1:-all}" in
  _ts) shift; PREBUILT=$3 ts_app "$1" "$2"; exit ;;
  _wheel) shift; python_wheel "$1"; exit ;;
  _py) shift; PREBUILT=$3 python_app "$1" "$2"; exit ;;
  all | ts | python) WHAT=${1:-all} ;;
  *) echo "usage: $0 [all|ts|python]" >&2; exit 2 ;;
esac

# ------------------------------------------------------------------ the run
WORK=$(mktemp -d "${TMPDIR:-/tmp}/s3kr-consumer.XXXXXX")
cleanup() {
  local start
  start=$(date +%s)
  rm -rf "$WORK"
  echo "consumer-test: removed the work directory in $(($(date +%s) - start)) s"
}
if [ "${S3KR_KEEP:-}" = 1 ]; then echo "work directory: $WORK (kept)"; else trap cleanup EXIT; fi

if [ -n "${S3KR_PREBUILT:-}" ]; then
  PREBUILT=$(cd "$S3KR_PREBUILT" && pwd)
elif [ -f "$REPO/dist/lambda/replication-setup/bootstrap.zip" ] && [ -f "$REPO/dist/lambda/replica-verifier/bootstrap.zip" ]; then
  PREBUILT="$REPO/dist/lambda"
else
  PREBUILT="$WORK/placeholder-lambda"
  node - "$PREBUILT" <<'EOF'
// An x86_64 ELF header is all synth reads (the architecture check); it is never deployable.
const fs = require('node:fs');
const path = require('node:path');
for (const fn of ['replication-setup', 'replica-verifier']) {
  const head = Buffer.alloc(64);
  head.writeUInt32BE(0x7f454c46, 0);
  head[4] = 2; head[5] = 1; head[6] = 1;
  head.writeUInt16LE(2, 16);
  head.writeUInt16LE(0x3e, 18);
  fs.mkdirSync(path.join(process.argv[2], fn), { recursive: true });
  fs.writeFileSync(path.join(process.argv[2], fn, 'bootstrap'), head, { mode: 0o755 });
}
EOF
fi
echo "consumer-test: functions' code from $PREBUILT"

PASSED=0 FAILED=0 SUMMARY=()
# step NAME COMMAND...: runs it with its output in $WORK/NAME.log, timed; prints the log's tail on failure.
step() {
  local name=$1 start rc
  shift
  start=$(date +%s)
  echo "-- $name"
  if "$@" >"$WORK/$name.log" 2>&1; then rc=0; else rc=$?; fi
  local took=$(($(date +%s) - start))
  if [ $rc -eq 0 ]; then
    PASSED=$((PASSED + 1)); SUMMARY+=("$name: ok, ${took} s")
    grep -E '^(==|one aws-cdk-lib|infra/cdk/lib|check-assembly|refused as expected|aws-cdk-lib )' "$WORK/$name.log" || true
  else
    FAILED=$((FAILED + 1)); SUMMARY+=("$name: FAILED (exit $rc), ${took} s")
    echo "---- $name failed; the last lines of its log:"; tail -n 60 "$WORK/$name.log"
  fi
  echo "   $name: ${took} s"
  return $rc
}

if step pack bash -c 'cd "$1" && npm pack --silent --pack-destination "$2" >/dev/null && mv "$2"/s3-kms-replication-cdk-*.tgz "$2/package.tgz" && ls -l "$2/package.tgz"' _ "$CDK_DIR" "$WORK"; then
  if [ "$WHAT" != python ]; then
    step ts-lowest "$0" _ts lowest "$WORK" "$PREBUILT" || true
    step ts-newest "$0" _ts newest "$WORK" "$PREBUILT" || true
  fi
  if [ "$WHAT" != ts ] && step python-wheel "$0" _wheel "$WORK"; then
    step python-lowest "$0" _py lowest "$WORK" "$PREBUILT" || true
    step python-newest "$0" _py newest "$WORK" "$PREBUILT" || true
    if [ -d "$WORK/ts-lowest/consumer/cdk.out" ] && [ -d "$WORK/py-lowest/consumer/cdk.out" ]; then
      step same-templates node "$HERE/check-assembly.mjs" --same "$WORK/ts-lowest/consumer/cdk.out" "$WORK/py-lowest/consumer/cdk.out" || true
    fi
  fi
fi

printf 'consumer-test: %s\n' "${SUMMARY[@]}"
echo "consumer-test: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
