#!/usr/bin/env node
/**
 * The example app: one replication, S in account A → D in account B, as two stacks.
 *
 *   npx cdk synth -c prebuilt=../../dist/lambda -c arch=x86_64     # offline, make package's zips
 *   npx cdk deploy S3KmsReplicationDestination --profile dest -c ... # see infra/cdk/README.md
 *
 * Configuration: CDK context (-c key=value) or the environment; see lib/example.ts.
 */
import { App } from 'aws-cdk-lib';
import { exampleConfig, exampleStacks } from './example-stacks';

const app = new App({ analyticsReporting: false });
exampleStacks(app, exampleConfig((key) => app.node.tryGetContext(key)));
app.synth();
