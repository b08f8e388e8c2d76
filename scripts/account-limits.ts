import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { accountIdSchema } from '../lambdas/shared/account';
import { DynamoImportSlots } from '../lambdas/shared/adapters/dynamo-import-slots';
import { LOCAL_CREDENTIALS } from '../local/clients';
import { LOCAL_TABLES } from '../local/resources';
import { loadLocalSettings } from '../local/settings';
import { parseOptions, readArgs } from './args';

/**
 * `npm run account-limits -- --account acme [--imports-in-flight N | --default] [--table NAME]`: shows one
 * account's imports in flight and waiting, and sets its own limit (or goes back to the deployment's,
 * `IMPORTS_IN_FLIGHT`, 3 unless set). Without `--table` it works on the local stack of this IMPORTS_PORT;
 * with the deployment's state table name it works on AWS, with the credentials of the environment.
 */

const usage =
  'npm run account-limits -- --account ID [--imports-in-flight N | --default] [--table STATE_TABLE]';
const text = { type: 'string' } as const;
const { values } = readArgs(
  { options: { account: text, 'imports-in-flight': text, default: { type: 'boolean' }, table: text } },
  usage,
);
const options = parseOptions(
  z
    .object({
      account: accountIdSchema,
      limit: z.coerce.number().int().min(1).max(100).optional(),
      reset: z.boolean(),
      table: z.string().min(1).optional(),
    })
    .refine((given) => !(given.reset && given.limit !== undefined), {
      message: 'give --imports-in-flight or --default, not both',
    }),
  {
    account: values.account,
    limit: values['imports-in-flight'],
    reset: values.default ?? false,
    table: values.table,
  },
  usage,
);

const main = async (): Promise<void> => {
  const local = options.table === undefined ? loadLocalSettings(process.env, process.cwd()) : undefined;
  const client = new DynamoDBClient(
    local
      ? {
          region: local.region,
          endpoint: `http://127.0.0.1:${local.ports.dynamo}`,
          credentials: LOCAL_CREDENTIALS,
        }
      : {},
  );
  const slots = new DynamoImportSlots(
    DynamoDBDocumentClient.from(client),
    options.table ?? LOCAL_TABLES.state,
    options.account,
  );
  try {
    if (options.limit !== undefined || options.reset) await slots.setLimit(options.limit);
    const state = await slots.read();
    process.stdout.write(
      `${options.account}: imports in flight limit ${state.limit ?? 'the deployment default (IMPORTS_IN_FLIGHT)'}; ` +
        `running ${state.running.length} [${state.running.join(', ')}], waiting ${state.waiting.length} [${state.waiting.join(', ')}]\n`,
    );
  } finally {
    client.destroy();
  }
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
