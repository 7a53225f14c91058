/**
 * The constructs are the templates' twins: for the same inputs, ReplicationDestination and
 * ReplicationSource synthesize the same resources as infra/destination-account.yaml and
 * infra/source-account.yaml, resolved with the same parameters: every IAM role's trust and
 * inline policy statement for statement, the queue policy, queues, log groups, the functions'
 * configuration, the event source mapping, every alarm, the dashboard's widgets, the custom
 * resource's properties, the schedules' input and the outputs. Only what cannot be the same is
 * left out: logical ids (references are compared by what they point at) and the code location.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ReplicationDestination, type ReplicationDestinationProps } from '../lib/destination';
import { ReplicationSource, type ReplicationSourceProps } from '../lib/source';
import { ASSETS, REPO, VENV_BIN } from './helpers';

type Json = any;

const A = '111111111111';
const B = '222222222222';
const S = 'example-source-bucket';
const D = 'example-destination-bucket';
const KA = `arn:aws:kms:us-east-1:${A}:key/5c2b7a1e-3f4d-4b6a-8e9f-0a1b2c3d4e5f`;
const KB = `arn:aws:kms:us-east-1:${B}:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21`;
const STACK_NAME = 'replication';

/** Both templates as JSON, through cfn-lint's CloudFormation YAML loader (as tests/tests/templates.rs). */
function loadTemplates(): Record<string, Json> {
  const script =
    'import json, sys\nfrom cfnlint.decode import cfn_yaml\n' +
    'print(json.dumps({p: cfn_yaml.load(p) for p in sys.argv[1:]}))';
  const files = ['destination-account.yaml', 'source-account.yaml'].map((f) => path.join(REPO, 'infra', f));
  const out = execFileSync(path.join(VENV_BIN, 'python'), ['-c', script, ...files], { encoding: 'utf8' });
  const parsed = JSON.parse(out);
  return { destination: parsed[files[0]], source: parsed[files[1]] };
}
const YAML = loadTemplates();

// ------------------------------------------------------------------ normalizing references

/** What a resource is, independent of its logical id. */
function identity(template: Json, logicalId: string, resolveName: (v: Json) => Json): string {
  const r = template.Resources[logicalId];
  if (!r) throw new Error(`no resource ${logicalId}`);
  const p = r.Properties ?? {};
  switch (r.Type) {
    case 'AWS::Lambda::Function':
      return `function ${resolveName(p.FunctionName)}`;
    case 'AWS::Logs::LogGroup':
      return `log group ${resolveName(p.LogGroupName)}`;
    case 'AWS::SQS::Queue':
      return p.RedrivePolicy ? 'queue' : 'dead-letter queue';
    case 'AWS::IAM::Role':
      return `role "${p.Description}"`;
    case 'AWS::CloudWatch::Alarm':
      return `alarm ${resolveName(p.AlarmName)}`;
    default:
      return r.Type;
  }
}

interface Resolver {
  ref(name: string): Json;
  getAtt(logicalId: string, attribute: string): Json;
  condition(name: string): boolean;
}

const NO_VALUE = Symbol('NoValue');

