# s3-kms-replication: build, test, package and run locally.
# Everything the project needs is installed by `make setup` (run by the other targets).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
PY          := $(VENV)/bin/python
SETUP_STAMP := $(VENV)/.setup-stamp
LAUNCHER    := tests/local-aws/launcher.py
LAMBDA_DIR  := dist/lambda
CARGO       := cargo
TARGET_DIR  := $(or $(CARGO_TARGET_DIR),target)
# cargo-lambda (and the zig it brings) live in the venv.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

FN    ?= replica-verifier
EVENT ?= s3-object-created

# Deploying to AWS (see infra/README.md): one AWS CLI profile per account. tools/deploy.py keys
# each zip by its sha256, skips zips already uploaded, and deploys B then A with
# --no-fail-on-empty-changeset. PARAMS_A / PARAMS_B: more Key=Value parameter overrides.
# DRY_RUN=1: package nothing, run nothing; print the aws commands (ZIPS=… to point at other zips).
ARCH      ?= arm64
PROFILE_A ?= source
PROFILE_B ?= dest
REGION_A  ?=
REGION_B  ?=
STACK_A   ?= s3-kms-replication-source
REPLICATION_EVENTS ?= auto
STACK_B   ?= s3-kms-replication-dest
PARAMS_A  ?=
PARAMS_B  ?=
DRY_RUN   ?=
DRY       := $(filter-out 0 no false,$(DRY_RUN))
ZIPS      ?= $(if $(filter arm64,$(ARCH)),$(LAMBDA_DIR)-arm64,$(LAMBDA_DIR))
# Through the environment: a value may hold quotes (PARAMS_B="CheckSchedule='rate(30 minutes)'").
export PARAMS_A PARAMS_B
require    = $(if $($(1)),,$(error set $(1)=… on the command line; see infra/README.md))

.PHONY: help setup build test unit-test e2e-test conformance fuzz lint fmt docs-check catalogue package package-arm64 shipped watch invoke bench demo demo-debug \
        release release-notes release-doctor release-assemble release-check release-check-arm64 shipped-arm64 qemu-aarch64 \
        dashboard-image deploy destroy seed cdk-setup cdk-test cdk-synth cdk-package cdk-consumer-test \
        emulator-start emulator-stop clean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(SETUP_STAMP): requirements.txt constraints.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

setup: $(SETUP_STAMP) ## Create .venv with the pinned emulator, cargo-lambda, cfn-lint and checkov

# --all-targets: the binaries get the same feature set as the test builds (dev-dependencies
# unify features), so `cargo test` afterwards reuses every compiled unit instead of rebuilding.
build: ## Debug build of every crate, both Lambda binaries, the tests, the demo and the bench
	$(CARGO) build --locked --workspace --all-targets

