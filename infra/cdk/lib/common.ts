/** What both constructs share: naming, log groups, the setup function, the scheduled check. */
import { Aws, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { Construct } from 'constructs';
import { type ReplicationCodeOptions } from './code';
import { skipCheckov, FUNCTION_SKIPS } from './nag';
import { refuse } from './refs';

/** The setup function's log level; Lambda passes it as `AWS_LAMBDA_LOG_LEVEL` (infra/README.md, Logging). */
export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';

/** Props both constructs take. */
export interface ReplicationCommonProps {
  /**
   * Where the functions' code comes from.
   *
   * @default - built from the Cargo workspace by cargo-lambda-cdk's `RustFunction` at synth
   */
  readonly code?: ReplicationCodeOptions;
  /**
   * The functions' instruction set; with `code.prebuiltDir`, what the bootstraps were built
   * for (`make package` builds x86_64, `make package-arm64` arm64). Checked at synth against
   * the ELF header of each bootstrap.
   *
   * @default lambda.Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;
  /**
   * Prefix of every physical name: the functions `<prefix>-setup` (and `<prefix>-verifier`),
   * their log groups `/aws/lambda/<function>`, the alarms `<prefix>-<metric>` and the dashboard
   * `<prefix>`. At most 55 characters. Give each construct its own when one stack holds several.
   *
   * @default - the stack name, as in the CloudFormation templates
   */
  readonly namePrefix?: string;
  /**
   * Retention of the functions' log groups (`LogRetentionDays`).
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * CloudWatch namespace (`MetricsNamespace`): the verifier's `METRICS_NAMESPACE` and the
   * scheduled check's `ReplicationSetupFindings`; the alarms and the dashboard read it.
   *
   * @default 'S3KmsReplication'
   */
  readonly metricsNamespace?: string;
  /**
   * SNS topic the alarms notify (`AlarmTopicArn`).
   *
   * @default - alarms without actions
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Run the doctor's checks on this side on a schedule (`ScheduledCheck`): an EventBridge
   * Scheduler schedule invokes the setup function with the custom resource's properties, it
   * publishes `ReplicationSetupFindings`, and an alarm fires above 0.
   *
   * @default false
   */
  readonly scheduledCheck?: boolean;
  /**
   * The scheduled check's `ScheduleExpression` (`CheckSchedule`).
   *
   * @default 'rate(1 hour)'
   */
  readonly checkSchedule?: string;
  /**
   * `CheckPeriod`: the schedule's interval, the period of the scheduled check's alarms. Its
   * missed-run alarm fires when two periods in a row have no run, so that a check that stopped
   * running fires. One of 5, 10, 15, 30 minutes or 1, 2, 3, 6, 12, 24 hours; refused
   * when it differs from a `rate(...)` `checkSchedule` (as the template's rule refuses it).
   *
   * @default - the rate of a `rate(...)` `checkSchedule` when it is one of those; else 1 hour
   */
  readonly checkPeriod?: Duration;
  /**
   * X-Ray tracing of the functions (`Tracing`, their `TracingConfig`): `lambda.Tracing.PASS_THROUGH`,
   * Lambda's default, traces an invocation only when its caller's tracing header says
   * `sampled=1`; `lambda.Tracing.ACTIVE` also samples invocations that come without one and sends
   * Lambda's segments to X-Ray. Only `ACTIVE` grants the execution roles `xray:PutTraceSegments`
   * and `xray:PutTelemetryRecords`, on `*` (AWS documents no resource-level permissions for them),
   * as an `XRay` statement of their inline policy, as the templates do. `DISABLED` is refused: it
   * is not a Lambda mode (CDK writes no `TracingConfig` for it, which Lambda takes as PassThrough).
   *
   * @default lambda.Tracing.PASS_THROUGH
   */
  readonly tracing?: lambda.Tracing;
}

/** The templates' `Tracing` values: the prop, checked. */
export function tracingOf(kind: string, tracing: lambda.Tracing | undefined): lambda.Tracing {
  const mode = tracing ?? lambda.Tracing.PASS_THROUGH;
  if (mode !== lambda.Tracing.PASS_THROUGH && mode !== lambda.Tracing.ACTIVE) {
    refuse(
      kind,
      'tracing',
      `${String(mode)} is not a Lambda tracing mode (TracingConfig takes Active or PassThrough)`,
      "use lambda.Tracing.PASS_THROUGH (Lambda's default) or lambda.Tracing.ACTIVE",
    );
  }
  return mode;
}

/** Why the `XRay` statement's Resource is `*` (cdk-nag AwsSolutions-IAM5). */
export const XRAY_REASON =
  'Active X-Ray tracing: Lambda sends the function\'s trace segments with its execution role. AWS documents no resource-level permissions for xray:PutTraceSegments and xray:PutTelemetryRecords (the Service Authorization Reference gives neither a resource type; AWSXRayDaemonWriteAccess grants them on "*"), so "*" is the only Resource IAM accepts. Granted only with tracing ACTIVE.';

/** The `XRay` statement, with `ACTIVE` only; the last statement of each function's inline policy, as in the templates. */
export function xrayStatements(mode: lambda.Tracing): iam.PolicyStatement[] {
  return mode === lambda.Tracing.ACTIVE ? [statement('XRay', ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], ['*'])] : [];
}

