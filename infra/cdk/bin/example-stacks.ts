/**
 * The example app's wiring: one replication, S in account A → D in account B, as two stacks in
 * two accounts. bin/example.ts reads the configuration from CDK context or the environment;
 * the tests build the same stacks in-process. Not part of the package (it was lib/example.ts):
 * it uses only the package's index, as an app of the package's users would, and it is the one
 * place that runs cdk-nag, which stays a devDependency.
 */
import { App, CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ReplicationDestination, ReplicationSource } from '../lib';

/** What the example app deploys. */
export interface ExampleConfig {
  /** Account A (context `sourceAccount`, env `S3KR_SOURCE_ACCOUNT`). */
  readonly sourceAccount: string;
  /** Account B (context `destinationAccount`, env `S3KR_DESTINATION_ACCOUNT`). */
  readonly destinationAccount: string;
  /** S's region (context `sourceRegion`, env `S3KR_SOURCE_REGION`). */
  readonly sourceRegion: string;
  /** D's region (context `destinationRegion`, env `S3KR_DESTINATION_REGION`). */
  readonly destinationRegion: string;
  /** S (context `sourceBucket`). */
  readonly sourceBucket: string;
  /** D (context `destinationBucket`). */
  readonly destinationBucket: string;
  /** KA's key ARN (context `sourceKmsKeyArn`). */
  readonly sourceKmsKeyArn: string;
  /** KB's key ARN (context `destinationKmsKeyArn`). */
  readonly destinationKmsKeyArn: string;
  /** Prebuilt bootstraps (context `prebuilt`, env `S3KR_PREBUILT`); unset builds with RustFunction. */
  readonly prebuiltDir?: string;
  /** The functions' architecture (context `arch`, env `S3KR_ARCH`: arm64 or x86_64). */
  readonly architecture: lambda.Architecture;
  /** The stacks' names (context `sourceStackName`, `destinationStackName`), as `make deploy` names them. */
  readonly sourceStackName: string;
  readonly destinationStackName: string;
  /**
   * Context `variant=full`: every optional property and feature set (scheduled check, liveness,
   * canary, rules, audit role, alarm topic, ...), for tests of what the synthesized properties
   * and policies look like with everything on. Not a deployment recommendation.
   */
  readonly full: boolean;
  /** Run cdk-nag's AwsSolutionsChecks on both stacks (context `nag`, default true). */
  readonly nag: boolean;
}

const ENV: Record<string, string> = {
  sourceAccount: 'S3KR_SOURCE_ACCOUNT',
  destinationAccount: 'S3KR_DESTINATION_ACCOUNT',
  sourceRegion: 'S3KR_SOURCE_REGION',
  destinationRegion: 'S3KR_DESTINATION_REGION',
  prebuilt: 'S3KR_PREBUILT',
  arch: 'S3KR_ARCH',
  variant: 'S3KR_VARIANT',
};

/** The configuration from `get(key)` (context), then the environment, then the defaults. */
export function exampleConfig(get: (key: string) => unknown, env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const value = (key: string): string | undefined => {
    const v = get(key) ?? (ENV[key] ? env[ENV[key]] : undefined);
    return v === undefined || v === '' ? undefined : String(v);
  };
  const sourceAccount = value('sourceAccount') ?? '111111111111';
  const destinationAccount = value('destinationAccount') ?? '222222222222';
  const sourceRegion = value('sourceRegion') ?? 'us-east-1';
  const destinationRegion = value('destinationRegion') ?? sourceRegion;
  const arch = value('arch') ?? 'arm64';
  if (arch !== 'arm64' && arch !== 'x86_64') throw new Error(`context arch: ${arch} is not arm64 or x86_64`);
  return {
    sourceAccount,
    destinationAccount,
    sourceRegion,
    destinationRegion,
    sourceBucket: value('sourceBucket') ?? 'example-source-bucket',
    destinationBucket: value('destinationBucket') ?? 'example-destination-bucket',
    sourceKmsKeyArn:
      value('sourceKmsKeyArn') ?? `arn:aws:kms:${sourceRegion}:${sourceAccount}:key/5c2b7a1e-3f4d-4b6a-8e9f-0a1b2c3d4e5f`,
    destinationKmsKeyArn:
      value('destinationKmsKeyArn') ??
      `arn:aws:kms:${destinationRegion}:${destinationAccount}:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21`,
    prebuiltDir: value('prebuilt'),
    architecture: arch === 'x86_64' ? lambda.Architecture.X86_64 : lambda.Architecture.ARM_64,
    sourceStackName: value('sourceStackName') ?? 's3-kms-replication-source',
    destinationStackName: value('destinationStackName') ?? 's3-kms-replication-dest',
    full: value('variant') === 'full',
    nag: value('nag') !== 'false',
  };
}

