#!/usr/bin/env node
// A user's own CDK app (TypeScript), as the README shows it: one replication, S in account A →
// D in account B, as two stacks. consumer-test/run.sh copies this file into a fresh
// `cdk init app --language typescript` project that installed the packed library by name.
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ReplicationDestination, ReplicationSource } from 's3-kms-replication-cdk';

const app = new App();

// The release zips, unpacked as lambda/replication-setup/bootstrap.zip and
// lambda/replica-verifier/bootstrap.zip (`make package`: x86_64). Synth reads each bootstrap's
// ELF header and refuses an architecture that does not match.
const code = { prebuiltDir: 'lambda' };
const architecture = lambda.Architecture.X86_64;

// Account B, D's region.
const b = new Stack(app, 'ReplicationDestination', { env: { account: '222222222222', region: 'eu-west-1' } });
const destination = new ReplicationDestination(b, 'Replication', {
  destinationBucket: s3.Bucket.fromBucketName(b, 'D', 'my-destination'),
  destinationKmsKey: kms.Key.fromKeyArn(b, 'KB', 'arn:aws:kms:eu-west-1:222222222222:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21'),
  sourceAccountId: '111111111111',
  sourceBucket: 'my-source',
  code,
  architecture,
  scheduledCheck: true, // optional: the doctor's checks every hour, with alarms
  liveness: true, // optional: alarm when the source's hourly canary stops arriving
});
new CfnOutput(b, 'WrongKeyAlarm', { value: destination.alarms.replicaWrongKey.alarmName });

// Account A, S's region.
const a = new Stack(app, 'ReplicationSource', { env: { account: '111111111111', region: 'eu-west-1' } });
const source = new ReplicationSource(a, 'Replication', {
  sourceBucket: s3.Bucket.fromBucketName(a, 'S', 'my-source'),
  sourceKmsKey: kms.Key.fromKeyArn(a, 'KA', 'arn:aws:kms:eu-west-1:111111111111:key/5c2b7a1e-3f4d-4b6a-8e9f-0a1b2c3d4e5f'),
  destinationBucket: 'my-destination',
  destinationAccountId: '222222222222',
  destinationKmsKey: 'arn:aws:kms:eu-west-1:222222222222:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21',
  code,
  architecture,
  rules: [{ id: 'to-destination', prefix: 'replicated/', tags: { team: 'storage' } }], // optional: default is the whole bucket
  scheduledCheck: true,
  liveness: true,
});
new CfnOutput(a, 'ReplicationRoleArn', { value: source.roleArn });

app.synth();
