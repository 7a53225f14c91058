/**
 * `ReplicationDestination`: account B's side, the CDK twin of infra/destination-account.yaml.
 */
import { CustomResource, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { replicationFunction } from './code';
import {
  alarm,
  bucketArn,
  functionLogGroup,
  LAMBDA_TRUST,
  loggingOptions,
  logsStatement,
  namePrefixOf,
  partitionOf,
  type ReplicationCommonProps,
  checkPeriodOf,
  scheduledCheck,
  scheduledCheckAlarms,
  type ScheduledCheckAlarms,
  setTracing,
  skipSetupFunctionChecks,
  statement,
  tracingOf,
  XRAY_REASON,
  xrayStatements,
} from './common';
import { dashboardBody } from './dashboard';
import { acknowledgeNag, acknowledgeWildcardResources, FUNCTION_SKIPS, skipCheckov } from './nag';
import {
  accountIdOf,
  type BucketRef,
  bucketNameOf,
  defaultReplicationRoleName,
  describe,
  flag,
  type KeyRef,
  keyArnOf,
  keyArnParts,
  refuse,
  ROLE_ARN,
} from './refs';

/** How the verifier publishes its metrics (`METRICS_SINK`). */
export type MetricsSink = 'emf' | 'cloudwatch' | 'both';

/** Liveness periods the template offers (`LivenessPeriod`), in seconds. */
export const LIVENESS_PERIODS = [300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** Properties of [[ReplicationDestination]]: `Custom::ReplicationDestination`'s, in camelCase, and the template's parameters. */
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
   * The replication role in A (`ReplicationRoleArn`), which D's bucket policy and KB's key
   * policy then allow (it need not exist yet). Give the source side's role ARN, path included,
   * when its `roleName` is not the default.
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
   * `AllowSourceReplicationEvents`: also let S (in this region) send its `s3:Replication:*`
   * events to the verifier's queue, so that `ReplicationFailed` is counted here.
   *
   * @default false
   */
  readonly allowSourceReplicationEvents?: boolean;
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
   * `<prefix>.s3-kms-replication-canary/liveness`).
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
  readonly replicaWrongKey: cloudwatch.Alarm;
  /** `ReplicaNotKmsEncrypted`: a replica that is not SSE-KMS. */
  readonly replicaNotKmsEncrypted: cloudwatch.Alarm;
  /** `ReplicaNotReplica`: an object in D not marked REPLICA. */
  readonly replicaNotReplica: cloudwatch.Alarm;
  /** `ReplicaBucketKeyMismatch`: a replica whose S3 Bucket Key state is not the expected one. */
  readonly replicaBucketKeyMismatch: cloudwatch.Alarm;
  /** `ReplicaMissing`: a replica the verifier was told about is not in D. */
  readonly replicaMissing: cloudwatch.Alarm;
  /** `ReplicaCheckRejected`: S3 refused the verifier's HeadObject itself. */
  readonly replicaCheckRejected: cloudwatch.Alarm;
  /** `VerificationErrors`: the verifier could not check replicas. */
  readonly verificationErrors: cloudwatch.Alarm;
  /** `ReplicationFailed`: S3 reported OperationFailedReplication. */
  readonly replicationFailed: cloudwatch.Alarm;
  /** The DLQ's `ApproximateNumberOfMessagesVisible` Maximum > 0. */
  readonly deadLetterQueueDepth: cloudwatch.Alarm;
  /**
   * `ReplicationSetupFindings` per `checkPeriod`, missing data breaching.
   *
   * @default - none without `scheduledCheck`
   */
  readonly replicationSetupFindings?: cloudwatch.Alarm;
  /**
   * `ReplicationSetupUnchecked` per `checkPeriod`.
   *
   * @default - none without `scheduledCheck`
   */
  readonly replicationSetupUnchecked?: cloudwatch.Alarm;
  /**
   * The setup function's AWS/Lambda `Errors`.
   *
   * @default - none without `scheduledCheck`
   */
  readonly setupFunctionErrors?: cloudwatch.Alarm;
  /**
   * `CanaryReplicaVerified` Sum < 1 for `livenessMissedPeriods` periods, missing data breaching.
   *
   * @default - none without `liveness`
   */
  readonly canaryReplicaVerified?: cloudwatch.Alarm;
}