/** Resolves the intrinsic functions both kinds of template use; scalars become strings. */
function resolve(v: Json, r: Resolver): Json {
  if (Array.isArray(v)) return v.map((x) => resolve(x, r)).filter((x) => x !== NO_VALUE);
  if (v === null || typeof v !== 'object') return String(v);
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const [k] = keys;
    const arg = v[k];
    switch (k) {
      case 'Ref':
        return arg === 'AWS::NoValue' ? NO_VALUE : r.ref(arg);
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
        return r.getAtt(id, attribute);
      }
      case 'Fn::If':
        return resolve(r.condition(arg[0]) ? arg[1] : arg[2], r);
      case 'Fn::Join':
        return resolve(arg[1], r).join(arg[0]);
      case 'Fn::Sub': {
        const [text, vars] = typeof arg === 'string' ? [arg, {}] : arg;
        const values = resolve(vars, r);
        return text.replace(/\$\{([^}]+)\}/g, (_: string, name: string) => {
          if (name in values) return values[name];
          const dot = name.indexOf('.');
          return dot > 0 ? r.getAtt(name.slice(0, dot), name.slice(dot + 1)) : r.ref(name);
        });
      }
    }
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(v)) {
    const resolved = resolve(value, r);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

function resolver(template: Json, params: Record<string, Json>, account: string): Resolver {
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': 'us-east-1',
    'AWS::AccountId': account,
    'AWS::StackName': STACK_NAME,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const self: Resolver = {
    ref(name) {
      if (name in pseudo) return pseudo[name];
      if (template.Parameters?.[name]) {
        const value = params[name] ?? template.Parameters[name].Default;
        if (value === undefined) throw new Error(`parameter ${name} has no value in this scenario`);
        return String(value);
      }
      return `<${identity(template, name, (x) => resolve(x, self))}>`;
    },
    getAtt(id, attribute) {
      return `<${identity(template, id, (x) => resolve(x, self))}.${attribute}>`;
    },
    condition(name) {
      const truth = (c: Json): boolean => {
        const [k] = Object.keys(c);
        const a = c[k];
        switch (k) {
          case 'Fn::Equals':
            return resolve(a[0], self) === resolve(a[1], self);
          case 'Fn::Not':
            return !truth(a[0]);
          case 'Fn::And':
            return a.every(truth);
          case 'Fn::Or':
            return a.some(truth);
          case 'Condition':
            return self.condition(a);
        }
        throw new Error(`condition ${k}`);
      };
      return truth(template.Conditions[name]);
    },
  };
  return self;
}

/** A template's resources as `{identity: {Type, Properties, ...}}`, resolved, with conditions applied. */
function resources(template: Json, params: Record<string, Json>, account: string): Record<string, Json> {
  const r = resolver(template, params, account);
  const out: Record<string, Json> = {};
  for (const [id, resource] of Object.entries<Json>(template.Resources)) {
    if (resource.Condition && !r.condition(resource.Condition)) continue;
    if (resource.Type === 'AWS::CDK::Metadata') continue;
    const key = identity(template, id, (x) => resolve(x, r));
    assert.ok(!(key in out), `two resources are both ${key}`);
    out[key] = {
      Type: resource.Type,
      Properties: resolve(resource.Properties ?? {}, r),
      DeletionPolicy: resource.DeletionPolicy,
      DependsOn: list(resource.DependsOn).map((d: string) => `<${identity(template, d, (x) => resolve(x, r))}>`),
    };
  }
  const outputs: Record<string, Json> = {};
  for (const [name, o] of Object.entries<Json>(template.Outputs ?? {})) {
    if (o.Condition && !r.condition(o.Condition)) continue;
    outputs[name] = { Value: resolve(o.Value, r), Description: o.Description };
  }
  out.Outputs = outputs;
  return out;
}

function list(v: Json): Json[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** A policy document with every Action and Resource as a list, for comparison. */
function policy(doc: Json): Json {
  return {
    ...doc,
    Statement: list(doc.Statement).map((st: Json) => ({
      ...st,
      Action: list(st.Action),
      ...(st.Resource !== undefined ? { Resource: list(st.Resource) } : {}),
    })),
  };
}

/** What is compared of each resource type. */
function comparable(r: Json): Json {
  const p = { ...r.Properties };
  switch (r.Type) {
    case 'AWS::IAM::Role':
      return {
        AssumeRolePolicyDocument: policy(p.AssumeRolePolicyDocument),
        Policies: (p.Policies ?? []).map((x: Json) => ({ PolicyName: x.PolicyName, PolicyDocument: policy(x.PolicyDocument) })),
        ManagedPolicyArns: p.ManagedPolicyArns,
        RoleName: p.RoleName,
        Path: p.Path,
      };
    case 'AWS::SQS::QueuePolicy':
      return { ...p, PolicyDocument: policy(p.PolicyDocument) };
    case 'AWS::Lambda::Function':
      delete p.Code;
      return p;
    case 'AWS::CloudWatch::Alarm':
      // A metric is the set of its dimensions; CDK writes them sorted by name.
      return { ...p, Dimensions: [...list(p.Dimensions)].sort((a: Json, b: Json) => a.Name.localeCompare(b.Name)) };
    case 'AWS::CloudWatch::Dashboard':
      return { DashboardName: p.DashboardName, DashboardBody: JSON.parse(p.DashboardBody) };
    case 'AWS::Scheduler::Schedule': {
      const input = JSON.parse(p.Target.Input);
      // An empty string means "not set" to the scheduled check (functions/replication-setup/src/scheduled.rs).
      const props = input.ScheduledCheck.ResourceProperties;
      for (const k of Object.keys(props)) if (props[k] === '') delete props[k];
      return { ...p, Target: { ...p.Target, Input: input } };
    }
    default:
      return p;
  }
}

function compare(yaml: Record<string, Json>, cdk: Record<string, Json>) {
  assert.deepEqual(Object.keys(cdk).sort(), Object.keys(yaml).sort(), 'the same resources (and outputs)');
  for (const key of Object.keys(yaml)) {
    if (key === 'Outputs') {
      assert.deepEqual(cdk.Outputs, yaml.Outputs, 'outputs');
      continue;
    }
    assert.equal(cdk[key].Type, yaml[key].Type, key);
    assert.deepEqual(comparable(cdk[key]), comparable(yaml[key]), `${key}: properties`);
    // CloudFormation's default is Delete; CDK states it.
    assert.equal(cdk[key].DeletionPolicy ?? 'Delete', yaml[key].DeletionPolicy ?? 'Delete', `${key}: DeletionPolicy`);
    if (yaml[key].DependsOn.length > 0) {
      assert.deepEqual(cdk[key].DependsOn, yaml[key].DependsOn, `${key}: DependsOn`);
    }
  }
}

function cdkResources(stack: Stack, account: string): Record<string, Json> {
  const template = App.of(stack)!.synth().getStackByName(stack.stackName).template;
  return resources(template, {}, account);
}

function newStack(account: string): Stack {
  const app = new App({ analyticsReporting: false });
  return new Stack(app, 'Parity', { stackName: STACK_NAME, env: { account, region: 'us-east-1' } });
}

// ------------------------------------------------------------------ template Rules

/**
 * The names of the template's Rules that refuse `params` (with parameter defaults), evaluated
 * as CloudFormation does before a change set: a rule applies when its RuleCondition holds, and
 * then every assertion must. Values are strings, as in Rules.
 */
function refusingRules(template: Json, params: Record<string, Json>): string[] {
  const value = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(value);
    if (v !== null && typeof v === 'object') {
      const [k] = Object.keys(v);
      if (k === 'Ref') return String(params[v.Ref] ?? template.Parameters[v.Ref].Default);
      return truth(v);
    }
    return String(v);
  };
  const truth = (c: Json): boolean => {
    const [k] = Object.keys(c);
    const a = c[k];
    switch (k) {
      case 'Fn::Equals':
        return value(a[0]) === value(a[1]);
      case 'Fn::Not':
        return !truth(a[0]);
      case 'Fn::And':
        return a.every(truth);
      case 'Fn::Or':
        return a.some(truth);
      case 'Fn::Contains':
        return value(a[0]).includes(value(a[1]));
    }
    throw new Error(`rule function ${k}`);
  };
  return Object.entries<Json>(template.Rules ?? {})
    .filter(([, rule]) => !rule.RuleCondition || truth(rule.RuleCondition))
    .filter(([, rule]) => !rule.Assertions.every((x: Json) => truth(x.Assert)))
    .map(([name]) => name);
}

// ------------------------------------------------------------------ destination

interface Scenario<P> {
  readonly name: string;
  readonly params: Record<string, Json>;
  readonly props: (stack: Stack) => P;
}

const DEST_REQUIRED = {
  DestinationBucket: D,
  DestinationKmsKeyArn: KB,
  SourceAccountId: A,
  SourceBucket: S,
  ArtifactBucket: 'example-artifacts',
  SetupCodeKey: 'replication-setup/bootstrap.zip',
  VerifierCodeKey: 'replica-verifier/bootstrap.zip',
};

const destinationScenarios: Scenario<ReplicationDestinationProps>[] = [
  {
    name: 'required parameters only',
    params: DEST_REQUIRED,
    props: (stack) => ({
      destinationBucket: s3.Bucket.fromBucketName(stack, 'D', D),
      destinationKmsKey: kms.Key.fromKeyArn(stack, 'KB', KB),
      sourceAccountId: A,
      sourceBucket: S,
    }),
  },
  {
    name: 'every option set',
    params: {
      ...DEST_REQUIRED,
      ReplicationRoleName: 'team-replication',
      ReplicationRolePath: '/service-role/',
      BucketKeyEnabled: 'false',
      AllowSourceReplicationEvents: 'true',
      Architecture: 'x86_64',
      MetricsNamespace: 'TeamReplication',
      MetricsSink: 'both',
      VerifierReservedConcurrency: 20,
      AlarmTopicArn: `arn:aws:sns:us-east-1:${B}:replication-alarms`,
      SourceRegion: 'eu-west-1',
      ReplicationRuleId: 'to-destination',
      LogRetentionDays: 90,
      LogLevel: 'DEBUG',
      ScheduledCheck: 'true',
      CheckSchedule: 'rate(30 minutes)',
      CheckPeriod: 1800,
      Liveness: 'true',
      LivenessPeriod: 1800,
      LivenessMissedPeriods: 4,
      LivenessCanaryPrefix: 'replicated/',
      EnableReplicaAudit: 'true',
      AuditManifestBucket: 'example-audit-manifests',
      AuditReportBucket: 'example-audit-reports',
      Tracing: 'Active',
    },
    props: (stack) => ({
      destinationBucket: D,
      destinationKmsKey: KB,
      sourceAccountId: A,
      sourceBucket: S,
      replicationRoleArn: `arn:aws:iam::${A}:role/service-role/team-replication`,
      bucketKeyEnabled: false,
      allowSourceReplicationEvents: true,
      architecture: lambda.Architecture.X86_64,
      metricsNamespace: 'TeamReplication',
      metricsSink: 'both',
      verifierReservedConcurrency: 20,
      alarmTopic: sns.Topic.fromTopicArn(stack, 'T', `arn:aws:sns:us-east-1:${B}:replication-alarms`),
      sourceRegion: 'eu-west-1',
      replicationRuleId: 'to-destination',
      logRetention: logs.RetentionDays.THREE_MONTHS,
      logLevel: 'DEBUG',
      scheduledCheck: true,
      checkSchedule: 'rate(30 minutes)',
      liveness: true,
      livenessPeriod: Duration.minutes(30),
      livenessMissedPeriods: 4,
      livenessCanaryPrefix: 'replicated/',
      enableReplicaAudit: true,
      auditManifestBucket: 'example-audit-manifests',
      auditReportBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'example-audit-reports'),
      tracing: lambda.Tracing.ACTIVE,
    }),
  },
  {
    name: 'scheduled check without liveness, no reserved concurrency, PutMetricData, audit into D, tracing PassThrough stated',
    params: {
      ...DEST_REQUIRED,
      ScheduledCheck: 'true',
      VerifierReservedConcurrency: 0,
      MetricsSink: 'cloudwatch',
      EnableReplicaAudit: 'true',
      Tracing: 'PassThrough',
    },
    props: () => ({
      destinationBucket: D,
      destinationKmsKey: KB,
      sourceAccountId: A,
      sourceBucket: S,
      scheduledCheck: true,
      verifierReservedConcurrency: 0,
      metricsSink: 'cloudwatch',
      enableReplicaAudit: true,
      tracing: lambda.Tracing.PASS_THROUGH,
    }),
  },
];

