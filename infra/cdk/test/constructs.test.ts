/**
 * The constructs are typed facades over infra/*.yaml: what they do themselves is asserted here
 * (no snapshots): every template parameter is set from a prop and every prop reaches one, the
 * props map to the parameters as documented, what the parameters decide is evaluated at synth,
 * two constructs share a stack, the functions' code is an asset at the template's code
 * location, and what is refused at synth names the prop and the fix. What the template itself
 * deploys is infra/test_templates.py's and the Rust end-to-end tests' to check.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { describe, test } from 'node:test';
import { App, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { workspaceManifest } from '../lib/code';
import { ReplicationDestination, type ReplicationDestinationProps } from '../lib/destination';
import { defaultReplicationRoleName } from '../lib/refs';
import { ReplicationSource, type ReplicationSourceProps } from '../lib/source';
import { foldTemplate, loadTemplate, type TemplateName } from '../lib/template';
import { ASSETS, elfHeader, example, only, prebuiltDir, REPO, stack, tempDir } from './helpers';

const A = '111111111111';
const B = '222222222222';
const S = 'example-source-bucket';
const D = 'example-destination-bucket';
const KA = `arn:aws:kms:us-east-1:${A}:key/5c2b7a1e-3f4d-4b6a-8e9f-0a1b2c3d4e5f`;
const KB = `arn:aws:kms:us-east-1:${B}:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21`;

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

function refusal(fn: () => unknown, prop: string, problem: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.match(e.message, new RegExp(`\\) ${prop.replace(/[.[\]]/g, '\\$&')}: `), `names the prop: ${e.message}`);
    assert.match(e.message, problem);
    assert.match(e.message, /Fix: \S/, `says the fix: ${e.message}`);
    return true;
  });
}

/** The optional props of an interface in lib/<file>.ts, read from the source (jsii's API). */
function optionalProps(file: string, iface: string): string[] {
  const text = fs.readFileSync(path.join(__dirname, '..', '..', 'lib', `${file}.ts`), 'utf8');
  const body = text.slice(text.indexOf(`export interface ${iface} `));
  const end = body.indexOf('\n}\n');
  return [...body.slice(0, end).matchAll(/^ {2}readonly (\w+)\?:/gm)].map((m) => m[1]);
}

/**
 * Every optional prop, with a value other than its default and what shows it arrived: the
 * template parameter it sets (or, for namePrefix and code, what stands in for one). A prop
 * missing here fails 'every prop reaches a parameter'.
 */
