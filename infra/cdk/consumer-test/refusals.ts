// Synth-time refusals from the installed package: the message names the construct, the prop
// and the fix, and the error is named ReplicationPropError. Run by consumer-test/run.sh.
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ReplicationDestination, ReplicationSource } from 's3-kms-replication-cdk';

function refused(what: string, build: () => void, expected: RegExp): void {
  try {
    build();
  } catch (e) {
    const error = e as Error;
    if (error.name !== 'ReplicationPropError' || !expected.test(error.message)) {
      throw new Error(`${what}: unexpected ${error.name}: ${error.message}`);
    }
    console.log(`refused as expected (${what}): ${error.message.slice(0, 160)}…`);
    return;
  }
  throw new Error(`${what}: synth accepted it`);
}

const stack = (id: string, account: string) => new Stack(new App(), id, { env: { account, region: 'eu-west-1' } });

refused(
  'an alias for a key',
  () =>
    new ReplicationSource(stack('A', '111111111111'), 'Replication', {
      sourceBucket: 'my-source',
      sourceKmsKey: 'alias/replicas',
      destinationBucket: 'my-destination',
      destinationAccountId: '222222222222',
      destinationKmsKey: 'arn:aws:kms:eu-west-1:222222222222:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21',
      code: { prebuiltDir: 'lambda' },
      architecture: lambda.Architecture.X86_64,
    }),
  /^ReplicationSource \(A\/Replication\) sourceKmsKey: alias\/replicas is an alias, not a key\. Fix: give the key itself/,
);
refused(
  'no code, installed package',
  () =>
    new ReplicationDestination(stack('B', '222222222222'), 'Replication', {
      destinationBucket: 'my-destination',
      destinationKmsKey: 'arn:aws:kms:eu-west-1:222222222222:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21',
      sourceAccountId: '111111111111',
      sourceBucket: 'my-source',
    }),
  /^ReplicationDestination \(B\/Replication\) code: neither code\.prebuiltDir nor code\.manifestPath is set, .*\. Fix: set code\.prebuiltDir .* or code\.manifestPath /,
);