function destinationOutputs(stack: Stack, d: ReplicationDestination) {
  const out = (id: string, value: string, description: string) => new CfnOutput(stack, id, { value, description });
  out('SetupFunctionArn', d.setupFunction.functionArn, "replication-setup (the custom resource's ServiceToken)");
  out('VerifierFunctionArn', d.verifierFunction.functionArn, "replica-verifier (also the FunctionArn of an audit job's LambdaInvoke operation)");
  if (d.replicaAuditRole) {
    out('ReplicaAuditRoleArn', d.replicaAuditRole.roleArn, 'The --role-arn of an S3 Batch Operations audit job (aws s3control create-job)');
    out('ReplicaAuditManifestBucket', d.replicaAuditManifestBucket!, 'Bucket ReplicaAuditRole may read the audit manifest from');
    out('ReplicaAuditReportBucket', d.replicaAuditReportBucket!, 'Bucket ReplicaAuditRole may write the completion report to');
  }
  out('QueueArn', d.queue.queueArn, "The verifier's queue (D's s3:ObjectCreated:* notifications)");
  out('DeadLetterQueueArn', d.deadLetterQueue.queueArn, "The queue's dead-letter queue");
  out('DashboardName', d.dashboard.ref, 'The CloudWatch dashboard');
  out('ReplicationRoleArn', d.replicationRoleArn, "The source account's replication role that D's bucket policy and KB's key policy now allow");
  out('SidPrefix', d.sidPrefix, "Sid prefix of the statements added to D's bucket policy and KB's key policy");
}