/** The two stacks: `S3KmsReplicationDestination` in B and `S3KmsReplicationSource` in A. */
export function exampleStacks(app: App, cfg: ExampleConfig): { destination: Stack; source: Stack } {
  const code = cfg.prebuiltDir !== undefined ? { prebuiltDir: cfg.prebuiltDir } : undefined;
  const full = cfg.full;

  // ---------------------------------------------------------------- account B
  const destination = new Stack(app, 'S3KmsReplicationDestination', {
    stackName: cfg.destinationStackName,
    env: { account: cfg.destinationAccount, region: cfg.destinationRegion },
    description: 's3-kms-replication, destination account (B): ReplicationDestination (CDK)',
  });
  const d = new ReplicationDestination(destination, 'Replication', {
    destinationBucket: s3.Bucket.fromBucketName(destination, 'D', cfg.destinationBucket),
    destinationKmsKey: kms.Key.fromKeyArn(destination, 'KB', cfg.destinationKmsKeyArn),
    sourceAccountId: cfg.sourceAccount,
    sourceBucket: cfg.sourceBucket,
    code,
    architecture: cfg.architecture,
    ...(full
      ? {
          // A role that already exists under /service-role/ (the S3 console's path); the source
          // side reuses it by name (roleName below) and finds its path with GetRole.
          replicationRoleArn: `arn:aws:iam::${cfg.sourceAccount}:role/service-role/team-replication`,
          bucketKeyEnabled: false,
          deployTimeChecks: false,
          allowSourceReplicationEvents: true,
          metricsNamespace: 'TeamReplication',
          metricsSink: 'both' as const,
          verifierReservedConcurrency: 20,
          alarmTopic: sns.Topic.fromTopicArn(
            destination,
            'Alarms',
            `arn:aws:sns:${cfg.destinationRegion}:${cfg.destinationAccount}:replication-alarms`,
          ),
          sourceRegion: cfg.sourceRegion,
          replicationRuleId: 'to-destination',
          logLevel: 'DEBUG' as const,
          scheduledCheck: true,
          checkSchedule: 'rate(30 minutes)',
          liveness: true,
          livenessPeriod: Duration.minutes(30),
          livenessMissedPeriods: 4,
          livenessCanaryPrefix: 'replicated/',
          tracing: lambda.Tracing.ACTIVE,
          enableReplicaAudit: true,
          auditManifestBucket: `${cfg.destinationBucket}-audit`,
          auditReportBucket: `${cfg.destinationBucket}-audit`,
        }
      : {}),
  });
  const out = (stack: Stack, id: string, value: string, description: string) =>
    new CfnOutput(stack, id, { value, description });
  out(destination, 'SetupFunctionArn', d.setupFunction.functionArn, "replication-setup (the custom resource's ServiceToken)");
  out(
    destination,
    'VerifierFunctionArn',
    d.verifierFunction.functionArn,
    "replica-verifier (also the FunctionArn of an audit job's LambdaInvoke operation)",
  );
  out(destination, 'QueueArn', d.queue.queueArn, "The verifier's queue (D's s3:ObjectCreated:* notifications)");
  out(destination, 'DeadLetterQueueArn', d.deadLetterQueue.queueArn, "The queue's dead-letter queue");
  out(destination, 'DashboardName', d.dashboard.ref, 'The CloudWatch dashboard');
  out(
    destination,
    'ReplicationRoleArn',
    d.replicationRoleArn,
    "The source account's replication role that D's bucket policy and KB's key policy now allow",
  );
  out(destination, 'SidPrefix', d.sidPrefix, "Sid prefix of the statements added to D's bucket policy and KB's key policy");
  if (d.replicaAuditRole) {
    out(destination, 'ReplicaAuditRoleArn', d.replicaAuditRole.roleArn, 'The --role-arn of an S3 Batch Operations audit job (aws s3control create-job)');
    out(destination, 'ReplicaAuditManifestBucket', d.replicaAuditManifestBucket!, 'Bucket ReplicaAuditRole may read the audit manifest from');
    out(destination, 'ReplicaAuditReportBucket', d.replicaAuditReportBucket!, 'Bucket ReplicaAuditRole may write the completion report to');
  }

  // ---------------------------------------------------------------- account A
  const source = new Stack(app, 'S3KmsReplicationSource', {
    stackName: cfg.sourceStackName,
    env: { account: cfg.sourceAccount, region: cfg.sourceRegion },
    description: 's3-kms-replication, source account (A): ReplicationSource (CDK)',
  });
  const s = new ReplicationSource(source, 'Replication', {
    sourceBucket: s3.Bucket.fromBucketName(source, 'S', cfg.sourceBucket),
    sourceKmsKey: kms.Key.fromKeyArn(source, 'KA', cfg.sourceKmsKeyArn),
    destinationBucket: cfg.destinationBucket,
    destinationAccountId: cfg.destinationAccount,
    destinationKmsKey: cfg.destinationKmsKeyArn,
    code,
    architecture: cfg.architecture,
    ...(full
      ? {
          roleName: 'team-replication',
          // Used only if this stack creates the role (the example's exists, under /service-role/).
          rolePermissionsBoundary: `arn:aws:iam::${cfg.sourceAccount}:policy/boundaries/replication`,
          rolePath: '/service-role/',
          roleTags: { team: 'storage' },
          rules: [
            { id: 'to-destination', priority: 1, prefix: 'replicated/', tags: { team: 'storage' }, storageClass: 'STANDARD_IA' as const },
            { id: 'logs-to-destination', priority: 2, prefix: 'logs/', deleteMarkerReplication: true },
          ],
          replicationTimeControl: true,
          replicationMetrics: true,
          bucketKeyEnabled: false,
          ownerOverride: true,
          replicateTags: true,
          roleTrustConditions: true,
          canary: true,
          batchReplicationReportBucket: `${cfg.sourceBucket}-batch-reports`,
          replicateExistingObjects: true,
          deployTimeChecks: false,
          destinationAccessRoleArn: `arn:aws:iam::${cfg.destinationAccount}:role/replication-admin`,
          metricsNamespace: 'TeamReplication',
          alarmTopic: sns.Topic.fromTopicArn(source, 'Alarms', `arn:aws:sns:${cfg.sourceRegion}:${cfg.sourceAccount}:replication-alarms`),
          logLevel: 'DEBUG' as const,
          scheduledCheck: true,
          checkSchedule: 'rate(30 minutes)',
          liveness: true,
          tracing: lambda.Tracing.ACTIVE,
        }
      : {}),
  });
  out(source, 'ReplicationRoleArn', s.roleArn, "The replication role (the destination stack's ReplicationRoleName is its name)");
  out(source, 'ReplicationRoleName', s.roleName, "The replication role's name");
  out(source, 'RuleIds', s.ruleIds, 'Ids of the replication rules this stack manages on S (comma-separated)');
  out(source, 'SidPrefix', s.sidPrefix, "Sid prefix of the statement added to KA's key policy");
  out(source, 'SetupFunctionArn', s.setupFunction.functionArn, "replication-setup (the custom resource's ServiceToken)");

  // cdk-nag: a finding fails synthesis; each acknowledged one is written to the templates'
  // Metadata.cdk_nag with its reason.
  if (cfg.nag) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }));
  }
  return { destination, source };
}