const KIND = 'ReplicationDestination';

const AUDIT_REASON =
  "S3 Batch Operations reads any manifest object (an inventory's manifest.json and its CSV files) and writes its completion report under a job-specific key (S3 User Guide, batch-ops-iam-role-policies); the manifest and report buckets' objects are all this role can reach.";

/**
 * Account B's side of one replication pair (S in A → D in B), what
 * infra/destination-account.yaml deploys: `replication-setup` and its
 * `Custom::ReplicationDestination` (versioning on D, our statements merged into D's bucket policy
 * and KB's key policy, D's `s3:ObjectCreated:*` notifications to the queue), `replica-verifier`
 * behind an SQS queue with a DLQ and an event source mapping (`ReportBatchItemFailures`), nine
 * alarms and a dashboard; optionally the scheduled check, liveness and the audit role.
 */
export class ReplicationDestination extends Construct {
  /** The `Custom::ReplicationDestination` resource. */
  public readonly resource: CustomResource;
  /** `replication-setup`: the custom resource's ServiceToken. */
  public readonly setupFunction: lambda.Function;
  /** `replica-verifier`. */
  public readonly verifierFunction: lambda.Function;
  /** The verifier's queue (D's `s3:ObjectCreated:*` notifications). */
  public readonly queue: sqs.Queue;
  /** The queue's dead-letter queue. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The queue → verifier event source mapping. */
  public readonly eventSourceMapping: lambda.EventSourceMapping;
  /** The CloudWatch dashboard (named `<namePrefix>`). */
  public readonly dashboard: cloudwatch.CfnDashboard;
  /** The alarms, by the metric they watch. */
  public readonly alarms: ReplicationDestinationAlarms;
  /** The scheduled check's schedule, with `scheduledCheck`. */
  public readonly schedule?: scheduler.CfnSchedule;
  /** The S3 Batch Operations audit role, with `enableReplicaAudit`. */
  public readonly replicaAuditRole?: iam.Role;
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

  /** The custom resource's properties, as CloudFormation passes them (every value a string). */
  public readonly properties: Record<string, string>;

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
    const replicationRoleArn = props.replicationRoleArn ?? defaultRoleArn(kind, partitionOf(this), sourceAccountId, sourceBucket);
    if (!Token.isUnresolved(replicationRoleArn)) {
      const m = ROLE_ARN.exec(replicationRoleArn);
      if (!m) {
        refuse(kind, 'replicationRoleArn', `${JSON.stringify(replicationRoleArn)} is not an IAM role ARN`, 'give arn:aws:iam::<source account>:role/<path/><name>');
      }
      if (!Token.isUnresolved(sourceAccountId) && m[1] !== sourceAccountId) {
        refuse(
          kind,
          'replicationRoleArn',
          `the role is in account ${m[1]} but sourceAccountId is ${sourceAccountId}`,
          'give the replication role of the source account (by default arn:aws:iam::<sourceAccountId>:role/s3-kms-replication-<sourceBucket>)',
        );
      }
    }

    const prefix = namePrefixOf(this, kind, props.namePrefix);
    const namespace = props.metricsNamespace ?? 'S3KmsReplication';
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
    const architecture = props.architecture ?? lambda.Architecture.ARM_64;
    const tracing = tracingOf(kind, props.tracing);
    const concurrency = props.verifierReservedConcurrency ?? 10;
    if (!Number.isInteger(concurrency) || concurrency < 0 || concurrency === 1 || concurrency > 1000) {
      refuse(
        kind,
        'verifierReservedConcurrency',
        `${concurrency} is not 0 or a whole number from 2 to 1000`,
        'use 0 (no reservation) or 2 to 1000: the event source mapping is capped at the same number and needs at least 2',
      );
    }
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
    const checkPeriod = checkPeriodOf(kind, props.checkSchedule ?? 'rate(1 hour)', props.checkPeriod);
    const dArn = bucketArn(this, destinationBucket);