describe('ReplicationDestination is infra/destination-account.yaml', () => {
  for (const scenario of destinationScenarios) {
    test(scenario.name, () => {
      const stack = newStack(B);
      const props = scenario.props(stack);
      const d = new ReplicationDestination(stack, 'Replication', { ...props, code: { prebuiltDir: ASSETS } });
      destinationOutputs(stack, d);
      assert.deepEqual(refusingRules(YAML.destination, scenario.params), [], "the template's Rules accept the parameters");
      compare(resources(YAML.destination, scenario.params, B), cdkResources(stack, B));
    });
  }
});

// ------------------------------------------------------------------ source

const SOURCE_REQUIRED = {
  SourceBucket: S,
  SourceKmsKeyArn: KA,
  DestinationBucket: D,
  DestinationAccountId: B,
  DestinationKmsKeyArn: KB,
  ArtifactBucket: 'example-artifacts',
  SetupCodeKey: 'replication-setup/bootstrap.zip',
};

const sourceScenarios: Scenario<ReplicationSourceProps>[] = [
  {
    name: 'required parameters only',
    params: SOURCE_REQUIRED,
    props: (stack) => ({
      sourceBucket: s3.Bucket.fromBucketName(stack, 'S', S),
      sourceKmsKey: kms.Key.fromKeyArn(stack, 'KA', KA),
      destinationBucket: D,
      destinationAccountId: B,
      destinationKmsKey: KB,
    }),
  },
  {
    name: 'every option set',
    params: {
      ...SOURCE_REQUIRED,
      RoleName: 'team-replication',
      ReplicationTimeControl: 'true',
      ReplicationMetrics: 'true',
      BucketKeyEnabled: 'false',
      OwnerOverride: 'true',
      ReplicateTags: 'false',
      RoleTrustConditions: 'true',
      Canary: 'true',
      ScheduledCheck: 'true',
      CheckSchedule: 'rate(30 minutes)',
      CheckPeriod: 1800,
      Liveness: 'true',
      MetricsNamespace: 'TeamReplication',
      AlarmTopicArn: `arn:aws:sns:us-east-1:${A}:replication-alarms`,
      DestinationAccessRoleArn: `arn:aws:iam::${B}:role/replication-admin`,
      Architecture: 'x86_64',
      LogRetentionDays: 90,
      LogLevel: 'DEBUG',
      Tracing: 'Active',
    },
    props: (stack) => ({
      sourceBucket: S,
      sourceKmsKey: KA,
      destinationBucket: s3.Bucket.fromBucketName(stack, 'D', D),
      destinationAccountId: B,
      destinationKmsKey: kms.Key.fromKeyArn(stack, 'KB', KB),
      roleName: 'team-replication',
      replicationTimeControl: true,
      replicationMetrics: true,
      bucketKeyEnabled: false,
      ownerOverride: true,
      replicateTags: false,
      roleTrustConditions: true,
      canary: true,
      scheduledCheck: true,
      checkSchedule: 'rate(30 minutes)',
      liveness: true,
      metricsNamespace: 'TeamReplication',
      alarmTopic: sns.Topic.fromTopicArn(stack, 'T', `arn:aws:sns:us-east-1:${A}:replication-alarms`),
      destinationAccessRoleArn: `arn:aws:iam::${B}:role/replication-admin`,
      architecture: lambda.Architecture.X86_64,
      logRetention: logs.RetentionDays.THREE_MONTHS,
      logLevel: 'DEBUG',
      tracing: lambda.Tracing.ACTIVE,
    }),
  },
  {
    name: 'a log level above INFO without the scheduled check',
    params: { ...SOURCE_REQUIRED, LogLevel: 'ERROR' },
    props: () => ({
      sourceBucket: S,
      sourceKmsKey: KA,
      destinationBucket: D,
      destinationAccountId: B,
      destinationKmsKey: KB,
      logLevel: 'ERROR',
    }),
  },
  {
    name: 'tracing Active alone',
    params: { ...SOURCE_REQUIRED, Tracing: 'Active' },
    props: () => ({
      sourceBucket: S,
      sourceKmsKey: KA,
      destinationBucket: D,
      destinationAccountId: B,
      destinationKmsKey: KB,
      tracing: lambda.Tracing.ACTIVE,
    }),
  },
  {
    name: 'canary and scheduled check without liveness, owner override off',
    params: { ...SOURCE_REQUIRED, Canary: 'true', ScheduledCheck: 'true', OwnerOverride: 'false' },
    props: () => ({
      sourceBucket: S,
      sourceKmsKey: KA,
      destinationBucket: D,
      destinationAccountId: B,
      destinationKmsKey: KB,
      canary: true,
      scheduledCheck: true,
      ownerOverride: false,
    }),
  },
];