const COMMON: Record<string, [unknown, string]> = {
  code: [{ prebuiltDir: prebuiltDir('arm64') }, 'SetupCodeKey'],
  architecture: [lambda.Architecture.X86_64, 'Architecture'],
  namePrefix: ['team', 'AWS::StackName'],
  logRetention: [logs.RetentionDays.ONE_YEAR, 'LogRetentionDays'],
  metricsNamespace: ['TeamReplication', 'MetricsNamespace'],
  alarmTopic: [(s: Stack) => sns.Topic.fromTopicArn(s, 'T', `arn:aws:sns:us-east-1:${s.account}:alarms`), 'AlarmTopicArn'],
  scheduledCheck: [true, 'ScheduledCheck'],
  checkSchedule: ['cron(0 * * * ? *)', 'CheckSchedule'],
  checkPeriod: [Duration.minutes(30), 'CheckPeriod'],
  tracing: [lambda.Tracing.ACTIVE, 'Tracing'],
  policyWrites: ['Report', 'PolicyWrites'],
};
const SOURCE_ALTERNATIVES: Record<string, [unknown, string]> = {
  ...COMMON,
  roleName: ['team-replication', 'RoleName'],
  rolePermissionsBoundary: [`arn:aws:iam::${A}:policy/boundaries/replication`, 'RolePermissionsBoundary'],
  rolePath: ['/service-role/', 'RolePath'],
  roleTags: [{ team: 'storage' }, 'RoleTags'],
  rules: [[{ id: 'r' }], 'Rules'],
  replicationTimeControl: [true, 'ReplicationTimeControl'],
  replicationMetrics: [true, 'ReplicationMetrics'],
  alarmRuleId: ['to-d', 'AlarmRuleId'],
  replicationEventsQueue: [`arn:aws:sqs:us-east-1:${B}:verifier`, 'ReplicationEventsQueueArn'],
  bucketKeyEnabled: [false, 'BucketKeyEnabled'],
  ownerOverride: [false, 'OwnerOverride'],
  replicateTags: [false, 'ReplicateTags'],
  roleTrustConditions: [true, 'RoleTrustConditions'],
  canary: [true, 'Canary'],
  batchReplicationReportBucket: ['batch-reports', 'BatchReplicationReportBucket'],
  replicateExistingObjects: [true, 'ReplicateExistingObjects'],
  deployTimeChecks: [false, 'DeployTimeChecks'],
  destinationAccessRoleArn: [`arn:aws:iam::${B}:role/admin`, 'DestinationAccessRoleArn'],
  liveness: [true, 'Liveness'],
  logLevel: ['DEBUG', 'LogLevel'],
};
const DESTINATION_ALTERNATIVES: Record<string, [unknown, string]> = {
  ...COMMON,
  code: [{ prebuiltDir: prebuiltDir('arm64') }, 'VerifierCodeKey'],
  replicationRoleArn: [`arn:aws:iam::${A}:role/service-role/team`, 'ReplicationRolePath'],
  bucketKeyEnabled: [false, 'BucketKeyEnabled'],
  deployTimeChecks: [false, 'DeployTimeChecks'],
  allowSourceReplicationEvents: [false, 'AllowSourceReplicationEvents'],
  trigger: ['EventBridge', 'Trigger'],
  existingQueue: [`arn:aws:sqs:us-east-1:${B}:first`, 'ExistingQueueArn'],
  metricsSink: ['both', 'MetricsSink'],
  verifierReservedConcurrency: [0, 'VerifierReservedConcurrency'],
  requireReplicaStatus: [false, 'RequireReplicaStatus'],
  expectedBucketKey: [true, 'ExpectedBucketKey'],
  verifiedPrefixes: [['logs/', 'data/'], 'VerifiedPrefixes'],
  verifierMaxConcurrency: [8, 'VerifierMaxConcurrency'],
  missingRetries: [0, 'MissingRetries'],
  missingRetryDelay: [Duration.seconds(1), 'MissingRetryDelayMs'],
  sourceRegion: ['eu-west-1', 'SourceRegion'],
  replicationRuleId: ['to-d', 'ReplicationRuleId'],
  logLevel: ['DEBUG', 'LogLevel'],
  liveness: [true, 'Liveness'],
  livenessPeriod: [Duration.minutes(30), 'LivenessPeriod'],
  livenessMissedPeriods: [4, 'LivenessMissedPeriods'],
  livenessCanaryPrefix: ['replicated/', 'LivenessCanaryPrefix'],
  enableReplicaAudit: [true, 'EnableReplicaAudit'],
  auditManifestBucket: ['audit-manifests', 'AuditManifestBucket'],
  auditReportBucket: ['audit-reports', 'AuditReportBucket'],
};

/** What a prop needs beside it to be accepted. */
const NEEDS: Record<string, Record<string, unknown>> = {
  liveness: { scheduledCheck: true },
  livenessPeriod: { scheduledCheck: true, liveness: true },
  livenessMissedPeriods: { scheduledCheck: true, liveness: true },
  checkPeriod: { checkSchedule: 'rate(30 minutes)' },
  existingQueue: { trigger: 'ExistingQueue' },
  replicateExistingObjects: { batchReplicationReportBucket: 'batch-reports' },
  architecture: { code: { prebuiltDir: prebuiltDir('x86_64') } },
};

