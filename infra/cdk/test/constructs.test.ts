/**
 * What the constructs synthesize, asserted directly (no snapshots): the custom resources'
 * properties, the IAM policies, the event source mapping, the alarms, the dashboard; and what
 * they refuse at synth, with the prop's name and the fix.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { describe, test } from 'node:test';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ReplicationDestination, type ReplicationDestinationProps } from '../lib/destination';
import { workspaceManifest } from '../lib/code';
import { defaultReplicationRoleName } from '../lib/refs';
import { ReplicationSource, type ReplicationSourceProps } from '../lib/source';
import { ASSETS, elfHeader, example, list, only, prebuiltDir, REPO, roleStatements, stack, tempDir } from './helpers';

const A = '111111111111';
const B = '222222222222';
const S = 'example-source-bucket';
const D = 'example-destination-bucket';
const KA = `arn:aws:kms:us-east-1:${A}:key/5c2b7a1e-3f4d-4b6a-8e9f-0a1b2c3d4e5f`;
const KB = `arn:aws:kms:us-east-1:${B}:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21`;

/** The setup function's accepted property names (replication-core `DestinationProperties::NAMES`, `SourceProperties::NAMES`). */
const DESTINATION_NAMES = [
  'DestinationBucket',
  'DestinationKmsKeyArn',
  'SourceAccountId',
  'SourceBucket',
  'ReplicationRoleArn',
  'ReplicateTags',
  'OwnerOverride',
  'BucketKeyEnabled',
  'NotificationQueueArn',
  'DeployTimeChecks',
];
const SOURCE_NAMES = [
  'SourceBucket',
  'SourceKmsKeyArn',
  'DestinationBucket',
  'DestinationAccountId',
  'DestinationKmsKeyArn',
  'RoleName',
  'Rules',
  'ReplicationTimeControl',
  'ReplicationMetrics',
  'BucketKeyEnabled',
  'OwnerOverride',
  'ReplicateTags',
  'RoleTrustConditions',
  'DestinationAccessRoleArn',
  'DeployTimeChecks',
  'Canary',
];
const RULE_NAMES = ['Id', 'Priority', 'Prefix', 'Tags', 'DeleteMarkerReplication', 'StorageClass'];
const CLOUDFORMATION_OWN = ['ServiceToken', 'ServiceTimeout'];

function destination(props: Partial<ReplicationDestinationProps> = {}, account = B) {
  const { stack: s } = stack(account);
  const d = new ReplicationDestination(s, 'Replication', {
    destinationBucket: D,
    destinationKmsKey: KB,
    sourceAccountId: A,
    sourceBucket: S,
    code: { prebuiltDir: ASSETS },
    ...props,
  });
  return { stack: s, construct: d, template: Template.fromStack(s) };
}

function source(props: Partial<ReplicationSourceProps> = {}, account = A) {
  const { stack: s } = stack(account);
  const c = new ReplicationSource(s, 'Replication', {
    sourceBucket: S,
    sourceKmsKey: KA,
    destinationBucket: D,
    destinationAccountId: B,
    destinationKmsKey: KB,
    code: { prebuiltDir: ASSETS },
    ...props,
  });
  return { stack: s, construct: c, template: Template.fromStack(s) };
}

/** Every leaf is a string, or an intrinsic function (a reference CloudFormation turns into a string). */
function assertPlainStrings(value: unknown, where: string): void {
  if (typeof value === 'string') return;
  if (Array.isArray(value)) return value.forEach((v, i) => assertPlainStrings(v, `${where}[${i}]`));
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return;
    for (const [k, v] of Object.entries(value)) assertPlainStrings(v, `${where}.${k}`);
    return;
  }
  assert.fail(`${where} is ${JSON.stringify(value)} (${typeof value}), not a string as CloudFormation passes it`);
}

function refusal(fn: () => unknown, prop: string, problem: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.match(e.message, new RegExp(`\\) ${prop.replace(/[.[\]]/g, '\\$&')}: `), `names the prop: ${e.message}`);
    assert.match(e.message, problem);
    assert.match(e.message, /Fix: \S/, `says the fix: ${e.message}`);
    return true;
  });
}

// ------------------------------------------------------------------ custom resource properties

function logicalIdOf(template: Template, type: string, match: (r: Record<string, any>) => boolean): string {
  const found = Object.entries(template.findResources(type)).filter(([, r]) => match(r));
  assert.equal(found.length, 1, `one ${type}`);
  return found[0][0];
}

