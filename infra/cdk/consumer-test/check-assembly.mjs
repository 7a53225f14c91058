// Checks the cloud assembly a fresh consumer app synthesized (app.ts or app.py):
//   node check-assembly.mjs <cdk.out>                 the expected resources and properties
//   node check-assembly.mjs --same <cdk.out> <cdk.out> both apps synthesized the same templates
// No dependencies: plain Node.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const A = '111111111111';
const B = '222222222222';
const KA = `arn:aws:kms:eu-west-1:${A}:key/5c2b7a1e-3f4d-4b6a-8e9f-0a1b2c3d4e5f`;
const KB = `arn:aws:kms:eu-west-1:${B}:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21`;

/** Resource counts by type; every other type but CDK's own metadata is unexpected. */
const EXPECTED = {
  ReplicationDestination: {
    'AWS::Lambda::Function': 2, // replication-setup, replica-verifier
    'Custom::ReplicationDestination': 1,
    'AWS::SQS::Queue': 2, // the verifier's queue and its DLQ
    'AWS::SQS::QueuePolicy': 1,
    'AWS::Lambda::EventSourceMapping': 1,
    'AWS::CloudWatch::Alarm': 15, // 10, the scheduled check's 4, CanaryReplicaVerified
    'AWS::CloudWatch::Dashboard': 1,
    'AWS::Logs::LogGroup': 2,
    'AWS::Scheduler::Schedule': 1,
    'AWS::IAM::Role': 3, // setup, verifier, the scheduler's
  },
  ReplicationSource: {
    'AWS::Lambda::Function': 1,
    'Custom::ReplicationSource': 1,
    'AWS::Logs::LogGroup': 1,
    'AWS::CloudWatch::Alarm': 4, // the scheduled check's
    'AWS::Scheduler::Schedule': 1,
    'AWS::IAM::Role': 2, // setup, the scheduler's
  },
};

function templates(out) {
  const result = {};
  for (const stack of Object.keys(EXPECTED)) {
    const file = path.join(out, `${stack}.template.json`);
    assert.ok(fs.existsSync(file), `${file} was synthesized`);
    result[stack] = JSON.parse(fs.readFileSync(file, 'utf8'));
  }
  return result;
}

function ofType(template, type) {
  return Object.values(template.Resources).filter((r) => r.Type === type);
}

/** The template without CDKMetadata (its Analytics string names the language and runtime). */
function comparable(template) {
  const copy = structuredClone(template);
  delete copy.Resources.CDKMetadata;
  delete copy.Conditions?.CDKMetadataAvailable;
  if (copy.Conditions && Object.keys(copy.Conditions).length === 0) delete copy.Conditions;
  return copy;
}

/** The JSON paths where `a` and `b` differ, with both values. */
function diff(a, b, at) {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => diff(a[k], b[k], `${at}.${k}`));
  }
  return [`${at}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`];
}

function check(out) {
  const t = templates(out);
  for (const [stack, counts] of Object.entries(EXPECTED)) {
    const found = {};
    for (const r of Object.values(t[stack].Resources)) {
      if (r.Type !== 'AWS::CDK::Metadata') found[r.Type] = (found[r.Type] ?? 0) + 1;
    }
    assert.deepEqual(found, counts, `${stack}: resources by type`);
    for (const fn of ofType(t[stack], 'AWS::Lambda::Function')) {
      const p = fn.Properties;
      assert.equal(p.Runtime, 'provided.al2023', `${stack} ${p.FunctionName}`);
      assert.equal(p.Handler, 'bootstrap');
      assert.deepEqual(p.Architectures, ['x86_64']);
      assert.match(p.Code.S3Key, /^[0-9a-f]{64}\.zip$/, `${p.FunctionName}: code is a zip asset`);
      const asset = fn.Metadata['aws:asset:path'];
      assert.ok(fs.existsSync(path.join(out, asset)), `${p.FunctionName}: asset ${asset} is in the assembly`);
    }
  }
  const d = ofType(t.ReplicationDestination, 'Custom::ReplicationDestination')[0].Properties;
  assert.equal(d.DestinationBucket, 'my-destination');
  assert.equal(d.DestinationKmsKeyArn, KB);
  assert.equal(d.SourceAccountId, A);
  assert.equal(d.SourceBucket, 'my-source');
  assert.equal(d.ReplicationRoleArn, `arn:aws:iam::${A}:role/s3-kms-replication-my-source`);
  assert.equal(d.BucketKeyEnabled, 'true');
  const s = ofType(t.ReplicationSource, 'Custom::ReplicationSource')[0].Properties;
  assert.equal(s.SourceBucket, 'my-source');
  assert.equal(s.SourceKmsKeyArn, KA);
  assert.equal(s.DestinationKmsKeyArn, KB);
  assert.equal(s.DestinationAccountId, B);
  // Rules: the list as JSON text (the template's Rules parameter), which the setup function reads as the list.
  assert.deepEqual(JSON.parse(s.Rules), [{ Id: 'to-destination', Prefix: 'replicated/', Tags: [{ Key: 'team', Value: 'storage' }] }]);
  const names = (stack) => ofType(t[stack], 'AWS::Lambda::Function').map((f) => f.Properties.FunctionName).sort();
  assert.deepEqual(names('ReplicationDestination'), ['ReplicationDestination-setup', 'ReplicationDestination-verifier']);
  assert.deepEqual(names('ReplicationSource'), ['ReplicationSource-setup']);
  // destination.alarms.replicaWrongKey (the ReplicationDestinationAlarms struct) is the alarm.
  const wrongKey = t.ReplicationDestination.Resources[t.ReplicationDestination.Outputs.WrongKeyAlarm.Value.Ref];
  assert.equal(wrongKey.Properties.AlarmName, 'ReplicationDestination-ReplicaWrongKey');
  assert.ok(t.ReplicationSource.Outputs.ReplicationRoleArn.Value['Fn::GetAtt'], 'the role ARN output reads the custom resource');
  const total = Object.values(t).reduce((n, tpl) => n + Object.keys(tpl.Resources).length, 0);
  console.log(`check-assembly: ${out}: both stacks as expected (${total} resources)`);
}

const args = process.argv.slice(2);
if (args[0] === '--same') {
  const [one, two] = [templates(args[1]), templates(args[2])];
  const differences = [];
  for (const stack of Object.keys(EXPECTED)) differences.push(...diff(comparable(one[stack]), comparable(two[stack]), stack));
  if (differences.length > 0) {
    console.error(`check-assembly: ${args[1]} and ${args[2]} differ at ${differences.length} places:`);
    for (const d of differences.slice(0, 30)) console.error(`  ${d}`);
    process.exit(1);
  }
  console.log(`check-assembly: ${args[1]} and ${args[2]} hold the same templates (but CDKMetadata)`);
} else {
  check(args[0]);
}