/**
 * Sets `TracingConfig.Mode` on the function's CloudFormation resource. Not through
 * `lambda.Function`'s `tracing` prop: that adds the X-Ray statement to a separate
 * `DefaultPolicy` (for PASS_THROUGH too), where the templates have it inline, and only when Active.
 */
export function setTracing(fn: lambda.Function, mode: lambda.Tracing): void {
  (fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode };
}

/** The scheduled check's alarm periods the templates offer (`CheckPeriod`), in seconds. */
export const CHECK_PERIODS = [300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** The seconds of an EventBridge Scheduler `rate(value unit)` expression; undefined for cron, at, or a token. */
export function rateSeconds(expression: string): number | undefined {
  if (Token.isUnresolved(expression)) return undefined;
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!m) return undefined;
  const unit = m[2].startsWith('minute') ? 60 : m[2].startsWith('hour') ? 3600 : 86400;
  return Number(m[1]) * unit;
}

/**
 * The scheduled check's alarm period (`CheckPeriod`), in seconds: `checkPeriod`, else the rate of
 * `checkSchedule` when offered, else 1 hour. Refused when not offered, or when it differs from an
 * offered rate (the templates' `CheckPeriodIsTheSchedulesRate` rule).
 */
export function checkPeriodOf(kind: string, checkSchedule: string, checkPeriod: Duration | undefined): number {
  const rate = rateSeconds(checkSchedule);
  const offeredRate = rate !== undefined && CHECK_PERIODS.includes(rate) ? rate : undefined;
  const period = checkPeriod?.toSeconds() ?? offeredRate ?? 3600;
  if (!CHECK_PERIODS.includes(period)) {
    refuse(kind, 'checkPeriod', `${period} s is not offered`, `use one of ${CHECK_PERIODS.join(', ')} seconds: checkSchedule's interval`);
  }
  if (offeredRate !== undefined && period !== offeredRate) {
    refuse(
      kind,
      'checkPeriod',
      `${period} s, but checkSchedule ${checkSchedule} runs every ${offeredRate} s; the scheduled check's alarms use it as their period, and its missed-run alarm counts periods without a run`,
      `leave checkPeriod out (it follows a rate(...) checkSchedule), or give Duration.seconds(${offeredRate})`,
    );
  }
  return period;
}

const PREFIXES = new WeakMap<Stack, Set<string>>();

/** The construct's name prefix, checked: at most 55 characters, once per stack. */
export function namePrefixOf(scope: Construct, kind: string, given: string | undefined): string {
  const stack = Stack.of(scope);
  const prefix = given ?? stack.stackName;
  if (!Token.isUnresolved(prefix)) {
    if (prefix.length > 55 || !/^[A-Za-z0-9-]+$/.test(prefix)) {
      refuse(
        kind,
        'namePrefix',
        `${JSON.stringify(prefix)} cannot prefix a function name (<prefix>-verifier must be at most 64 of letters, digits and "-")`,
        'give a namePrefix (or stack name) of at most 55 letters, digits and hyphens',
      );
    }
    const used = PREFIXES.get(stack) ?? new Set<string>();
    if (used.has(prefix)) {
      refuse(
        kind,
        'namePrefix',
        `${JSON.stringify(prefix)} is already used by another replication construct in stack ${stack.stackName}; the function, log group and alarm names would collide`,
        'give each construct in the stack its own namePrefix',
      );
    }
    used.add(prefix);
    PREFIXES.set(stack, used);
  }
  return prefix;
}

/** `/aws/lambda/<function>`, removed with the stack (cfn-lint I3011: explicit policies). */
export function functionLogGroup(scope: Construct, id: string, functionName: string, retention?: logs.RetentionDays) {
  const group = new logs.LogGroup(scope, id, {
    logGroupName: `/aws/lambda/${functionName}`,
    retention: retention ?? logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  skipCheckov(group, [FUNCTION_SKIPS.logGroupKms]);
  return group;
}

/** `{Service: lambda.amazonaws.com}`, `sts:AssumeRole`. */
export const LAMBDA_TRUST = new iam.ServicePrincipal('lambda.amazonaws.com');

/** A statement with a Sid, as the templates write them. */
export function statement(
  sid: string | undefined,
  actions: string[],
  resources: string[],
  conditions?: Record<string, Record<string, unknown>>,
): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid, effect: iam.Effect.ALLOW, actions, resources, conditions });
}

