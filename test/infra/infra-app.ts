import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  type BulkImportsAppOptions,
  type BulkImportsStacks,
  defineBulkImportsApp,
} from '../../lib/bulk-imports-app';
import { parseDeploySettings } from '../../lib/deploy-settings';
import { findHandlerEntries } from '../../lib/handler-entries';

/** Repository root, as `cdk synth` sees it. */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');

/** The real handler modules, email ingest included. */
export const REAL_HANDLERS = findHandlerEntries(join(PROJECT_ROOT, 'lambdas'));

/** A console directory that does not exist: the default for tests, so the real `frontend/dist` never leaks in. */
export const NO_CONSOLE_BUILD = join(__dirname, 'fixtures', 'no-console-build');

/** The feature flags and context of `cdk.json`, so tests synthesize what `cdk synth` synthesizes. */
const cdkJsonContext = (): Record<string, unknown> => {
  const cdkJson: unknown = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8'));
  const context = (cdkJson as { context?: Record<string, unknown> }).context;
  if (!context) throw new Error('cdk.json has no context');
  return context;
};

export interface TestApp extends BulkImportsStacks {
  app: App;
  statefulTemplate: Template;
  statelessTemplate: Template;
}

/**
 * Builds and synthesizes the app as `bin/` does, from deploy context given as `cdk -c` would give it.
 * Bundling is skipped (assets are not built) so a template test takes about a second; one test in
 * `synth.test.ts` keeps the real bundling.
 */
export const synthesizeTestApp = (
  context: Record<string, unknown> = {},
  options: Partial<Omit<BulkImportsAppOptions, 'settings'>> = {},
): TestApp => {
  const app = new App({
    context: { ...cdkJsonContext(), ...context, 'aws:cdk:bundling-stacks': [] },
  });
  const stacks = defineBulkImportsApp(app, {
    settings: parseDeploySettings((key) => app.node.tryGetContext(key)),
    handlers: REAL_HANDLERS,
    consoleDistDir: NO_CONSOLE_BUILD,
    ...options,
  });
  return {
    app,
    ...stacks,
    statefulTemplate: Template.fromStack(stacks.stateful),
    statelessTemplate: Template.fromStack(stacks.stateless),
  };
};

/** A CloudFormation resource as the template holds it. */
export interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string[] | string;
}

/** Resources of one type, by logical id. */
export const resourcesOfType = (template: Template, type: string): Record<string, CfnResourceJson> =>
  template.findResources(type) as Record<string, CfnResourceJson>;

/** The properties of a resource that must exist; a clear failure instead of a chain of `undefined`. */
export const propertiesOf = (resource: CfnResourceJson | undefined): Record<string, unknown> => {
  if (!resource?.Properties) throw new Error('Expected a resource with properties');
  return resource.Properties;
};