describe('the template is the definition', () => {
  const sides: [TemplateName, string, Record<string, [unknown, string]>, (p: any) => { construct: any; stack: Stack }][] = [
    ['source-account', 'ReplicationSourceProps', SOURCE_ALTERNATIVES, (p) => source(p)],
    ['destination-account', 'ReplicationDestinationProps', DESTINATION_ALTERNATIVES, (p) => destination(p)],
  ];
  for (const [name, iface, alternatives, build] of sides) {
    test(`${name}: every template parameter is set from the props, and none is left in the stack`, () => {
      const declared = Object.keys(loadTemplate(name).Parameters).sort();
      for (const variant of ['default', 'full'] as const) {
        const e = example(variant);
        const c = e[name === 'source-account' ? 'source' : 'destination'].node.findChild('Replication') as ReplicationSource | ReplicationDestination;
        assert.deepEqual(Object.keys(c.parameters).sort(), declared);
        const t = (name === 'source-account' ? e.sourceTemplate : e.destinationTemplate).toJSON();
        assert.deepEqual(Object.keys(t.Parameters), ['BootstrapVersion'], 'CfnInclude replaced every parameter');
        assert.equal(t.Conditions, undefined, 'every condition decided at synth');
        assert.deepEqual(Object.keys(t.Rules), ['CheckBootstrapVersion'], "every template rule checked at synth");
      }
    });

    test(`${name}: with the required props only, every optional parameter is the template's default`, () => {
      const { construct } = build({});
      for (const [param, spec] of Object.entries<any>(loadTemplate(name).Parameters)) {
        if (spec.Default !== undefined) assert.equal(construct.parameters[param], String(spec.Default), param);
      }
    });

    test(`${name}: every prop reaches a parameter`, () => {
      const props = [...optionalProps('common', 'ReplicationCommonProps'), ...optionalProps(name === 'source-account' ? 'source' : 'destination', iface)];
      assert.ok(props.length >= 20, props.join());
      const baseline = build({});
      for (const prop of props) {
        assert.ok(prop in alternatives, `${iface}.${prop} has no parameter in this test: map it to the template's (infra/${name}.yaml)`);
        const [alternative, param] = alternatives[prop];
        if (typeof alternative === 'function') continue;
        const { construct, stack: s } = build({ ...NEEDS[prop], [prop]: alternative });
        if (param === 'AWS::StackName') {
          const names = Object.values(Template.fromStack(s).findResources('AWS::Lambda::Function')).map((r) => r.Properties.FunctionName);
          assert.ok(names.every((n: string) => n.startsWith('team-')), `${prop}: ${names}`);
        } else {
          assert.notEqual(construct.parameters[param], baseline.construct.parameters[param], `${prop} → ${param}`);
        }
      }
      // A prop given as a construct (the topic) reaches its parameter too.
      const { stack: s } = stack(name === 'source-account' ? A : B);
      const topic = (alternatives.alarmTopic[0] as (s: Stack) => sns.ITopic)(s);
      const c = name === 'source-account'
        ? new ReplicationSource(s, 'R', { sourceBucket: S, sourceKmsKey: KA, destinationBucket: D, destinationAccountId: B, destinationKmsKey: KB, code: { prebuiltDir: ASSETS }, alarmTopic: topic })
        : new ReplicationDestination(s, 'R', { destinationBucket: D, destinationKmsKey: KB, sourceAccountId: A, sourceBucket: S, code: { prebuiltDir: ASSETS }, alarmTopic: topic });
      assert.equal(c.parameters.AlarmTopicArn, topic.topicArn);
    });
  }

  test("a template rule the props break fails synth with the rule's own words", () => {
    const template = loadTemplate('source-account');
    const params = Object.fromEntries(Object.entries<any>(template.Parameters).map(([k, v]) => [k, String(v.Default ?? 'x')]));
    assert.throws(
      () => foldTemplate(template, { ...params, ScheduledCheck: 'true', CheckSchedule: 'rate(30 minutes)', CheckPeriod: '3600' }, {}, 'R'),
      /rule CheckPeriodIsTheSchedulesRate refuses these parameters: CheckPeriod must be CheckSchedule's rate/,
    );
    const folded = foldTemplate(template, { ...params, ScheduledCheck: 'true', CheckSchedule: 'rate(30 minutes)', CheckPeriod: '1800' }, {}, 'R');
    assert.equal(folded.Rules, undefined);
    assert.ok('ScheduledCheckSchedule' in folded.Resources);
    assert.ok(!('ScheduledCheckSchedule' in foldTemplate(template, params, {}, 'R').Resources), 'off: not in the stack');
  });
});

