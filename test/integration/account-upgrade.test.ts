import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CopyObjectCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { type Task, taskSchema } from '../../lambdas/shared/model';
import { LOCAL_CREDENTIALS } from '../../local/clients';
import { LOCAL_BUCKET, LOCAL_TABLES } from '../../local/resources';
import { UPGRADE_MARKER } from '../../scripts/upgrade/accounts';
import { LocalStack, uniqueTag } from '../helpers/local-stack';

/**
 * A data dir from before accounts keeps working (DESIGN §11): its data is served as the `default`
 * account's once the stack has started on it. The data is made the way it was stored before: imports
 * (one uploaded with a failed row, one emailed) are run, then every key is put back in the layout before
 * accounts (no `ACCOUNT#default#` partitions, no `default/` in object keys, no address registry, no
 * upgrade marker), and the stack is started again.
 */

jest.setTimeout(300_000);

const PREFIX = 'ACCOUNT#default#';
const ADDRESS = 'users@imports.localhost';

let stack: LocalStack;

beforeAll(async () => {
  stack = await LocalStack.start();
});

afterAll(async () => {
  await stack?.dispose();
});

const clients = () => {
  const dynamo = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${stack.ports.dynamo}`,
    credentials: LOCAL_CREDENTIALS,
  });
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${stack.ports.fauxqs}`,
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
  });
  const destroy = () => {
    dynamo.destroy();
    s3.destroy();
  };
  return { db: DynamoDBDocumentClient.from(dynamo), s3, destroy };
};

const allItems = async (db: DynamoDBDocumentClient, table: string) => {
  const items: Record<string, unknown>[] = [];
  let after: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new ScanCommand({ TableName: table, ...(after ? { ExclusiveStartKey: after } : {}) }),
    );
    items.push(...(out.Items ?? []));
    after = out.LastEvaluatedKey;
  } while (after);
  return items;
};

/** Puts every stored key back in the layout before accounts. */
const toLayoutBeforeAccounts = async () => {
  const { db, s3, destroy } = clients();
  try {
    for (const [table, keyNames] of [
      [LOCAL_TABLES.state, ['pk', 'sk']],
      [LOCAL_TABLES.records, ['pk']],
    ] as const) {
      for (const item of await allItems(db, table)) {
        const pk = String(item.pk);
        const key = Object.fromEntries(keyNames.map((name) => [name, item[name]]));
        if (pk.startsWith(PREFIX)) {
          const legacy: Record<string, unknown> = { ...item, pk: pk.slice(PREFIX.length) };
          if (typeof item.gsi1pk === 'string') legacy.gsi1pk = item.gsi1pk.slice(PREFIX.length);
          await db.send(new PutCommand({ TableName: table, Item: legacy }));
        }
        // The registry and the marker did not exist before accounts.
        if (pk.startsWith(PREFIX) || pk.startsWith('ADDRESS#') || pk === UPGRADE_MARKER.pk)
          await db.send(new DeleteCommand({ TableName: table, Key: key }));
      }
    }
    for (const key of await stack.bucketKeys()) {
      const [top, account, ...rest] = key.split('/');
      if (account !== 'default') continue;
      const legacy = [top, ...rest].join('/');
      await s3.send(
        new CopyObjectCommand({ Bucket: LOCAL_BUCKET, Key: legacy, CopySource: `${LOCAL_BUCKET}/${key}` }),
      );
      await s3.send(new DeleteObjectCommand({ Bucket: LOCAL_BUCKET, Key: key }));
    }
  } finally {
    destroy();
  }
};

describe('a data dir from before accounts', () => {
  it('is served as the default account’s after a start: tasks, errors, reports, records, settings and mail', async () => {
    // Prepare: an upload with a failed row, and an emailed import, then the layout from before accounts
    const tag = uniqueTag();
    const admin = await stack.token('admin');
    const uploaded = await stack.importFile(admin, {
      templateId: 'users',
      fileName: 'before.csv',
      content: `email,first_name,last_name,role\r\nbefore-${tag}@example.com,Ada,Lovelace,member\r\nnot-an-email,Bad,Row,member\r\n`,
    });
    await stack.saveEmailSettings(admin, {
      enabled: true,
      addresses: [{ address: ADDRESS, templateId: 'users' }],
      allowedSenders: ['*@example.com'],
      replyToSender: false,
    });
    const subject = `Before accounts ${tag}`;
    await stack.sendMail({
      from: 'alice@example.com',
      to: ADDRESS,
      subject,
      attachments: [
        {
          filename: 'mailed.csv',
          content: `email,first_name,last_name,role\r\nmailed-${tag}@example.com,M,L,admin\r\n`,
        },
      ],
    });
    const emailedTask = async (token: string): Promise<Task | undefined> => {
      const page = z
        .object({ items: z.array(taskSchema) })
        .parse((await stack.get('/api/imports', token)).body);
      return page.items.find((task) => task.email?.subject === subject && task.status === 'COMPLETED');
    };
    let emailed: Task | undefined;
    for (let waited = 0; !emailed && waited < 90_000; waited += 250) {
      emailed = await emailedTask(admin);
      if (!emailed) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (!emailed) throw new Error('the emailed import did not complete');
    const before = {
      exceptions: await stack.download(admin, uploaded.importId, 'exceptions'),
      original: await stack.download(admin, uploaded.importId, 'original'),
      errors: (await stack.get(`/api/imports/${uploaded.importId}/errors`, admin)).body,
      records: (await stack.get('/api/templates/users/records?limit=1000', admin)).body,
    };
    await toLayoutBeforeAccounts();
    const legacyKeys = await stack.bucketKeys();
    expect(legacyKeys).toEqual(expect.arrayContaining([`uploads/${uploaded.importId}/before.csv`]));

    // Act
    await stack.restart();
    const token = await stack.token('admin');

    // Assess: everything reads as before, in the default account
    expect(await stack.task(token, uploaded.importId)).toEqual(uploaded);
    expect((await stack.get(`/api/imports/${uploaded.importId}/errors`, token)).body).toEqual(before.errors);
    expect(await stack.download(token, uploaded.importId, 'exceptions')).toBe(before.exceptions);
    expect(await stack.download(token, uploaded.importId, 'original')).toBe(before.original);
    expect((await stack.get('/api/templates/users/records?limit=1000', token)).body).toEqual(before.records);
    expect(await emailedTask(token)).toEqual(emailed);
    const mailLink = await stack.get(`/api/imports/${emailed.importId}/links/email`, token);
    expect(mailLink.status).toBe(200);
    expect((await fetch(z.object({ url: z.string() }).parse(mailLink.body).url)).status).toBe(200);
    // The saved address is the default account's: another account cannot take it
    const other = await stack.token('admin', 'acme');
    const taken = await stack.request('PUT', '/api/settings/email', {
      token: other,
      body: {
        enabled: true,
        addresses: [{ address: ADDRESS, templateId: 'users' }],
        allowedSenders: ['*@example.com'],
        replyToSender: false,
      },
    });
    expect(taken.status).toBe(409);
    // Nothing is left in the layout before accounts, and a second start changes nothing
    const after = clients();
    expect((await stack.bucketKeys()).filter((key) => key.split('/')[1] !== 'default')).toEqual([]);
    expect(
      (await allItems(after.db, LOCAL_TABLES.records)).every((item) => String(item.pk).startsWith(PREFIX)),
    ).toBe(true);
    after.destroy();
    await stack.restart();
    expect(await stack.task(await stack.token('admin'), uploaded.importId)).toEqual(uploaded);
  });
});