/** The Logs statement: write to the function's own log group only. */
export function logsStatement(group: logs.ILogGroup): iam.PolicyStatement {
  return statement('Logs', ['logs:CreateLogStream', 'logs:PutLogEvents'], [group.logGroupArn]);
}

/**
 * The stack's partition: a literal (`aws`, `aws-cn`, ...) when its region is known, so that the
 * custom resources' properties are plain strings; `AWS::Partition` for an environment-agnostic
 * stack.
 */
export function partitionOf(scope: Construct): string {
  const region = Stack.of(scope).region;
  return Token.isUnresolved(region) ? Aws.PARTITION : (RegionInfo.get(region).partition ?? Aws.PARTITION);
}

/** `arn:<partition>:s3:::<bucket>`. */
export function bucketArn(scope: Construct, bucket: string): string {
  return `arn:${partitionOf(scope)}:s3:::${bucket}`;
}

/** The Lambda logging configuration of both templates: JSON at `level`, system logs at INFO. */
export function loggingOptions(level: LogLevel) {
  return {
    loggingFormat: lambda.LoggingFormat.JSON,
    applicationLogLevelV2: lambda.ApplicationLogLevel[level],
    systemLogLevelV2: lambda.SystemLogLevel.INFO,
  };
}

/** The checkov skips of the setup function (same reasons as the templates'). */
export function skipSetupFunctionChecks(fn: lambda.IFunction): void {
  skipCheckov(fn, [FUNCTION_SKIPS.vpc, FUNCTION_SKIPS.environmentKms, FUNCTION_SKIPS.setupDlq, FUNCTION_SKIPS.setupConcurrency]);
}

/** A threshold alarm as the templates define them, notifying `topic` when given. */
export function alarm(
  scope: Construct,
  id: string,
  props: {
    alarmName: string;
    alarmDescription: string;
    metric: cloudwatch.IMetric;
    comparisonOperator: cloudwatch.ComparisonOperator;
    threshold: number;
    evaluationPeriods: number;
    datapointsToAlarm?: number;
    treatMissingData: cloudwatch.TreatMissingData;
  },
  topic: sns.ITopic | undefined,
): cloudwatch.Alarm {
  const a = new cloudwatch.Alarm(scope, id, props);
  if (topic) a.addAlarmAction(new cwActions.SnsAction(topic));
  return a;
}

/** One of the scheduled check's metrics (`ReplicationSetupFindings`, `ReplicationSetupUnchecked`) for one side. */
export function setupCheckMetric(
  namespace: string,
  metricName: 'ReplicationSetupFindings' | 'ReplicationSetupUnchecked',
  side: 'source' | 'destination',
  source: string,
  destination: string,
  periodSeconds: number,
  statistic: 'Maximum' | 'SampleCount' = 'Maximum',
) {
  return new cloudwatch.Metric({
    namespace,
    metricName,
    dimensionsMap: { Side: side, SourceBucket: source, DestinationBucket: destination },
    statistic,
    period: Duration.seconds(periodSeconds),
  });
}

/** The scheduled check's four alarms, as both templates define them. */
export interface ScheduledCheckAlarms {
  /** `ReplicationSetupFindings` Maximum > 0 per `CheckPeriod`. */
  readonly replicationSetupFindings: cloudwatch.Alarm;
  /**
   * The check did not run: `ReplicationSetupUnchecked` (published by every run, even one that
   * cannot check) has no sample in two `CheckPeriod`s in a row, missing data breaching.
   */
  readonly replicationSetupMissed: cloudwatch.Alarm;
  /** `ReplicationSetupUnchecked` Maximum > 0 per `CheckPeriod`: checks the run could not evaluate. */
  readonly replicationSetupUnchecked: cloudwatch.Alarm;
  /** The setup function's AWS/Lambda `Errors` Sum > 0 over 300 s. */
  readonly setupFunctionErrors: cloudwatch.Alarm;
}

