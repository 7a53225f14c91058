/**
 * What the tests share: prebuilt asset directories with dummy bootstraps (no Rust build), the
 * example app built in-process, and a guard that fails any attempt to run cargo.
 */
import childProcess = require('node:child_process');
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { exampleConfig, exampleStacks } from '../bin/example-stacks';

// No test may build Rust: synth must work from prebuilt assets alone. cargo-lambda-cdk runs
// `cargo lambda --version` and `cargo lambda build` through child_process.spawnSync.
for (const name of ['spawnSync', 'execSync', 'execFileSync', 'spawn', 'execFile', 'exec'] as const) {
  const module = childProcess as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = module[name];
  module[name] = (...args: unknown[]) => {
    const command = [args[0], ...(Array.isArray(args[1]) ? args[1] : [])].join(' ');
    if (/(^|[\s/])cargo(\s|$)/.test(command)) throw new Error(`a test tried to run cargo: ${command}`);
    return original(...args);
  };
}

/** The repository's root (infra/cdk/build/test → ../../../..). */
export const REPO = path.resolve(__dirname, '..', '..', '..', '..');
/** The project's Python tooling (cfn-lint, checkov); `make setup` creates it. */
export const VENV_BIN = process.env.S3KR_VENV_BIN ?? path.join(REPO, '.venv', 'bin');

const TEMP_DIRS: string[] = [];
process.on('exit', () => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  TEMP_DIRS.push(dir);
  return dir;
}

/** An ELF header for `arch`, enough for the architecture check. */
export function elfHeader(arch: 'x86_64' | 'arm64'): Buffer {
  const head = Buffer.alloc(64);
  head.writeUInt32BE(0x7f454c46, 0);
  head[4] = 2; // 64-bit
  head[5] = 1; // little-endian
  head[6] = 1;
  head.writeUInt16LE(2, 16); // ET_EXEC
  head.writeUInt16LE(arch === 'x86_64' ? 0x3e : 0xb7, 18);
  return head;
}

/**
 * A temporary prebuilt directory: `<dir>/<function>/bootstrap` for both functions, executable,
 * holding `content` (an ELF header of `arch`, or a shell script when no arch is given).
 */
export function prebuiltDir(arch?: 'x86_64' | 'arm64'): string {
  const dir = tempDir('s3kr-cdk-assets-');
  for (const fn of ['replication-setup', 'replica-verifier']) {
    fs.mkdirSync(path.join(dir, fn));
    const content = arch ? elfHeader(arch) : Buffer.from(`#!/bin/sh\necho "dummy ${fn} bootstrap for tests" >&2\nexit 1\n`);
    fs.writeFileSync(path.join(dir, fn, 'bootstrap'), content, { mode: 0o755 });
  }
  return dir;
}

/** A stack in account B (or `account`), us-east-1. */
export function stack(account = '222222222222', id = 'Test'): { app: App; stack: Stack } {
  const app = new App({ analyticsReporting: false });
  return { app, stack: new Stack(app, id, { env: { account, region: 'us-east-1' } }) };
}

/** The example app's two stacks, in-process, from prebuilt dummy bootstraps. */
export function example(variant: 'default' | 'full', context: Record<string, string> = {}) {
  const app = new App({ analyticsReporting: false });
  const get = (k: string) => ({ prebuilt: ASSETS, variant, nag: 'false', ...context })[k];
  const stacks = exampleStacks(app, exampleConfig(get, {}));
  return {
    app,
    ...stacks,
    /** Synthesizes the app (after which the tree may not change). */
    get destinationTemplate() {
      return Template.fromStack(stacks.destination);
    },
    get sourceTemplate() {
      return Template.fromStack(stacks.source);
    },
  };
}

/** One dummy asset directory for the whole test process. */
export const ASSETS = prebuiltDir();

/** The one resource of `type` in `template` (fails unless exactly one). */
export function only(template: Template, type: string): { logicalId: string; resource: Record<string, any> } {
  const found = Object.entries(template.findResources(type));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return { logicalId: found[0][0], resource: found[0][1] };
}

/** Every IAM statement of every role's inline policies: `[role logical id, policy name, statement]`. */
export function roleStatements(template: Template): [string, string, Record<string, any>][] {
  const out: [string, string, Record<string, any>][] = [];
  for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    for (const policy of role.Properties.Policies ?? []) {
      for (const st of policy.PolicyDocument.Statement) out.push([id, policy.PolicyName, st]);
    }
  }
  return out;
}

/** A statement's actions or resources as a list. */
export function list<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