describe('ReplicationSource is infra/source-account.yaml', () => {
  for (const scenario of sourceScenarios) {
    test(scenario.name, () => {
      const stack = newStack(A);
      const s = new ReplicationSource(stack, 'Replication', { ...scenario.props(stack), code: { prebuiltDir: ASSETS } });
      assert.deepEqual(refusingRules(YAML.source, scenario.params), [], "the template's Rules accept the parameters");
      const out = (id: string, value: string, description: string) => new CfnOutput(stack, id, { value, description });
      out('ReplicationRoleArn', s.roleArn, "The replication role (the destination stack's ReplicationRoleName is its name)");
      out('ReplicationRoleName', s.roleName, "The replication role's name");
      out('RuleIds', s.ruleIds, 'Ids of the replication rules this stack manages on S (comma-separated)');
      out('SidPrefix', s.sidPrefix, "Sid prefix of the statement added to KA's key policy");
      out('SetupFunctionArn', s.setupFunction.functionArn, "replication-setup (the custom resource's ServiceToken)");
      compare(resources(YAML.source, scenario.params, A), cdkResources(stack, A));
    });
  }
});

// ------------------------------------------------------------------ refused alike

/**
 * What a construct refuses at synth, the template's Rules refuse before a change set: each case
 * is a template's parameters, the rule that must refuse them, and the construct's props, which
 * must throw naming the same prop. The same parameters with the fix applied pass both.
 */