describe('custom resource properties', () => {
  test("Custom::ReplicationDestination: the template's properties, every value a string", () => {
    const { template } = destination();
    const setup = logicalIdOf(template, 'AWS::Lambda::Function', (r) => r.Properties.FunctionName === 'Test-setup');
    const queue = logicalIdOf(template, 'AWS::SQS::Queue', (r) => r.Properties.RedrivePolicy !== undefined);
    const policy = only(template, 'AWS::SQS::QueuePolicy').logicalId;
    template.hasResource('Custom::ReplicationDestination', {
      Properties: Match.objectEquals({
        ServiceToken: { 'Fn::GetAtt': [setup, 'Arn'] },
        ServiceTimeout: '720',
        DestinationBucket: D,
        DestinationKmsKeyArn: KB,
        SourceAccountId: A,
        SourceBucket: S,
        ReplicationRoleArn: `arn:aws:iam::${A}:role/s3-kms-replication-${S}`,
        BucketKeyEnabled: 'true',
        NotificationQueueArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      }),
      // S3 validates the queue policy (s3:TestEvent) when the notification is put.
      DependsOn: [policy],
    });
    const props = only(template, 'Custom::ReplicationDestination').resource.Properties;
    assertPlainStrings(props, 'Properties');
  });

  test('Custom::ReplicationDestination: optional properties only when set, booleans as "true"/"false"', () => {
    const { template } = destination({
      bucketKeyEnabled: false,
      deployTimeChecks: false,
      replicationRoleArn: `arn:aws:iam::${A}:role/service-role/team-replication`,
    });
    const props = only(template, 'Custom::ReplicationDestination').resource.Properties;
    assert.equal(props.BucketKeyEnabled, 'false');
    assert.equal(props.DeployTimeChecks, 'false');
    assert.equal(props.ReplicationRoleArn, `arn:aws:iam::${A}:role/service-role/team-replication`);
    for (const name of Object.keys(props)) assert.ok([...DESTINATION_NAMES, ...CLOUDFORMATION_OWN].includes(name), name);
    assertPlainStrings(props, 'Properties');
  });

  test('Custom::ReplicationSource: every property and rule, every scalar a string, names the parser accepts', () => {
    const { template, construct } = source({
      roleName: 'team-replication',
      rules: [
        { id: 'to-destination', prefix: 'replicated/', tags: { team: 'storage', tier: 'gold' }, storageClass: 'STANDARD_IA' },
        { id: 'logs', priority: 7, prefix: 'logs/', deleteMarkerReplication: true },
      ],
      replicationTimeControl: true,
      replicationMetrics: true,
      bucketKeyEnabled: false,
      ownerOverride: true,
      replicateTags: true,
      roleTrustConditions: true,
      canary: true,
      deployTimeChecks: true,
      destinationAccessRoleArn: `arn:aws:iam::${B}:role/replication-admin`,
    });
    const setup = only(template, 'AWS::Lambda::Function').logicalId;
    template.hasResourceProperties(
      'Custom::ReplicationSource',
      Match.objectEquals({
        ServiceToken: { 'Fn::GetAtt': [setup, 'Arn'] },
        ServiceTimeout: '720',
        SourceBucket: S,
        SourceKmsKeyArn: KA,
        DestinationBucket: D,
        DestinationAccountId: B,
        DestinationKmsKeyArn: KB,
        RoleName: 'team-replication',
        Rules: [
          {
            Id: 'to-destination',
            Prefix: 'replicated/',
            Tags: [
              { Key: 'team', Value: 'storage' },
              { Key: 'tier', Value: 'gold' },
            ],
            StorageClass: 'STANDARD_IA',
          },
          { Id: 'logs', Priority: '7', Prefix: 'logs/', DeleteMarkerReplication: 'true' },
        ],
        ReplicationTimeControl: 'true',
        ReplicationMetrics: 'true',
        BucketKeyEnabled: 'false',
        OwnerOverride: 'true',
        ReplicateTags: 'true',
        RoleTrustConditions: 'true',
        Canary: 'true',
        DestinationAccessRoleArn: `arn:aws:iam::${B}:role/replication-admin`,
        DeployTimeChecks: 'true',
      }),
    );
    const props = only(template, 'Custom::ReplicationSource').resource.Properties;
    assertPlainStrings(props, 'Properties');
    for (const name of Object.keys(props)) assert.ok([...SOURCE_NAMES, ...CLOUDFORMATION_OWN].includes(name), name);
    for (const rule of props.Rules) for (const name of Object.keys(rule)) assert.ok(RULE_NAMES.includes(name), name);
    assert.deepEqual(construct.properties, Object.fromEntries(Object.entries(props).filter(([k]) => !CLOUDFORMATION_OWN.includes(k))));
  });

  test('Custom::ReplicationSource: the defaults are left to the function, as in the template', () => {
    const { template } = source();
    const props = only(template, 'Custom::ReplicationSource').resource.Properties;
    assert.deepEqual(
      Object.keys(props).sort(),
      [
        'ServiceToken',
        'ServiceTimeout',
        'SourceBucket',
        'SourceKmsKeyArn',
        'DestinationBucket',
        'DestinationAccountId',
        'DestinationKmsKeyArn',
        'ReplicationTimeControl',
        'ReplicationMetrics',
        'BucketKeyEnabled',
        'ReplicateTags',
        'RoleTrustConditions',
        'Canary',
      ].sort(),
    );
    assert.equal(props.BucketKeyEnabled, 'true');
    assert.equal(props.ReplicateTags, 'true');
    assert.equal(props.Canary, 'false');
  });

  test('Data attributes are read with Fn::GetAtt', () => {
    const d = destination();
    const s = source();
    const cr = (t: Template, type: string) => only(t, type).logicalId;
    const att = (st: Stack, v: string) => st.resolve(v);
    assert.deepEqual(att(d.stack, d.construct.replicationRoleArn), { 'Fn::GetAtt': [cr(d.template, 'Custom::ReplicationDestination'), 'ReplicationRoleArn'] });
    assert.deepEqual(att(d.stack, d.construct.sidPrefix), { 'Fn::GetAtt': [cr(d.template, 'Custom::ReplicationDestination'), 'SidPrefix'] });
    const src = cr(s.template, 'Custom::ReplicationSource');
    for (const [value, name] of [
      [s.construct.roleArn, 'RoleArn'],
      [s.construct.roleName, 'RoleName'],
      [s.construct.ruleIds, 'RuleIds'],
      [s.construct.sidPrefix, 'SidPrefix'],
      [s.construct.rolePolicyName, 'RolePolicyName'],
      [s.construct.sourceDefaultEncryption, 'SourceDefaultEncryption'],
    ] as const) {
      assert.deepEqual(att(s.stack, value), { 'Fn::GetAtt': [src, name] });
    }
  });
});

// ------------------------------------------------------------------ IAM

