/**
 * One line per event on stdout, prefixed with the time and the part of the stack that speaks, so the
 * stack's own lines stand out from the handlers' JSON logs.
 */

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Log {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, error?: unknown, fields?: LogFields): void;
}

const formatFields = (fields: LogFields = {}): string =>
  Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(
      ([key, value]) =>
        ` ${key}=${typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : value}`,
    )
    .join('');

const describeError = (error: unknown): string => {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
};

/** A log for one component (`s3-front`, `poller:chunks`…) writing to `write` (stdout by default). */
export const createLog = (
  component: string,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Log => {
  const line = (level: string, message: string, fields?: LogFields) =>
    `${new Date().toISOString()} ${level.padEnd(5)} [${component}] ${message}${formatFields(fields)}`;
  return {
    info: (message, fields) => write(line('INFO', message, fields)),
    warn: (message, fields) => write(line('WARN', message, fields)),
    error: (message, error, fields) =>
      write(`${line('ERROR', message, fields)}${error === undefined ? '' : `\n${describeError(error)}`}`),
  };
};