/** The scheduled check's alarms for `side` (the templates' SetupFindingsAlarm, SetupCheckMissedAlarm, SetupUncheckedAlarm, SetupErrorsAlarm). */
export function scheduledCheckAlarms(
  scope: Construct,
  opts: {
    prefix: string;
    namespace: string;
    side: 'source' | 'destination';
    sourceBucket: string;
    destinationBucket: string;
    setupFunction: lambda.IFunction;
    periodSeconds: number;
    topic: sns.ITopic | undefined;
  },
): ScheduledCheckAlarms {
  const { prefix, namespace, side, sourceBucket, destinationBucket, periodSeconds, topic } = opts;
  const where = side === 'destination' ? `into ${destinationBucket}` : `from ${sourceBucket}`;
  const greaterThanZero = {
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    threshold: 0,
    evaluationPeriods: 1,
  };
  return {
    replicationSetupFindings: alarm(
      scope,
      'SetupFindingsAlarm',
      {
        alarmName: `${prefix}-ReplicationSetupFindings`,
        alarmDescription: `The scheduled check found something that stops replication ${where}; its log line names the step, document and fix.`,
        metric: setupCheckMetric(namespace, 'ReplicationSetupFindings', side, sourceBucket, destinationBucket, periodSeconds),
        ...greaterThanZero,
        // A run that did not happen is SetupCheckMissedAlarm's to report.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
      topic,
    ),
    replicationSetupMissed: alarm(
      scope,
      'SetupCheckMissedAlarm',
      {
        alarmName: `${prefix}-ReplicationSetupCheckMissed`,
        alarmDescription: `The scheduled check on the ${side} side of ${sourceBucket} to ${destinationBucket} has not run for two periods of ${periodSeconds} seconds (every run publishes ReplicationSetupUnchecked): the schedule was deleted or disabled, or the function fails before its metric; see SetupFunctionErrors and the function's log.`,
        metric: setupCheckMetric(namespace, 'ReplicationSetupUnchecked', side, sourceBucket, destinationBucket, periodSeconds, 'SampleCount'),
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        threshold: 1,
        // Fails closed, without firing in a period whose run has not landed yet: two in a row.
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      },
      topic,
    ),
    replicationSetupUnchecked: alarm(
      scope,
      'SetupUncheckedAlarm',
      {
        alarmName: `${prefix}-ReplicationSetupUnchecked`,
        alarmDescription: `The scheduled check could not evaluate some of its checks on the ${side} side of ${sourceBucket} to ${destinationBucket} (a read refused, a document it could not parse): unchecked is not clean. Its log lines name them.`,
        metric: setupCheckMetric(namespace, 'ReplicationSetupUnchecked', side, sourceBucket, destinationBucket, periodSeconds),
        ...greaterThanZero,
        // A run that did not happen is SetupCheckMissedAlarm's to report.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
      topic,
    ),
    setupFunctionErrors: alarm(
      scope,
      'SetupErrorsAlarm',
      {
        alarmName: `${prefix}-SetupFunctionErrors`,
        alarmDescription: `${prefix}-setup failed an invocation: the scheduled check could not run (or a stack operation's request failed). Its log group names the error.`,
        metric: new cloudwatch.Metric({
          namespace: 'AWS/Lambda',
          metricName: 'Errors',
          dimensionsMap: { FunctionName: opts.setupFunction.functionName },
          statistic: 'Sum',
          period: Duration.seconds(300),
        }),
        ...greaterThanZero,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
      topic,
    ),
  };
}

/**
 * The scheduled check: EventBridge Scheduler invokes the setup function with
 * `{"ScheduledCheck": {"ResourceType", "ResourceProperties", ...extra}}` through a role that only
 * `scheduler.amazonaws.com` acting for this account may assume.
 */
export function scheduledCheck(
  scope: Construct,
  setupFunction: lambda.IFunction,
  description: string,
  expression: string,
  payload: Record<string, unknown>,
): { role: iam.Role; schedule: scheduler.CfnSchedule } {
  const role = new iam.Role(scope, 'CheckSchedulerRole', {
    description: "EventBridge Scheduler invokes the setup function's scheduled check",
    assumedBy: new iam.PrincipalWithConditions(new iam.ServicePrincipal('scheduler.amazonaws.com'), {
      StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
    }),
    inlinePolicies: {
      'invoke-setup': new iam.PolicyDocument({
        statements: [statement(undefined, ['lambda:InvokeFunction'], [setupFunction.functionArn])],
      }),
    },
  });
  const schedule = new scheduler.CfnSchedule(scope, 'ScheduledCheckSchedule', {
    description,
    scheduleExpression: expression,
    flexibleTimeWindow: { mode: 'OFF' },
    target: {
      arn: setupFunction.functionArn,
      roleArn: role.roleArn,
      input: Stack.of(scope).toJsonString({ ScheduledCheck: payload }),
    },
  });
  return { role, schedule };
}
