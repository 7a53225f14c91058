/**
 * The example app's entry point synthesizes offline from prebuilt bootstraps (as `make
 * cdk-synth` runs it), and the templates it writes pass cfn-lint and checkov (pinned in the
 * project's venv, run offline with --skip-download), as do infra/*.yaml. Every checkov skip
 * is written next to its resource with its reason.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { ASSETS, REPO, tempDir, VENV_BIN } from './helpers';

const YAML_TEMPLATES = ['destination-account.yaml', 'source-account.yaml'].map((f) => path.join(REPO, 'infra', f));
const STACKS = ['S3KmsReplicationDestination', 'S3KmsReplicationSource'];
const synthesized: Record<string, string[]> = {};

/** Runs bin/example.js as `make cdk-synth` does: no CDK CLI, context from the environment. */
async function synth(variant: string): Promise<string[]> {
  const outdir = tempDir(`s3kr-cdk-${variant}-`);
  await promisify(execFile)(process.execPath, [path.join(__dirname, '..', 'bin', 'example.js')], {
    env: { ...process.env, CDK_OUTDIR: outdir, S3KR_PREBUILT: ASSETS, S3KR_VARIANT: variant },
  });
  return STACKS.map((s) => path.join(outdir, `${s}.template.json`));
}

function run(tool: string, args: string[]): { status: number | null; output: string } {
  // checkov's PyPI update check goes to a closed local port: the run stays offline (as `make lint`).
  const env = { ...process.env, HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' };
  const r = spawnSync(path.join(VENV_BIN, tool), args, { encoding: 'utf8', cwd: REPO, env });
  if (r.error) throw new Error(`${tool}: ${r.error.message} (run make setup)`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('lint', () => {
  before(async () => {
    const [base, full] = await Promise.all([synth('default'), synth('full')]);
    Object.assign(synthesized, { default: base, full });
  });

  test('the example app writes both templates, with the cdk-nag plugin registered', () => {
    for (const files of Object.values(synthesized)) {
      for (const file of files) {
        const t = JSON.parse(fs.readFileSync(file, 'utf8'));
        assert.ok(Object.keys(t.Resources).length >= 4, file);
      }
      const report = JSON.parse(fs.readFileSync(path.join(path.dirname(files[0]), 'validation-report.json'), 'utf8'));
      assert.deepEqual(report.pluginReports.filter((r: any) => r.violations?.length), []);
    }
  });

  test('cfn-lint passes on the synthesized templates', () => {
    const r = run('cfn-lint', Object.values(synthesized).flat());
    assert.equal(r.status, 0, r.output);
  });

  test('checkov passes on infra/*.yaml and on the synthesized templates', () => {
    const files = [...YAML_TEMPLATES, ...Object.values(synthesized).flat()];
    const r = run('checkov', ['--skip-download', '--quiet', '--compact', '--framework', 'cloudformation', ...files.flatMap((f) => ['-f', f])]);
    assert.equal(r.status, 0, r.output);
  });

  test('every checkov skip says why, next to its resource', () => {
    const script =
      'import json, sys\nfrom cfnlint.decode import cfn_yaml\n' +
      'print(json.dumps([cfn_yaml.load(p) for p in sys.argv[1:]]))';
    const yaml = JSON.parse(execFileSync(path.join(VENV_BIN, 'python'), ['-c', script, ...YAML_TEMPLATES], { encoding: 'utf8' }));
    const json = Object.values(synthesized).flat().map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
    let skips = 0;
    for (const template of [...yaml, ...json]) {
      for (const [id, r] of Object.entries<any>(template.Resources)) {
        for (const skip of r.Metadata?.checkov?.skip ?? []) {
          skips++;
          assert.match(skip.id, /^CKV_AWS_\d+$/, id);
          assert.ok(typeof skip.comment === 'string' && skip.comment.length >= 80, `${id} ${skip.id}: ${skip.comment}`);
        }
      }
    }
    assert.ok(skips >= 17 + 2 * 16, `${skips} skips`);
  });
});
