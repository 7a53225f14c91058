/**
 * Accepted cdk-nag findings on the included templates' resources, each with its reason (the
 * checkov skips are in the templates' own `Metadata.checkov.skip`). Acknowledged through
 * `Validations` (read by `AwsSolutionsChecks` and any other pack), exactly: one IAM5 finding per
 * wildcard resource of a reviewed statement, named as the rule names it.
 */
import { type CfnResource, type IAspect, Aspects, Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import type { IConstruct } from 'constructs';

/**
 * The flattening cdk-nag's IAM5 rule applies to a statement's `Resource` before naming a finding
 * (`AwsSolutions-IAM5[Resource::<flattened>]`): cdk-nag's `flattenCfnReference`
 * (src/utils/flatten-cfn-reference.ts, Apache-2.0), copied so that the constructs need no
 * cdk-nag at run time (it is not part of its public API, and only the tests and the example app
 * run cdk-nag). test/nag.test.ts checks the names against cdk-nag itself: its checks pass on
 * both example stacks, and an unacknowledged wildcard is still a finding.
 */
export function flattenCfnReference(reference: unknown): string {
  const visit = (node: unknown): string => {
    if (typeof node === 'undefined') return '';
    // Fn::Sub's ${...} becomes <...>, as cdk-nag writes it.
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
    const fn = node as Record<string, any>;
    if (fn['Fn::Join']) {
      const [delimiter, items] = fn['Fn::Join'] as [string, unknown[]];
      return items.map(visit).join(delimiter);
    }
    if (fn['Fn::Sub']) return visit(fn['Fn::Sub']);
    if (fn['Fn::GetAtt']) {
      const [resource, attribute] = fn['Fn::GetAtt'] as [unknown, unknown];
      return `<${visit(resource)}.${visit(attribute)}>`;
    }
    if (fn['Fn::ImportValue']) return visit(fn['Fn::ImportValue']);
    if (fn.Ref) return `<${visit(fn.Ref)}>`;
    return JSON.stringify(node);
  };
  return visit(reference);
}

/** Acknowledges one cdk-nag rule (`AwsSolutions-SQS4`, ...) on `scope`, with its reason. */
export function acknowledgeNag(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Acknowledges cdk-nag's `AwsSolutions-IAM5[Resource::…]` finding for each wildcard resource of
 * the statements of `role`'s inline policies whose Sid is a key of `reasons`, with that reason:
 * exactly those findings, named as the rule names them (resolved at synthesis, when the
 * statements' tokens can be resolved), so a wildcard in any other statement still fails. The
 * aspect is registered on `owner`, an ancestor of `role`, so that it runs before any aspect that
 * visits `role` (cdk-nag's, which writes the acknowledgments into the template's metadata).
 */
export function acknowledgeWildcardResources(owner: IConstruct, role: CfnResource, reasons: Record<string, string>): void {
  const aspect: IAspect = {
    visit(node: IConstruct) {
      if (node !== owner) return;
      const stack = Stack.of(role);
      const policies = (stack.resolve((role as iam.CfnRole).policies) ?? []) as { policyDocument: unknown }[];
      for (const policy of policies) {
        for (const raw of (stack.resolve(policy.policyDocument) as { Statement?: unknown[] })?.Statement ?? []) {
          const st = raw as { Sid?: string; Effect?: string; Resource?: unknown };
          const reason = st.Sid !== undefined ? reasons[st.Sid] : undefined;
          if (reason === undefined || st.Effect !== 'Allow') continue;
          const resources = Array.isArray(st.Resource) ? st.Resource : [st.Resource];
          for (const r of resources.map((x) => flattenCfnReference(x)).filter((x) => x.includes('*'))) {
            Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${r}]`, reason });
          }
        }
      }
    },
  };
  Aspects.of(owner).add(aspect);
}

const XRAY =
  'Active X-Ray tracing: Lambda sends the function\'s trace segments with its execution role. AWS documents no resource-level permissions for xray:PutTraceSegments and xray:PutTelemetryRecords (the Service Authorization Reference gives neither a resource type; AWSXRayDaemonWriteAccess grants them on "*"), so "*" is the only Resource IAM accepts. Granted only with Tracing Active.';
const ROLE =
  'The replication role by its one name at any IAM path (role/*/<name>): an existing role may live under a path such as /service-role/, where the S3 console creates them, and its ARN includes the path. Every action, iam:PassRole (to s3.amazonaws.com only) included, is on that role name only.';
const AUDIT =
  "S3 Batch Operations reads any manifest object (an inventory's manifest.json and its CSV files) and writes its completion report under a job-specific key (S3 User Guide, batch-ops-iam-role-policies); the manifest and report buckets' objects are all this role can reach.";

/** The reviewed wildcard resources of each template's roles: role logical id → statement Sid → reason. */
const WILDCARDS: Record<string, Record<string, Record<string, string>>> = {
  'source-account': {
    SetupRole: {
      ReplicationRole: ROLE,
      PassReplicationRoleToS3: ROLE,
      Canary:
        "Canary and liveness objects only: keys in a .s3-kms-replication-canary/ folder under whichever prefix the first replication rule has (the rule's prefix is free text, hence the wildcard).",
      ScheduledCheckReads:
        "The scheduled check's read-only look at the replication role's attached managed policies (iam:ListAttachedRolePolicies on this account's roles, iam:GetPolicy and iam:GetPolicyVersion on any policy ARN, AWS managed ones included): which policies are attached is the role's business, so their ARNs cannot be known in advance.",
      XRay: XRAY,
      ExistingObjectsJob:
        'ReplicateExistingObjects: s3:CreateJob and s3:ListJobs support no resource-level permissions (the Service Authorization Reference gives no resource type, so "*" is the only Resource IAM accepts). What a job can do is bounded by the role it runs under, and this function may pass only BatchReplicationRole (PassBatchReplicationRole). Granted only with ReplicateExistingObjects and BatchReplicationReportBucket.',
    },
    BatchReplicationRole: {
      InitiateReplication:
        "S3 Batch Replication starts replication of any object of S the job's manifest lists (S3 User Guide, s3-batch-replication-policies: s3:InitiateReplication on the source bucket's objects); the replication itself is done by the replication role.",
      ManifestAndReport:
        'S3 Batch Operations writes the generated manifest and the completion report under job-specific keys and reads the manifest back (s3-batch-replication-policies); the report bucket\'s objects are all this role can reach there.',
    },
  },
  'destination-account': {
    SetupRole: {
      LivenessCanaryReplicaDelete:
        "Liveness: DeleteObjectVersion on one key pattern in D, the liveness canary's replica under whichever prefix the source's first rule has (<prefix>.s3-kms-replication-canary/liveness@<source bucket>); the prefix is the source side's choice, hence the wildcard.",
      XRay: XRAY,
    },
    VerifierRole: {
      HeadReplicas:
        "HeadObject (s3:GetObject, s3:GetObjectVersion) on every object of D is the verifier's job: any key may be a replica. No other bucket is readable, and the function never reads object bodies.",
      Metrics:
        'cloudwatch:PutMetricData supports no resource-level permissions (Resource "*" is the only form IAM accepts); the statement is scoped by its cloudwatch:namespace condition to the verifier namespace.',
      XRay: XRAY,
    },
    ReplicaAuditRole: { ReadManifest: AUDIT, WriteReport: AUDIT },
  },
};

/** Other rules acknowledged on the destination template's resources: logical id → rule → reason. */
const RULES: Record<string, Record<string, string>> = {
  Queue: {
    'AwsSolutions-SQS4':
      'The queue policy is the reviewed one of infra/destination-account.yaml: only s3.amazonaws.com for D (aws:SourceArn, aws:SourceAccount) may send, and only the verifier role consumes. AWS does not document that S3 event delivery satisfies an aws:SecureTransport Deny, and a Deny it did not meet would silently stop every notification; SDK and CLI callers use HTTPS anyway.',
  },
  DeadLetterQueue: {
    'AwsSolutions-SQS3':
      "This is the dead-letter queue: the verifier queue's RedrivePolicy (deadLetterTargetArn, maxReceiveCount 5) sends to it; cdk-nag does not follow an included template's GetAtt to see that. A dead-letter queue needs none of its own, and DeadLetterQueueAlarm fires on any message in it.",
    'AwsSolutions-SQS4':
      'The dead-letter queue has no resource policy: only SQS redrive from the verifier queue writes to it, and only principals of this account with an explicit IAM grant can read it, over the HTTPS SQS endpoints SDKs and the CLI use.',
  },
};

/** Acknowledges the reviewed findings on the resources `include` holds of template `name`. */
export function acknowledgeTemplate(include: CfnInclude, name: 'source-account' | 'destination-account'): void {
  const has = (id: string) => include.node.tryFindChild(id) !== undefined;
  for (const [role, reasons] of Object.entries(WILDCARDS[name])) {
    if (has(role)) acknowledgeWildcardResources(include, include.getResource(role), reasons);
  }
  if (name === 'destination-account') {
    for (const [id, rules] of Object.entries(RULES)) {
      for (const [rule, reason] of Object.entries(rules)) if (has(id)) acknowledgeNag(include.getResource(id), rule, reason);
    }
  }
}
