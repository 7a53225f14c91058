/**
 * The destination dashboard's body: the same widgets, positions, metrics and query as the
 * `AWS::CloudWatch::Dashboard` of infra/destination-account.yaml (infra/README.md, "Dashboard
 * layout"), so that infra/render_dashboard.py and the docs describe both.
 */

/** What the body is filled with (strings may be CloudFormation tokens). */
export interface DashboardInputs {
  readonly region: string;
  readonly sourceAccountId: string;
  readonly sourceBucket: string;
  readonly destinationBucket: string;
  readonly destinationKmsKeyArn: string;
  readonly metricsNamespace: string;
  /** Region of the AWS/S3 replication metrics (S's region). */
  readonly s3MetricsRegion: string;
  readonly ruleId: string;
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  /** The alarms of the alarm widget, in the template's order. */
  readonly alarmArns: string[];
  readonly verifierLogGroupName: string;
  readonly livenessPeriodSeconds: number;
  /** The scheduled check's period (`CheckPeriod`). */
  readonly checkPeriodSeconds: number;
  /** The destination's setup function, for its AWS/Lambda `Errors`. */
  readonly setupFunctionName: string;
}

/** The dashboard body as an object (serialize with `Stack.toJsonString`). */
export function dashboardBody(i: DashboardInputs): Record<string, unknown> {
  const ns = i.metricsNamespace;
  const d = ['DestinationBucket', i.destinationBucket];
  const verifier = (metric: string, ...rest: unknown[]) => [ns, metric, ...d, ...rest];
  const s3 = (metric: string) => [
    'AWS/S3',
    metric,
    'SourceBucket',
    i.sourceBucket,
    'DestinationBucket',
    i.destinationBucket,
    'RuleId',
    i.ruleId,
    { accountId: i.sourceAccountId },
  ];
  const graph = (x: number, y: number, w: number, h: number, properties: Record<string, unknown>) => ({
    type: 'metric',
    x,
    y,
    width: w,
    height: h,
    properties: { view: 'timeSeries', stacked: false, ...properties },
  });
  return {
    start: '-PT6H',
    widgets: [
      {
        type: 'text',
        x: 0,
        y: 0,
        width: 24,
        height: 4,
        properties: {
          markdown:
            `## s3-kms-replication: ${i.sourceBucket} to ${i.destinationBucket}\n` +
            `Verdicts for every replica in **${i.destinationBucket}** (namespace \`${ns}\`, expected key \`${i.destinationKmsKeyArn}\`). Findings and errors should stay at 0; each has an alarm.\n\n` +
            `Bottom row: the native **AWS/S3** replication metrics of rule \`${i.ruleId}\`, published in the source account ${i.sourceAccountId} (region ${i.s3MetricsRegion}) only when the rule has replication metrics or RTC on.\n\n` +
            'They appear when this dashboard is viewed from account A or through CloudWatch cross-account observability.',
        },
      },

      graph(0, 4, 8, 6, {
        title: 'Replicas verified',
        region: i.region,
        stat: 'Sum',
        period: 300,
        metrics: [verifier('ReplicasVerified')],
      }),
      graph(8, 4, 8, 6, {
        title: 'Findings and errors (should be 0)',
        region: i.region,
        stat: 'Sum',
        period: 300,
        metrics: [
          verifier('ReplicaWrongKey'),
          verifier('ReplicaNotKmsEncrypted'),
          verifier('ReplicaNotReplica'),
          verifier('ReplicaBucketKeyMismatch'),
          verifier('ReplicaMissing'),
          verifier('ReplicaCheckRejected'),
          verifier('VerificationErrors'),
        ],
      }),
      graph(16, 4, 8, 6, {
        title: 'Verification delay (event to verdict)',
        region: i.region,
        period: 300,
        yAxis: { left: { label: 'ms', showUnits: false } },
        metrics: [
          verifier('ReplicaVerificationDelay', { stat: 'p50', label: 'p50' }),
          verifier('ReplicaVerificationDelay', { stat: 'p99', label: 'p99' }),
        ],
      }),

      graph(0, 10, 8, 6, {
        title: 'ReplicationFailed (S3 replication events)',
        region: i.region,
        stat: 'Sum',
        period: 300,
        metrics: [verifier('ReplicationFailed')],
      }),
      graph(8, 10, 8, 6, {
        title: 'Verifier queue and DLQ',
        region: i.region,
        stat: 'Maximum',
        period: 300,
        metrics: [
          ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', i.queueName, { label: 'queue: visible' }],
          [
            'AWS/SQS',
            'ApproximateAgeOfOldestMessage',
            'QueueName',
            i.queueName,
            { label: 'queue: oldest (s)', yAxis: 'right' },
          ],
          ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', i.deadLetterQueueName, { label: 'DLQ: visible' }],
        ],
      }),
      { type: 'alarm', x: 16, y: 10, width: 8, height: 6, properties: { title: 'Alarms', alarms: i.alarmArns } },

      graph(0, 16, 8, 6, {
        title: 'AWS/S3 ReplicationLatency (source account)',
        region: i.s3MetricsRegion,
        stat: 'Maximum',
        period: 300,
        metrics: [s3('ReplicationLatency')],
      }),
      graph(8, 16, 8, 6, {
        title: 'AWS/S3 OperationsPendingReplication (source account)',
        region: i.s3MetricsRegion,
        stat: 'Maximum',
        period: 300,
        metrics: [s3('OperationsPendingReplication')],
      }),
      graph(16, 16, 8, 6, {
        title: 'AWS/S3 OperationsFailedReplication (source account)',
        region: i.s3MetricsRegion,
        stat: 'Sum',
        period: 300,
        metrics: [s3('OperationsFailedReplication')],
      }),

      graph(0, 28, 24, 4, {
        title: 'Setup findings, scheduled check (should be 0)',
        region: i.region,
        stat: 'Maximum',
        period: i.checkPeriodSeconds,
        metrics: [
          ...(['ReplicationSetupFindings', 'ReplicationSetupUnchecked'] as const).flatMap((metric) => {
            const suffix = metric === 'ReplicationSetupUnchecked' ? ': unchecked' : '';
            return [
              [ns, metric, 'Side', 'destination', 'SourceBucket', i.sourceBucket, ...d, { label: `destination side${suffix}` }],
              [
                ns,
                metric,
                'Side',
                'source',
                'SourceBucket',
                i.sourceBucket,
                ...d,
                { label: `source side${suffix}`, accountId: i.sourceAccountId, region: i.s3MetricsRegion },
              ],
            ];
          }),
          ['AWS/Lambda', 'Errors', 'FunctionName', i.setupFunctionName, { label: 'destination setup function: errors', stat: 'Sum' }],
        ],
      }),

      graph(0, 32, 24, 4, {
        title: 'Liveness: canary replicas verified (at least 1 per period when Liveness is on)',
        region: i.region,
        stat: 'Sum',
        period: i.livenessPeriodSeconds,
        metrics: [verifier('CanaryReplicaVerified')],
      }),

      {
        type: 'log',
        x: 0,
        y: 22,
        width: 24,
        height: 6,
        properties: {
          title: 'Replicas not verified (verifier verdict lines)',
          region: i.region,
          view: 'table',
          query: `SOURCE '${i.verifierLogGroupName}' | fields @timestamp, verdict, bucket, key, version, expected_key, actual_key, found, reason | filter ispresent(verdict) | sort @timestamp desc | limit 100`,
        },
      },
    ],
  };
}
