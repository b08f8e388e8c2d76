import { z } from 'zod';
import { measureFloor } from './bench-cpu';

/**
 * The floor in a process of its own, for `measurePinnedFloor`: started under `taskset` so that every
 * thread it has (V8's collector helpers included) shares one core. Prints the Floor as JSON.
 */

const main = async () => {
  const file = z
    .object({ path: z.string().min(1), rows: z.coerce.number().int().positive() })
    .parse({ path: process.argv[2], rows: process.argv[3] });
  const floor = await measureFloor({ path: file.path, rows: file.rows });
  process.stdout.write(`${JSON.stringify(floor)}\n`);
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
