/**
 * `ReplicationDestination`: account B's side, a typed facade over infra/destination-account.yaml.
 */
import { type CfnResource, Duration, Stack, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { Construct } from 'constructs';
import { BoundCode, replicationCode } from './code';
import {
  architectureOf,
  checkPeriodOf,
  commonParameters,
  includedAlarm,
  includedFunction,
  namePrefixOf,
  param,
  pseudoParameters,
  type ReplicationCommonProps,
  scheduledCheckAlarms,
} from './common';
import { acknowledgeTemplate } from './nag';
import {
  accountIdOf,
  type BucketRef,
  bucketNameOf,
  defaultReplicationRoleName,
  DEFAULT_ROLE_PREFIX,
  describe,
  type KeyRef,
  keyArnOf,
  keyArnParts,
  refuse,
  ROLE_ARN,
} from './refs';
import { includeTemplate } from './template';

/** How the verifier publishes its metrics (`METRICS_SINK`). */
export type MetricsSink = 'emf' | 'cloudwatch' | 'both';

/** Liveness periods the template offers (`LivenessPeriod`), in seconds. */
export const LIVENESS_PERIODS = [300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** Properties of [[ReplicationDestination]]: infra/destination-account.yaml's parameters, typed (each names its parameter). */
export interface ReplicationDestinationProps extends ReplicationCommonProps {
  /**
   * D (`DestinationBucket`): the bucket in this account and region that receives the replicas.
   * It must exist; versioning is turned on, and the setup function merges its statements into
   * its bucket policy. An `IBucket` (created in this stack or imported), or its name.
   */
  readonly destinationBucket: BucketRef;
  /**
   * KB (`DestinationKmsKeyArn`): the customer managed key in this account and D's region that
   * replicas must be encrypted under. A `kms.IKey` created in this stack or imported by key ARN
   * (`kms.Key.fromKeyArn`), or a key ARN; an alias in any form is refused at synth.
   */
  readonly destinationKmsKey: KeyRef;
  /** A (`SourceAccountId`): the account that owns S and the replication role. */
  readonly sourceAccountId: string;
  /** S (`SourceBucket`): the source bucket in account A, by name (or an imported `IBucket`). */
  readonly sourceBucket: BucketRef;
  /**
   * The replication role in A (the custom resource's `ReplicationRoleArn`; the template's
   * `ReplicationRoleName` and `ReplicationRolePath`), which D's bucket policy and KB's key policy
   * then allow (it need not exist yet). Give the source side's role ARN, path included, when its
   * `roleName` is not the default; it must be known at synth (not a token).
   *
   * @default - `arn:<partition>:iam::<sourceAccountId>:role/<the setup function's default name for S>`
   */
  readonly replicationRoleArn?: string;
  /**
   * `BucketKeyEnabled`: `true` admits objects with and without S3 Bucket Keys (both encryption
   * contexts, and `kms:Decrypt`); `false` narrows KB's statement to objects without them, and
   * is refused at deploy when D's default encryption enables them.
   *
   * @default true
   */
  readonly bucketKeyEnabled?: boolean;
  /**
   * `DeployTimeChecks`: after writing, run the doctor's checks on this side and fail the request
   * with the findings. `false` is the escape hatch should its reading of a policy ever differ
   * from AWS's.
   *
   * @default - not set (the function's default, true)
   */
  readonly deployTimeChecks?: boolean;
  /**
   * `AllowSourceReplicationEvents`: let S (in this region) send its `s3:Replication:*` events
   * to the verifier's queue, so that `ReplicationFailed` is counted here. The source's
   * `replicationEventsQueue` (this construct's `queue`) configures S's notification.
   *
   * @default true
   */
  readonly allowSourceReplicationEvents?: boolean;
  /**
   * `Trigger`: how the verifier hears of D's replicas. `Queue`: D's `s3:ObjectCreated:*`
   * notification to this construct's queue (one per queue: a second replication into D uses
   * `ExistingQueue` or `EventBridge`). `EventBridge`: D's EventBridge delivery on and a rule to
   * this construct's queue; never overlaps, so each source into D can have its own construct.
   * `ExistingQueue`: D's notification joins `existingQueue`, another destination construct's
   * queue for D, whose verifier judges this source's replicas too. `None`: neither.
   *
   * @default 'Queue'
   */
  readonly trigger?: 'Queue' | 'EventBridge' | 'ExistingQueue' | 'None';
  /**
   * `ExistingQueueArn`: with `trigger: 'ExistingQueue'`, the queue of the destination construct
   * (or stack) for D whose verifier judges every replica in D; refused with any other trigger.
   *
   * @default - none
   */
  readonly existingQueue?: string | sqs.IQueue;
  /**
   * The verifier's `METRICS_SINK`: `emf` (log lines), `cloudwatch` (`PutMetricData`) or
   * `both`. Only `cloudwatch` and `both` grant `cloudwatch:PutMetricData`.
   *
   * @default 'emf'
   */
  readonly metricsSink?: MetricsSink;
  /**
   * Reserved concurrency of the verifier (`VerifierReservedConcurrency`), also the event source
   * mapping's maximum concurrency, so that SQS batches are never throttled into the DLQ. It
   * bounds the HEAD requests on D (at most this many invocations, each with up to
   * `MAX_CONCURRENCY` = 64 requests in flight) and keeps an S3 Batch Operations audit from
   * taking the account's whole unreserved pool. `0` reserves nothing (the account's unreserved
   * pool, needed where the account's concurrency quota is 10); 1 is refused (the event source
   * mapping needs 2).
   *
   * @default 10
   */
  readonly verifierReservedConcurrency?: number;
  /**
   * The verifier's `REQUIRE_REPLICA_STATUS` (`RequireReplicaStatus`): a verified object must
   * carry `x-amz-replication-status` `REPLICA`; `false` also verifies objects written to D
   * directly.
   *
   * @default true
   */
  readonly requireReplicaStatus?: boolean;
  /**
   * The verifier's `EXPECTED_BUCKET_KEY` (`ExpectedBucketKey`): a replica whose S3 Bucket Key
   * state differs is a `BucketKeyMismatch` finding.
   *
   * @default - not checked
   */
  readonly expectedBucketKey?: boolean;
  /**
   * The verifier's `VERIFY_PREFIXES` (`VerifiedPrefixes`): the object key prefixes it judges,
   * as the keys are written (not URL-encoded). An object created or removed in D outside them
   * (an inventory file, a report, a direct write) is counted as `EventsSkipped`
   * `Reason=OutOfScope`, not judged; an audit task outside them succeeds as skipped. Canaries
   * are always judged. D's event notification stays unfiltered.
   *
   * @default - every key
   */
  readonly verifiedPrefixes?: string[];
  /**
   * The verifier's `MAX_CONCURRENCY` (`VerifierMaxConcurrency`): the `HeadObject` requests one
   * invocation keeps in flight, 1 to 1000.
   *
   * @default 64
   */
  readonly verifierMaxConcurrency?: number;
  /**
   * The verifier's `MISSING_RETRIES` (`MissingRetries`): how often a version not found yet is
   * asked for again before it is `Missing`, 0 to 10.
   *
   * @default 3
   */
  readonly missingRetries?: number;
  /**
   * The verifier's `MISSING_RETRY_DELAY_MS` (`MissingRetryDelayMs`): the first wait before
   * asking again for a missing version (doubling after), 1 ms to 60 s.
   *
   * @default Duration.millis(250)
   */
  readonly missingRetryDelay?: Duration;
  /**
   * S's region (`SourceRegion`), where S3 publishes the AWS/S3 replication metrics of the
   * dashboard's bottom row.
   *
   * @default - this stack's region
   */
  readonly sourceRegion?: string;
  /**
   * `RuleId` of the dashboard's AWS/S3 widgets (`ReplicationRuleId`).
   *
   * @default - the source side's default rule, `s3-kms-replication-to-<D>`
   */
  readonly replicationRuleId?: string;
  /**
   * Application log level of both functions (`LogLevel`). Above INFO Lambda would drop the
   * verifier's EMF metric lines, which carry no level, so only TRACE, DEBUG and INFO are offered.
   *
   * @default 'INFO'
   */
  readonly logLevel?: 'TRACE' | 'DEBUG' | 'INFO';
  /**
   * `Liveness` (with `scheduledCheck`, and `liveness` on the source side): alarm when no replica
   * of the source's liveness canary was verified for `livenessMissedPeriods` periods
   * (`CanaryReplicaVerified`, missing data breaching); the scheduled check here removes old
   * canary replicas from D, keeping two.
   *
   * @default false
   */
  readonly liveness?: boolean;
  /**
   * `LivenessPeriod`: the source side's `checkSchedule` as a duration: one of 5, 10, 15, 30
   * minutes or 1, 2, 3, 6, 12, 24 hours.
   *
   * @default Duration.hours(1)
   */
  readonly livenessPeriod?: Duration;
  /**
   * `LivenessMissedPeriods`: how many periods in a row without a verified canary replica raise
   * the alarm (1 to 24; CloudWatch allows 1 day in all below 1-hour periods, 7 days from 1 hour).
   *
   * @default 3
   */
  readonly livenessMissedPeriods?: number;
  /**
   * `LivenessCanaryPrefix`: the source's first rule's prefix, if it has one (the canary is
   * `<prefix>.s3-kms-replication-canary/liveness@<sourceBucket>`).
   *
   * @default ''
   */
  readonly livenessCanaryPrefix?: string;
  /**
   * `EnableReplicaAudit`: create `ReplicaAuditRole`, the role an S3 Batch Operations
   * "Invoke AWS Lambda function" job assumes to run the verifier over D's existing replicas.
   *
   * @default false
   */
  readonly enableReplicaAudit?: boolean;
  /**
   * `AuditManifestBucket`: the bucket the audit role may read manifests from. Prefer a bucket
   * other than D (objects written to D are checked by the verifier too).
   *
   * @default - D
   */
  readonly auditManifestBucket?: BucketRef;
  /**
   * `AuditReportBucket`: the bucket the audit role may write completion reports to. Prefer a
   * bucket other than D: reports are SSE-S3, so each one written to D is a `NotKmsEncrypted`
   * finding.
   *
   * @default - D
   */
  readonly auditReportBucket?: BucketRef;
}

/**
 * The alarms of a [[ReplicationDestination]], by the metric they watch (its `alarms`). Each is
 * named `<namePrefix>-<metric>`, as in infra/destination-account.yaml.
 */
export interface ReplicationDestinationAlarms {
  /** `ReplicaWrongKey` Sum > 0 per 5 minutes: a replica SSE-KMS under another key than KB. */
  readonly replicaWrongKey: cloudwatch.IAlarm;
  /** `ReplicaNotKmsEncrypted`: a replica that is not SSE-KMS. */
  readonly replicaNotKmsEncrypted: cloudwatch.IAlarm;
  /** `ReplicaNotReplica`: an object in D not marked REPLICA. */
  readonly replicaNotReplica: cloudwatch.IAlarm;
  /** `ReplicaBucketKeyMismatch`: a replica whose S3 Bucket Key state is not the expected one. */
  readonly replicaBucketKeyMismatch: cloudwatch.IAlarm;
  /** `ReplicaMissing`: a replica the verifier was told about is not in D. */
  readonly replicaMissing: cloudwatch.IAlarm;
  /** `ReplicaCheckRejected`: S3 refused the verifier's HeadObject itself. */
  readonly replicaCheckRejected: cloudwatch.IAlarm;
  /** `VerificationErrors`: the verifier could not check replicas. */
  readonly verificationErrors: cloudwatch.IAlarm;
  /** `ReplicationFailed`: S3 reported OperationFailedReplication. */
  readonly replicationFailed: cloudwatch.IAlarm;
  /** `ReplicationMissedThreshold`: S3 reported RTC's OperationMissedThreshold. */
  readonly replicationMissedThreshold: cloudwatch.IAlarm;
  /** The DLQ's `ApproximateNumberOfMessagesVisible` Maximum > 0. */
  readonly deadLetterQueueDepth: cloudwatch.IAlarm;
  /**
   * `ReplicationSetupFindings` per `checkPeriod`, missing data breaching.
   *
   * @default - none without `scheduledCheck`
   */
  readonly replicationSetupFindings?: cloudwatch.IAlarm;
  /**
   * The scheduled check did not run: no `ReplicationSetupUnchecked` sample for two `checkPeriod`s.
   *
   * @default - none without `scheduledCheck`
   */
  readonly replicationSetupMissed?: cloudwatch.IAlarm;
  /**
   * `ReplicationSetupUnchecked` per `checkPeriod`.
   *
   * @default - none without `scheduledCheck`
   */
  readonly replicationSetupUnchecked?: cloudwatch.IAlarm;
  /**
   * The setup function's AWS/Lambda `Errors`.
   *
   * @default - none without `scheduledCheck`
   */
  readonly setupFunctionErrors?: cloudwatch.IAlarm;
  /**
   * `CanaryReplicaVerified` Sum < 1 for `livenessMissedPeriods` periods, missing data breaching.
   *
   * @default - none without `liveness`
   */
  readonly canaryReplicaVerified?: cloudwatch.IAlarm;
}

const KIND = 'ReplicationDestination';

/** The alarms' logical ids in the template, by their `ReplicationDestinationAlarms` name. */
const VERDICT_ALARMS = {
  replicaWrongKey: 'ReplicaWrongKeyAlarm',
  replicaNotKmsEncrypted: 'ReplicaNotKmsEncryptedAlarm',
  replicaNotReplica: 'ReplicaNotReplicaAlarm',
  replicaBucketKeyMismatch: 'ReplicaBucketKeyMismatchAlarm',
  replicaMissing: 'ReplicaMissingAlarm',
  replicaCheckRejected: 'ReplicaCheckRejectedAlarm',
  verificationErrors: 'VerificationErrorsAlarm',
  replicationFailed: 'ReplicationFailedAlarm',
  replicationMissedThreshold: 'ReplicationMissedThresholdAlarm',
  deadLetterQueueDepth: 'DeadLetterQueueAlarm',
} as const;

/**
 * Account B's side of one replication pair (S in A → D in B): infra/destination-account.yaml,
 * included with its parameters set from these props (checked at synth): `replication-setup` and
 * its `Custom::ReplicationDestination` (versioning on D, our statements merged into D's bucket
 * policy and KB's key policy, D's `s3:ObjectCreated:*` notifications to the queue),
 * `replica-verifier` behind an SQS queue with a DLQ, ten alarms and a dashboard; optionally the
 * scheduled check, liveness and the audit role.
 */
export class ReplicationDestination extends Construct {
  /** The included template (its resources by the template's logical ids: `getResource('VerifierRole')`). */
  public readonly template: CfnInclude;
  /** The template's parameters as this construct sets them (every one of them). */
  public readonly parameters: Record<string, string>;
  /** The `Custom::ReplicationDestination` resource (the template's `ReplicationDestination`). */
  public readonly resource: CfnResource;
  /** `replication-setup`: the custom resource's ServiceToken. */
  public readonly setupFunction: lambda.IFunction;
  /** `replica-verifier`. */
  public readonly verifierFunction: lambda.IFunction;
  /** The verifier's queue (D's `s3:ObjectCreated:*` notifications). */
  public readonly queue: sqs.IQueue;
  /** The queue's dead-letter queue. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The queue → verifier event source mapping. */
  public readonly eventSourceMapping: lambda.CfnEventSourceMapping;
  /** The CloudWatch dashboard (named `<namePrefix>`). */
  public readonly dashboard: cloudwatch.CfnDashboard;
  /** The alarms, by the metric they watch. */
  public readonly alarms: ReplicationDestinationAlarms;
  /** The scheduled check's schedule, with `scheduledCheck`. */
  public readonly schedule?: scheduler.CfnSchedule;
  /** The S3 Batch Operations audit role, with `enableReplicaAudit`. */
  public readonly replicaAuditRole?: iam.IRole;
  /** The bucket the audit role may read manifests from, with `enableReplicaAudit`. */
  public readonly replicaAuditManifestBucket?: string;
  /** The bucket the audit role may write reports to, with `enableReplicaAudit`. */
  public readonly replicaAuditReportBucket?: string;

  /** `Data.ReplicationRoleArn`: the role in A that D's bucket policy and KB's key policy now allow. */
  public readonly replicationRoleArn: string;
  /** `Data.SidPrefix`: Sid prefix of the statements added to D's bucket policy and KB's key policy. */
  public readonly sidPrefix: string;
  /** `Data.DestinationBucketArn`. */
  public readonly destinationBucketArn: string;
  /** `Data.DestinationKmsKeyArn`: KB as DescribeKey reports it. */
  public readonly destinationKmsKeyArn: string;
  /** `Data.DestinationVersioningWasEnabled`: `"true"` or `"false"`. */
  public readonly destinationVersioningWasEnabled: string;
  /** `Data.DestinationDefaultEncryption`: `aws:kms`, `AES256`, … or `none`. */
  public readonly destinationDefaultEncryption: string;
  /** `Data.DestinationDefaultKmsKeyId` (empty without one). */
  public readonly destinationDefaultKmsKeyId: string;
  /** `Data.DestinationBucketKeyEnabled`: `"true"` or `"false"`. */
  public readonly destinationBucketKeyEnabled: string;
  /**
   * `Data.DestinationKeyPolicyStatements`: with `policyWrites: 'Report'`, the statements KB's key
   * policy must hold, as compact JSON text of an array; `""` with `'Apply'`.
   */
  public readonly destinationKeyPolicyStatements: string;
  /**
   * `Data.DestinationBucketPolicyStatements`: with `policyWrites: 'Report'`, the statements D's
   * bucket policy must hold, as compact JSON text of an array; `""` with `'Apply'`.
   */
  public readonly destinationBucketPolicyStatements: string;

  constructor(scope: Construct, id: string, props: ReplicationDestinationProps) {
    super(scope, id);
    const kind = describe(this, KIND);
    const stack = Stack.of(this);

    // ------------------------------------------------------------ what is replicated where
    const destinationBucket = bucketNameOf(kind, 'destinationBucket', props.destinationBucket);
    const keyArn = keyArnOf(kind, 'destinationKmsKey', props.destinationKmsKey);
    const keyParts = keyArnParts(keyArn);
    if (keyParts && !Token.isUnresolved(stack.account) && keyParts.account !== stack.account) {
      refuse(
        kind,
        'destinationKmsKey',
        `the key is in account ${keyParts.account}, but this stack deploys to ${stack.account}`,
        "give a customer managed key of the destination account (this stack's)",
      );
    }
    if (keyParts && !Token.isUnresolved(stack.region) && keyParts.region !== stack.region) {
      refuse(
        kind,
        'destinationKmsKey',
        `the key is in ${keyParts.region}, but this stack (and so D and its notification queue) is in ${stack.region}`,
        "give a key in D's region, or deploy the stack there",
      );
    }
    const sourceAccountId = accountIdOf(kind, 'sourceAccountId', props.sourceAccountId);
    const sourceBucket = bucketNameOf(kind, 'sourceBucket', props.sourceBucket);
    const role = replicationRole(kind, sourceAccountId, sourceBucket, props.replicationRoleArn);
    const prefix = namePrefixOf(this, kind, props.namePrefix);
    const sink = props.metricsSink ?? 'emf';
    if (!['emf', 'cloudwatch', 'both'].includes(sink)) {
      refuse(kind, 'metricsSink', `${JSON.stringify(sink)} is not a sink`, "use 'emf', 'cloudwatch' or 'both'");
    }
    const logLevel = props.logLevel ?? 'INFO';
    if (!['TRACE', 'DEBUG', 'INFO'].includes(logLevel)) {
      refuse(
        kind,
        'logLevel',
        `${logLevel} would make Lambda drop the verifier's EMF metric lines, which carry no level`,
        'use TRACE, DEBUG or INFO (infra/README.md, Logging)',
      );
    }
    const concurrency = props.verifierReservedConcurrency ?? 10;
    if (!Number.isInteger(concurrency) || concurrency < 0 || concurrency === 1 || concurrency > 1000) {
      refuse(
        kind,
        'verifierReservedConcurrency',
        `${concurrency} is not 0 or a whole number from 2 to 1000`,
        'use 0 (no reservation) or 2 to 1000: the event source mapping is capped at the same number and needs at least 2',
      );
    }
    const whole = (prop: string, value: number, min: number, max: number, unit = ''): string => {
      if (!Number.isInteger(value) || value < min || value > max) {
        refuse(kind, prop, `${value}${unit} is not a whole number from ${min} to ${max}`, `use ${min} to ${max}${unit}`);
      }
      return String(value);
    };
    const verifierMaxConcurrency = whole('verifierMaxConcurrency', props.verifierMaxConcurrency ?? 64, 1, 1000);
    const missingRetries = whole('missingRetries', props.missingRetries ?? 3, 0, 10);
    const missingRetryDelay = whole('missingRetryDelay', (props.missingRetryDelay ?? Duration.millis(250)).toMilliseconds(), 1, 60000, ' ms');
    const verifiedPrefixes = (props.verifiedPrefixes ?? []).map((prefix) => {
      if (prefix.trim() === '' || prefix.includes(',') || Buffer.byteLength(prefix) > 1024) {
        refuse(
          kind,
          'verifiedPrefixes',
          `${JSON.stringify(prefix)} is empty, holds a comma or is longer than an S3 key (1024 bytes)`,
          'give each prefix as its own non-empty string without commas; leave the list empty to judge every key',
        );
      }
      return prefix.trim();
    });
    const scheduled = props.scheduledCheck ?? false;
    const liveness = props.liveness ?? false;
    if (liveness && !scheduled) {
      refuse(kind, 'liveness', 'true without scheduledCheck; the scheduled check removes old canary replicas', 'set scheduledCheck: true too');
    }
    const livenessPeriod = (props.livenessPeriod ?? Duration.hours(1)).toSeconds();
    const missed = props.livenessMissedPeriods ?? 3;
    if (!LIVENESS_PERIODS.includes(livenessPeriod)) {
      refuse(kind, 'livenessPeriod', `${livenessPeriod} s is not offered`, `use one of ${LIVENESS_PERIODS.join(', ')} seconds (the source's checkSchedule)`);
    }
    if (!Number.isInteger(missed) || missed < 1 || missed > 24 || livenessPeriod * missed > (livenessPeriod < 3600 ? 86400 : 604800)) {
      refuse(
        kind,
        'livenessMissedPeriods',
        `${missed} periods of ${livenessPeriod} s is outside 1 to 24 or longer than CloudWatch allows an alarm (1 day below 1-hour periods, 7 days from 1 hour)`,
        'use fewer periods',
      );
    }
    const trigger = props.trigger ?? 'Queue';
    if (!['Queue', 'EventBridge', 'ExistingQueue', 'None'].includes(trigger)) {
      refuse(kind, 'trigger', `${JSON.stringify(trigger)} is not a trigger`, 'use Queue, EventBridge, ExistingQueue or None');
    }
    const existingQueue =
      props.existingQueue === undefined || typeof props.existingQueue === 'string' ? props.existingQueue : props.existingQueue.queueArn;
    if ((trigger === 'ExistingQueue') !== (existingQueue !== undefined)) {
      refuse(
        kind,
        trigger === 'ExistingQueue' ? 'trigger' : 'existingQueue',
        trigger === 'ExistingQueue' ? "'ExistingQueue' without existingQueue" : `given with trigger ${JSON.stringify(trigger)}, which does not use it`,
        "set existingQueue to the queue of the destination construct for D whose verifier judges every replica, with trigger: 'ExistingQueue'",
      );
    }
    const checkPeriod = checkPeriodOf(kind, props.checkSchedule ?? 'rate(1 hour)', props.checkPeriod);
    const architecture = architectureOf(kind, props.architecture);
    const code = new BoundCode(this, {
      'replication-setup': replicationCode(kind, 'replication-setup', architecture, props.code),
      'replica-verifier': replicationCode(kind, 'replica-verifier', architecture, props.code),
    });
    const audit = props.enableReplicaAudit ?? false;
    const manifest = props.auditManifestBucket ? bucketNameOf(kind, 'auditManifestBucket', props.auditManifestBucket) : '';
    const report = props.auditReportBucket ? bucketNameOf(kind, 'auditReportBucket', props.auditReportBucket) : '';

    this.parameters = {
      DestinationBucket: destinationBucket,
      DestinationKmsKeyArn: keyArn,
      SourceAccountId: sourceAccountId,
      SourceBucket: sourceBucket,
      ReplicationRoleName: role.name,
      ReplicationRolePath: role.path,
      BucketKeyEnabled: param(props.bucketKeyEnabled ?? true),
      AllowSourceReplicationEvents: param(props.allowSourceReplicationEvents ?? true),
      Trigger: trigger,
      ExistingQueueArn: existingQueue ?? '',
      DeployTimeChecks: param(props.deployTimeChecks),
      MetricsSink: sink,
      VerifierReservedConcurrency: String(concurrency),
      RequireReplicaStatus: param(props.requireReplicaStatus ?? true),
      ExpectedBucketKey: param(props.expectedBucketKey),
      VerifiedPrefixes: verifiedPrefixes.join(','),
      VerifierMaxConcurrency: verifierMaxConcurrency,
      MissingRetries: missingRetries,
      MissingRetryDelayMs: missingRetryDelay,
      SourceRegion: props.sourceRegion ?? '',
      ReplicationRuleId: props.replicationRuleId ?? '',
      Liveness: param(liveness),
      LivenessPeriod: String(livenessPeriod),
      LivenessMissedPeriods: String(missed),
      LivenessCanaryPrefix: props.livenessCanaryPrefix ?? '',
      EnableReplicaAudit: param(audit),
      AuditManifestBucket: manifest,
      AuditReportBucket: report,
      ...commonParameters(kind, props, checkPeriod, logLevel),
      ...code.parameters(),
    };
    this.template = includeTemplate(this, kind, 'destination-account', this.parameters, pseudoParameters(this, prefix));
    const t = this.template;
    code.bindToResources({ 'replication-setup': t.getResource('SetupFunction'), 'replica-verifier': t.getResource('VerifierFunction') });
    acknowledgeTemplate(t, 'destination-account');

    this.resource = t.getResource('ReplicationDestination');
    this.setupFunction = includedFunction(this, 'SetupFunctionRef', t.getResource('SetupFunction'));
    this.verifierFunction = includedFunction(this, 'VerifierFunctionRef', t.getResource('VerifierFunction'));
    const queue = (refId: string, logicalId: string) => {
      const q = t.getResource(logicalId) as sqs.CfnQueue;
      return sqs.Queue.fromQueueAttributes(this, refId, { queueArn: q.attrArn, queueUrl: q.ref, queueName: q.attrQueueName });
    };
    this.queue = queue('QueueRef', 'Queue');
    this.deadLetterQueue = queue('DeadLetterQueueRef', 'DeadLetterQueue');
    this.eventSourceMapping = t.getResource('VerifierEventSource') as lambda.CfnEventSourceMapping;
    this.dashboard = t.getResource('Dashboard') as cloudwatch.CfnDashboard;
    const att = (name: string) => this.resource.getAtt(name).toString();
    this.replicationRoleArn = att('ReplicationRoleArn');
    this.sidPrefix = att('SidPrefix');
    this.destinationBucketArn = att('DestinationBucketArn');
    this.destinationKmsKeyArn = att('DestinationKmsKeyArn');
    this.destinationVersioningWasEnabled = att('DestinationVersioningWasEnabled');
    this.destinationDefaultEncryption = att('DestinationDefaultEncryption');
    this.destinationDefaultKmsKeyId = att('DestinationDefaultKmsKeyId');
    this.destinationBucketKeyEnabled = att('DestinationBucketKeyEnabled');
    this.destinationKeyPolicyStatements = att('DestinationKeyPolicyStatements');
    this.destinationBucketPolicyStatements = att('DestinationBucketPolicyStatements');

    if (audit) {
      this.replicaAuditManifestBucket = manifest || destinationBucket;
      this.replicaAuditReportBucket = report || destinationBucket;
      const auditRole = t.getResource('ReplicaAuditRole') as iam.CfnRole;
      this.replicaAuditRole = iam.Role.fromRoleArn(this, 'ReplicaAuditRoleRef', auditRole.attrArn, { mutable: false });
    }
    if (scheduled) this.schedule = t.getResource('ScheduledCheckSchedule') as scheduler.CfnSchedule;
    const verdicts = Object.fromEntries(
      Object.entries(VERDICT_ALARMS).map(([name, logicalId]) => [name, includedAlarm(this, `${logicalId}Ref`, t.getResource(logicalId))]),
    ) as Record<keyof typeof VERDICT_ALARMS, cloudwatch.IAlarm>;
    this.alarms = {
      ...verdicts,
      ...(scheduled ? scheduledCheckAlarms(this, t) : {}),
      ...(liveness ? { canaryReplicaVerified: includedAlarm(this, 'CanaryReplicaAlarmRef', t.getResource('CanaryReplicaAlarm')) } : {}),
    };
  }
}

/**
 * The replication role's name and path for the template (`ReplicationRoleName`,
 * `ReplicationRolePath`): from `replicationRoleArn`, checked, or the setup function's default
 * name for S ("" when the template's own default, s3-kms-replication-<S>, is it).
 */
function replicationRole(kind: string, sourceAccountId: string, sourceBucket: string, arn: string | undefined): { name: string; path: string } {
  if (arn === undefined) {
    if (Token.isUnresolved(sourceBucket)) {
      refuse(
        kind,
        'replicationRoleArn',
        "not given, and sourceBucket's name is not known at synth, so the default role name (derived from it) cannot be computed",
        "give replicationRoleArn (the source side's ReplicationRoleArn output), or sourceBucket by its literal name",
      );
    }
    const name = defaultReplicationRoleName(sourceBucket);
    return { name: name === `${DEFAULT_ROLE_PREFIX}${sourceBucket}` ? '' : name, path: '/' };
  }
  if (Token.isUnresolved(arn)) {
    refuse(kind, 'replicationRoleArn', 'not known at synth (a token)', "give the role's ARN as text: the template takes its name and path");
  }
  const m = ROLE_ARN.exec(arn);
  if (!m) {
    refuse(kind, 'replicationRoleArn', `${JSON.stringify(arn)} is not an IAM role ARN`, 'give arn:aws:iam::<source account>:role/<path/><name>');
  }
  if (!Token.isUnresolved(sourceAccountId) && m[1] !== sourceAccountId) {
    refuse(
      kind,
      'replicationRoleArn',
      `the role is in account ${m[1]} but sourceAccountId is ${sourceAccountId}`,
      'give the replication role of the source account (by default arn:aws:iam::<sourceAccountId>:role/s3-kms-replication-<sourceBucket>)',
    );
  }
  return { name: m[3], path: `${m[2] ?? ''}/` };
}
