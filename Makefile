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

# Deploying to AWS (see infra/README.md): one AWS CLI profile per account.
ARCH      ?= arm64
PROFILE_A ?= source
PROFILE_B ?= dest
STACK_A   ?= s3-kms-replication-source
STACK_B   ?= s3-kms-replication-dest
VERSION   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo dev)
ZIPS      := $(if $(filter arm64,$(ARCH)),$(LAMBDA_DIR)-arm64,$(LAMBDA_DIR))
KEYS      := s3-kms-replication/$(VERSION)
require    = $(if $($(1)),,$(error set $(1)=… on the command line; see infra/README.md))

.PHONY: help setup build test unit-test e2e-test conformance fuzz lint fmt package package-arm64 shipped watch invoke bench demo demo-debug \
        dashboard-image deploy destroy cdk-setup cdk-test cdk-synth cdk-package cdk-consumer-test \
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

lint: setup ## rustfmt, clippy (-D warnings), cfn-lint and checkov
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	@templates=$$(ls infra/*.yaml 2>/dev/null); if [ -n "$$templates" ]; then $(VENV)/bin/cfn-lint $$templates; fi
	@templates=$$(ls infra/*.yaml 2>/dev/null); if [ -n "$$templates" ]; then $(CHECKOV) $$(printf -- '-f %s ' $$templates); fi

fmt: ## Format the code
	$(CARGO) fmt --all

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

test: setup lint build cdk-synth ## Everything CI runs: lint (with checkov), the emulator conformance suite, unit, end-to-end, Python and CDK tests, the shipped zips' panic check, and the demo on them
	$(PY) tests/conformance/conformance.py
	$(CARGO) test --locked --workspace
	$(PY) -m unittest discover -s infra -p 'test_*.py'
	$(PY) -m unittest discover -s tests/local-aws -p 'test_*.py'
	$(MAKE) --no-print-directory shipped
	S3KR_REQUIRE_ZIPS=1 $(MAKE) --no-print-directory cdk-test
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

package-arm64: setup ## Same for arm64 (needs the rustup aarch64 target; not run in CI)
	cargo lambda build --locked --release --arm64 -p replication-setup -p replica-verifier --output-format zip --lambda-dir $(LAMBDA_DIR)-arm64
	@ls -l $(LAMBDA_DIR)-arm64/*/bootstrap.zip

# What the functions see under `make watch`: the emulator of `make emulator-start` when it runs.
WATCH_ENDPOINT ?= $(shell $(PY) -c 'import json;print(json.load(open(".local-aws/state.json"))["endpoint"])' 2>/dev/null || echo http://127.0.0.1:9)
WATCH_ENV ?= EXPECTED_KMS_KEY_ARN=arn:aws:kms:us-east-1:222222222222:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21,AWS_REGION=us-east-1,AWS_ACCESS_KEY_ID=testing,AWS_SECRET_ACCESS_KEY=testing,S3_FORCE_PATH_STYLE=true,MISSING_RETRIES=0,AWS_ENDPOINT_URL=$(WATCH_ENDPOINT)

watch: setup ## Serve both functions on 127.0.0.1:9000 with cargo lambda watch (WATCH_ENV sets their environment)
	cargo lambda watch --invoke-address 127.0.0.1 --env-vars $(WATCH_ENV)

# The setup function answers CloudFormation by a PUT to the event's ResponseURL: for it,
# tools/cfn_catcher.py points that URL at a catcher on 127.0.0.1 and prints what arrives.
invoke: setup ## Invoke FN (default replica-verifier) under `make watch` with events/$(EVENT).json
ifeq ($(FN),replication-setup)
	$(PY) tools/cfn_catcher.py --event events/$(EVENT).json -- cargo lambda invoke $(FN) --invoke-address 127.0.0.1
else
	cargo lambda invoke $(FN) --invoke-address 127.0.0.1 --data-file events/$(EVENT).json
endif

demo: shipped build ## The seven steps end to end on the local emulator, with the shipped bootstraps
	$(SHIPPED_DEMO)

# The demo draws the destination template's dashboard with the metrics it published, read back
# from the emulator's CloudWatch (infra/render_dashboard.py); without DASHBOARD_IMAGE it draws
# dist/dashboard-data.png.
dashboard-image: setup build ## Run the demo (debug binaries) and draw docs/dashboard.png from its metrics
	DASHBOARD_IMAGE=$(CURDIR)/docs/dashboard.png SETUP_BOOTSTRAP=$(TARGET_DIR)/debug/replication-setup \
	  VERIFIER_BOOTSTRAP=$(TARGET_DIR)/debug/replica-verifier $(TARGET_DIR)/debug/demo

deploy: ## Deploy both stacks to AWS: make deploy A=… B=… S=… D=… KA=… KB=… ARTIFACTS_A=… ARTIFACTS_B=… [ARCH=x86_64]
	$(foreach v,A B S D KA KB ARTIFACTS_A ARTIFACTS_B,$(call require,$(v)))
	$(MAKE) --no-print-directory $(if $(filter arm64,$(ARCH)),package-arm64,package)
	aws --profile $(PROFILE_B) s3 cp $(ZIPS)/replication-setup/bootstrap.zip s3://$(ARTIFACTS_B)/$(KEYS)/replication-setup.zip
	aws --profile $(PROFILE_B) s3 cp $(ZIPS)/replica-verifier/bootstrap.zip s3://$(ARTIFACTS_B)/$(KEYS)/replica-verifier.zip
	aws --profile $(PROFILE_B) cloudformation package --template-file infra/destination-account.yaml \
	  --s3-bucket $(ARTIFACTS_B) --output-template-file dist/destination-account.packaged.yaml
	aws --profile $(PROFILE_B) cloudformation deploy --template-file dist/destination-account.packaged.yaml \
	  --stack-name $(STACK_B) --capabilities CAPABILITY_IAM --parameter-overrides \
	  DestinationBucket=$(D) DestinationKmsKeyArn=$(KB) SourceAccountId=$(A) SourceBucket=$(S) Architecture=$(ARCH) \
	  ArtifactBucket=$(ARTIFACTS_B) SetupCodeKey=$(KEYS)/replication-setup.zip VerifierCodeKey=$(KEYS)/replica-verifier.zip
	aws --profile $(PROFILE_A) s3 cp $(ZIPS)/replication-setup/bootstrap.zip s3://$(ARTIFACTS_A)/$(KEYS)/replication-setup.zip
	aws --profile $(PROFILE_A) cloudformation package --template-file infra/source-account.yaml \
	  --s3-bucket $(ARTIFACTS_A) --output-template-file dist/source-account.packaged.yaml
	aws --profile $(PROFILE_A) cloudformation deploy --template-file dist/source-account.packaged.yaml \
	  --stack-name $(STACK_A) --capabilities CAPABILITY_IAM --parameter-overrides \
	  SourceBucket=$(S) SourceKmsKeyArn=$(KA) DestinationBucket=$(D) DestinationAccountId=$(B) Architecture=$(ARCH) \
	  DestinationKmsKeyArn=$(KB) ArtifactBucket=$(ARTIFACTS_A) SetupCodeKey=$(KEYS)/replication-setup.zip

destroy: ## Delete both stacks (each custom resource's Delete removes only what it added)
	aws --profile $(PROFILE_A) cloudformation delete-stack --stack-name $(STACK_A)
	aws --profile $(PROFILE_A) cloudformation wait stack-delete-complete --stack-name $(STACK_A)
	aws --profile $(PROFILE_B) cloudformation delete-stack --stack-name $(STACK_B)
	aws --profile $(PROFILE_B) cloudformation wait stack-delete-complete --stack-name $(STACK_B)

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

cdk-test: setup cdk-setup ## CDK constructs: assertions, parity with infra/*.yaml, cdk-nag, cfn-lint and checkov (no Rust build)
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
