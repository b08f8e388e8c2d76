import { banner } from './banner';
import { DataDirInUseError } from './journals/data-dir-lock';
import { createLog } from './log';
import { LocalSettingsError, loadLocalSettings } from './settings';
import { type RunningStack, startStack } from './stack';

/**
 * `npm start`: the whole product on this machine. Stops cleanly on Ctrl-C or SIGTERM (in-flight batches
 * finish first); a second signal, or a stop that hangs, exits at once, which loses nothing either:
 * unfinished messages come back after the visibility timeout.
 */

const STOP_LIMIT_MS = 60_000;
/**
 * Ctrl-C reaches every process of the terminal's group, and npm and tsx also relay it to this one, so
 * one key press arrives as several signals within milliseconds: only a later one means "stop now".
 */
const REPEAT_WINDOW_MS = 1000;
const log = createLog('start');

const main = async (): Promise<void> => {
  const settings = loadLocalSettings(process.env, process.cwd());
  let stack: RunningStack | undefined;
  let stoppingSince: number | undefined;

  const stop = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < REPEAT_WINDOW_MS) return;
      log.warn(`second ${signal}: exiting without waiting`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    log.info(`${signal} received: stopping (pollers finish their batches first)`);
    setTimeout(() => {
      log.error(`stop took longer than ${STOP_LIMIT_MS / 1000} s: exiting anyway`);
      process.exit(1);
    }, STOP_LIMIT_MS).unref();
    (stack ? stack.stop() : Promise.resolve()).then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error('stop failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // In-process handlers share this process: a stray rejection in one must show, not end the stack.
  process.on('unhandledRejection', (reason) => log.error('unhandled promise rejection', reason));

  const started = Date.now();
  // A signal during start exits at once (nothing to finish yet); state on disk is as after a kill.
  stack = await startStack(settings);
  process.stdout.write(`${banner(stack, settings.paths.root)}\n`);
  log.info('ready', { ms: Date.now() - started });
};

main().catch((error: unknown) => {
  if (error instanceof LocalSettingsError || error instanceof DataDirInUseError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    log.error('the local stack could not start', error);
  }
  process.exit(1);
});
