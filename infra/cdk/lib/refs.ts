/**
 * What the constructs accept for buckets, keys, accounts and role names, checked at synth:
 * the same rules the setup function's property parser applies at deploy time
 * (functions/replication-core/src/properties), so that a mistake fails `cdk synth` with the
 * prop's name and the fix instead of a FAILED stack operation twelve minutes later.
 */
import { Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/** A key ARN, as both templates' `AllowedPattern` has it. */
export const KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):([0-9]{12}):key\/[A-Za-z0-9-]+$/;
/** An S3 bucket name, as both templates' `AllowedPattern` has it. */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** An IAM role ARN with its path. */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::([0-9]{12}):role(\/[A-Za-z0-9+=,.@_/-]*)?\/([A-Za-z0-9+=,.@_-]{1,64})$/;
/** The replication role's default name: `s3-kms-replication-<source bucket>` (shortened past 64). */
export const DEFAULT_ROLE_PREFIX = 's3-kms-replication-';

/**
 * Refuses `construct`'s `prop` at synth: throws an `Error` named `ReplicationPropError` whose
 * message is `<Construct> <prop>: <problem>. Fix: <fix>`. A plain `Error`, not a subclass: jsii
 * (which builds the Python package) cannot export a class that extends `Error`, and in Python
 * every error thrown in the construct arrives as a `RuntimeError` with this message anyway.
 */
export function refuse(construct: string, prop: string, problem: string, fix: string): never {
  const error = new Error(`${construct} ${prop}: ${problem}. Fix: ${fix}`);
  error.name = 'ReplicationPropError';
  throw error;
}

const KEY_FIX =
  "give the key itself: the kms.Key, or kms.Key.fromKeyArn(this, 'Key', 'arn:aws:kms:<region>:<account>:key/<key id>'); " +
  'IAM statements and key policies can be scoped only to a key ARN, and the replication rule must name the key ARN (S3 does not resolve aliases there)';

/** A key as the constructs take it: an `IKey` (created here or imported by key ARN) or a key ARN. */
export type KeyRef = kms.IKey | string;
/** A bucket as the constructs take it: an `IBucket`, or a name for a bucket of another account. */
export type BucketRef = s3.IBucket | string;

/**
 * The key ARN of `key`, refusing every form that is not a key ARN: a `kms.Alias` (or
 * `kms.Alias.fromAliasName`), an `alias/…` name, an alias ARN, a key imported by an alias ARN,
 * a bare key id, or an AWS managed key (`alias/aws/…`). An unresolved token (a key created in
 * the same stack, a parameter) is accepted as it is; any literal part of it that names an alias
 * is still refused.
 */
export function keyArnOf(construct: string, prop: string, key: KeyRef): string {
  if (typeof key !== 'string' && 'aliasName' in key) {
    const alias = key as kms.IAlias;
    const name = Token.isUnresolved(alias.aliasName) ? 'a KMS alias' : `the KMS alias ${alias.aliasName}`;
    refuse(construct, prop, `${name} was given, not a key`, KEY_FIX);
  }
  const arn = typeof key === 'string' ? key : key.keyArn;
  if (Token.isUnresolved(arn)) {
    if (/(^|:)alias\//.test(arn)) refuse(construct, prop, 'the key is given by an alias ARN', KEY_FIX);
    return arn;
  }
  if (/^alias\//.test(arn)) refuse(construct, prop, `${arn} is an alias, not a key`, KEY_FIX);
  if (/^arn:[^:]*:kms:[^:]*:[^:]*:alias\//.test(arn)) {
    refuse(construct, prop, `${arn} is an alias ARN, not a key ARN`, KEY_FIX);
  }
  if (!KEY_ARN.test(arn)) {
    refuse(construct, prop, `${JSON.stringify(arn)} is not a KMS key ARN (a key id or a malformed ARN?)`, KEY_FIX);
  }
  return arn;
}

/** The account and region of a literal key ARN; undefined for a token. */
export function keyArnParts(arn: string): { region: string; account: string } | undefined {
  if (Token.isUnresolved(arn)) return undefined;
  const m = KEY_ARN.exec(arn);
  return m ? { region: m[1], account: m[2] } : undefined;
}

/** The bucket name of `bucket`, checked when it is a literal. */
export function bucketNameOf(construct: string, prop: string, bucket: BucketRef): string {
  const name = typeof bucket === 'string' ? bucket : bucket.bucketName;
  if (!Token.isUnresolved(name) && !BUCKET_NAME.test(name)) {
    refuse(
      construct,
      prop,
      `${JSON.stringify(name)} is not an S3 bucket name`,
      'give the bucket (s3.Bucket.fromBucketName) or its name: 3 to 63 of a-z, 0-9, "." and "-", starting and ending with a letter or digit',
    );
  }
  return name;
}

/** A 12-digit account id, checked when it is a literal. */
export function accountIdOf(construct: string, prop: string, account: string): string {
  if (!Token.isUnresolved(account) && !/^[0-9]{12}$/.test(account)) {
    refuse(construct, prop, `${JSON.stringify(account)} is not an AWS account id`, 'give the 12-digit account id');
  }
  return account;
}

/** FNV-1a, 32 bits: replication-core's `fnv1a32`, for the default role name of a long bucket. */
function fnv1a32(data: string): number {
  let hash = 0x811c9dc5;
  for (const b of Buffer.from(data, 'utf8')) {
    hash ^= b;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The replication role's default name for `sourceBucket`, exactly as the setup function derives
 * it (replication-core `arn::default_role_name`): `s3-kms-replication-<bucket>`, or, when that
 * is longer than IAM's 64 characters, the bucket cut short and an 8-hex-digit hash of the whole
 * bucket name appended.
 */
export function defaultReplicationRoleName(sourceBucket: string): string {
  const full = `${DEFAULT_ROLE_PREFIX}${sourceBucket}`;
  if (full.length <= 64) return full;
  const hash = fnv1a32(sourceBucket).toString(16).padStart(8, '0');
  const keep = 64 - DEFAULT_ROLE_PREFIX.length - 1 - hash.length;
  const cut = sourceBucket.slice(0, keep).replace(/[.-]+$/, '');
  return `${DEFAULT_ROLE_PREFIX}${cut}-${hash}`;
}

/** CloudFormation passes every custom resource property as a string: booleans as "true"/"false". */
export function flag(value: boolean): 'true' | 'false' {
  return value ? 'true' : 'false';
}

/** The construct's path, for error messages. */
export function describe(scope: IConstruct, kind: string): string {
  return `${kind} (${scope.node.path})`;
}