describe('props → parameters', () => {
  test('rules: the Rules parameter is the list as JSON text, every scalar a string, as the setup function reads it', () => {
    const rules = [
      { id: 'to-destination', priority: 1, prefix: 'replicated/', tags: { team: 'storage' }, storageClass: 'STANDARD_IA' as const },
      { id: 'logs', prefix: 'logs/', deleteMarkerReplication: true },
    ];
    const { construct, template } = source({ rules });
    const list = [
      { Id: 'to-destination', Priority: '1', Prefix: 'replicated/', Tags: [{ Key: 'team', Value: 'storage' }], StorageClass: 'STANDARD_IA' },
      { Id: 'logs', Prefix: 'logs/', DeleteMarkerReplication: 'true' },
    ];
    assert.deepEqual(JSON.parse(construct.parameters.Rules), list);
    const props = only(template, 'Custom::ReplicationSource').resource.Properties;
    assert.deepEqual(JSON.parse(props.Rules), list);
    const input = JSON.parse(only(source({ rules, scheduledCheck: true }).template, 'AWS::Scheduler::Schedule').resource.Properties.Target.Input);
    assert.deepEqual(input.ScheduledCheck.ResourceProperties.Rules, list);
    assert.equal(only(source().template, 'Custom::ReplicationSource').resource.Properties.Rules, undefined, 'no rules: one whole-bucket rule');
  });

  test('replicationRoleArn: its name and path; by default the setup function\'s default name, hash included', () => {
    const given = destination({ replicationRoleArn: `arn:aws:iam::${A}:role/service-role/team-replication` });
    assert.equal(given.construct.parameters.ReplicationRoleName, 'team-replication');
    assert.equal(given.construct.parameters.ReplicationRolePath, '/service-role/');
    const props = (t: Template) => only(t, 'Custom::ReplicationDestination').resource.Properties;
    assert.equal(props(given.template).ReplicationRoleArn, `arn:aws:iam::${A}:role/service-role/team-replication`);
    assert.equal(props(destination().template).ReplicationRoleArn, `arn:aws:iam::${A}:role/s3-kms-replication-${S}`);
    const long = 'a-source-bucket-name-that-is-rather-longer-than-forty-five';
    const hashed = defaultReplicationRoleName(long);
    assert.notEqual(hashed, `s3-kms-replication-${long}`);
    assert.equal(props(destination({ sourceBucket: long }).template).ReplicationRoleArn, `arn:aws:iam::${A}:role/${hashed}`);
    const src = source({ sourceBucket: long });
    assert.equal(src.construct.parameters.RoleName, hashed, "the source side's IAM scope follows the function's default name");
    assert.equal(src.construct.scopedRoleName, hashed);
    assert.ok(JSON.stringify(src.template.toJSON()).includes(`role/*/${hashed}`));
  });

  test('a bucket and a key created in the same stack are referenced, not copied', () => {
    const { stack: s } = stack(B);
    const bucket = new s3.Bucket(s, 'D');
    const key = new kms.Key(s, 'KB');
    new ReplicationDestination(s, 'Replication', { destinationBucket: bucket, destinationKmsKey: key, sourceAccountId: A, sourceBucket: S, code: { prebuiltDir: ASSETS } });
    const t = Template.fromStack(s);
    const props = only(t, 'Custom::ReplicationDestination').resource.Properties;
    assert.deepEqual(props.DestinationBucket, { Ref: t.toJSON().Resources && Object.keys(t.findResources('AWS::S3::Bucket'))[0] });
    assert.deepEqual(props.DestinationKmsKeyArn, { 'Fn::GetAtt': [Object.keys(t.findResources('AWS::KMS::Key'))[0], 'Arn'] });
    const role = Object.entries(t.findResources('AWS::IAM::Role')).find(([id]) => id.includes('VerifierRole'))![1];
    assert.ok(JSON.stringify(role).includes(`"Ref":"${Object.keys(t.findResources('AWS::S3::Bucket'))[0]}"`), 'ARNs built from the bucket reference');
  });

  test('the stack knows what the parameters decide: conditional resources are there or not', () => {
    const count = (t: Template, type: string) => Object.keys(t.findResources(type)).length;
    assert.equal(count(destination().template, 'AWS::IAM::Role'), 2);
    assert.equal(count(destination({ enableReplicaAudit: true }).template, 'AWS::IAM::Role'), 3);
    assert.equal(count(destination({ scheduledCheck: true, liveness: true }).template, 'AWS::CloudWatch::Alarm'), 15);
    assert.equal(count(source().template, 'AWS::CloudWatch::Alarm'), 0);
    assert.equal(count(source({ scheduledCheck: true }).template, 'AWS::CloudWatch::Alarm'), 4);
    assert.equal(count(source({ replicationMetrics: true }).template, 'AWS::CloudWatch::Alarm'), 3);
    assert.equal(count(source({ replicationTimeControl: true }).template, 'AWS::CloudWatch::Alarm'), 3);
  });
});