describe('IAM', () => {
  for (const variant of ['default', 'full'] as const) {
    test(`example (${variant}): no wildcard actions, no managed or separate policies, resources scoped`, () => {
      const { destinationTemplate, sourceTemplate } = example(variant);
      for (const [name, template] of [
        ['destination', destinationTemplate],
        ['source', sourceTemplate],
      ] as const) {
        assert.deepEqual(Object.keys(template.findResources('AWS::IAM::Policy')), [], `${name}: no AWS::IAM::Policy`);
        assert.deepEqual(Object.keys(template.findResources('AWS::IAM::ManagedPolicy')), [], `${name}: no managed policy`);
        for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
          assert.equal(role.Properties.ManagedPolicyArns, undefined, `${name}: no managed policy attached`);
          assert.equal(role.Properties.Policies.length, 1, `${name}: one inline policy per role`);
        }
        const statements = roleStatements(template);
        assert.ok(statements.length >= 5, `${name}: ${statements.length} statements`);
        for (const [role, policyName, st] of statements) {
          const where = `${name} ${role} ${policyName} ${st.Sid ?? ''}`;
          assert.equal(st.Effect, 'Allow', where);
          for (const action of list<string>(st.Action)) assert.ok(!action.includes('*'), `${where}: wildcard action ${action}`);
          for (const resource of list<any>(st.Resource)) {
            if (resource === '*' && st.Sid === 'XRay') {
              // X-Ray's two write actions have no resource-level permissions (tracing ACTIVE only).
              assert.deepEqual(list(st.Action), ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], `${where}: Resource "*"`);
              continue;
            }
            if (resource === '*') {
              // PutMetricData has no resource-level permissions; its namespace condition is the scope.
              assert.deepEqual(list(st.Action), ['cloudwatch:PutMetricData'], `${where}: Resource "*"`);
              assert.ok(st.Condition?.StringEquals?.['cloudwatch:namespace'], `${where}: namespace condition`);
              continue;
            }
            if (typeof resource !== 'string') continue; // GetAtt of the function's own log group, queue, function
            assert.match(
              resource,
              /^arn:aws:(s3:::(example-(source|destination)-bucket|example-destination-bucket-audit)(\/.+)?|kms:us-east-1:\d{12}:key\/[0-9a-f-]+|iam::\d{12}:role\/.+|iam::\*:policy\/\*|lambda:.+)$/,
              `${where}: ${resource} is scoped to the named buckets, keys and role`,
            );
          }
        }
      }
    });
  }

  test('tracing: PassThrough by default with no X-Ray grant; ACTIVE sets every function Active and grants X-Ray inline, last, on "*"', () => {
    const xray = (template: Template) =>
      roleStatements(template)
        .filter(([, , st]) => list<string>(st.Action).some((a) => a.startsWith('xray:')))
        .map(([, policy, st]) => [policy, st]);
    const modes = (template: Template) =>
      Object.values(template.findResources('AWS::Lambda::Function')).map((f) => f.Properties.TracingConfig);
    for (const [name, t] of [
      ['destination', destination().template],
      ['source', source().template],
      ['destination, PASS_THROUGH given', destination({ tracing: lambda.Tracing.PASS_THROUGH }).template],
    ] as const) {
      assert.ok(modes(t).length > 0 && modes(t).every((m) => m?.Mode === 'PassThrough'), `${name}: ${JSON.stringify(modes(t))}`);
      assert.deepEqual(xray(t), [], `${name}: no X-Ray statement`);
      assert.deepEqual(Object.keys(t.findResources('AWS::IAM::Policy')), [], `${name}: no separate policy`);
    }
    for (const [name, t, policies] of [
      ['destination', destination({ tracing: lambda.Tracing.ACTIVE }).template, ['replication-destination', 'replica-verifier']],
      ['source', source({ tracing: lambda.Tracing.ACTIVE }).template, ['replication-source']],
    ] as const) {
      assert.ok(modes(t).every((m) => m?.Mode === 'Active'), `${name}: ${JSON.stringify(modes(t))}`);
      assert.deepEqual(
        xray(t),
        policies.map((p) => [p, { Sid: 'XRay', Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' }]),
        name,
      );
      for (const role of Object.values(t.findResources('AWS::IAM::Role'))) {
        for (const policy of role.Properties.Policies ?? []) {
          if (!(policies as readonly string[]).includes(policy.PolicyName)) continue;
          assert.equal(policy.PolicyDocument.Statement.at(-1).Sid, 'XRay', `${name} ${policy.PolicyName}: XRay last, as in the template`);
        }
      }
      assert.deepEqual(Object.keys(t.findResources('AWS::IAM::Policy')), [], `${name}: inline, no DefaultPolicy`);
    }
  });

  test('the destination setup role: D, KB and, with liveness, the canary replica only', () => {
    const { template } = destination({ scheduledCheck: true, liveness: true });
    const setup = roleStatements(template).filter(([, p]) => p === 'replication-destination').map(([, , st]) => st);
    assert.deepEqual(
      setup.map((st) => st.Sid),
      ['Logs', 'DestinationBucket', 'DestinationKey', 'LivenessCanaryReplicaVersions', 'LivenessCanaryReplicaDelete'],
    );
    const bySid = Object.fromEntries(setup.map((st) => [st.Sid, st]));
    assert.deepEqual(list(bySid.DestinationBucket.Resource), [`arn:aws:s3:::${D}`]);
    assert.deepEqual(list(bySid.DestinationKey.Action), ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy']);
    assert.deepEqual(list(bySid.DestinationKey.Resource), [KB]);
    assert.deepEqual(bySid.LivenessCanaryReplicaVersions.Condition, {
      StringLike: { 's3:prefix': '*.s3-kms-replication-canary/liveness' },
    });
    assert.deepEqual(list(bySid.LivenessCanaryReplicaDelete.Resource), [`arn:aws:s3:::${D}/*.s3-kms-replication-canary/liveness`]);
  });

  test('the verifier role: HEAD on D, ListBucket on D (a missing replica is 404, not 403), DescribeKey on KB, the four consumer actions on its queue; PutMetricData only for that sink', () => {
    for (const sink of ['emf', 'cloudwatch', 'both'] as const) {
      const { template } = destination({ metricsSink: sink });
      const queue = logicalIdOf(template, 'AWS::SQS::Queue', (r) => r.Properties.RedrivePolicy !== undefined);
      const verifier = roleStatements(template).filter(([, p]) => p === 'replica-verifier').map(([, , st]) => st);
      const bySid = Object.fromEntries(verifier.map((st) => [st.Sid, st]));
      assert.deepEqual(list(bySid.HeadReplicas.Action), ['s3:GetObject', 's3:GetObjectVersion']);
      assert.deepEqual(list(bySid.HeadReplicas.Resource), [`arn:aws:s3:::${D}/*`]);
      // HeadObject of a missing key is 404 (Missing) only with s3:ListBucket, else 403 (Error).
      assert.deepEqual(list(bySid.MissingIsNotFound.Action), ['s3:ListBucket']);
      assert.deepEqual(list(bySid.MissingIsNotFound.Resource), [`arn:aws:s3:::${D}`]);
      assert.equal(bySid.MissingIsNotFound.Condition, undefined);
      assert.deepEqual(list(bySid.ExpectedKey.Action), ['kms:DescribeKey']);
      assert.deepEqual(list(bySid.Queue.Action), ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility']);
      assert.deepEqual(list(bySid.Queue.Resource), [{ 'Fn::GetAtt': [queue, 'Arn'] }]);
      assert.equal(bySid.Metrics !== undefined, sink !== 'emf', sink);
      if (sink !== 'emf') assert.deepEqual(bySid.Metrics.Condition, { StringEquals: { 'cloudwatch:namespace': 'S3KmsReplication' } });
    }
  });

  test('the source setup role: S, KA and the replication role by name at any path; PassRole to S3 only', () => {
    const { template } = source({ roleName: 'team-replication' });
    const st = roleStatements(template).map(([, , x]) => x);
    const bySid = Object.fromEntries(st.map((x) => [x.Sid, x]));
    assert.deepEqual(
      st.map((x) => x.Sid),
      ['Logs', 'SourceBucket', 'SourceKey', 'ReplicationRole', 'PassReplicationRoleToS3'],
    );
    const roles = [`arn:aws:iam::${A}:role/team-replication`, `arn:aws:iam::${A}:role/*/team-replication`];
    assert.deepEqual(list(bySid.ReplicationRole.Resource), roles);
    assert.deepEqual(list(bySid.PassReplicationRoleToS3.Resource), roles);
    assert.deepEqual(bySid.PassReplicationRoleToS3.Condition, { StringEquals: { 'iam:PassedToService': 's3.amazonaws.com' } });
    assert.deepEqual(list(bySid.SourceKey.Resource), [KA]);
  });

  test("the source role's scope follows the function's default role name, hash included", () => {
    const long = 'team-a.replication-source-bucket-for-the-eu-west-1-archive';
    // Computed independently (Python, FNV-1a 32) from replication-core's default_role_name.
    assert.equal(defaultReplicationRoleName(long), 's3-kms-replication-team-a.replication-source-bucket-for-9f7ee73f');
    assert.equal(defaultReplicationRoleName(`${'x'.repeat(60)}-a`), 's3-kms-replication-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-61f3270b');
    assert.equal(defaultReplicationRoleName('a'.repeat(45)), `s3-kms-replication-${'a'.repeat(45)}`);
    assert.equal(defaultReplicationRoleName('a'.repeat(46)), 's3-kms-replication-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-03b58553');
    const { template } = source({ sourceBucket: long });
    const role = roleStatements(template).find(([, , x]) => x.Sid === 'ReplicationRole')![2];
    assert.deepEqual(list(role.Resource), [
      `arn:aws:iam::${A}:role/s3-kms-replication-team-a.replication-source-bucket-for-9f7ee73f`,
      `arn:aws:iam::${A}:role/*/s3-kms-replication-team-a.replication-source-bucket-for-9f7ee73f`,
    ]);
    const d = destination({ sourceBucket: long });
    assert.equal(
      only(d.template, 'Custom::ReplicationDestination').resource.Properties.ReplicationRoleArn,
      `arn:aws:iam::${A}:role/s3-kms-replication-team-a.replication-source-bucket-for-9f7ee73f`,
    );
  });

  test('a bucket and a key created in the same stack are referenced, not copied', () => {
    const { stack: s } = stack(B);
    const bucket = new s3.Bucket(s, 'D');
    const key = new kms.Key(s, 'KB');
    new ReplicationDestination(s, 'Replication', {
      destinationBucket: bucket,
      destinationKmsKey: key,
      sourceAccountId: A,
      sourceBucket: S,
      code: { prebuiltDir: ASSETS },
    });
    const t = Template.fromStack(s);
    const bucketId = only(t, 'AWS::S3::Bucket').logicalId;
    const keyId = only(t, 'AWS::KMS::Key').logicalId;
    t.hasResourceProperties('Custom::ReplicationDestination', {
      DestinationBucket: { Ref: bucketId },
      DestinationKmsKeyArn: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    const st = Object.fromEntries(roleStatements(t).map(([, , x]) => [x.Sid, x]));
    assert.deepEqual(list(st.DestinationKey.Resource), [{ 'Fn::GetAtt': [keyId, 'Arn'] }]);
    assert.deepEqual(list(st.DestinationBucket.Resource), [{ 'Fn::Join': ['', ['arn:aws:s3:::', { Ref: bucketId }]] }]);
  });

  test('a source bucket whose name is unknown at synth needs the role named', () => {
    const { stack: s } = stack(A);
    refusal(
      () =>
        new ReplicationSource(s, 'Replication', {
          sourceBucket: new s3.Bucket(s, 'S'),
          sourceKmsKey: KA,
          destinationBucket: D,
          destinationAccountId: B,
          destinationKmsKey: KB,
          code: { prebuiltDir: ASSETS },
        }),
      'roleName',
      /not known at synth/,
    );
    const ok = stack(A).stack;
    new ReplicationSource(ok, 'Replication', {
      sourceBucket: new s3.Bucket(ok, 'S'),
      sourceKmsKey: new kms.Key(ok, 'KA'),
      destinationBucket: D,
      destinationAccountId: B,
      destinationKmsKey: KB,
      roleName: 'team-replication',
      code: { prebuiltDir: ASSETS },
    });
    Template.fromStack(ok).hasResourceProperties('Custom::ReplicationSource', { RoleName: 'team-replication' });
    refusal(
      () =>
        destination({
          sourceBucket: s3.Bucket.fromBucketName(stack(B).stack, 'S', new s3.Bucket(stack(B).stack, 'X').bucketName),
        }),
      'replicationRoleArn',
      /not known at synth/,
    );
  });
});

// ------------------------------------------------------------------ queue, event source mapping, concurrency

describe('queue and verifier', () => {
  test('event source mapping: the queue, batches of 10, ReportBatchItemFailures, at most the reserved concurrency', () => {
    const { template } = destination();
    const queue = logicalIdOf(template, 'AWS::SQS::Queue', (r) => r.Properties.RedrivePolicy !== undefined);
    const verifier = logicalIdOf(template, 'AWS::Lambda::Function', (r) => r.Properties.FunctionName === 'Test-verifier');
    template.hasResourceProperties(
      'AWS::Lambda::EventSourceMapping',
      Match.objectEquals({
        EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
        FunctionName: { Ref: verifier },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        Enabled: true,
        ScalingConfig: { MaximumConcurrency: 10 },
      }),
    );
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'Test-verifier', ReservedConcurrentExecutions: 10 });
  });

  test('verifierReservedConcurrency: 0 reserves nothing, 1 is refused', () => {
    const { template } = destination({ verifierReservedConcurrency: 0 });
    const verifier = Object.values(template.findResources('AWS::Lambda::Function')).find((r) => r.Properties.FunctionName === 'Test-verifier')!;
    assert.equal(verifier.Properties.ReservedConcurrentExecutions, undefined);
    assert.equal(only(template, 'AWS::Lambda::EventSourceMapping').resource.Properties.ScalingConfig, undefined);
    refusal(() => destination({ verifierReservedConcurrency: 1 }), 'verifierReservedConcurrency', /not 0 or a whole number from 2 to 1000/);
    const fifty = destination({ verifierReservedConcurrency: 50 }).template;
    fifty.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 50 } });
  });

  test('queues: SSE-SQS stated, redrive after 5 receives, retention longer in the DLQ', () => {
    const { template } = destination();
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
      MessageRetentionPeriod: 345600,
      RedrivePolicy: { maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    const policy = only(template, 'AWS::SQS::QueuePolicy').resource.Properties.PolicyDocument.Statement;
    assert.deepEqual(
      policy.map((st: any) => [st.Sid, st.Principal, st.Action, st.Condition]),
      [
        [
          'DestinationBucketNotifications',
          { Service: 's3.amazonaws.com' },
          'sqs:SendMessage',
          { ArnEquals: { 'aws:SourceArn': `arn:aws:s3:::${D}` }, StringEquals: { 'aws:SourceAccount': B } },
        ],
      ],
    );
  });

  test('functions: provided.al2023, bootstrap, arm64 by default, JSON logs into their own log groups', () => {
    const { template } = destination();
    for (const [name, timeout] of [
      ['Test-setup', 300],
      ['Test-verifier', 60],
    ] as const) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: name,
        Runtime: 'provided.al2023',
        Handler: 'bootstrap',
        Architectures: ['arm64'],
        MemorySize: 128,
        Timeout: timeout,
        LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO' },
      });
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { LogGroupName: `/aws/lambda/${name}`, RetentionInDays: 30 },
        DeletionPolicy: 'Delete',
      });
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'Test-verifier',
      Environment: {
        Variables: { EXPECTED_KMS_KEY_ARN: KB, METRICS_NAMESPACE: 'S3KmsReplication', METRICS_SINK: 'emf', DESTINATION_BUCKET: D },
      },
    });
  });
});

