import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The stages, each one Lambda function with its handler at `lambdas/<stage>/handler.ts`. */
export const STAGES = [
  'validate-file',
  'process-chunk',
  'finalize-import',
  'api',
  'watchdog',
  'email-ingest',
  'pre-token-generation',
] as const;
export type Stage = (typeof STAGES)[number];

/** Handler modules by stage. */
export type HandlerEntries = Record<Stage, string>;

/** Path of a stage's handler module under `handlersDir`. */
export const handlerEntry = (handlersDir: string, stage: string): string =>
  join(handlersDir, stage, 'handler.ts');

/** Finds the handler modules under `handlersDir`; a missing one fails the synth at once with its path. */
export const findHandlerEntries = (handlersDir: string): HandlerEntries => {
  const entries = Object.fromEntries(
    STAGES.map((stage) => [stage, handlerEntry(handlersDir, stage)]),
  ) as HandlerEntries;
  const missing = Object.values(entries).filter((entry) => !existsSync(entry));
  if (missing.length > 0) throw new Error(`Handler modules not found: ${missing.join(', ')}`);
  return entries;
};
