import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { parseOptions, readArgs } from './args';
import { upgradeToAccounts } from './upgrade/accounts';

/**
 * `npm run upgrade-accounts -- --state-table T --records-table R --bucket B`: the one-off step that makes a
 * deployment's data from before accounts the `default` account's (scripts/upgrade/accounts.ts), on AWS,
 * with the credentials and region of the environment. The local stack runs the same upgrade at start.
 * Safe to run again and to interrupt; a finished upgrade leaves a marker and is not run twice.
 */

const usage = 'npm run upgrade-accounts -- --state-table NAME --records-table NAME --bucket NAME';
const text = { type: 'string' } as const;
const { values } = readArgs({ options: { 'state-table': text, 'records-table': text, bucket: text } }, usage);
const options = parseOptions(
  z.object({ stateTable: z.string().min(1), recordsTable: z.string().min(1), bucket: z.string().min(1) }),
  { stateTable: values['state-table'], recordsTable: values['records-table'], bucket: values.bucket },
  usage,
);

const main = async (): Promise<void> => {
  const dynamo = new DynamoDBClient({});
  const s3 = new S3Client({});
  try {
    const summary = await upgradeToAccounts({
      db: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
      s3,
      ...options,
      log: (message, fields) => process.stdout.write(`${message} ${JSON.stringify(fields)}\n`),
    });
    if (!summary.ran) process.stdout.write('already upgraded: nothing to do\n');
    if (summary.addressesTaken.length > 0)
      process.stdout.write(`held by another account, left to it: ${summary.addressesTaken.join(', ')}\n`);
  } finally {
    dynamo.destroy();
    s3.destroy();
  }
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
