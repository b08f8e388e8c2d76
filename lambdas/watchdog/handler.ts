import { createLogger, createPorts } from '../shared/composition-root';
import { loadConfig } from '../shared/config';
import { watchdogSettings } from './settings';
import { runWatchdog, type WatchdogDeps } from './watchdog';

/**
 * Scheduled (EventBridge on AWS, a timer in the local stack): one pass over the open tasks. A pass with a
 * task it could not end fails the invocation, so the function's error metric shows it; the others are done.
 */

const config = loadConfig(watchdogSettings);
const logger = createLogger(config, 'watchdog');
const ports = createPorts(config);
const deps: WatchdogDeps = {
  openTasks: ports.openTasks,
  forAccount: (account) => {
    const { objects, tasks, records, chunks, finalize, slots, starts } = ports.forAccount(account);
    return {
      objects,
      tasks,
      records,
      chunks,
      finalize,
      slots,
      starts,
      settings: config,
      timeouts: config,
      logger,
    };
  },
  logger,
};

export const handler = async (): Promise<{ open: number; acted: number }> => {
  const summary = await runWatchdog(deps);
  logger.info('Watchdog pass', { open: summary.open, actions: summary.actions, failures: summary.failures });
  if (summary.failures.length > 0) {
    throw new Error(`The watchdog could not end ${summary.failures.length} task(s); see the log`);
  }
  return { open: summary.open, acted: summary.actions.length };
};
