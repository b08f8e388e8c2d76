import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Pipeline stages whose handlers every deployment needs. */
export const REQUIRED_STAGES = [
  'validate-file',
  'process-chunk',
  'finalize-import',
  'api',
  'watchdog',
] as const;
export type RequiredStage = (typeof REQUIRED_STAGES)[number];

/** Handler modules (`lambdas/<stage>/handler.ts`) by stage; email ingest is optional until it exists. */
export type HandlerEntries = Record<RequiredStage, string> & { 'email-ingest'?: string };

/** Path of a stage's handler module under `handlersDir`. */
export const handlerEntry = (handlersDir: string, stage: string): string =>
  join(handlersDir, stage, 'handler.ts');

/**
 * Finds the handler modules under `handlersDir`. A missing pipeline handler fails the synth at once with its
 * path; email ingest is returned only when its module exists, and the stack decides what that means.
 */
export const findHandlerEntries = (handlersDir: string): HandlerEntries => {
  const required = Object.fromEntries(
    REQUIRED_STAGES.map((stage) => [stage, handlerEntry(handlersDir, stage)]),
  ) as Record<RequiredStage, string>;
  const missing = Object.values(required).filter((entry) => !existsSync(entry));
  if (missing.length > 0) throw new Error(`Handler modules not found: ${missing.join(', ')}`);
  const emailIngest = handlerEntry(handlersDir, 'email-ingest');
  return { ...required, ...(existsSync(emailIngest) ? { 'email-ingest': emailIngest } : {}) };
};
