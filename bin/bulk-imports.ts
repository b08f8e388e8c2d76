#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { defineBulkImportsApp } from '../lib/bulk-imports-app';
import { parseDeploySettings } from '../lib/deploy-settings';

// Wiring only: deploy settings from context, the environment the CLI resolved (if any), and the app.
const app = new App();
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
defineBulkImportsApp(app, {
  settings: parseDeploySettings((key) => app.node.tryGetContext(key)),
  ...(account && region ? { env: { account, region } } : {}),
});
