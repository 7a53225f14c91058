/** What both constructs share: their common props, names, and parameters both templates have. */
import { type CfnResource, type Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { Construct } from 'constructs';
import { type ReplicationCodeOptions } from './code';
import { refuse } from './refs';

/** The setup function's log level; Lambda passes it as `AWS_LAMBDA_LOG_LEVEL` (infra/README.md, Logging). */
export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';

/**
 * Who writes the pair's statements into the key and bucket policies (`PolicyWrites`): `Apply`,
 * the setup function merges them (and removes them on delete); `Report`, it writes no key or
 * bucket policy (its role may not), returns the exact statements in the resource's `Data`
 * (`*PolicyStatements`) for the policies' own pipeline to apply, and its deploy-time check fails
 * the stack operation, before any write, while one is missing.
 */
export type PolicyWrites = 'Apply' | 'Report';

/** Props both constructs take. */
export interface ReplicationCommonProps {
  /**
   * `PolicyWrites`: `'Apply'` merges the pair's statements into the key and bucket policies of
   * this side; `'Report'` leaves those documents to the organisation's own pipeline: nothing is
   * written to them, the exact statements come back as the `*PolicyStatements` attributes (and
   * from `replication-doctor statements`), and the deploy-time check requires them.
   *
   * @default 'Apply'
   */
  readonly policyWrites?: PolicyWrites;
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
   * `<prefix>`: what the templates' `${AWS::StackName}` stands for in those names. Literal text
   * of at most 55 characters. Give each construct its own when one stack holds several.
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

/** The templates' `Tracing` parameter: the prop, checked. */
export function tracingOf(kind: string, tracing: lambda.Tracing | undefined): 'PassThrough' | 'Active' {
  const mode = tracing ?? lambda.Tracing.PASS_THROUGH;
  if (mode !== lambda.Tracing.PASS_THROUGH && mode !== lambda.Tracing.ACTIVE) {
    refuse(
      kind,
      'tracing',
      `${String(mode)} is not a Lambda tracing mode (TracingConfig takes Active or PassThrough)`,
      "use lambda.Tracing.PASS_THROUGH (Lambda's default) or lambda.Tracing.ACTIVE",
    );
  }
  return mode === lambda.Tracing.ACTIVE ? 'Active' : 'PassThrough';
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
  if (Token.isUnresolved(prefix)) {
    refuse(kind, 'namePrefix', 'not known at synth (a token)', "give a literal prefix: the template's names are written from it at synth");
  }
  {
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

/** The retention periods the templates offer (`LogRetentionDays`), in days; 0 is "never expire". */
export const LOG_RETENTION_DAYS = [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** `LogRetentionDays`: the prop, checked against what the templates offer. */
export function logRetentionOf(kind: string, retention: logs.RetentionDays | undefined): string {
  const given = retention ?? logs.RetentionDays.ONE_MONTH;
  // RetentionDays.INFINITE (9999) is the templates' 0: no RetentionInDays, the logs never expire.
  const days = given === logs.RetentionDays.INFINITE ? 0 : given;
  if (days === 0 && given !== logs.RetentionDays.INFINITE || !LOG_RETENTION_DAYS.includes(days)) {
    refuse(
      kind,
      'logRetention',
      `${given} days is not a retention the templates offer`,
      `use logs.RetentionDays.ONE_DAY to TEN_YEARS, or INFINITE for logs that never expire`,
    );
  }
  return String(days);
}

/** The functions' instruction set (`Architecture`). */
export function architectureOf(kind: string, architecture: lambda.Architecture | undefined): lambda.Architecture {
  const arch = architecture ?? lambda.Architecture.ARM_64;
  if (arch.name !== 'arm64' && arch.name !== 'x86_64') {
    refuse(kind, 'architecture', `${arch.name} is not a Lambda architecture`, 'use lambda.Architecture.ARM_64 or lambda.Architecture.X86_64');
  }
  return arch;
}

/**
 * The pseudo parameters the templates use, as literals where the stack knows them: the
 * templates name everything `${AWS::StackName}-…`, so the construct's name prefix stands for
 * the stack name.
 */
export function pseudoParameters(scope: Construct, namePrefix: string): Record<string, string> {
  const stack = Stack.of(scope);
  const pseudo: Record<string, string> = { 'AWS::StackName': namePrefix };
  if (!Token.isUnresolved(stack.account)) pseudo['AWS::AccountId'] = stack.account;
  if (!Token.isUnresolved(stack.region)) {
    pseudo['AWS::Region'] = stack.region;
    const partition = RegionInfo.get(stack.region).partition;
    if (partition) pseudo['AWS::Partition'] = partition;
  }
  return pseudo;
}

/** CloudFormation parameters are text: booleans as "true"/"false", unset optional ones as "". */
export function param(value: boolean | string | number | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'boolean' ? (value ? 'true' : 'false') : String(value);
}

/** The parameters both templates have, from the props both constructs take. */
export function commonParameters(
  kind: string,
  props: ReplicationCommonProps,
  checkPeriod: number,
  logLevel: string,
): Record<string, string> {
  const policyWrites = props.policyWrites ?? 'Apply';
  if (!['Apply', 'Report'].includes(policyWrites)) {
    refuse(kind, 'policyWrites', `${JSON.stringify(policyWrites)} is not a mode`, "use 'Apply' or 'Report'");
  }
  return {
    PolicyWrites: policyWrites,
    Architecture: architectureOf(kind, props.architecture).name,
    LogRetentionDays: logRetentionOf(kind, props.logRetention),
    MetricsNamespace: props.metricsNamespace ?? 'S3KmsReplication',
    AlarmTopicArn: props.alarmTopic?.topicArn ?? '',
    ScheduledCheck: param(props.scheduledCheck ?? false),
    CheckSchedule: props.checkSchedule ?? 'rate(1 hour)',
    CheckPeriod: String(checkPeriod),
    Tracing: tracingOf(kind, props.tracing),
    LogLevel: logLevel,
  };
}

/** A function of the included template, as an `IFunction`. */
export function includedFunction(scope: Construct, id: string, cfn: CfnResource): lambda.IFunction {
  return lambda.Function.fromFunctionAttributes(scope, id, {
    functionArn: cfn.getAtt('Arn').toString(),
    sameEnvironment: true,
  });
}

/** An alarm of the included template, as an `IAlarm` whose `alarmName` is its `Ref`. */
export function includedAlarm(scope: Construct, id: string, cfn: CfnResource): cloudwatch.IAlarm {
  return cloudwatch.Alarm.fromAlarmName(scope, id, cfn.ref);
}

/** The scheduled check's four alarms, as both templates define them. */
export interface ScheduledCheckAlarms {
  /** `ReplicationSetupFindings` Maximum > 0 per `CheckPeriod`. */
  readonly replicationSetupFindings: cloudwatch.IAlarm;
  /**
   * The check did not run: `ReplicationSetupUnchecked` (published by every run, even one that
   * cannot check) has no sample in two `CheckPeriod`s in a row, missing data breaching.
   */
  readonly replicationSetupMissed: cloudwatch.IAlarm;
  /** `ReplicationSetupUnchecked` Maximum > 0 per `CheckPeriod`: checks the run could not evaluate. */
  readonly replicationSetupUnchecked: cloudwatch.IAlarm;
  /** The setup function's AWS/Lambda `Errors` Sum > 0 over 300 s. */
  readonly setupFunctionErrors: cloudwatch.IAlarm;
}

/** The scheduled check's alarms of the included template (SetupFindingsAlarm, SetupCheckMissedAlarm, SetupUncheckedAlarm, SetupErrorsAlarm). */
export function scheduledCheckAlarms(scope: Construct, include: CfnInclude): ScheduledCheckAlarms {
  const a = (logicalId: string) => includedAlarm(scope, `${logicalId}Ref`, include.getResource(logicalId));
  return {
    replicationSetupFindings: a('SetupFindingsAlarm'),
    replicationSetupMissed: a('SetupCheckMissedAlarm'),
    replicationSetupUnchecked: a('SetupUncheckedAlarm'),
    setupFunctionErrors: a('SetupErrorsAlarm'),
  };
}