// ------------------------------------------------------------------ alarms and dashboard

describe('alarms and dashboard', () => {
  test('nine alarms, one per finding verdict and error, > 0 over 300 s, missing data not breaching, notifying the topic', () => {
    const { stack: s } = stack(B);
    const topic = sns.Topic.fromTopicArn(s, 'T', `arn:aws:sns:us-east-1:${B}:alarms`);
    new ReplicationDestination(s, 'Replication', {
      destinationBucket: D,
      destinationKmsKey: KB,
      sourceAccountId: A,
      sourceBucket: S,
      alarmTopic: topic,
      code: { prebuiltDir: ASSETS },
    });
    const template = Template.fromStack(s);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => r.Properties);
    assert.deepEqual(
      alarms.map((a) => a.AlarmName).sort(),
      [
        'Test-DeadLetterQueueDepth',
        'Test-ReplicaBucketKeyMismatch',
        'Test-ReplicaCheckRejected',
        'Test-ReplicaMissing',
        'Test-ReplicaNotKmsEncrypted',
        'Test-ReplicaNotReplica',
        'Test-ReplicaWrongKey',
        'Test-ReplicationFailed',
        'Test-VerificationErrors',
      ],
    );
    for (const a of alarms) {
      assert.equal(a.ComparisonOperator, 'GreaterThanThreshold', a.AlarmName);
      assert.equal(a.Threshold, 0, a.AlarmName);
      assert.equal(a.Period, 300, a.AlarmName);
      assert.equal(a.EvaluationPeriods, 1, a.AlarmName);
      assert.equal(a.TreatMissingData, 'notBreaching', a.AlarmName);
      assert.deepEqual(a.AlarmActions, [`arn:aws:sns:us-east-1:${B}:alarms`], a.AlarmName);
      if (a.AlarmName === 'Test-DeadLetterQueueDepth') {
        assert.equal(a.Namespace, 'AWS/SQS');
        assert.equal(a.Statistic, 'Maximum');
      } else {
        assert.equal(a.Namespace, 'S3KmsReplication');
        assert.equal(a.Statistic, 'Sum');
        assert.equal(a.MetricName, a.AlarmName.replace('Test-', ''));
        assert.deepEqual(a.Dimensions, [{ Name: 'DestinationBucket', Value: D }]);
      }
    }
  });

  test('scheduled check and liveness: their alarms, the canary one breaching on missing data', () => {
    const { template } = destination({ scheduledCheck: true, liveness: true, livenessPeriod: Duration.hours(2), livenessMissedPeriods: 5 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Test-ReplicationSetupFindings',
      MetricName: 'ReplicationSetupFindings',
      Statistic: 'Maximum',
      Period: 3600,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: Match.arrayWith([{ Name: 'Side', Value: 'destination' }]),
      TreatMissingData: 'notBreaching',
    });
    // Fails closed: two periods in a row without a run (every run publishes Unchecked) alarm.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Test-ReplicationSetupCheckMissed',
      MetricName: 'ReplicationSetupUnchecked',
      Statistic: 'SampleCount',
      Period: 3600,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Test-CanaryReplicaVerified',
      MetricName: 'CanaryReplicaVerified',
      Statistic: 'Sum',
      Period: 7200,
      EvaluationPeriods: 5,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    const schedule = only(template, 'AWS::Scheduler::Schedule').resource.Properties;
    assert.equal(schedule.ScheduleExpression, 'rate(1 hour)');
    assert.deepEqual(schedule.FlexibleTimeWindow, { Mode: 'OFF' });
    const schedulerRole = Object.values(template.findResources('AWS::IAM::Role')).find(
      (r) => r.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service === 'scheduler.amazonaws.com',
    )!;
    assert.deepEqual(schedulerRole.Properties.AssumeRolePolicyDocument.Statement[0].Condition, {
      StringEquals: { 'aws:SourceAccount': B },
    });
  });

  test('the scheduled check fails closed on both sides: findings, a missed run (two periods without one), unchecked, setup function errors', () => {
    for (const [side, template] of [
      ['destination', destination({ scheduledCheck: true }).template],
      ['source', source({ scheduledCheck: true }).template],
    ] as const) {
      const setup = Object.entries(template.findResources('AWS::Lambda::Function')).find(
        ([, r]) => r.Properties.FunctionName === 'Test-setup',
      )![0];
      const byName = Object.fromEntries(
        Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => [r.Properties.AlarmName, r.Properties]),
      );
      const dims = [
        { Name: 'DestinationBucket', Value: D },
        { Name: 'Side', Value: side },
        { Name: 'SourceBucket', Value: S },
      ];
      const common = { Namespace: 'S3KmsReplication', Statistic: 'Maximum', Period: 3600, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' };
      assert.deepEqual(
        { ...byName['Test-ReplicationSetupFindings'], AlarmDescription: undefined },
        { ...common, AlarmName: 'Test-ReplicationSetupFindings', AlarmDescription: undefined, MetricName: 'ReplicationSetupFindings', Dimensions: dims, TreatMissingData: 'notBreaching' },
        side,
      );
      assert.deepEqual(
        { ...byName['Test-ReplicationSetupCheckMissed'], AlarmDescription: undefined },
        {
          AlarmName: 'Test-ReplicationSetupCheckMissed',
          AlarmDescription: undefined,
          Namespace: 'S3KmsReplication',
          MetricName: 'ReplicationSetupUnchecked',
          Dimensions: dims,
          Statistic: 'SampleCount',
          Period: 3600,
          EvaluationPeriods: 2,
          DatapointsToAlarm: 2,
          Threshold: 1,
          ComparisonOperator: 'LessThanThreshold',
          TreatMissingData: 'breaching',
        },
        side,
      );
      assert.deepEqual(
        { ...byName['Test-ReplicationSetupUnchecked'], AlarmDescription: undefined },
        { ...common, AlarmName: 'Test-ReplicationSetupUnchecked', AlarmDescription: undefined, MetricName: 'ReplicationSetupUnchecked', Dimensions: dims, TreatMissingData: 'notBreaching' },
        side,
      );
      assert.deepEqual(
        { ...byName['Test-SetupFunctionErrors'], AlarmDescription: undefined },
        {
          AlarmName: 'Test-SetupFunctionErrors',
          AlarmDescription: undefined,
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: setup } }],
          Statistic: 'Sum',
          Period: 300,
          EvaluationPeriods: 1,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
        },
        side,
      );
    }
    // Without the scheduled check, none of the four.
    for (const template of [destination().template, source().template]) {
      const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => r.Properties.AlarmName);
      for (const name of ['Test-ReplicationSetupFindings', 'Test-ReplicationSetupCheckMissed', 'Test-ReplicationSetupUnchecked', 'Test-SetupFunctionErrors']) assert.ok(!names.includes(name), name);
    }
  });

  test("the scheduled check's period follows a rate(...) checkSchedule, or checkPeriod", () => {
    const period = (t: Template) =>
      Object.values(t.findResources('AWS::CloudWatch::Alarm')).find((r) => r.Properties.AlarmName === 'Test-ReplicationSetupFindings')!.Properties.Period;
    assert.equal(period(destination({ scheduledCheck: true, checkSchedule: 'rate(30 minutes)' }).template), 1800);
    assert.equal(period(source({ scheduledCheck: true, checkSchedule: 'rate(1 day)' }).template), 86400);
    assert.equal(period(source({ scheduledCheck: true, checkSchedule: 'rate(6 hours)', checkPeriod: Duration.hours(6) }).template), 21600);
    // A cron expression names no period: checkPeriod (default 1 hour) is the caller's word.
    assert.equal(period(destination({ scheduledCheck: true, checkSchedule: 'cron(0 */2 * * ? *)', checkPeriod: Duration.hours(2) }).template), 7200);
    assert.equal(period(destination({ scheduledCheck: true, checkSchedule: 'cron(15 * * * ? *)' }).template), 3600);
    refusal(() => destination({ scheduledCheck: true, checkSchedule: 'rate(6 hours)', checkPeriod: Duration.hours(1) }), 'checkPeriod', /runs every 21600 s/);
    refusal(() => source({ scheduledCheck: true, checkPeriod: Duration.minutes(7) }), 'checkPeriod', /not offered/);
  });

  test('the dashboard: the template\'s layout, its nine alarms, every finding metric, and the verifier\'s log group', () => {
    const { template } = destination();
    const dash = only(template, 'AWS::CloudWatch::Dashboard').resource.Properties;
    assert.equal(dash.DashboardName, 'Test');
    // Join the body with each reference written as <logical id.attribute>.
    const body = JSON.parse(
      (dash.DashboardBody['Fn::Join'][1] as any[])
        .map((part) => (typeof part === 'string' ? part : part.Ref ? `<${part.Ref}>` : `<${part['Fn::GetAtt'].join('.')}>`))
        .join(''),
    );
    const layout = body.widgets.map((w: any) => [w.type, w.x, w.y, w.width, w.height, w.properties.title ?? null]);
    assert.deepEqual(layout, [
      ['text', 0, 0, 24, 4, null],
      ['metric', 0, 4, 8, 6, 'Replicas verified'],
      ['metric', 8, 4, 8, 6, 'Findings and errors (should be 0)'],
      ['metric', 16, 4, 8, 6, 'Verification delay (event to verdict)'],
      ['metric', 0, 10, 8, 6, 'ReplicationFailed (S3 replication events)'],
      ['metric', 8, 10, 8, 6, 'Verifier queue and DLQ'],
      ['alarm', 16, 10, 8, 6, 'Alarms'],
      ['metric', 0, 16, 8, 6, 'AWS/S3 ReplicationLatency (source account)'],
      ['metric', 8, 16, 8, 6, 'AWS/S3 OperationsPendingReplication (source account)'],
      ['metric', 16, 16, 8, 6, 'AWS/S3 OperationsFailedReplication (source account)'],
      ['metric', 0, 28, 24, 4, 'Setup findings, scheduled check (should be 0)'],
      ['metric', 0, 32, 24, 4, 'Liveness: canary replicas verified (at least 1 per period when Liveness is on)'],
      ['log', 0, 22, 24, 6, 'Replicas not verified (verifier verdict lines)'],
    ]);
    const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    assert.deepEqual([...body.widgets[6].properties.alarms].sort(), alarmIds.map((id) => `<${id}.Arn>`).sort());
    const logGroup = Object.entries(template.findResources('AWS::Logs::LogGroup')).find(
      ([, r]) => r.Properties.LogGroupName === '/aws/lambda/Test-verifier',
    )![0];
    assert.match(body.widgets[12].properties.query, new RegExp(`^SOURCE '<${logGroup}>' \\| fields @timestamp, verdict`));
    assert.deepEqual(body.widgets[1].properties.metrics, [['S3KmsReplication', 'ReplicasVerified', 'DestinationBucket', D]]);
    // The scheduled check's row: findings and unchecked of both sides, the setup function's errors.
    const setupFn = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, r]) => r.Properties.FunctionName === 'Test-setup')![0];
    const row = body.widgets[10].properties;
    assert.equal(row.period, 3600);
    assert.deepEqual(
      row.metrics.map((m: any[]) => m.slice(0, 4).concat(m.length > 5 ? [m[m.length - 1].accountId ?? null] : [])),
      [
        ['S3KmsReplication', 'ReplicationSetupFindings', 'Side', 'destination', null],
        ['S3KmsReplication', 'ReplicationSetupFindings', 'Side', 'source', A],
        ['S3KmsReplication', 'ReplicationSetupUnchecked', 'Side', 'destination', null],
        ['S3KmsReplication', 'ReplicationSetupUnchecked', 'Side', 'source', A],
        ['AWS/Lambda', 'Errors', 'FunctionName', `<${setupFn}>`],
      ],
    );
    assert.equal(row.metrics[4][4].stat, 'Sum');
    // "Findings and errors should stay at 0; each has an alarm": every metric of that widget has one.
    assert.match(body.widgets[0].properties.markdown, /each has an alarm/);
    const alarmed = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => r.Properties.MetricName);
    const findings = body.widgets[2].properties.metrics.map((m: any[]) => m[1]);
    assert.deepEqual(findings, [
      'ReplicaWrongKey',
      'ReplicaNotKmsEncrypted',
      'ReplicaNotReplica',
      'ReplicaBucketKeyMismatch',
      'ReplicaMissing',
      'ReplicaCheckRejected',
      'VerificationErrors',
    ]);
    for (const metric of findings) assert.ok(alarmed.includes(metric), `${metric} has an alarm`);
    assert.deepEqual(body.widgets[7].properties.metrics[0], [
      'AWS/S3',
      'ReplicationLatency',
      'SourceBucket',
      S,
      'DestinationBucket',
      D,
      'RuleId',
      `s3-kms-replication-to-${D}`,
      { accountId: A },
    ]);
  });
});