describe('attributes', () => {
  test('from the included resources: functions, queues, alarms, dashboard, audit role, Data', () => {
    const { construct: d, stack: s } = destination({ scheduledCheck: true, liveness: true, enableReplicaAudit: true });
    const id = (logical: string) => s.getLogicalId(d.template.getResource(logical));
    const r = (v: string) => s.resolve(v);
    assert.deepEqual(r(d.setupFunction.functionArn), { 'Fn::GetAtt': [id('SetupFunction'), 'Arn'] });
    assert.deepEqual(r(d.verifierFunction.functionArn), { 'Fn::GetAtt': [id('VerifierFunction'), 'Arn'] });
    assert.deepEqual(r(d.queue.queueArn), { 'Fn::GetAtt': [id('Queue'), 'Arn'] });
    assert.deepEqual(r(d.deadLetterQueue.queueName), { 'Fn::GetAtt': [id('DeadLetterQueue'), 'QueueName'] });
    assert.deepEqual(r(d.alarms.replicaWrongKey.alarmName), { Ref: id('ReplicaWrongKeyAlarm') });
    assert.deepEqual(r(d.alarms.canaryReplicaVerified!.alarmName), { Ref: id('CanaryReplicaAlarm') });
    assert.deepEqual(r(d.alarms.replicationSetupMissed!.alarmName), { Ref: id('SetupCheckMissedAlarm') });
    assert.equal(Object.keys(d.alarms).length, 15);
    assert.deepEqual(r(d.dashboard.ref), { Ref: id('Dashboard') });
    assert.deepEqual(r(d.replicaAuditRole!.roleArn), { 'Fn::GetAtt': [id('ReplicaAuditRole'), 'Arn'] });
    assert.equal(d.replicaAuditManifestBucket, D);
    assert.deepEqual(r(d.replicationRoleArn), { 'Fn::GetAtt': [id('ReplicationDestination'), 'ReplicationRoleArn'] });
    const { construct: src, stack: a } = source({ scheduledCheck: true });
    assert.deepEqual(a.resolve(src.roleArn), { 'Fn::GetAtt': [a.getLogicalId(src.resource), 'RoleArn'] });
    assert.deepEqual(a.resolve(src.sourceEncryptionWarning), { 'Fn::GetAtt': [a.getLogicalId(src.resource), 'SourceEncryptionWarning'] });
    assert.ok(src.setupFindingsAlarm && src.setupCheckMissedAlarm && src.setupUncheckedAlarm && src.setupErrorsAlarm && src.schedule);
    assert.equal(source().construct.schedule, undefined);
    const { construct: metered, stack: m } = source({ replicationMetrics: true });
    assert.deepEqual(m.resolve(metered.s3OperationsFailedReplicationAlarm!.alarmName), { Ref: m.getLogicalId(metered.template.getResource('S3FailedReplicationAlarm')) });
    assert.ok(metered.s3ReplicationLatencyAlarm && metered.s3OperationsPendingReplicationAlarm);
    assert.equal(source().construct.s3OperationsFailedReplicationAlarm, undefined);
  });
});

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
    // VERIFY_PREFIXES is one comma-separated string: a comma inside a prefix would split it,
    // an empty one is refused by the verifier at cold start.
    refusal(() => destination({ verifiedPrefixes: ['logs/', 'a,b'] }), 'verifiedPrefixes', /holds a comma/);
    refusal(() => destination({ verifiedPrefixes: [' '] }), 'verifiedPrefixes', /is empty/);
    refusal(() => destination({ verifiedPrefixes: ['k'.repeat(1025)] }), 'verifiedPrefixes', /1024 bytes/);
    refusal(() => source({ ownerOverride: true, destinationAccountId: A, destinationKmsKey: KA }), 'ownerOverride', /this stack's account/);
    refusal(() => source({ destinationAccessRoleArn: `arn:aws:iam::${A}:role/x` }), 'destinationAccessRoleArn', /in account 111111111111/);
    refusal(() => source({ rules: [] }), 'rules', /empty list/);
    refusal(() => source({ rules: [{ id: 'a' }, { id: 'a', priority: 5 }] }), 'rules[1].id', /used twice/);
    refusal(() => source({ rules: [{ id: 'a', priority: 2 }, { id: 'b' }] }), 'rules[1].priority', /priority 2 is used twice/);
    refusal(() => source({ rules: [{ id: 'a', tags: { k: 'v' }, deleteMarkerReplication: true }] }), 'rules[0].deleteMarkerReplication', /tags/);
    refusal(() => source({ replicateTags: false, rules: [{ id: 'a', tags: { k: 'v' } }] }), 'rules[0].tags', /GetObjectVersionTagging/);
    refusal(() => source({ rules: [{ id: 'a', storageClass: 'COLD' as never }] }), 'rules[0].storageClass', /unknown storage class/);
    refusal(() => source({ roleName: 'bad name' }), 'roleName', /not an IAM role name/);
    refusal(() => destination({ trigger: 'ExistingQueue' }), 'trigger', /without existingQueue/);
    refusal(() => destination({ existingQueue: `arn:aws:sqs:us-east-1:${B}:q` }), 'existingQueue', /does not use it/);
    refusal(() => source({ replicationEventsQueue: `arn:aws:sqs:us-east-1:${B}:q`, replicationMetrics: false }), 'replicationEventsQueue', /replication metrics on/);
    refusal(() => source({ replicationEventsQueue: `https://sqs.us-east-1.amazonaws.com/${B}/q` }), 'replicationEventsQueue', /not an SQS queue ARN/);
    refusal(() => source({ rolePermissionsBoundary: `arn:aws:iam::${A}:role/boundary` }), 'rolePermissionsBoundary', /not an IAM managed policy ARN/);
    refusal(() => source({ rolePath: 'service-role/' }), 'rolePath', /not an IAM path/);
    refusal(() => source({ rolePath: '/with space/' }), 'rolePath', /not an IAM path/);
    refusal(() => source({ roleTags: { 'aws:team': 'x' } }), 'roleTags', /reserves/);
    refusal(() => source({ roleTags: { 's3-kms-replication:managed': 'false' } }), 'roleTags', /knows the roles it created/);
    refusal(() => source({ roleTags: { team: 'a<b' } }), 'roleTags', /not a valid IAM tag/);
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
    // Two in one stack: their own logical ids and names, side by side.
    const t = Template.fromStack(s);
    const names = Object.values(t.findResources('AWS::Lambda::Function')).map((r) => r.Properties.FunctionName).sort();
    assert.deepEqual(names, ['Test-setup', 'Test-verifier', 'other-setup', 'other-verifier']);
    assert.equal(Object.keys(t.findResources('Custom::ReplicationDestination')).length, 2);
    assert.equal(Object.keys(t.findResources('AWS::CloudWatch::Dashboard')).length, 2);
  });

  test('logs that never expire: RetentionDays.INFINITE is the templates\' 0, and no RetentionInDays', () => {
    for (const [retention, expected] of [[logs.RetentionDays.INFINITE, undefined], [logs.RetentionDays.ONE_WEEK, 7]] as const) {
      const { stack: s } = destination({ logRetention: retention });
      const groups = Object.values(Template.fromStack(s).findResources('AWS::Logs::LogGroup'));
      assert.equal(groups.length, 2);
      for (const g of groups) assert.equal(g.Properties.RetentionInDays, expected);
    }
  });

  test('what the template cannot take, and values the templates do not offer', () => {
    refusal(() => destination({ replicationRoleArn: 'arn:aws:iam::111111111111:user/x' }), 'replicationRoleArn', /not an IAM role ARN/);
    refusal(() => destination({ logRetention: 2 as logs.RetentionDays }), 'logRetention', /not a retention the templates offer/);
    refusal(() => destination({ verifierMaxConcurrency: 0 }), 'verifierMaxConcurrency', /from 1 to 1000/);
    refusal(() => destination({ missingRetryDelay: Duration.minutes(2) }), 'missingRetryDelay', /120000 ms/);
    refusal(() => source({ namePrefix: Lazy.string({ produce: () => 'x' }) }), 'namePrefix', /not known at synth/);
    const { stack: s } = stack(B);
    const arn = Lazy.string({ produce: () => `arn:aws:iam::${A}:role/r` });
    refusal(() => new ReplicationDestination(s, 'R', { destinationBucket: D, destinationKmsKey: KB, sourceAccountId: A, sourceBucket: S, code: { prebuiltDir: ASSETS }, replicationRoleArn: arn }), 'replicationRoleArn', /a token/);
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
    // The asset metadata is written when the CDK CLI asks for it (aws:cdk:enable-asset-metadata).
    const app = new App({ analyticsReporting: false, context: { 'aws:cdk:enable-asset-metadata': true } });
    const s = new Stack(app, 'Test', { env: { account: A, region: 'us-east-1' } });
    new ReplicationSource(s, 'Replication', { sourceBucket: S, sourceKmsKey: KA, destinationBucket: D, destinationAccountId: B, destinationKmsKey: KB, code: { prebuiltDir: dir }, architecture: lambda.Architecture.X86_64 });
    const template = Template.fromStack(s);
    const assets = s.node.findAll().filter((c) => c.node.id === 'Code');
    assert.equal(assets.length, 1);
    // The asset's location is the template's ArtifactBucket and SetupCodeKey; the function carries its path.
    const fn = only(template, 'AWS::Lambda::Function').resource;
    assert.match(fn.Properties.Code.S3Key, /^[0-9a-f]{64}\.zip$/);
    assert.equal(fn.Properties.Code.S3Bucket, `cdk-hnb659fds-assets-${A}-us-east-1`);
    assert.equal(fn.Metadata['aws:asset:property'], 'Code');
    assert.match(fn.Metadata['aws:asset:path'], /^asset\.[0-9a-f]{64}\.zip$/);
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

  test('without prebuiltDir: cargo-lambda from the workspace, arm64, and no cargo run while bundling is skipped', () => {
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