interface Refusal {
  readonly name: string;
  readonly side: 'destination' | 'source';
  readonly params: Record<string, Json>;
  readonly rule: string;
  readonly props: Record<string, unknown>;
  readonly prop: string;
  readonly fixed: { params: Record<string, Json>; props: Record<string, unknown> };
}

const refusals: Refusal[] = [
  {
    name: 'a CheckPeriod other than a rate(...) CheckSchedule',
    side: 'destination',
    params: { ScheduledCheck: 'true', CheckSchedule: 'rate(6 hours)', CheckPeriod: 3600 },
    rule: 'CheckPeriodIsTheSchedulesRate',
    props: { scheduledCheck: true, checkSchedule: 'rate(6 hours)', checkPeriod: Duration.hours(1) },
    prop: 'checkPeriod',
    fixed: { params: { CheckPeriod: 21600 }, props: { checkPeriod: Duration.hours(6) } },
  },
  {
    name: 'a rate(...) CheckSchedule with the default CheckPeriod (source)',
    side: 'source',
    params: { ScheduledCheck: 'true', CheckSchedule: 'rate(1 day)', CheckPeriod: 3600 },
    rule: 'CheckPeriodIsTheSchedulesRate',
    props: { scheduledCheck: true, checkSchedule: 'rate(1 day)', checkPeriod: Duration.hours(1) },
    prop: 'checkPeriod',
    fixed: { params: { CheckPeriod: 86400 }, props: { checkPeriod: Duration.days(1) } },
  },
  {
    name: 'a log level above INFO with the scheduled check (source)',
    side: 'source',
    params: { ScheduledCheck: 'true', LogLevel: 'WARN' },
    rule: 'ScheduledCheckNeedsInfoLogs',
    props: { scheduledCheck: true, logLevel: 'WARN' },
    prop: 'logLevel',
    fixed: { params: { LogLevel: 'INFO' }, props: { logLevel: 'INFO' } },
  },
  {
    name: 'a liveness alarm range past CloudWatch\'s 7 days',
    side: 'destination',
    params: { ScheduledCheck: 'true', Liveness: 'true', LivenessPeriod: 86400, LivenessMissedPeriods: 8 },
    rule: 'LivenessRangeWithinCloudWatchsCap',
    props: { scheduledCheck: true, liveness: true, livenessPeriod: Duration.days(1), livenessMissedPeriods: 8 },
    prop: 'livenessMissedPeriods',
    fixed: { params: { LivenessMissedPeriods: 7 }, props: { livenessMissedPeriods: 7 } },
  },
  {
    name: 'a liveness alarm range past CloudWatch\'s 7 days (12-hour periods)',
    side: 'destination',
    params: { LivenessPeriod: 43200, LivenessMissedPeriods: 15 },
    rule: 'LivenessRangeWithinCloudWatchsCap',
    props: { livenessPeriod: Duration.hours(12), livenessMissedPeriods: 15 },
    prop: 'livenessMissedPeriods',
    fixed: { params: { LivenessMissedPeriods: 14 }, props: { livenessMissedPeriods: 14 } },
  },
];

