/**
 * cdk-nag's AwsSolutionsChecks finds nothing unacknowledged in either stack, in the example's
 * default and full configurations; every acknowledgment carries a written reason, and the
 * example app (which registers the checks itself) synthesizes with them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { flattenCfnReference as cdkNagFlatten } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { flattenCfnReference } from '../lib/nag';
import { example } from './helpers';

/** Every acknowledged rule under `scope`: [construct path, rule id, reason]. */
function acknowledgments(scope: IConstruct): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const c of scope.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(m.data as Record<string, string>)) out.push([c.node.path, id, reason]);
    }
  }
  return out;
}

describe('cdk-nag AwsSolutionsChecks', () => {
  for (const variant of ['default', 'full'] as const) {
    test(`example (${variant}): both stacks pass`, () => {
      const { app, destination, source } = example(variant);
      app.synth();
      for (const stack of [destination, source]) {
        const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
        assert.deepEqual(
          report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}: ${v.description}`),
          [],
          stack.stackName,
        );
        assert.ok(report.success);
      }
    });

    test(`example (${variant}): every acknowledgment has a reason`, () => {
      const { app } = example(variant);
      app.synth();
      const acks = acknowledgments(app);
      assert.ok(acks.length >= 4, `${acks.length} acknowledgments`);
      for (const [where, id, reason] of acks) {
        assert.match(id, /^Annotation::AwsSolutions-(IAM5\[Resource::.+\]|SQS[34])$/, `${where}: only the reviewed rules are acknowledged`);
        assert.ok(reason.length >= 80, `${where} ${id}: the reason is a sentence or more, not a placeholder: ${reason}`);
      }
    });
  }

  test('the acknowledgments are exact: a wildcard resource nobody reviewed is still a finding', () => {
    const { app, destination } = example('default');
    const role = destination.node.findAll().find((c) => c.node.path.endsWith('Replication/Template/VerifierRole'))! as import('aws-cdk-lib/aws-iam').CfnRole;
    role.policies = [
      ...(destination.resolve(role.policies) as import('aws-cdk-lib/aws-iam').CfnRole.PolicyProperty[]),
      { policyName: 'unreviewed', policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::another-bucket/*' }] } },
    ];
    app.synth();
    const report = new AwsSolutionsChecks().validateScope(destination);
    assert.deepEqual(
      report.violations.map((v) => v.ruleName),
      ['AwsSolutions-IAM5[Resource::arn:aws:s3:::another-bucket/*]'],
    );
  });

  test("lib/nag.ts's copy of flattenCfnReference names resources as cdk-nag's own does", () => {
    // The constructs no longer import cdk-nag at run time (it is a devDependency); this pins the
    // copy to the original, on every form the IAM5 rule meets.
    const references: unknown[] = [
      'arn:aws:s3:::bucket/*',
      { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Bucket}/*' },
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::bucket/*']] },
      { 'Fn::Join': [':', [{ 'Fn::GetAtt': ['Queue4A7E3555', 'Arn'] }, '*']] },
      { 'Fn::GetAtt': ['Role1ABCC5F0', 'Arn'] },
      { 'Fn::ImportValue': 'Exported' },
      { Ref: 'Param' },
      { 'Fn::If': ['C', 'a', 'b'] },
      undefined,
    ];
    for (const r of references) assert.equal(flattenCfnReference(r), cdkNagFlatten(r), JSON.stringify(r));
  });

  test('the example app with the checks registered writes each acknowledgment and its reason into the templates', () => {
    const { app, destination } = example('full', { nag: 'true' });
    const assembly = app.synth();
    const template = assembly.getStackByName(destination.stackName).template;
    const suppressed = Object.values<any>(template.Resources).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    assert.ok(suppressed.length >= 4);
    for (const s of suppressed) assert.ok(s.reason.length >= 80, s.id);
  });
});
