/**
 * CDK constructs for s3-kms-replication: `ReplicationDestination` (account B) and
 * `ReplicationSource` (account A), typed facades that include infra/destination-account.yaml and
 * infra/source-account.yaml with their parameters set from the props.
 *
 * Classes, interfaces and enums are the jsii API (also in Python); the functions, constants and
 * type aliases below are TypeScript/JavaScript only (jsii leaves them out).
 */
export {
  ReplicationDestination,
  type ReplicationDestinationProps,
  type ReplicationDestinationAlarms,
  type MetricsSink,
  LIVENESS_PERIODS,
} from './destination';
export { ReplicationSource, type ReplicationSourceProps, type ReplicationRule, STORAGE_CLASSES } from './source';
export { type ReplicationCommonProps, type LogLevel, type PolicyWrites } from './common';
export { type ReplicationCodeOptions, type ReplicationBinary, prebuiltCode, workspaceManifest } from './code';
export { type KeyRef, type BucketRef, defaultReplicationRoleName, keyArnOf } from './refs';
