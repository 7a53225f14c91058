/**
 * `ReplicationSource`: account A's side, a typed facade over infra/source-account.yaml.
 */
import { type CfnResource, Stack, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { Construct } from 'constructs';
import { BoundCode, replicationCode } from './code';
import {
  architectureOf,
  checkPeriodOf,
  commonParameters,
  includedAlarm,
  includedFunction,
  type LogLevel,
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

/** Storage classes a replication rule may name for replicas (replication-core `STORAGE_CLASSES`). */
export const STORAGE_CLASSES = [
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'GLACIER_IR',
  'OUTPOSTS',
] as const;

/** One entry of `Rules`: a replication rule on S to D. */
export interface ReplicationRule {
  /** `Id`: the rule's ID in S's replication configuration (1 to 255 characters). */
  readonly id: string;
  /**
   * `Priority`. A defaulted priority that another rule on S already uses moves to the next free
   * one; a given one that collides fails the request.
   *
   * @default - the rule's position in `rules`, counting from 1
   */
  readonly priority?: number;
  /**
   * `Prefix`: replicate only keys with this prefix.
   *
   * @default - every key
   */
  readonly prefix?: string;
  /**
   * `Tags`: replicate only objects with all these tags.
   *
   * @default - no tag filter
   */
  readonly tags?: Record<string, string>;
  /**
   * `DeleteMarkerReplication` (refused with `tags`: S3 does not replicate delete markers for
   * rules that filter on tags).
   *
   * @default false
   */
  readonly deleteMarkerReplication?: boolean;
  /**
   * `StorageClass` of the replicas.
   *
   * @default - the source object's class
   */
  readonly storageClass?: (typeof STORAGE_CLASSES)[number];
}

/** Properties of [[ReplicationSource]]: infra/source-account.yaml's parameters, typed (each names its parameter). */
export interface ReplicationSourceProps extends ReplicationCommonProps {
  /**
   * S (`SourceBucket`): the bucket in this account whose objects are replicated. It must exist;
   * versioning is turned on and our rule merged into its replication configuration. An
   * `IBucket` (created in this stack or imported), or its name.
   */
  readonly sourceBucket: BucketRef;
  /**
   * KA (`SourceKmsKeyArn`): the customer managed key in this account and S's region that S's
   * objects are encrypted under. A `kms.IKey` created in this stack or imported by key ARN, or
   * a key ARN; an alias in any form is refused at synth.
   */
  readonly sourceKmsKey: KeyRef;
  /** D (`DestinationBucket`): the bucket in account B, by name (or an imported `IBucket`). */
  readonly destinationBucket: BucketRef;
  /** B (`DestinationAccountId`): the account that owns D and KB. */
  readonly destinationAccountId: string;
  /**
   * KB (`DestinationKmsKeyArn`): the customer managed key in B and D's region that replicas are
   * encrypted under: its key ARN, or `kms.Key.fromKeyArn`; aliases are refused at synth.
   */
  readonly destinationKmsKey: KeyRef;
  /**
   * `RoleName`: the replication role to create or reuse in this account (an existing role may
   * live under any IAM path). The destination side's `replicationRoleArn` must name the same role.
   *
   * @default - `s3-kms-replication-<S>` (shortened with a hash past IAM's 64 characters); S must
   *   then be known at synth
   */
  readonly roleName?: string;
  /**
   * `RolePermissionsBoundary`: the managed policy set as the permissions boundary of the role
   * this resource creates (and kept on it by updates; removed when no longer given). The setup
   * function may set this boundary and no other. A role it did not create is not touched.
   *
   * @default - no boundary
   */
  readonly rolePermissionsBoundary?: string | iam.IManagedPolicy;
  /**
   * `RolePath`: the IAM path of the role this resource creates, such as `/service-role/`
   * (starts and ends with `/`, at most 512 printable ASCII characters). IAM cannot move a role:
   * changing it later fails the update unless `roleName` changes too. The destination side's
   * `replicationRoleArn` must carry the same path.
   *
   * @default '/'
   */
  readonly rolePath?: string;
  /**
   * `RoleTags`: tags of the role this resource creates, besides the setup function's own
   * management tag (IAM's rules: keys of 1 to 128 and values of up to 256 letters, digits,
   * spaces and `_.:/=+-@`; no `aws:` keys; at most 49).
   *
   * @default - none
   */
  readonly roleTags?: Record<string, string>;
  /**
   * `Rules`: the replication rules on S to D.
   *
   * @default - one whole-bucket rule, `s3-kms-replication-to-<D>`, priority 1
   */
  readonly rules?: ReplicationRule[];
  /**
   * `ReplicationTimeControl`: S3 RTC on the rule (replication metrics too; billed).
   *
   * @default false
   */
  readonly replicationTimeControl?: boolean;
  /**
   * `ReplicationMetrics`: replication metrics and events on the rule (the dashboard's AWS/S3
   * widgets; billed as custom metrics).
   *
   * @default true with `replicationEventsQueue` (S3 sends replication events only then), else false
   */
  readonly replicationMetrics?: boolean;
  /**
   * `ReplicationEventsQueueArn`: the verifier's queue (`ReplicationDestination.queue`, or its
   * ARN), to which S sends its `s3:Replication:*` events, so that the destination's
   * `ReplicationFailed` alarm sees S3's failures. The queue must be in S's region (S3 notifies
   * only within a region) and its policy must admit S (the destination's
   * `allowSourceReplicationEvents`, on by default). Refused with `replicationMetrics: false`.
   *
   * @default - not wired
   */
  readonly replicationEventsQueue?: string | sqs.IQueue;
  /**
   * `AlarmRuleId`: with `replicationMetrics` or `replicationTimeControl`, the rule (the AWS/S3
   * `RuleId` dimension) whose replication metrics the three S3 alarms watch.
   *
   * @default the first of this stack's rules (the whole-bucket rule without `rules`)
   */
  readonly alarmRuleId?: string;
  /**
   * `BucketKeyEnabled`: `true` lets the role and KA admit objects with and without S3 Bucket
   * Keys; `false` narrows them to objects without, and is refused at deploy when S's default
   * encryption enables Bucket Keys.
   *
   * @default true
   */
  readonly bucketKeyEnabled?: boolean;
  /**
   * `OwnerOverride`: give replica ownership to the destination account; `true` within one
   * account is refused.
   *
   * @default - not set: true across accounts
   */
  readonly ownerOverride?: boolean;
  /**
   * `ReplicateTags`: `false` replicates objects without their tags (the role gets neither
   * `s3:GetObjectVersionTagging` nor `s3:ReplicateTags`); refused beside a rule with `tags`.
   *
   * @default true
   */
  readonly replicateTags?: boolean;
  /**
   * `RoleTrustConditions`: add `aws:SourceAccount` and `aws:SourceArn` to the trust policy of a
   * role this resource creates. Confirm on a test account first (README, live mode).
   *
   * @default false
   */
  readonly roleTrustConditions?: boolean;
  /**
   * `Canary`: after Create and Update, write a small object under the first rule's prefix and
   * wait up to a minute for it to replicate; FAILED fails the stack operation.
   *
   * @default false
   */
  readonly canary?: boolean;
  /**
   * `BatchReplicationReportBucket`: a bucket of this account, in S's region and other than S,
   * for S3 Batch Replication's generated manifests and completion reports. Given, the stack
   * creates `BatchReplicationRole`, the least-privilege role that `replication-doctor redrive`
   * and `backfill` jobs run under (`batchReplicationRoleArn`).
   *
   * @default - no Batch Replication role
   */
  readonly batchReplicationReportBucket?: BucketRef;
  /**
   * `ReplicateExistingObjects`: after Create (after the canary), start one S3 Batch Replication
   * job for S's never-replicated (`NONE`) objects under `BatchReplicationRole`, without waiting
   * for it (`existingObjectsJobId`). Needs `batchReplicationReportBucket`. An Update that keeps
   * it on starts no second job; a job that cannot be started fails the stack operation.
   *
   * @default false
   */
  readonly replicateExistingObjects?: boolean;
  /**
   * `DeployTimeChecks`: after writing, run the doctor's checks on this side and fail the
   * request with the findings.
   *
   * @default - not set (the function's default, true)
   */
  readonly deployTimeChecks?: boolean;
  /**
   * `DestinationAccessRoleArn`: single-stack mode, a role in B that the setup function assumes
   * to write D's versioning, D's bucket policy and KB's key policy too (the function then gets
   * `sts:AssumeRole` on it). It creates nothing in B: the verifier, its queue and the alarms
   * come only with a ReplicationDestination.
   *
   * @default - none: account B deploys a ReplicationDestination
   */
  readonly destinationAccessRoleArn?: string;
  /**
   * `Liveness` (with `scheduledCheck`): each scheduled run writes one new version of the
   * liveness canary in S and removes the older ones; the destination side alarms when no
   * replica of it is verified. Set `liveness` on the destination side too, with the same period.
   *
   * @default false
   */
  readonly liveness?: boolean;
  /**
   * The function's application log level (`LogLevel`). It writes no metrics on this side except
   * the scheduled check's EMF lines, which carry no level: with `scheduledCheck`, WARN, ERROR and
   * FATAL are refused at synth (Lambda would drop those lines).
   *
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
}

const KIND = 'ReplicationSource';

/**
 * Account A's side of one replication pair (S in A → D in B): infra/source-account.yaml,
 * included with its parameters set from these props (checked at synth): `replication-setup` and
 * its `Custom::ReplicationSource` (versioning on S, the replication role and this pair's inline
 * policy, our statement in KA's key policy, the rules on S); optionally the scheduled check
 * (with liveness) and its alarms.
 */
export class ReplicationSource extends Construct {
  /** The included template (its resources by the template's logical ids: `getResource('SetupRole')`). */
  public readonly template: CfnInclude;
  /** The template's parameters as this construct sets them (every one of them). */
  public readonly parameters: Record<string, string>;
  /** The `Custom::ReplicationSource` resource (the template's `Replication`). */
  public readonly resource: CfnResource;
  /** `replication-setup`: the custom resource's ServiceToken. */
  public readonly setupFunction: lambda.IFunction;
  /** The scheduled check's schedule, with `scheduledCheck`. */
  public readonly schedule?: scheduler.CfnSchedule;
  /** The scheduled check's `ReplicationSetupFindings` alarm, with `scheduledCheck`. */
  public readonly setupFindingsAlarm?: cloudwatch.IAlarm;
  /** The scheduled check's missed-run alarm (`ReplicationSetupCheckMissed`), with `scheduledCheck`. */
  public readonly setupCheckMissedAlarm?: cloudwatch.IAlarm;
  /** The scheduled check's `ReplicationSetupUnchecked` alarm (checks it could not evaluate), with `scheduledCheck`. */
  public readonly setupUncheckedAlarm?: cloudwatch.IAlarm;
  /** The setup function's AWS/Lambda `Errors` alarm, with `scheduledCheck`. */
  public readonly setupErrorsAlarm?: cloudwatch.IAlarm;
  /** S3's AWS/S3 `OperationsFailedReplication` alarm (Sum > 0), with `replicationMetrics` or `replicationTimeControl`. */
  public readonly s3OperationsFailedReplicationAlarm?: cloudwatch.IAlarm;
  /** S3's AWS/S3 `ReplicationLatency` alarm (Maximum > 900 s), with `replicationMetrics` or `replicationTimeControl`. */
  public readonly s3ReplicationLatencyAlarm?: cloudwatch.IAlarm;
  /** S3's AWS/S3 `OperationsPendingReplication` alarm (Minimum > 0 for an hour), with `replicationMetrics` or `replicationTimeControl`. */
  public readonly s3OperationsPendingReplicationAlarm?: cloudwatch.IAlarm;
  /** The role name the setup function's IAM statements are scoped to. */
  public readonly scopedRoleName: string;

  /** The role S3 Batch Replication jobs run under, with `batchReplicationReportBucket`. */
  public readonly batchReplicationRoleArn?: string;
  /** `Data.ExistingObjectsJobId`: the Batch Replication job of `replicateExistingObjects`. */
  public readonly existingObjectsJobId?: string;

  /** `Data.RoleArn`: the replication role (the destination side's `replicationRoleArn`). */
  public readonly roleArn: string;
  /** `Data.RoleName`. */
  public readonly roleName: string;
  /** `Data.RoleCreatedByThisResource`: `"true"` or `"false"`. */
  public readonly roleCreatedByThisResource: string;
  /** `Data.RuleIds`: the Ids of the rules this resource manages on S, comma-separated. */
  public readonly ruleIds: string;
  /** `Data.SidPrefix`: Sid prefix of the statement added to KA's key policy. */
  public readonly sidPrefix: string;
  /** `Data.RolePolicyName`: this pair's inline policy on the role. */
  public readonly rolePolicyName: string;
  /** `Data.SourceBucketArn`. */
  public readonly sourceBucketArn: string;
  /** `Data.DestinationBucketArn`. */
  public readonly destinationBucketArn: string;
  /** `Data.SourceKmsKeyArn`: KA as DescribeKey reports it. */
  public readonly sourceKmsKeyArn: string;
  /** `Data.DestinationKmsKeyArn`. */
  public readonly destinationKmsKeyArn: string;
  /** `Data.SourceVersioningWasEnabled`: `"true"` or `"false"`. */
  public readonly sourceVersioningWasEnabled: string;
  /** `Data.SourceDefaultEncryption`: `aws:kms`, `AES256`, … or `none`. */
  public readonly sourceDefaultEncryption: string;
  /** `Data.SourceDefaultKmsKeyId` (empty without one). */
  public readonly sourceDefaultKmsKeyId: string;
  /** `Data.SourceBucketKeyEnabled`: `"true"` or `"false"`. */
  public readonly sourceBucketKeyEnabled: string;
  /**
   * `Data.SourceEncryptionWarning`: why objects written under S's default encryption would not
   * replicate as SSE-KMS under KB (SSE-S3, DSSE-KMS, another key), or `""`.
   */
  public readonly sourceEncryptionWarning: string;
  /**
   * `Data.SourceKeyPolicyStatements`: with `policyWrites: 'Report'`, the statements KA's key
   * policy must hold, as compact JSON text of an array; `""` with `'Apply'`.
   */
  public readonly sourceKeyPolicyStatements: string;

  constructor(scope: Construct, id: string, props: ReplicationSourceProps) {
    super(scope, id);
    const kind = describe(this, KIND);
    const stack = Stack.of(this);

    const sourceBucket = bucketNameOf(kind, 'sourceBucket', props.sourceBucket);
    const sourceKey = keyArnOf(kind, 'sourceKmsKey', props.sourceKmsKey);
    const sourceKeyParts = keyArnParts(sourceKey);
    if (sourceKeyParts && !Token.isUnresolved(stack.account) && sourceKeyParts.account !== stack.account) {
      refuse(
        kind,
        'sourceKmsKey',
        `the key is in account ${sourceKeyParts.account}, but this stack deploys to ${stack.account}`,
        "give a customer managed key of the source account (this stack's)",
      );
    }
    const destinationBucket = bucketNameOf(kind, 'destinationBucket', props.destinationBucket);
    const reportBucket = props.batchReplicationReportBucket
      ? bucketNameOf(kind, 'batchReplicationReportBucket', props.batchReplicationReportBucket)
      : '';
    if (props.replicateExistingObjects && !reportBucket) {
      refuse(kind, 'replicateExistingObjects', 'true without batchReplicationReportBucket, the bucket of the job\'s manifest and completion report', 'set batchReplicationReportBucket too');
    }
    const destinationAccountId = accountIdOf(kind, 'destinationAccountId', props.destinationAccountId);
    const destinationKey = keyArnOf(kind, 'destinationKmsKey', props.destinationKmsKey);
    const destinationKeyParts = keyArnParts(destinationKey);
    if (destinationKeyParts && !Token.isUnresolved(destinationAccountId) && destinationKeyParts.account !== destinationAccountId) {
      refuse(
        kind,
        'destinationKmsKey',
        `the key belongs to account ${destinationKeyParts.account} but destinationAccountId is ${destinationAccountId}`,
        'use a key owned by the destination account',
      );
    }
    if (props.roleName !== undefined && !Token.isUnresolved(props.roleName) && !/^[A-Za-z0-9+=,.@_-]{1,64}$/.test(props.roleName)) {
      refuse(kind, 'roleName', `${JSON.stringify(props.roleName)} is not an IAM role name`, 'use 1 to 64 of letters, digits and +=,.@_-');
    }
    if (props.roleName === undefined && Token.isUnresolved(sourceBucket)) {
      refuse(
        kind,
        'roleName',
        "not given, and sourceBucket's name is not known at synth, so the default role name (derived from it) cannot be computed for the setup function's IAM scope",
        'give roleName, or sourceBucket by its literal name',
      );
    }
    this.scopedRoleName = props.roleName ?? defaultReplicationRoleName(sourceBucket);
    // The template scopes to s3-kms-replication-<S> without RoleName; past 45 characters the
    // function shortens that with a hash the template cannot compute, so it is given here.
    const roleNameParameter =
      props.roleName ?? (this.scopedRoleName === `${DEFAULT_ROLE_PREFIX}${sourceBucket}` ? '' : this.scopedRoleName);
    const accessRole = props.destinationAccessRoleArn;
    if (accessRole !== undefined && !Token.isUnresolved(accessRole)) {
      const m = ROLE_ARN.exec(accessRole);
      if (!m) refuse(kind, 'destinationAccessRoleArn', `${JSON.stringify(accessRole)} is not an IAM role ARN`, 'give arn:aws:iam::<destination account>:role/<name>');
      if (!Token.isUnresolved(destinationAccountId) && m[1] !== destinationAccountId) {
        refuse(
          kind,
          'destinationAccessRoleArn',
          `the role is in account ${m[1]} but destinationAccountId is ${destinationAccountId}`,
          'give a role in the destination account that this function may assume',
        );
      }
    }
    if (props.ownerOverride === true && !Token.isUnresolved(stack.account) && !Token.isUnresolved(destinationAccountId) && stack.account === destinationAccountId) {
      refuse(
        kind,
        'ownerOverride',
        `true, but the destination account is this stack's account (${stack.account}); S3 adds owner override only when different accounts own the buckets`,
        'remove ownerOverride (it defaults to false within one account)',
      );
    }
    const boundary = props.rolePermissionsBoundary === undefined || typeof props.rolePermissionsBoundary === 'string'
      ? props.rolePermissionsBoundary
      : props.rolePermissionsBoundary.managedPolicyArn;
    if (boundary !== undefined && !Token.isUnresolved(boundary) && !POLICY_ARN.test(boundary)) {
      refuse(kind, 'rolePermissionsBoundary', `${JSON.stringify(boundary)} is not an IAM managed policy ARN`, 'give the managed policy, or its ARN: arn:aws:iam::<account>:policy/<path><name>');
    }
    const rolePath = props.rolePath;
    if (rolePath !== undefined && !Token.isUnresolved(rolePath) && !validRolePath(rolePath)) {
      refuse(kind, 'rolePath', `${JSON.stringify(rolePath)} is not an IAM path`, 'use / or a path that starts and ends with /, such as /service-role/ (at most 512 printable ASCII characters, no spaces, no //)');
    }
    const roleTags = props.roleTags === undefined ? undefined : roleTagsProperty(kind, props.roleTags);
    const replicateTags = props.replicateTags ?? true;
    const rules = props.rules === undefined ? undefined : rulesProperty(kind, props.rules, replicateTags);

    const prefix = namePrefixOf(this, kind, props.namePrefix);
    const logLevel = props.logLevel ?? 'INFO';
    if (!['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].includes(logLevel)) {
      refuse(kind, 'logLevel', `${JSON.stringify(logLevel)} is not a Lambda log level`, 'use TRACE, DEBUG, INFO, WARN, ERROR or FATAL');
    }
    const scheduled = props.scheduledCheck ?? false;
    const liveness = props.liveness ?? false;
    if (liveness && !scheduled) {
      refuse(kind, 'liveness', 'true without scheduledCheck; the liveness canary is written by the scheduled check', 'set scheduledCheck: true too');
    }
    const checkPeriod = checkPeriodOf(kind, props.checkSchedule ?? 'rate(1 hour)', props.checkPeriod);
    if (scheduled && !['TRACE', 'DEBUG', 'INFO'].includes(logLevel)) {
      // Lambda's JSON log format files a line without a "level" (the check's EMF metric
      // documents) as INFO and drops it below the application log level (the template's
      // ScheduledCheckNeedsInfoLogs rule).
      refuse(
        kind,
        'logLevel',
        `${logLevel} with scheduledCheck would make Lambda drop the scheduled check's EMF metric lines, which carry no level, and its alarms would see no data`,
        'use TRACE, DEBUG or INFO while scheduledCheck is on (infra/README.md, Logging)',
      );
    }
    const eventsQueue =
      props.replicationEventsQueue === undefined || typeof props.replicationEventsQueue === 'string'
        ? props.replicationEventsQueue
        : props.replicationEventsQueue.queueArn;
    const replicationMetrics = props.replicationMetrics ?? eventsQueue !== undefined;
    if (eventsQueue !== undefined && !replicationMetrics && !(props.replicationTimeControl ?? false)) {
      refuse(
        kind,
        'replicationEventsQueue',
        'set with replicationMetrics: false; S3 sends s3:Replication:* events only for rules with replication metrics on',
        'remove replicationMetrics: false (it defaults to true with replicationEventsQueue), or remove replicationEventsQueue',
      );
    }
    if (eventsQueue !== undefined && !Token.isUnresolved(eventsQueue) && !/^arn:[a-z-]+:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,80}$/.test(eventsQueue)) {
      refuse(kind, 'replicationEventsQueue', `${JSON.stringify(eventsQueue)} is not an SQS queue ARN`, 'give the queue, or its ARN (not its URL): arn:aws:sqs:<S\'s region>:<account>:<name>');
    }
    const architecture = architectureOf(kind, props.architecture);
    const code = new BoundCode(this, { 'replication-setup': replicationCode(kind, 'replication-setup', architecture, props.code) });

    this.parameters = {
      SourceBucket: sourceBucket,
      SourceKmsKeyArn: sourceKey,
      DestinationBucket: destinationBucket,
      DestinationAccountId: destinationAccountId,
      DestinationKmsKeyArn: destinationKey,
      RoleName: roleNameParameter,
      RolePermissionsBoundary: boundary ?? '',
      RolePath: rolePath ?? '',
      RoleTags: roleTags === undefined ? '' : JSON.stringify(roleTags),
      Rules: rules === undefined ? '' : JSON.stringify(rules),
      ReplicationTimeControl: param(props.replicationTimeControl ?? false),
      ReplicationMetrics: param(replicationMetrics),
      ReplicationEventsQueueArn: eventsQueue ?? '',
      AlarmRuleId: props.alarmRuleId ?? '',
      BucketKeyEnabled: param(props.bucketKeyEnabled ?? true),
      OwnerOverride: param(props.ownerOverride),
      ReplicateTags: param(replicateTags),
      RoleTrustConditions: param(props.roleTrustConditions ?? false),
      Canary: param(props.canary ?? false),
      BatchReplicationReportBucket: reportBucket,
      ReplicateExistingObjects: param(props.replicateExistingObjects ?? false),
      DeployTimeChecks: param(props.deployTimeChecks),
      DestinationAccessRoleArn: accessRole ?? '',
      Liveness: param(liveness),
      ...commonParameters(kind, props, checkPeriod, logLevel),
      ...code.parameters(),
    };
    this.template = includeTemplate(this, kind, 'source-account', this.parameters, pseudoParameters(this, prefix));
    const t = this.template;
    code.bindToResources({ 'replication-setup': t.getResource('SetupFunction') });
    acknowledgeTemplate(t, 'source-account');

    this.resource = t.getResource('Replication');
    this.setupFunction = includedFunction(this, 'SetupFunctionRef', t.getResource('SetupFunction'));
    const att = (name: string) => this.resource.getAtt(name).toString();
    this.roleArn = att('RoleArn');
    if (reportBucket) this.batchReplicationRoleArn = t.getResource('BatchReplicationRole').getAtt('Arn').toString();
    if (reportBucket && props.replicateExistingObjects) this.existingObjectsJobId = att('ExistingObjectsJobId');
    this.roleName = att('RoleName');
    this.roleCreatedByThisResource = att('RoleCreatedByThisResource');
    this.ruleIds = att('RuleIds');
    this.sidPrefix = att('SidPrefix');
    this.rolePolicyName = att('RolePolicyName');
    this.sourceBucketArn = att('SourceBucketArn');
    this.destinationBucketArn = att('DestinationBucketArn');
    this.sourceKmsKeyArn = att('SourceKmsKeyArn');
    this.destinationKmsKeyArn = att('DestinationKmsKeyArn');
    this.sourceVersioningWasEnabled = att('SourceVersioningWasEnabled');
    this.sourceDefaultEncryption = att('SourceDefaultEncryption');
    this.sourceDefaultKmsKeyId = att('SourceDefaultKmsKeyId');
    this.sourceBucketKeyEnabled = att('SourceBucketKeyEnabled');
    this.sourceEncryptionWarning = att('SourceEncryptionWarning');
    this.sourceKeyPolicyStatements = att('SourceKeyPolicyStatements');

    if (scheduled) {
      this.schedule = t.getResource('ScheduledCheckSchedule') as scheduler.CfnSchedule;
      const alarms = scheduledCheckAlarms(this, t);
      this.setupFindingsAlarm = alarms.replicationSetupFindings;
      this.setupCheckMissedAlarm = alarms.replicationSetupMissed;
      this.setupUncheckedAlarm = alarms.replicationSetupUnchecked;
      this.setupErrorsAlarm = alarms.setupFunctionErrors;
    }
    if (props.replicationMetrics === true || props.replicationTimeControl === true) {
      const a = (logicalId: string) => includedAlarm(this, `${logicalId}Ref`, t.getResource(logicalId));
      this.s3OperationsFailedReplicationAlarm = a('S3FailedReplicationAlarm');
      this.s3ReplicationLatencyAlarm = a('S3ReplicationLatencyAlarm');
      this.s3OperationsPendingReplicationAlarm = a('S3PendingReplicationAlarm');
    }
  }
}

/** `Rules`, checked like the setup function's parser: the list the `Rules` parameter carries as JSON text (every scalar a string). */
function rulesProperty(kind: string, rules: ReplicationRule[], replicateTags: boolean): Record<string, unknown>[] {
  if (rules.length === 0) {
    refuse(kind, 'rules', 'empty list', 'omit rules for one whole-bucket rule, or list at least one rule');
  }
  const ids = new Set<string>();
  const priorities = new Set<number>();
  return rules.map((rule, i) => {
    const at = `rules[${i}]`;
    if (rule.id.length === 0 || [...rule.id].length > 255) refuse(kind, `${at}.id`, 'empty or longer than 255 characters', 'give a rule Id of 1 to 255 characters');
    if (ids.has(rule.id)) refuse(kind, `${at}.id`, `rule Id ${JSON.stringify(rule.id)} is used twice`, 'give each rule its own Id');
    ids.add(rule.id);
    const priority = rule.priority ?? i + 1;
    if (!Number.isInteger(priority) || priority < 0 || priority > 2147483647) {
      refuse(kind, `${at}.priority`, `${priority} is not a valid priority`, 'use a whole number from 0 to 2147483647');
    }
    if (priorities.has(priority)) {
      refuse(kind, `${at}.priority`, `priority ${priority} is used twice; S3 rejects rules of equal priority`, 'give each rule its own priority');
    }
    priorities.add(priority);
    const tags = Object.entries(rule.tags ?? {});
    if (rule.deleteMarkerReplication && tags.length > 0) {
      refuse(kind, `${at}.deleteMarkerReplication`, 'S3 does not replicate delete markers for rules that filter on tags', 'set it to false, or filter by prefix only');
    }
    if (!replicateTags && tags.length > 0) {
      refuse(
        kind,
        `${at}.tags`,
        `rule ${JSON.stringify(rule.id)} selects objects by their tags, but replicateTags false withholds s3:GetObjectVersionTagging, the permission to read them`,
        'set replicateTags to true, or select by prefix only',
      );
    }
    if (rule.storageClass !== undefined && !(STORAGE_CLASSES as readonly string[]).includes(rule.storageClass)) {
      refuse(kind, `${at}.storageClass`, `unknown storage class ${JSON.stringify(rule.storageClass)}`, `use one of ${STORAGE_CLASSES.join(', ')}`);
    }
    return {
      Id: rule.id,
      ...(rule.priority !== undefined ? { Priority: String(rule.priority) } : {}),
      ...(rule.prefix !== undefined ? { Prefix: rule.prefix } : {}),
      ...(tags.length > 0 ? { Tags: tags.map(([Key, Value]) => ({ Key, Value })) } : {}),
      ...(rule.deleteMarkerReplication !== undefined ? { DeleteMarkerReplication: param(rule.deleteMarkerReplication) } : {}),
      ...(rule.storageClass !== undefined ? { StorageClass: rule.storageClass } : {}),
    };
  });
}

/** An IAM managed policy ARN (replication-core `PolicyArn`). */
const POLICY_ARN = /^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy\/([\x21-\x7E]*\/)?[A-Za-z0-9+=,.@_-]{1,128}$/;

/** IAM's rules for a path (replication-core `validate_role_path`). */
function validRolePath(path: string): boolean {
  return path.length >= 1 && path.length <= 512 && /^\/([\x21-\x7E]*\/)?$/.test(path) && !path.includes('//');
}

/** `RoleTags`, checked by IAM's tag rules as the setup function checks them. */
function roleTagsProperty(kind: string, tags: Record<string, string>): Record<string, string> {
  const entries = Object.entries(tags);
  const text = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
  const seen = new Set<string>();
  for (const [key, value] of entries) {
    if (Token.isUnresolved(key) || Token.isUnresolved(value)) continue;
    if (key.length < 1 || key.length > 128 || value.length > 256 || !text.test(key) || !text.test(value)) {
      refuse(kind, 'roleTags', `tag ${JSON.stringify(key)} is not a valid IAM tag`, 'use keys of 1 to 128 and values of up to 256 characters, each a letter, digit, space or one of _.:/=+-@');
    }
    if (key.toLowerCase().startsWith('aws:')) {
      refuse(kind, 'roleTags', `tag ${JSON.stringify(key)} uses the prefix aws:, which AWS reserves`, 'choose a key that does not start with aws:');
    }
    if (key.toLowerCase() === 's3-kms-replication:managed') {
      refuse(kind, 'roleTags', `tag ${JSON.stringify(key)} is the tag by which s3-kms-replication knows the roles it created`, 'remove it; the setup function sets it on the roles it creates');
    }
    if (seen.has(key.toLowerCase())) {
      refuse(kind, 'roleTags', `tag key ${JSON.stringify(key)} appears twice (IAM tag keys ignore case)`, 'list each tag key once');
    }
    seen.add(key.toLowerCase());
  }
  if (entries.length > 49) {
    refuse(kind, 'roleTags', `${entries.length} tags; IAM allows 50 on a role, one of which s3-kms-replication sets`, 'give at most 49 tags');
  }
  return tags;
}
