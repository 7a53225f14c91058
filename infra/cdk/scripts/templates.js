#!/usr/bin/env node
/**
 * Copies infra/*.yaml, the single source of both stacks, into templates/ as JSON (the build
 * and prepack step of `npm run build` and `npm run compile`): the constructs include them with
 * CfnInclude, relative to the compiled JavaScript, so the packed npm package (and the Python
 * wheel that embeds it) carries them. Parsed here with aws-cdk-lib's own CloudFormation YAML
 * reader (the one CfnInclude uses, short-form tags included), so that the constructs need no
 * YAML parser at run time. The output is generated: templates/ is not in git.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const here = path.resolve(__dirname, '..');
const infra = path.resolve(here, '..');
const out = path.join(here, 'templates');
// The YAML library aws-cdk-lib bundles, by its path (not in aws-cdk-lib's exports map; a
// build-time tool only), with the short-form tags of cloudformation-include's reader
// (lib/private/yaml-cfn.js) and the one it lacks, !Contains (the templates' Rules use it).
const cdkLib = path.dirname(require.resolve('aws-cdk-lib/package.json', { paths: [here] }));
const yaml = require(path.join(cdkLib, 'node_modules', 'yaml'));
const FUNCTIONS = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Sub', 'Select', 'Split', 'Transform'];
const CONDITIONS = ['And', 'Equals', 'If', 'Not', 'Or', 'Contains', 'GetAtt'];
const tag = (name, key) => ({
  identify: (value) => typeof value === 'string',
  tag: `!${name}`,
  resolve: (_doc, node) => ({ [key]: parse(node.toString().substring(name.length + 1)) }),
});
const TAGS = [...FUNCTIONS, ...CONDITIONS].map((n) => tag(n, `Fn::${n}`)).concat(tag('Ref', 'Ref'), tag('Condition', 'Condition'));
function parse(text) {
  return yaml.parse(text, { customTags: TAGS, schema: 'core' });
}
const readYamlSync = (file) => parse(fs.readFileSync(file, 'utf8'));

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out);
for (const name of ['source-account', 'destination-account']) {
  const template = readYamlSync(path.join(infra, `${name}.yaml`));
  fs.writeFileSync(path.join(out, `${name}.json`), JSON.stringify(template, null, 1) + '\n');
}
