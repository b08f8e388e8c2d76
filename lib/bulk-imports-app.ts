import { join, resolve } from 'node:path';
import { type App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { DeploySettings } from './deploy-settings';
import { findHandlerEntries, type HandlerEntries } from './handler-entries';
import { StatefulStack } from './stateful-stack';
import { StatelessStack } from './stateless-stack';

export interface BulkImportsAppOptions {
  settings: DeploySettings;
  /** Account and region; absent for an environment-agnostic synth. */
  env?: Environment;
  /** Repository root; defaults to the one this file lives in. */
  projectRoot?: string;
  /** Handler modules by stage; defaults to the `lambdas/<stage>/handler.ts` files that exist. */
  handlers?: HandlerEntries;
  /** The console's build output; defaults to `frontend/dist` under the root. */
  consoleDistDir?: string;
}

export interface BulkImportsStacks {
  stateful: StatefulStack;
  stateless: StatelessStack;
}

/**
 * Adds the product's two stacks to `app`: `{prefix}-Stateful` (data, queues, sign-in, console address) and
 * `{prefix}-Stateless` (functions, API, wiring), which depends on the first. It also registers the cdk-nag
 * AwsSolutions pack as a validation plugin, so every synthesis (`cdk synth`, `cdk deploy`, the infra tests)
 * fails on a finding that is not acknowledged with a reason. The CDK app in `bin/` and the infra tests build
 * the very same app through this function.
 */
export const defineBulkImportsApp = (app: App, options: BulkImportsAppOptions): BulkImportsStacks => {
  const projectRoot = options.projectRoot ?? resolve(__dirname, '..');
  const { settings } = options;
  const env = options.env ? { env: options.env } : {};
  const handlers = options.handlers ?? findHandlerEntries(join(projectRoot, 'lambdas'));

  const stateful = new StatefulStack(app, `${settings.stackPrefix}-Stateful`, {
    ...env,
    description: 'Bulk Imports: data bucket, tables, queues, admin sign-in and console hosting (stateful)',
    settings,
    // The sign-in trigger lives with the user pool it belongs to.
    signInTrigger: { entry: handlers['pre-token-generation'], projectRoot },
  });
  const stateless = new StatelessStack(app, `${settings.stackPrefix}-Stateless`, {
    ...env,
    description: 'Bulk Imports: pipeline functions, HTTP API and console configuration (stateless)',
    settings,
    stateful,
    handlers,
    projectRoot,
    consoleDistDir: options.consoleDistDir ?? join(projectRoot, 'frontend', 'dist'),
  });
  stateless.addStackDependency(stateful);

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stateful, stateless };
};
