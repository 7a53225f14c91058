/**
 * Accepted findings, written next to the resource they concern, each with its reason: cdk-nag
 * suppressions (read by `AwsSolutionsChecks` and any other pack) and checkov skips (the
 * template's `Metadata.checkov.skip`, read by `checkov -f <template>`).
 */
import { CfnResource, type IAspect, Aspects, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/** One accepted checkov finding. */
export interface CheckovSkip {
  /** Check id, such as `CKV_AWS_117`. */
  readonly id: string;
  /** Why the finding is accepted. */
  readonly comment: string;
}

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

function cfnOf(scope: IConstruct): CfnResource {
  const child = scope instanceof CfnResource ? scope : scope.node.defaultChild;
  if (!(child instanceof CfnResource)) throw new Error(`${scope.node.path} has no CloudFormation resource`);
  return child;
}

/** Acknowledges one cdk-nag rule (`AwsSolutions-SQS4`, ...) on `scope`, with its reason. */
export function acknowledgeNag(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Acknowledges cdk-nag's `AwsSolutions-IAM5[Resource::…]` finding for each wildcard resource of
 * the statements of `role`'s inline policies whose Sid is a key of `reasons`, with that reason:
 * exactly those findings, named as the rule names them (resolved at synthesis, when the
 * statements' tokens can be resolved), so a wildcard in any other statement still fails.
 */
export function acknowledgeWildcardResources(role: iam.Role, reasons: Record<string, string>): void {
  const aspect: IAspect = {
    visit(node: IConstruct) {
      if (node !== role) return;
      const cfn = role.node.defaultChild as iam.CfnRole;
      const stack = Stack.of(cfn);
      const policies = (stack.resolve(cfn.policies) ?? []) as { policyDocument: { Statement?: unknown[] } }[];
      for (const policy of policies) {
        for (const raw of stack.resolve(policy.policyDocument)?.Statement ?? []) {
          const st = raw as { Sid?: string; Effect?: string; Resource?: unknown };
          const reason = st.Sid !== undefined ? reasons[st.Sid] : undefined;
          if (reason === undefined || st.Effect !== 'Allow') continue;
          const resources = Array.isArray(st.Resource) ? st.Resource : [st.Resource];
          for (const resource of resources.map((r) => flattenCfnReference(r)).filter((r) => r.includes('*'))) {
            Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
          }
        }
      }
    },
  };
  Aspects.of(role).add(aspect);
}

/** Records checkov skips in `scope`'s CloudFormation resource's `Metadata.checkov.skip`. */
export function skipCheckov(scope: IConstruct, skips: CheckovSkip[]): void {
  const cfn = cfnOf(scope);
  const existing = (cfn.getMetadata('checkov') as { skip?: CheckovSkip[] } | undefined)?.skip ?? [];
  cfn.addMetadata('checkov', { skip: [...existing, ...skips.map((s) => ({ id: s.id, comment: s.comment }))] });
}

/** The reasons both stacks' functions share (the same words as the YAML templates' skips). */
export const FUNCTION_SKIPS = {
  vpc: {
    id: 'CKV_AWS_117',
    comment:
      'Deliberately not in a VPC: the function calls only AWS APIs (S3, KMS, IAM, STS, CloudWatch) and, for the setup function, the pre-signed CloudFormation ResponseURL; there is nothing private to reach, and a VPC would add NAT or five interface endpoints as cost and failure modes.',
  },
  environmentKms: {
    id: 'CKV_AWS_173',
    comment:
      'The environment holds no secrets (a metrics namespace, bucket name, key ARN and sink name); Lambda encrypts it at rest with its AWS managed key, and a customer managed key would only add a key policy to maintain.',
  },
  setupDlq: {
    id: 'CKV_AWS_116',
    comment:
      'Invoked by CloudFormation (asynchronously, one custom resource request per stack operation) and by the scheduled check; the function always answers CloudFormation itself, and a dead-letter queue would only keep stale requests whose pre-signed ResponseURL has expired.',
  },
  setupConcurrency: {
    id: 'CKV_AWS_115',
    comment:
      'Invoked only once per stack operation and once per scheduled check: a reservation would take capacity from the account unreserved pool (which must keep 10) without bounding anything, and would make the stack fail to deploy in an account whose concurrency quota is 10.',
  },
  verifierDlq: {
    id: 'CKV_AWS_116',
    comment:
      'Fed by an SQS event source mapping whose queue redrives to its own dead-letter queue (with an alarm), and by synchronous S3 Batch Operations tasks; a Lambda DLQ applies only to asynchronous invocations.',
  },
  logGroupKms: {
    id: 'CKV_AWS_158',
    comment:
      'CloudWatch Logs encrypts log data at rest; these lines name buckets, keys and verdicts, no secrets, and a customer managed key would need its own key policy for the logs service principal.',
  },
} satisfies Record<string, CheckovSkip>;