lint: setup ## rustfmt, clippy (-D warnings), cfn-lint, checkov, and the docs' make targets, doctor flags and links
	python3 tools/check_docs.py
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	@templates=$$(ls infra/*.yaml 2>/dev/null); if [ -n "$$templates" ]; then $(VENV)/bin/cfn-lint $$templates; fi
	@templates=$$(ls infra/*.yaml 2>/dev/null); if [ -n "$$templates" ]; then $(CHECKOV) $$(printf -- '-f %s ' $$templates); fi

fmt: ## Format the code
	$(CARGO) fmt --all

docs-check: ## Every make target, doctor flag and relative link the docs name exists
	python3 tools/check_docs.py

# The contracts exported from the Rust sources (replication_core::catalogue); a unit test fails
# while the checked-in file differs, and tests/tests/templates.rs holds the templates to it.
catalogue: ## Rewrite infra/catalogue.json from the Rust sources (properties, settings, verdicts, metrics, grants)
	UPDATE_CATALOGUE=1 $(CARGO) test --locked -p replication-core --lib catalogue

# The robustness property over the verifier's entry point (functions/replica-verifier/src/robustness.rs);
# `make test` runs it with its default of 300 cases.
FUZZ_CASES ?= 100000
fuzz: ## Feed the verifier's entry point FUZZ_CASES (100,000) arbitrary and mutated payloads
	FUZZ_CASES=$(FUZZ_CASES) $(CARGO) test --locked -p replica-verifier --lib robustness -- --nocapture

unit-test: ## Unit tests only (no emulator)
	$(CARGO) test --locked --workspace --exclude e2e-tests

e2e-test: setup build ## End-to-end tests: real bootstraps on the local emulator
	$(CARGO) test --locked -p e2e-tests

# Each case replays one request against the emulator and compares the answer with AWS's recorded
# one (tests/conformance/README.md); prints `conformance: N/M`.
conformance: setup ## The emulator conformance suite: the emulator against answers recorded on real AWS
	$(PY) tests/conformance/conformance.py

test: setup lint build cdk-synth ## Everything CI runs: lint (with checkov), the emulator conformance suite, unit, end-to-end, Python and CDK tests, the packed constructs in fresh TypeScript and Python apps, the shipped zips' panic check, and the demo on them
	$(PY) tests/conformance/conformance.py
	$(CARGO) test --locked --workspace
	$(PY) -m unittest discover -s infra -p 'test_*.py'
	$(PY) -m unittest discover -s tests/local-aws -p 'test_*.py'
	$(PY) -m unittest discover -s tools -p 'test_*.py'
	$(MAKE) --no-print-directory shipped
	S3KR_REQUIRE_ZIPS=1 $(MAKE) --no-print-directory cdk-test
	$(MAKE) --no-print-directory cdk-consumer-test
	$(SHIPPED_DEMO)

# `build` builds every binary of the workspace, the demo and the bench included, with the
# workspace's feature set; building one package alone would resolve features anew and rebuild.
demo-debug: build ## The demo's scenario on the debug binaries (quick iteration; make test runs it on the shipped ones)
	SETUP_BOOTSTRAP=$(TARGET_DIR)/debug/replication-setup VERIFIER_BOOTSTRAP=$(TARGET_DIR)/debug/replica-verifier \
	  $(TARGET_DIR)/debug/demo

package: setup ## Release zips (x86_64) for both functions in dist/lambda/<fn>/bootstrap.zip
	cargo lambda build --locked --release --x86-64 -p replication-setup -p replica-verifier --output-format zip --lambda-dir $(LAMBDA_DIR)
	@ls -l $(LAMBDA_DIR)/*/bootstrap.zip

# The bootstraps inside the zips, unzipped; `make test` and `make demo` run exactly these.
SHIPPED_DIR  := dist/shipped
SHIPPED_DEMO  = SETUP_BOOTSTRAP=$(SHIPPED_DIR)/replication-setup/bootstrap \
                VERIFIER_BOOTSTRAP=$(SHIPPED_DIR)/replica-verifier/bootstrap $(TARGET_DIR)/debug/demo

shipped: package ## Unzip the shipped bootstraps into dist/shipped/<fn>/ and prove that each unwinds on panic
	tests/check-shipped.sh $(LAMBDA_DIR) $(SHIPPED_DIR)

package-arm64: setup ## Same for arm64 in dist/lambda-arm64/ (adds the rustup aarch64 target; not run in CI)
	$(RUSTUP_AARCH64)
	cargo lambda build --locked --release --arm64 -p replication-setup -p replica-verifier --output-format zip --lambda-dir $(LAMBDA_DIR)-arm64
	@ls -l $(LAMBDA_DIR)-arm64/*/bootstrap.zip

# ---------------------------------------------------------------- releases (make release)
# dist/release/<version>/: both functions' zips and the doctor for x86_64 and arm64, SHA256SUMS,
# a CycloneDX SBOM and the CHANGELOG entry as release notes; then every artifact is exercised,
# the arm64 ones under qemu-user. <version> is [workspace.package] version of Cargo.toml.
RELEASE_VERSION := $(shell sed -n '/^\[workspace\.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)
RELEASE_DIR     := dist/release/$(RELEASE_VERSION)
RELEASE_WORK    := dist/release-work
# Archive times and the SBOM's timestamp: the last commit's, so that a rebuild of one commit
# gives the same tarballs and SBOM.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
DOCTOR_ARCHES   := x86_64 arm64
RUSTUP_AARCH64   = @if command -v rustup >/dev/null; then rustup target list --installed | grep -qx aarch64-unknown-linux-gnu \
                     || rustup target add aarch64-unknown-linux-gnu; fi
# qemu-user runs the arm64 binaries here; they are glibc-linked (Lambda's provided.al2023), so
# qemu needs Debian's aarch64 glibc (libc6-arm64-cross, in /usr/aarch64-linux-gnu). Pinned to
# Debian 12 (bookworm)'s versions; a point release that replaces them needs these two updated.
QEMU_USER_VERSION         ?= 1:7.2+dfsg-7+deb12u18+b3
LIBC6_ARM64_CROSS_VERSION ?= 2.36-8cross1
QEMU_AARCH64 := qemu-aarch64 -L /usr/aarch64-linux-gnu
SUDO         := $(if $(filter 0,$(shell id -u)),,sudo)

release: setup ## Release artifacts in dist/release/<version>/ (zips, doctor tarballs, SHA256SUMS, SBOM), each exercised (arm64 under qemu)
	$(MAKE) --no-print-directory release-notes
	$(MAKE) --no-print-directory package package-arm64 release-doctor
	$(MAKE) --no-print-directory release-assemble
	$(MAKE) --no-print-directory release-check release-check-arm64
	@echo "release $(RELEASE_VERSION):" && ls -l $(RELEASE_DIR)

# First, so that a release the CHANGELOG does not describe fails before anything is built.
release-notes: setup ## Fail unless CHANGELOG.md has an entry for the workspace version
	$(PY) tools/changelog.py --changelog CHANGELOG.md --workspace . > /dev/null

# The doctor, built alone: its own feature set, so the functions' zips stay those of make package.
release-doctor: setup ## The doctor's release binary for x86_64 and arm64 Linux (glibc), in dist/release-work/
	$(RUSTUP_AARCH64)
	cargo lambda build --locked --release --x86-64 -p replication-doctor --output-format binary --lambda-dir $(RELEASE_WORK)/doctor-x86_64
	cargo lambda build --locked --release --arm64 -p replication-doctor --output-format binary --lambda-dir $(RELEASE_WORK)/doctor-arm64

release-assemble: setup ## Name, archive, checksum and describe what the builds made (no build)
	$(if $(RELEASE_VERSION),,$(error no [workspace.package] version in Cargo.toml))
	rm -rf $(RELEASE_DIR) && mkdir -p $(RELEASE_DIR)
	$(PY) tools/changelog.py --changelog CHANGELOG.md --workspace . > $(RELEASE_DIR)/RELEASE-NOTES.md
	@for fn in replication-setup replica-verifier; do \
	  SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) $(PY) tools/repro_zip.py $(LAMBDA_DIR)/$$fn/bootstrap.zip $(RELEASE_DIR)/$$fn-$(RELEASE_VERSION)-x86_64.zip && \
	  SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) $(PY) tools/repro_zip.py $(LAMBDA_DIR)-arm64/$$fn/bootstrap.zip $(RELEASE_DIR)/$$fn-$(RELEASE_VERSION)-arm64.zip || exit 1; \
	done
	@for arch in $(DOCTOR_ARCHES); do \
	  name=replication-doctor-$(RELEASE_VERSION)-$$arch-linux; stage=$(RELEASE_WORK)/stage-$$arch; \
	  rm -rf $$stage && mkdir -p $$stage/$$name && \
	  install -m 0755 $(RELEASE_WORK)/doctor-$$arch/replication-doctor/bootstrap $$stage/$$name/replication-doctor && \
	  install -m 0644 LICENSE $$stage/$$name/LICENSE && \
	  tar --sort=name --mtime=@$(SOURCE_DATE_EPOCH) --owner=0 --group=0 --numeric-owner -C $$stage -cf - $$name \
	    | gzip -n -9 > $(RELEASE_DIR)/$$name.tar.gz || exit 1; \
	done
	$(CARGO) metadata --locked --format-version 1 > $(RELEASE_WORK)/cargo-metadata.json
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) $(PY) tools/sbom.py --workspace . --cargo-metadata $(RELEASE_WORK)/cargo-metadata.json \
	  --output $(RELEASE_DIR)/s3-kms-replication-$(RELEASE_VERSION).cdx.json
	cd $(RELEASE_DIR) && sha256sum $$(ls | grep -vx SHA256SUMS) > SHA256SUMS && sha256sum -c --quiet SHA256SUMS
	@cat $(RELEASE_DIR)/SHA256SUMS

# Installs Debian's qemu-user and aarch64 glibc when they are not there at the pinned versions.
qemu-aarch64: ## qemu-user and Debian's aarch64 glibc (apt-get, pinned; skipped when installed)
	@if [ "$$(dpkg-query -W -f='$${Version}' qemu-user 2>/dev/null)" = "$(QEMU_USER_VERSION)" ] \
	   && [ "$$(dpkg-query -W -f='$${Version}' libc6-arm64-cross 2>/dev/null)" = "$(LIBC6_ARM64_CROSS_VERSION)" ]; then \
	  echo "qemu-aarch64: qemu-user $(QEMU_USER_VERSION) and libc6-arm64-cross $(LIBC6_ARM64_CROSS_VERSION) installed"; \
	else \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
	    qemu-user=$(QEMU_USER_VERSION) libc6-arm64-cross=$(LIBC6_ARM64_CROSS_VERSION); \
	fi

release-check: setup ## Exercise dist/release/<version>'s x86_64 artifacts: unwind probe, a cold start per function, doctor --help
	$(PY) tests/check-release.py --dir $(RELEASE_DIR) --version $(RELEASE_VERSION) --arch x86_64

release-check-arm64: setup qemu-aarch64 ## The same for the arm64 artifacts, run under qemu-aarch64
	$(PY) tests/check-release.py --dir $(RELEASE_DIR) --version $(RELEASE_VERSION) --arch arm64 --runner '$(QEMU_AARCH64)'

# The arm64 half of release-check without a release: what `make test` could run (make release
# does not need it). About 2.3 min after a change to a workspace crate, 10 min from nothing.
shipped-arm64: package-arm64 qemu-aarch64 ## make package-arm64, then the unwind probe and a cold start of each arm64 bootstrap under qemu-aarch64
	$(PY) tests/check-release.py --lambda-dir $(LAMBDA_DIR)-arm64 --arch arm64 --runner '$(QEMU_AARCH64)'

# What the functions see under `make watch`: with the emulator of `make emulator-start` running,
# credentials it maps to account WATCH_ACCOUNT (B = 222222222222, the verifier and the destination
# side; A = 111111111111, the source side), from sts:AssumeRole of
# arn:aws:iam::<account>:role/local-aws-admin, and its endpoint; else placeholders and a closed
# port (tools/local_aws.py env). One watch serves every function with one environment: run a
# second one for the other account on another port (WATCH_ACCOUNT=A WATCH_PORT=9001).
WATCH_ACCOUNT ?= B
WATCH_PORT    ?= 9000
WATCH_ENV     ?= $(shell $(PY) tools/local_aws.py env --account $(WATCH_ACCOUNT))

watch: setup ## Serve both functions on 127.0.0.1:9000 (WATCH_PORT) as account B (WATCH_ACCOUNT=A: the source) of the running emulator
	@echo "cargo lambda watch --invoke-address 127.0.0.1 --invoke-port $(WATCH_PORT) --env-vars <tools/local_aws.py env --account $(WATCH_ACCOUNT)>"
	@cargo lambda watch --invoke-address 127.0.0.1 --invoke-port $(WATCH_PORT) --env-vars '$(WATCH_ENV)'

seed: setup ## Create S, KA (account A), D, KB and the verifier queue (B) on the running emulator; write .local-aws/events/
	$(PY) tools/local_aws.py seed

# The setup function answers CloudFormation by a PUT to the event's ResponseURL: for it,
# tools/cfn_catcher.py points that URL at a catcher on 127.0.0.1 and prints what arrives.
# A cfn-* fixture is sent as `make seed` wrote it for the running emulator (its KA and KB), if it did.
INVOKE_EVENT = $(shell $(PY) tools/local_aws.py event $(EVENT))

invoke: setup ## Invoke FN (default replica-verifier) under `make watch` with events/$(EVENT).json (or make seed's copy)
ifeq ($(FN),replication-setup)
	$(PY) tools/cfn_catcher.py --event $(INVOKE_EVENT) -- cargo lambda invoke $(FN) --invoke-address 127.0.0.1 --invoke-port $(WATCH_PORT)
else
	cargo lambda invoke $(FN) --invoke-address 127.0.0.1 --invoke-port $(WATCH_PORT) --data-file $(INVOKE_EVENT)
endif

demo: shipped build ## The seven steps end to end on the local emulator, with the shipped bootstraps
	$(SHIPPED_DEMO)

# The demo draws the destination template's dashboard with the metrics it published, read back
# from the emulator's CloudWatch (infra/render_dashboard.py); without DASHBOARD_IMAGE it draws
# dist/dashboard-data.png.
dashboard-image: setup build ## Run the demo (debug binaries) and draw docs/dashboard.png from its metrics
	DASHBOARD_IMAGE=$(CURDIR)/docs/dashboard.png SETUP_BOOTSTRAP=$(TARGET_DIR)/debug/replication-setup \
	  VERIFIER_BOOTSTRAP=$(TARGET_DIR)/debug/replica-verifier $(TARGET_DIR)/debug/demo

deploy: ## Deploy both stacks to AWS: make deploy A=… B=… S=… D=… KA=… KB=… ARTIFACTS_A=… ARTIFACTS_B=… [ARCH=x86_64] [PARAMS_A=… PARAMS_B=…] [REPLICATION_EVENTS=off] [DRY_RUN=1]
	$(foreach v,A B S D KA KB ARTIFACTS_A ARTIFACTS_B,$(call require,$(v)))
	$(if $(DRY),,$(MAKE) --no-print-directory $(if $(filter arm64,$(ARCH)),package-arm64,package))
	@python3 tools/deploy.py --zips $(ZIPS) --arch $(ARCH) $(if $(DRY),--dry-run) \
	  --a $(A) --b $(B) --s $(S) --d $(D) --ka $(KA) --kb $(KB) \
	  --artifacts-a $(ARTIFACTS_A) --artifacts-b $(ARTIFACTS_B) \
	  --profile-a $(PROFILE_A) --profile-b $(PROFILE_B) --region-a '$(REGION_A)' --region-b '$(REGION_B)' \
	  --stack-a $(STACK_A) --stack-b $(STACK_B) --replication-events $(REPLICATION_EVENTS)

destroy: ## Delete both stacks (each custom resource's Delete removes only what it added); DRY_RUN=1 prints the commands
	$(if $(DRY),@echo )aws --profile $(PROFILE_A) $(if $(REGION_A),--region $(REGION_A)) cloudformation delete-stack --stack-name $(STACK_A)
	$(if $(DRY),@echo )aws --profile $(PROFILE_A) $(if $(REGION_A),--region $(REGION_A)) cloudformation wait stack-delete-complete --stack-name $(STACK_A)
	$(if $(DRY),@echo )aws --profile $(PROFILE_B) $(if $(REGION_B),--region $(REGION_B)) cloudformation delete-stack --stack-name $(STACK_B)
	$(if $(DRY),@echo )aws --profile $(PROFILE_B) $(if $(REGION_B),--region $(REGION_B)) cloudformation wait stack-delete-complete --stack-name $(STACK_B)

# ---------------------------------------------------------------- checkov, CDK (infra/cdk)
# checkov offline: --skip-download, and its PyPI update check sent to a closed local port.
CHECKOV   := HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 $(VENV)/bin/checkov --skip-download --quiet --compact --framework cloudformation
CDK_DIR   := infra/cdk
CDK_STAMP := $(CDK_DIR)/node_modules/.npm-ci-stamp
CDK_OUT   := dist/cdk
# The bootstraps `make cdk-synth` synthesizes with: make package's zips (x86_64) when both are
# there, else placeholder bootstraps under dist/cdk/placeholder-lambda (templates only: the
# placeholders exit 1, never deploy them). CDK_PREBUILT=dist/lambda-arm64 CDK_ARCH=arm64 for arm64.
CDK_PREBUILT ?= $(if $(and $(wildcard $(LAMBDA_DIR)/replication-setup/bootstrap.zip),$(wildcard $(LAMBDA_DIR)/replica-verifier/bootstrap.zip)),$(LAMBDA_DIR),$(CDK_OUT)/placeholder-lambda)
CDK_ARCH     ?= x86_64

$(CDK_STAMP): $(CDK_DIR)/package.json $(CDK_DIR)/package-lock.json
	cd $(CDK_DIR) && npm ci --no-audit --no-fund
	touch $@

cdk-setup: $(CDK_STAMP) ## Install the CDK app's pinned npm packages (npm ci, once per package-lock.json change)

cdk-test: setup cdk-setup ## CDK constructs (facades over infra/*.yaml): props → parameters, refusals, cdk-nag, cfn-lint and checkov (no Rust build)
	cd $(CDK_DIR) && S3KR_VENV_BIN=$(CURDIR)/$(VENV)/bin npm test

$(CDK_OUT)/placeholder-lambda/%/bootstrap:
	mkdir -p $(@D)
	printf '#!/bin/sh\necho "placeholder bootstrap from make cdk-synth: build the real one with make package" >&2\nexit 1\n' > $@
	chmod +x $@

cdk-synth: cdk-setup $(if $(filter $(CDK_OUT)/placeholder-lambda,$(CDK_PREBUILT)),$(CDK_OUT)/placeholder-lambda/replication-setup/bootstrap $(CDK_OUT)/placeholder-lambda/replica-verifier/bootstrap) ## Synthesize the CDK example app offline into dist/cdk/cdk.out (and cdk.out-full, every option on)
	cd $(CDK_DIR) && npm run --silent build
	rm -rf $(CDK_OUT)/cdk.out $(CDK_OUT)/cdk.out-full
	CDK_OUTDIR=$(CURDIR)/$(CDK_OUT)/cdk.out S3KR_PREBUILT=$(abspath $(CDK_PREBUILT)) S3KR_ARCH=$(CDK_ARCH) node $(CDK_DIR)/build/bin/example.js
	CDK_OUTDIR=$(CURDIR)/$(CDK_OUT)/cdk.out-full S3KR_PREBUILT=$(abspath $(CDK_PREBUILT)) S3KR_ARCH=$(CDK_ARCH) S3KR_VARIANT=full node $(CDK_DIR)/build/bin/example.js
	@echo "cdk-synth: assets from $(CDK_PREBUILT) ($(CDK_ARCH))"; ls -1 $(CDK_OUT)/cdk.out/*.template.json $(CDK_OUT)/cdk.out-full/*.template.json

cdk-package: cdk-setup ## The construct library's packages in dist/cdk/packages: the npm tarball and the Python wheel (jsii, jsii-pacmak)
	rm -rf $(CDK_OUT)/packages
	cd $(CDK_DIR) && npm run --silent package:python -- --outdir $(CURDIR)/$(CDK_OUT)/packages
	cd $(CDK_DIR) && npm pack --silent --ignore-scripts --pack-destination $(CURDIR)/$(CDK_OUT)/packages
	@ls -1 $(CDK_OUT)/packages/*.tgz $(CDK_OUT)/packages/python/*.whl

# Fresh apps install the packed library by name, from the registries (npm, PyPI): TypeScript at the
# lowest and newest aws-cdk-lib, Python likewise, and synthesize (infra/cdk/consumer-test/run.sh).
# The functions' code: make package's zips when both are there, else placeholder bootstraps.
cdk-consumer-test: cdk-setup ## The packed constructs in fresh TypeScript and Python CDK apps (npm and PyPI only)
	$(CDK_DIR)/consumer-test/run.sh all

emulator-start: setup ## Start the local AWS emulator on 127.0.0.1 and print its endpoint
	@$(PY) $(LAUNCHER) start

emulator-stop: ## Stop exactly the emulator that emulator-start started
	@$(PY) $(LAUNCHER) stop

clean: ## Remove build outputs (keeps .venv)
	$(CARGO) clean
	rm -rf dist .local-aws

bench: shipped build ## Verifier benchmarks on the shipped bootstrap (prints figures; no wall-clock asserts)
	$(CARGO) run --locked --release --target x86_64-unknown-linux-gnu -p replica-verifier --example cpu_per_record
	VERIFIER_BOOTSTRAP=$(SHIPPED_DIR)/replica-verifier/bootstrap $(TARGET_DIR)/debug/bench