describe('the templates refuse what the constructs refuse', () => {
  for (const r of refusals) {
    test(r.name, () => {
      const template = r.side === 'destination' ? YAML.destination : YAML.source;
      const required = r.side === 'destination' ? DEST_REQUIRED : SOURCE_REQUIRED;
      assert.deepEqual(refusingRules(template, { ...required, ...r.params }), [r.rule]);
      assert.deepEqual(refusingRules(template, { ...required, ...r.params, ...r.fixed.params }), []);
      const build = (extra: Record<string, unknown>) => {
        const stack = newStack(r.side === 'destination' ? B : A);
        const base =
          r.side === 'destination'
            ? { destinationBucket: D, destinationKmsKey: KB, sourceAccountId: A, sourceBucket: S }
            : { sourceBucket: S, sourceKmsKey: KA, destinationBucket: D, destinationAccountId: B, destinationKmsKey: KB };
        const props = { ...base, ...extra, code: { prebuiltDir: ASSETS } } as Json;
        return r.side === 'destination' ? new ReplicationDestination(stack, 'R', props) : new ReplicationSource(stack, 'R', props);
      };
      assert.throws(() => build(r.props), (e: Error) => e.message.includes(`) ${r.prop}: `) && /Fix: \S/.test(e.message));
      build({ ...r.props, ...r.fixed.props });
    });
  }
});
