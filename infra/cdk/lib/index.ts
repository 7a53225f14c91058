/**
 * CDK constructs for s3-kms-replication: `ReplicationDestination` (account B) and
 * `ReplicationSource` (account A), the twins of infra/destination-account.yaml and
 * infra/source-account.yaml.
 */
export { ReplicationDestination, type ReplicationDestinationProps, type MetricsSink, LIVENESS_PERIODS } from './destination';
export { ReplicationSource, type ReplicationSourceProps, type ReplicationRule, STORAGE_CLASSES } from './source';
export { type ReplicationCommonProps, type LogLevel } from './common';
export { type ReplicationCodeOptions, type ReplicationBinary, prebuiltCode, workspaceManifest } from './code';
export { type KeyRef, type BucketRef, ReplicationPropError, defaultReplicationRoleName, keyArnOf } from './refs';
export { exampleStacks, exampleConfig, type ExampleConfig } from './example';
