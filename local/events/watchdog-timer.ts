import { z } from 'zod';
import { watchdogTimeouts } from '../../lambdas/shared/config';
import { QUEUES } from '../../lambdas/shared/resource-definitions';
import type { FunctionInvoker } from '../functions/invoker';
import type { Log } from '../log';

/**
 * The local stack's part of poison work: the settings the handlers need to give up on a last receive and
 * the watchdog's timeouts (both from the local visibility timeout, so a killed stack's work is never cut
 * short), and the timer that plays the CDK stack's EventBridge schedule by invoking the watchdog handler.
 */

/** Seconds between watchdog passes (`IMPORTS_WATCHDOG_INTERVAL_SECONDS`); the CDK schedule runs every 5 minutes. */
export const watchdogIntervalSchema = z.coerce
  .number({ error: 'IMPORTS_WATCHDOG_INTERVAL_SECONDS must be a number' })
  .int({ error: 'IMPORTS_WATCHDOG_INTERVAL_SECONDS must be a whole number' })
  .min(1, { error: 'IMPORTS_WATCHDOG_INTERVAL_SECONDS must be at least 1 second' })
  .max(86_400, { error: 'IMPORTS_WATCHDOG_INTERVAL_SECONDS must be at most 86400 (a day)' })
  .default(60);

export const watchdogInterval = (env: NodeJS.ProcessEnv): number => {
  const parsed = watchdogIntervalSchema.safeParse(env.IMPORTS_WATCHDOG_INTERVAL_SECONDS);
  if (!parsed.success) {
    throw new Error(
      `Invalid local stack settings: IMPORTS_WATCHDOG_INTERVAL_SECONDS=${JSON.stringify(env.IMPORTS_WATCHDOG_INTERVAL_SECONDS)}: ${parsed.error.issues[0]?.message}`,
    );
  }
  return parsed.data;
};

/** The shortest default watchdog timeout locally (a variable set in the environment may be shorter). */
export const LOCAL_MIN_WATCHDOG_TIMEOUT_SECONDS = 300;

const maxReceives = (id: (typeof QUEUES)[number]['id']): number =>
  QUEUES.find((queue) => queue.id === id)?.maxReceiveCount ?? 1;

/**
 * Max receives as the local queues' redrive policies have them (the deployed ones), and watchdog timeouts
 * from the local visibility timeout. A variable already in `env` wins, so tests can shorten timeouts.
 */
export const poisonEnvironment = (
  visibilityTimeoutSeconds: number,
  env: NodeJS.ProcessEnv,
): Record<string, string> => {
  const derived = watchdogTimeouts(() => visibilityTimeoutSeconds);
  // A stopped or killed local stack counts its downtime as idle time, so short visibility timeouts (tests,
  // chaos runs) would let the watchdog end work a restart is about to resume: never under the floor.
  const atLeast = (seconds: number) => Math.max(seconds, LOCAL_MIN_WATCHDOG_TIMEOUT_SECONDS);
  const timeouts = {
    pending: atLeast(derived.pending),
    validating: atLeast(derived.validating),
    processing: atLeast(derived.processing),
    finalizing: atLeast(derived.finalizing),
  };
  const defaults: Record<string, string> = {
    INTAKE_MAX_RECEIVE_COUNT: String(maxReceives('intake')),
    CHUNKS_MAX_RECEIVE_COUNT: String(maxReceives('chunks')),
    FINALIZE_MAX_RECEIVE_COUNT: String(maxReceives('finalize')),
    WATCHDOG_PENDING_TIMEOUT_SECONDS: String(timeouts.pending),
    WATCHDOG_VALIDATING_TIMEOUT_SECONDS: String(timeouts.validating),
    WATCHDOG_PROCESSING_TIMEOUT_SECONDS: String(timeouts.processing),
    WATCHDOG_FINALIZING_TIMEOUT_SECONDS: String(timeouts.finalizing),
  };
  return Object.fromEntries(Object.entries(defaults).filter(([name]) => env[name] === undefined));
};

export interface WatchdogTimer {
  /** Stops scheduling, and resolves once a pass in progress has ended. */
  stop(): Promise<void>;
}

/** An EventBridge scheduled event, as the deployed rule sends it. */
const scheduledEvent = (region: string) => ({
  version: '0',
  id: crypto.randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '000000000000',
  time: new Date().toISOString(),
  region,
  resources: [`arn:aws:events:${region}:000000000000:rule/bulk-imports-watchdog`],
  detail: {},
});

/** Invokes the watchdog every `intervalSeconds`, one pass at a time (a slow pass delays the next one). */
export const startWatchdogTimer = (options: {
  invoker: FunctionInvoker;
  intervalSeconds: number;
  region: string;
  log: Log;
}): WatchdogTimer => {
  const { invoker, intervalSeconds, region, log } = options;
  let running: Promise<void> | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const pass = async () => {
    try {
      const answer = (await invoker.invoke(scheduledEvent(region))) as
        | { open?: number; acted?: number }
        | undefined;
      if (answer?.acted) log.warn('watchdog ended idle work', { open: answer.open, acted: answer.acted });
    } catch (error) {
      log.error('watchdog pass failed', error);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass().finally(() => {
        running = undefined;
        schedule();
      });
    }, intervalSeconds * 1000);
  };
  schedule();
  log.info('watchdog scheduled', { everySeconds: intervalSeconds });
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
};
