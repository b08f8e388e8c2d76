import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { z } from 'zod';

/**
 * A script's command line, read with `node:util` parseArgs. A flag the script does not know, or one
 * missing its value, ends the script with what is wrong and how it is called, never a stack trace.
 */
export const readArgs = <Config extends ParseArgsConfig>(config: Config, usage: string) => {
  try {
    return parseArgs(config);
  } catch (error) {
    if (!(error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')))
      throw error;
    process.stderr.write(`${error.message}\nusage: ${usage}\n`);
    process.exit(2);
  }
};

/** Checks the values read against the script's schema; a bad one ends the script saying which and why. */
export const parseOptions = <Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  usage: string,
): z.output<Schema> => {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || 'arguments'}: ${issue.message}`,
  );
  process.stderr.write(`${problems.join('\n')}\nusage: ${usage}\n`);
  process.exit(2);
};