// ------------------------------------------------------------------ refused at synth

describe('refused at synth', () => {
  const aliasForms: [string, (s: Stack) => kms.IKey | string][] = [
    ['kms.Alias.fromAliasName', (s) => kms.Alias.fromAliasName(s, 'Alias', 'alias/replicas')],
    ['a new kms.Alias', (s) => new kms.Alias(s, 'NewAlias', { aliasName: 'alias/replicas', targetKey: new kms.Key(s, 'Target') })],
    ['kms.Key.fromKeyArn with an alias ARN', (s) => kms.Key.fromKeyArn(s, 'ByAlias', `arn:aws:kms:us-east-1:${B}:alias/replicas`)],
    ['an alias name', () => 'alias/replicas'],
    ['an alias ARN', () => `arn:aws:kms:us-east-1:${B}:alias/replicas`],
    ['an AWS managed key alias', () => 'alias/aws/s3'],
    ['a key id', () => '0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21'],
  ];
  for (const [form, key] of aliasForms) {
    test(`a key given as ${form}`, () => {
      const b = stack(B).stack;
      refusal(
        () => new ReplicationDestination(b, 'R', { destinationBucket: D, destinationKmsKey: key(b), sourceAccountId: A, sourceBucket: S, code: { prebuiltDir: ASSETS } }),
        'destinationKmsKey',
        /alias|not a KMS key ARN/,
      );
      const a = stack(A).stack;
      refusal(
        () =>
          new ReplicationSource(a, 'R', {
            sourceBucket: S,
            sourceKmsKey: key(a),
            destinationBucket: D,
            destinationAccountId: B,
            destinationKmsKey: KB,
            code: { prebuiltDir: ASSETS },
          }),
        'sourceKmsKey',
        /alias|not a KMS key ARN/,
      );
      const a2 = stack(A).stack;
      refusal(
        () =>
          new ReplicationSource(a2, 'R', {
            sourceBucket: S,
            sourceKmsKey: KA,
            destinationBucket: D,
            destinationAccountId: B,
            destinationKmsKey: key(a2),
            code: { prebuiltDir: ASSETS },
          }),
        'destinationKmsKey',
        /alias|not a KMS key ARN/,
      );
    });
  }

  test('the refusal says how to give the key', () => {
    assert.throws(
      () => destination({ destinationKmsKey: 'alias/replicas' }),
      /destinationKmsKey: alias\/replicas is an alias, not a key\. Fix: give the key itself: the kms\.Key, or kms\.Key\.fromKeyArn/,
    );
  });

  test('keys of the wrong account or region', () => {
    refusal(() => destination({ destinationKmsKey: KA }), 'destinationKmsKey', /in account 111111111111, but this stack deploys to 222222222222/);
    refusal(
      () => destination({ destinationKmsKey: KB.replace('us-east-1', 'eu-west-1') }),
      'destinationKmsKey',
      /in eu-west-1, but this stack .* is in us-east-1/,
    );
    refusal(() => source({ sourceKmsKey: KB }), 'sourceKmsKey', /in account 222222222222/);
    refusal(() => source({ destinationKmsKey: KA }), 'destinationKmsKey', /belongs to account 111111111111 but destinationAccountId is 222222222222/);
  });

  test('other props the setup function would refuse at deploy', () => {
    refusal(() => destination({ liveness: true }), 'liveness', /without scheduledCheck/);
    refusal(() => source({ liveness: true }), 'liveness', /without scheduledCheck/);
    refusal(() => destination({ logLevel: 'WARN' as never }), 'logLevel', /EMF/);
    for (const level of ['WARN', 'ERROR', 'FATAL'] as const) {
      refusal(() => source({ scheduledCheck: true, logLevel: level }), 'logLevel', /scheduled check's EMF metric lines/);
      source({ logLevel: level }); // no scheduled check, no metrics: any level
    }
    refusal(() => destination({ scheduledCheck: true, liveness: true, livenessPeriod: Duration.minutes(7) }), 'livenessPeriod', /not offered/);
    refusal(
      () => destination({ scheduledCheck: true, liveness: true, livenessPeriod: Duration.minutes(30), livenessMissedPeriods: 49 }),
      'livenessMissedPeriods',
      /longer than CloudWatch allows/,
    );
    refusal(() => destination({ replicationRoleArn: `arn:aws:iam::${B}:role/x` }), 'replicationRoleArn', /in account 222222222222 but sourceAccountId/);
    refusal(() => destination({ sourceAccountId: '1234' }), 'sourceAccountId', /not an AWS account id/);
    refusal(() => destination({ destinationBucket: 'Not_A_Bucket' }), 'destinationBucket', /not an S3 bucket name/);
    refusal(() => source({ ownerOverride: true, destinationAccountId: A, destinationKmsKey: KA }), 'ownerOverride', /this stack's account/);
    refusal(() => source({ destinationAccessRoleArn: `arn:aws:iam::${A}:role/x` }), 'destinationAccessRoleArn', /in account 111111111111/);
    refusal(() => source({ rules: [] }), 'rules', /empty list/);
    refusal(() => source({ rules: [{ id: 'a' }, { id: 'a', priority: 5 }] }), 'rules[1].id', /used twice/);
    refusal(() => source({ rules: [{ id: 'a', priority: 2 }, { id: 'b' }] }), 'rules[1].priority', /priority 2 is used twice/);
    refusal(() => source({ rules: [{ id: 'a', tags: { k: 'v' }, deleteMarkerReplication: true }] }), 'rules[0].deleteMarkerReplication', /tags/);
    refusal(() => source({ replicateTags: false, rules: [{ id: 'a', tags: { k: 'v' } }] }), 'rules[0].tags', /GetObjectVersionTagging/);
    refusal(() => source({ rules: [{ id: 'a', storageClass: 'COLD' as never }] }), 'rules[0].storageClass', /unknown storage class/);
    refusal(() => source({ roleName: 'bad name' }), 'roleName', /not an IAM role name/);
    // The templates' Tracing offers PassThrough and Active, Lambda's two modes.
    refusal(() => destination({ tracing: lambda.Tracing.DISABLED }), 'tracing', /not a Lambda tracing mode/);
    refusal(() => source({ tracing: lambda.Tracing.DISABLED }), 'tracing', /not a Lambda tracing mode/);
  });

  test('two constructs in one stack need their own names', () => {
    const { stack: s } = stack(B);
    const props = { destinationBucket: D, destinationKmsKey: KB, sourceAccountId: A, sourceBucket: S, code: { prebuiltDir: ASSETS } };
    new ReplicationDestination(s, 'One', props);
    refusal(() => new ReplicationDestination(s, 'Two', props), 'namePrefix', /already used/);
    new ReplicationDestination(s, 'Three', { ...props, sourceBucket: 'other-source', namePrefix: 'other' });
    refusal(() => new ReplicationDestination(s, 'Four', { ...props, namePrefix: 'x'.repeat(56) }), 'namePrefix', /at most 64/);
  });
});

// ------------------------------------------------------------------ function code

/** A zip holding one deflated `bootstrap` (a Lambda zip as cargo-lambda writes it). */
function zipWith(content: Buffer): Buffer {
  const name = Buffer.from('bootstrap');
  const data = zlib.deflateRawSync(content);
  const crc = zlib.crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(0x031e, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE((0o100755 << 16) >>> 0, 38);
  central.writeUInt32LE(0, 42);
  const cdOffset = local.length + name.length + data.length;
  const cdSize = central.length + name.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

describe('function code', () => {
  test('prebuilt bootstraps: the architecture is checked against the ELF header', () => {
    const x86 = prebuiltDir('x86_64');
    refusal(() => destination({ code: { prebuiltDir: x86 } }), 'architecture', /built for x86_64, but the function is arm64/);
    destination({ code: { prebuiltDir: x86 }, architecture: lambda.Architecture.X86_64 }).template.hasResourceProperties(
      'AWS::Lambda::Function',
      { Architectures: ['x86_64'] },
    );
    const arm = prebuiltDir('arm64');
    refusal(() => source({ code: { prebuiltDir: arm }, architecture: lambda.Architecture.X86_64 }), 'architecture', /built for arm64/);
    source({ code: { prebuiltDir: arm } });
  });

  test('prebuilt bootstrap.zip (what make package writes) is used as it is, its architecture read inside', () => {
    const dir = tempDir('s3kr-cdk-zip-');
    for (const fn of ['replication-setup', 'replica-verifier']) {
      fs.mkdirSync(path.join(dir, fn));
      fs.writeFileSync(path.join(dir, fn, 'bootstrap.zip'), zipWith(Buffer.concat([elfHeader('x86_64'), Buffer.alloc(4096, 7)])));
    }
    refusal(() => source({ code: { prebuiltDir: dir } }), 'architecture', /built for x86_64/);
    const { stack: s } = source({ code: { prebuiltDir: dir }, architecture: lambda.Architecture.X86_64 });
    const assets = s.node.findAll().filter((c) => c.node.id === 'Code');
    assert.ok(assets.length >= 1);
  });

  // `make test` packages the zips first and sets S3KR_REQUIRE_ZIPS=1, so there this never skips.
  test("make package's zips, when they are there, are read as x86_64", { skip: !process.env.S3KR_REQUIRE_ZIPS && !fs.existsSync(path.join(REPO, 'dist/lambda/replica-verifier/bootstrap.zip')) }, () => {
    refusal(() => destination({ code: { prebuiltDir: path.join(REPO, 'dist/lambda') } }), 'architecture', /built for x86_64/);
    destination({ code: { prebuiltDir: path.join(REPO, 'dist/lambda') }, architecture: lambda.Architecture.X86_64 });
  });

  test('a missing or non-executable bootstrap is refused', () => {
    refusal(() => destination({ code: { prebuiltDir: path.join(ASSETS, 'nowhere') } }), 'code.prebuiltDir', /neither .*bootstrap\.zip nor .*bootstrap exists/);
    const dir = prebuiltDir();
    fs.chmodSync(path.join(dir, 'replication-setup', 'bootstrap'), 0o644);
    refusal(() => destination({ code: { prebuiltDir: dir } }), 'code.prebuiltDir', /is not executable/);
  });

  test('no workspace above the package and no code: workspaceManifest says what to set', () => {
    // An installed package has no Cargo workspace above it; consumer-test/run.sh checks the
    // construct's refusal (prop `code`, both fixes) from a package installed in a fresh app.
    assert.throws(() => workspaceManifest(os.tmpdir()), /no Cargo workspace above .*; set code\.manifestPath, or code\.prebuiltDir/);
    assert.equal(workspaceManifest(), path.join(REPO, 'Cargo.toml'));
  });

  test('without prebuiltDir: RustFunction from the workspace, arm64, and no cargo run while bundling is skipped', () => {
    // cargo-lambda-cdk asks `cargo lambda --version` once per process; answer it here (the test
    // helpers make any cargo command fail), and skip bundling as `cdk synth --exclusively` does.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Bundling } = require('cargo-lambda-cdk/lib/bundling');
    Bundling.runsLocally = true;
    try {
      const { App } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
      const app = new App({ analyticsReporting: false, context: { 'aws:cdk:bundling-stacks': [] } });
      const s = new Stack(app, 'Rust', { env: { account: B, region: 'us-east-1' } });
      new ReplicationDestination(s, 'Replication', { destinationBucket: D, destinationKmsKey: KB, sourceAccountId: A, sourceBucket: S });
      const t = Template.fromStack(s);
      for (const name of ['Rust-setup', 'Rust-verifier']) {
        t.hasResourceProperties('AWS::Lambda::Function', {
          FunctionName: name,
          Runtime: 'provided.al2023',
          Handler: 'bootstrap',
          Architectures: ['arm64'],
        });
      }
    } finally {
      Bundling.clearRunsLocallyCache();
    }
  });
});