    // ------------------------------------------------------------ replication-setup
    const setupName = `${prefix}-setup`;
    const setupLogGroup = functionLogGroup(this, 'SetupLogGroup', setupName, props.logRetention);
    const setupStatements = [
      logsStatement(setupLogGroup),
      statement(
        'DestinationBucket',
        [
          's3:GetBucketLocation',
          's3:GetBucketVersioning',
          's3:PutBucketVersioning',
          's3:GetEncryptionConfiguration',
          's3:GetBucketPolicy',
          's3:PutBucketPolicy',
          's3:DeleteBucketPolicy',
          's3:GetBucketNotification',
          's3:PutBucketNotification',
        ],
        [dArn],
      ),
      statement('DestinationKey', ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy'], [keyArn]),
    ];
    if (liveness) {
      setupStatements.push(
        statement('LivenessCanaryReplicaVersions', ['s3:ListBucketVersions'], [dArn], {
          StringLike: { 's3:prefix': '*.s3-kms-replication-canary/liveness' },
        }),
        statement('LivenessCanaryReplicaDelete', ['s3:DeleteObjectVersion'], [`${dArn}/*.s3-kms-replication-canary/liveness`]),
      );
    }
    setupStatements.push(...xrayStatements(tracing));
    const setupRole = new iam.Role(this, 'SetupRole', {
      description: 'replication-setup (Custom::ReplicationDestination), scoped to D and KB',
      assumedBy: LAMBDA_TRUST,
      inlinePolicies: { 'replication-destination': new iam.PolicyDocument({ statements: setupStatements }) },
    });
    acknowledgeWildcardResources(setupRole, {
      LivenessCanaryReplicaDelete:
        "Liveness: DeleteObjectVersion on one key pattern in D, the liveness canary's replica under whichever prefix the source's first rule has (<prefix>.s3-kms-replication-canary/liveness); the prefix is the source side's choice, hence the wildcard.",
      XRay: XRAY_REASON,
    });
    this.setupFunction = replicationFunction(this, 'SetupFunction', kind, 'replication-setup', architecture, props.code, {
      functionName: setupName,
      description: 's3-kms-replication replication-setup (CloudFormation custom resource, destination side)',
      memorySize: 128,
      timeout: Duration.seconds(300),
      role: setupRole,
      environment: { METRICS_NAMESPACE: namespace },
      logGroup: setupLogGroup,
      ...loggingOptions(logLevel),
    });
    skipSetupFunctionChecks(this.setupFunction);
    setTracing(this.setupFunction, tracing);

    // ------------------------------------------------------------ queue
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      // Longer than the queue's retention: a message keeps its original enqueue time.
      retentionPeriod: Duration.seconds(1209600),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      // AWS guidance: at least 6 x the consumer function's Timeout (60 s).
      visibilityTimeout: Duration.seconds(360),
      retentionPeriod: Duration.seconds(345600),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const queueSkip = {
      id: 'CKV_AWS_27',
      comment:
        "Encrypted at rest with SSE-SQS (SqsManagedSseEnabled: true); checkov's CKV_AWS_27 accepts only KmsMasterKeyId. A KMS key would have to be customer managed with a key policy for s3.amazonaws.com (S3 cannot use the aws/sqs key), one more policy to keep right for no gain in this design.",
    };
    skipCheckov(this.deadLetterQueue, [queueSkip]);
    skipCheckov(this.queue, [queueSkip]);
    acknowledgeNag(
      this.queue,
      'AwsSolutions-SQS4',
      'The queue policy is the reviewed one of infra/destination-account.yaml: only s3.amazonaws.com for D (aws:SourceArn, aws:SourceAccount) may send, and only the verifier role consumes. AWS does not document that S3 event delivery satisfies an aws:SecureTransport Deny, and a Deny it did not meet would silently stop every notification; SDK and CLI callers use HTTPS anyway.',
    );
    acknowledgeNag(
      this.deadLetterQueue,
      'AwsSolutions-SQS4',
      'The dead-letter queue has no resource policy: only SQS redrive from the verifier queue writes to it, and only principals of this account with an explicit IAM grant can read it, over the HTTPS SQS endpoints SDKs and the CLI use.',
    );
    const queuePolicy = new sqs.QueuePolicy(this, 'QueuePolicy', { queues: [this.queue] });
    queuePolicy.document.addStatements(
      new iam.PolicyStatement({
        sid: 'DestinationBucketNotifications',
        effect: iam.Effect.ALLOW,
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': dArn }, StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    if (props.allowSourceReplicationEvents ?? false) {
      queuePolicy.document.addStatements(
        new iam.PolicyStatement({
          sid: 'SourceBucketReplicationEvents',
          effect: iam.Effect.ALLOW,
          principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [this.queue.queueArn],
          conditions: {
            ArnEquals: { 'aws:SourceArn': bucketArn(this, sourceBucket) },
            StringEquals: { 'aws:SourceAccount': sourceAccountId },
          },
        }),
      );
    }

    // ------------------------------------------------------------ replica-verifier
    const verifierName = `${prefix}-verifier`;
    const verifierLogGroup = functionLogGroup(this, 'VerifierLogGroup', verifierName, props.logRetention);
    const verifierStatements = [
      logsStatement(verifierLogGroup),
      statement('HeadReplicas', ['s3:GetObject', 's3:GetObjectVersion'], [`${dArn}/*`]),
      // S3 API Reference, HeadObject, "Permissions": "If the object you request doesn't exist,
      // the error that Amazon S3 returns depends on whether you also have the s3:ListBucket
      // permission": 404 Not Found with it, 403 Forbidden without. Without it the verifier could
      // never report Missing (a 403 is an Error, retried into the DLQ). On D's bucket ARN only.
      statement('MissingIsNotFound', ['s3:ListBucket'], [dArn]),
      statement('ExpectedKey', ['kms:DescribeKey'], [keyArn]),
      statement(
        'Queue',
        ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
        [this.queue.queueArn],
      ),
    ];
    if (sink !== 'emf') {
      // PutMetricData supports no resource-level scoping; the namespace condition is the scope.
      verifierStatements.push(statement('Metrics', ['cloudwatch:PutMetricData'], ['*'], { StringEquals: { 'cloudwatch:namespace': namespace } }));
    }
    verifierStatements.push(...xrayStatements(tracing));
    const verifierRole = new iam.Role(this, 'VerifierRole', {
      description: "replica-verifier, scoped to D's objects, KB and the queue",
      assumedBy: LAMBDA_TRUST,
      inlinePolicies: { 'replica-verifier': new iam.PolicyDocument({ statements: verifierStatements }) },
    });
    acknowledgeWildcardResources(verifierRole, {
      HeadReplicas:
        "HeadObject (s3:GetObject, s3:GetObjectVersion) on every object of D is the verifier's job: any key may be a replica. No other bucket is readable, and the function never reads object bodies.",
      Metrics:
        'cloudwatch:PutMetricData supports no resource-level permissions (Resource "*" is the only form IAM accepts); the statement is scoped by its cloudwatch:namespace condition to the verifier namespace.',
      XRay: XRAY_REASON,
    });
    this.verifierFunction = replicationFunction(this, 'VerifierFunction', kind, 'replica-verifier', architecture, props.code, {
      functionName: verifierName,
      description: 's3-kms-replication replica-verifier (every replica SSE-KMS under KB)',
      memorySize: 128,
      timeout: Duration.seconds(60),
      role: verifierRole,
      logGroup: verifierLogGroup,
      ...loggingOptions(logLevel),
      environment: {
        EXPECTED_KMS_KEY_ARN: keyArn,
        METRICS_NAMESPACE: namespace,
        METRICS_SINK: sink,
        DESTINATION_BUCKET: destinationBucket,
      },
      reservedConcurrentExecutions: concurrency === 0 ? undefined : concurrency,
    });
    setTracing(this.verifierFunction, tracing);
    skipCheckov(this.verifierFunction, [
      FUNCTION_SKIPS.vpc,
      FUNCTION_SKIPS.environmentKms,
      FUNCTION_SKIPS.verifierDlq,
      ...(concurrency === 0
        ? [
            {
              id: 'CKV_AWS_115',
              comment:
                'verifierReservedConcurrency is 0 on purpose: this account cannot reserve concurrency (its quota leaves no room above the unreserved minimum of 10).',
            },
          ]
        : []),
    ]);
    this.eventSourceMapping = new lambda.EventSourceMapping(this, 'VerifierEventSource', {
      target: this.verifierFunction,
      eventSourceArn: this.queue.queueArn,
      batchSize: 10,
      reportBatchItemFailures: true,
      enabled: true,
      maxConcurrency: concurrency === 0 ? undefined : concurrency,
    });

    // ------------------------------------------------------------ the custom resource
    const properties: Record<string, string> = {
      DestinationBucket: destinationBucket,
      DestinationKmsKeyArn: keyArn,
      SourceAccountId: sourceAccountId,
      SourceBucket: sourceBucket,
      ReplicationRoleArn: replicationRoleArn,
      BucketKeyEnabled: flag(props.bucketKeyEnabled ?? true),
      NotificationQueueArn: this.queue.queueArn,
    };
    if (props.deployTimeChecks !== undefined) properties.DeployTimeChecks = flag(props.deployTimeChecks);
    this.properties = properties;
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.setupFunction.functionArn,
      resourceType: 'Custom::ReplicationDestination',
      // CloudFormation fails the operation if no answer arrives within ServiceTimeout (default
      // 3600 s). The function answers before its own 300 s timeout; 720 s also covers one
      // asynchronous retry of an attempt that died without answering.
      serviceTimeout: Duration.seconds(720),
      properties,
    });
    // S3 validates the queue policy (it sends s3:TestEvent) when the notification is put.
    this.resource.node.addDependency(queuePolicy);
    this.replicationRoleArn = this.resource.getAttString('ReplicationRoleArn');
    this.sidPrefix = this.resource.getAttString('SidPrefix');
    this.destinationBucketArn = this.resource.getAttString('DestinationBucketArn');
    this.destinationKmsKeyArn = this.resource.getAttString('DestinationKmsKeyArn');
    this.destinationVersioningWasEnabled = this.resource.getAttString('DestinationVersioningWasEnabled');
    this.destinationDefaultEncryption = this.resource.getAttString('DestinationDefaultEncryption');
    this.destinationDefaultKmsKeyId = this.resource.getAttString('DestinationDefaultKmsKeyId');
    this.destinationBucketKeyEnabled = this.resource.getAttString('DestinationBucketKeyEnabled');

    // ------------------------------------------------------------ audit (S3 Batch Operations)
    if (props.enableReplicaAudit ?? false) {
      const manifest = props.auditManifestBucket
        ? bucketNameOf(kind, 'auditManifestBucket', props.auditManifestBucket)
        : destinationBucket;
      const report = props.auditReportBucket ? bucketNameOf(kind, 'auditReportBucket', props.auditReportBucket) : destinationBucket;
      this.replicaAuditManifestBucket = manifest;
      this.replicaAuditReportBucket = report;
      this.replicaAuditRole = new iam.Role(this, 'ReplicaAuditRole', {
        description: 'S3 Batch Operations audit of D\'s replicas (invokes the verifier, reads the manifest, writes the report)',
        // No confused-deputy condition: the S3 User Guide documents neither aws:SourceAccount nor
        // aws:SourceArn for batchoperations.s3.amazonaws.com (infra/README.md, audit).
        assumedBy: new iam.ServicePrincipal('batchoperations.s3.amazonaws.com'),
        inlinePolicies: {
          'replica-audit': new iam.PolicyDocument({
            statements: [
              statement('InvokeVerifier', ['lambda:InvokeFunction'], [this.verifierFunction.functionArn]),
              statement('ReadManifest', ['s3:GetObject', 's3:GetObjectVersion'], [`${bucketArn(this, manifest)}/*`]),
              statement('WriteReport', ['s3:PutObject'], [`${bucketArn(this, report)}/*`]),
            ],
          }),
        },
      });
      acknowledgeWildcardResources(this.replicaAuditRole, {
        ReadManifest: AUDIT_REASON,
        WriteReport: AUDIT_REASON,
      });
    }

    // ------------------------------------------------------------ scheduled check, liveness
    const topic = props.alarmTopic;
    let checkAlarms: ScheduledCheckAlarms | undefined;
    let canary: cloudwatch.Alarm | undefined;
    if (scheduled) {
      const { schedule } = scheduledCheck(
        this,
        this.setupFunction,
        "The doctor's checks on the destination side of this replication",
        props.checkSchedule ?? 'rate(1 hour)',
        {
          ResourceType: 'Custom::ReplicationDestination',
          ResourceProperties: properties,
          Liveness: flag(liveness),
          LivenessCanaryPrefix: props.livenessCanaryPrefix ?? '',
        },
      );
      this.schedule = schedule;
      checkAlarms = scheduledCheckAlarms(this, {
        prefix,
        namespace,
        side: 'destination',
        sourceBucket,
        destinationBucket,
        setupFunction: this.setupFunction,
        periodSeconds: checkPeriod,
        topic,
      });
    }
    if (liveness) {
      canary = alarm(
        this,
        'CanaryReplicaAlarm',
        {
          alarmName: `${prefix}-CanaryReplicaVerified`,
          alarmDescription: `No replica of the liveness canary from ${sourceBucket} was verified in ${destinationBucket} for ${missed} periods: replication, or its notification to the verifier, has stopped. Run replication-doctor; the verifier's log names failed replications' causes.`,
          metric: new cloudwatch.Metric({
            namespace,
            metricName: 'CanaryReplicaVerified',
            dimensionsMap: { DestinationBucket: destinationBucket },
            statistic: 'Sum',
            period: Duration.seconds(livenessPeriod),
          }),
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          threshold: 1,
          evaluationPeriods: missed,
          // The verifier publishes CanaryReplicaVerified only when a canary replica is verified:
          // no data is the failure this alarm exists for.
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        },
        topic,
      );
    }

    // ------------------------------------------------------------ alarms
    const verdictAlarm = (alarmId: string, metricName: string, description: string) =>
      alarm(
        this,
        alarmId,
        {
          alarmName: `${prefix}-${metricName}`,
          alarmDescription: description,
          metric: new cloudwatch.Metric({
            namespace,
            metricName,
            dimensionsMap: { DestinationBucket: destinationBucket },
            statistic: 'Sum',
            period: Duration.seconds(300),
          }),
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          threshold: 0,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
        topic,
      );
    this.alarms = {
      replicaWrongKey: verdictAlarm(
        'ReplicaWrongKeyAlarm',
        'ReplicaWrongKey',
        `A replica in ${destinationBucket} is SSE-KMS under a key other than ${keyArn}.`,
      ),
      replicaNotKmsEncrypted: verdictAlarm(
        'ReplicaNotKmsEncryptedAlarm',
        'ReplicaNotKmsEncrypted',
        `A replica in ${destinationBucket} is not SSE-KMS (SSE-S3, DSSE-KMS or unencrypted).`,
      ),
      replicaNotReplica: verdictAlarm(
        'ReplicaNotReplicaAlarm',
        'ReplicaNotReplica',
        `An object in ${destinationBucket} is not marked REPLICA (x-amz-replication-status); it was written to D, not replicated into it.`,
      ),
      replicaBucketKeyMismatch: verdictAlarm(
        'ReplicaBucketKeyMismatchAlarm',
        'ReplicaBucketKeyMismatch',
        `A replica in ${destinationBucket} has an S3 Bucket Key state other than the verifier's EXPECTED_BUCKET_KEY.`,
      ),
      replicaMissing: verdictAlarm(
        'ReplicaMissingAlarm',
        'ReplicaMissing',
        `A replica the verifier was told about is not in ${destinationBucket} (HeadObject 404 after its bounded retries).`,
      ),
      replicaCheckRejected: verdictAlarm(
        'ReplicaCheckRejectedAlarm',
        'ReplicaCheckRejected',
        `S3 refused the verifier's HeadObject itself for an object in ${destinationBucket} (HTTP 400, 405 and the like, for a malformed version id, a key too long, a delete marker's version); its log line names it.`,
      ),
      verificationErrors: verdictAlarm(
        'VerificationErrorsAlarm',
        'VerificationErrors',
        `The verifier could not check replicas in ${destinationBucket} (access denied, throttling); they are retried, then go to the DLQ.`,
      ),
      replicationFailed: verdictAlarm(
        'ReplicationFailedAlarm',
        'ReplicationFailed',
        `S3 reported OperationFailedReplication for objects replicated from ${sourceBucket} to ${destinationBucket}.`,
      ),
      deadLetterQueueDepth: alarm(
        this,
        'DeadLetterQueueAlarm',
        {
          alarmName: `${prefix}-DeadLetterQueueDepth`,
          alarmDescription: 'Notifications the verifier failed on repeatedly are waiting in the dead-letter queue.',
          metric: new cloudwatch.Metric({
            namespace: 'AWS/SQS',
            metricName: 'ApproximateNumberOfMessagesVisible',
            dimensionsMap: { QueueName: this.deadLetterQueue.queueName },
            statistic: 'Maximum',
            period: Duration.seconds(300),
          }),
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          threshold: 0,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
        topic,
      ),
      ...(checkAlarms ?? {}),
      ...(canary ? { canaryReplicaVerified: canary } : {}),
    };

    // ------------------------------------------------------------ dashboard
    this.dashboard = new cloudwatch.CfnDashboard(this, 'Dashboard', {
      dashboardName: prefix,
      dashboardBody: stack.toJsonString(
        dashboardBody({
          region: stack.region,
          sourceAccountId,
          sourceBucket,
          destinationBucket,
          destinationKmsKeyArn: keyArn,
          metricsNamespace: namespace,
          s3MetricsRegion: props.sourceRegion ?? stack.region,
          ruleId: props.replicationRuleId ?? `s3-kms-replication-to-${destinationBucket}`,
          queueName: this.queue.queueName,
          deadLetterQueueName: this.deadLetterQueue.queueName,
          alarmArns: [
            this.alarms.replicaWrongKey.alarmArn,
            this.alarms.replicaNotKmsEncrypted.alarmArn,
            this.alarms.replicaNotReplica.alarmArn,
            this.alarms.replicaBucketKeyMismatch.alarmArn,
            this.alarms.replicaMissing.alarmArn,
            this.alarms.replicaCheckRejected.alarmArn,
            this.alarms.verificationErrors.alarmArn,
            this.alarms.replicationFailed.alarmArn,
            this.alarms.deadLetterQueueDepth.alarmArn,
          ],
          verifierLogGroupName: verifierLogGroup.logGroupName,
          livenessPeriodSeconds: livenessPeriod,
          checkPeriodSeconds: checkPeriod,
          setupFunctionName: this.setupFunction.functionName,
        }),
      ),
    });
  }
}

/** The default replication role of S in A, refused when S's name is not known at synth. */
function defaultRoleArn(kind: string, partition: string, account: string, sourceBucket: string): string {
  if (Token.isUnresolved(sourceBucket)) {
    refuse(
      kind,
      'replicationRoleArn',
      "not given, and sourceBucket's name is not known at synth, so the default role name (derived from it) cannot be computed",
      "give replicationRoleArn (the source side's ReplicationRoleArn output), or sourceBucket by its literal name",
    );
  }
  return `arn:${partition}:iam::${account}:role/${defaultReplicationRoleName(sourceBucket)}`;
}
