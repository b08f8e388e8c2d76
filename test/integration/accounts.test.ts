import { z } from 'zod';
import { API_ROUTES } from '../../lambdas/api/router';
import { type Task, taskSchema } from '../../lambdas/shared/model';
import { type ApiResult, LocalStack, uniqueTag } from '../helpers/local-stack';

/**
 * DESIGN §11 on one real local stack: two accounts, each with an admin and a viewer, importing files
 * that share keys and mail sent to both. Every route of the router is tried by each account on the
 * other's data: nothing of one is listed, read, linked, changed or counted by the other.
 */

jest.setTimeout(300_000);

const ACCOUNTS = ['acme', 'globex'] as const;
type Account = (typeof ACCOUNTS)[number];

let stack: LocalStack;
const admins = {} as Record<Account, string>;
const viewers = {} as Record<Account, string>;
const tag = uniqueTag();
/** The same keys in both accounts' files. */
const shared = [1, 2, 3].map((n) => `shared-${n}-${tag}@example.com`);
const onlyAcme = `only-acme-${tag}@example.com`;

const csv = (emails: readonly string[], extra: readonly string[] = []) =>
  ['email,first_name,last_name,role', ...emails.map((email) => `${email},Ada,Lovelace,member`), ...extra]
    .map((line) => `${line}\r\n`)
    .join('');

const address = (account: Account) => `users-${account}-${tag}@imports.localhost`;
const settingsOf = (account: Account) => ({
  enabled: true,
  addresses: [{ address: address(account), templateId: 'users' }],
  allowedSenders: ['*@example.com'],
  replyToSender: false,
});

/** Each account's imports of the shared file, and acme's own import (with a failed row). */
const imports = {} as Record<Account, Task> & { onlyAcme: Task };

const tasksPage = z.object({ items: z.array(taskSchema), nextCursor: z.string().nullable() });
const recordsPage = z.object({
  items: z.array(z.record(z.string(), z.unknown())),
  nextCursor: z.string().nullable(),
});
const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

const listIds = async (account: Account): Promise<string[]> => {
  const page = tasksPage.parse((await stack.get('/api/imports?limit=100', admins[account])).body);
  return page.items.map((task) => task.importId);
};

const recordKeys = async (account: Account): Promise<string[]> => {
  const page = recordsPage.parse(
    (await stack.get('/api/templates/users/records?limit=1000', admins[account])).body,
  );
  return page.items.map((record) => String(record.email));
};

const expectNotFound = (result: ApiResult) => {
  expect([result.status, errorBody.parse(result.body).error.code]).toEqual([404, 'NOT_FOUND']);
};

beforeAll(async () => {
  stack = await LocalStack.start();
  for (const account of ACCOUNTS) {
    admins[account] = await stack.token('admin', account);
    viewers[account] = await stack.token('viewer', account);
  }
  for (const account of ACCOUNTS) {
    imports[account] = await stack.importFile(admins[account], {
      templateId: 'users',
      fileName: 'shared.csv',
      content: csv(shared),
    });
    await stack.saveEmailSettings(admins[account], settingsOf(account));
  }
  imports.onlyAcme = await stack.importFile(admins.acme, {
    templateId: 'users',
    fileName: 'acme.csv',
    content: csv([onlyAcme], ['not-an-email,Bad,Row,member']),
  });
});

afterAll(async () => {
  await stack?.dispose();
});

/**
 * What each route must do when globex's admin names acme's data (an import id, the template's records,
 * the settings): one check per route of the router, so a new route cannot skip this suite.
 */
const CROSS_ACCOUNT: Record<string, () => Promise<void>> = {
  'GET /api/templates': async () => {
    // Templates are code, the same for everyone: nothing of an account is in them.
    const [acme, globex] = await Promise.all(
      ACCOUNTS.map((account) => stack.get('/api/templates', admins[account])),
    );
    expect(globex?.body).toEqual(acme?.body);
  },
  'GET /api/templates/{templateId}/sample': async () => {
    const [acme, globex] = await Promise.all(
      ACCOUNTS.map((account) => stack.get('/api/templates/users/sample', admins[account])),
    );
    expect(globex?.text).toBe(acme?.text);
  },
  'GET /api/templates/{templateId}/records': async () => {
    const acme = await recordKeys('acme');
    const globex = await recordKeys('globex');
    expect(acme).toEqual(expect.arrayContaining([...shared, onlyAcme]));
    expect(globex).toEqual(expect.arrayContaining(shared));
    expect(globex).not.toContain(onlyAcme);
  },
  'POST /api/templates/{templateId}/match': async () => {
    // acme saves a mapping for a header; globex's match of the same header knows nothing of it.
    const header = [`Mail ${tag}`, 'Vorname', 'Nachname', 'Rolle'];
    const mapping = {
      email: { source: header[0] ?? '' },
      first_name: { source: 'Vorname' },
      last_name: { source: 'Nachname' },
      role: { source: 'Rolle' },
    };
    await stack.importFile(admins.acme, {
      templateId: 'users',
      fileName: 'acme-mapped.csv',
      content: `${header.join(',')}\r\nmapped-${tag}@example.com,Ma,Pped,member\r\n`,
      reading: { mapping },
    });
    const [acme, globex] = await Promise.all(
      ACCOUNTS.map((account) => stack.api(admins[account]).matchColumns('users', header, [])),
    );
    expect(acme?.savedMapping?.mapping).toEqual(mapping);
    expect(globex?.savedMapping).toBeUndefined();
    expect(globex?.columns.some((column) => column.saved)).toBe(false);
  },
  'GET /api/templates/{templateId}/mappings': async () => {
    const header = [`Courriel ${tag}`, 'Prenom', 'Nom', 'Role'];
    await stack.importFile(admins.globex, {
      templateId: 'users',
      fileName: 'globex-mapped.csv',
      content: `${header.join(',')}\r\nglobex-mapped-${tag}@example.com,Glo,Bex,member\r\n`,
      reading: {
        mapping: {
          email: { source: header[0] ?? '' },
          first_name: { source: 'Prenom' },
          last_name: { source: 'Nom' },
        },
      },
    });
    const names = (items: { header: string[] }[]) => items.map((item) => item.header[0]);
    const globex = names(await stack.api(admins.globex).listMappings('users'));
    const acme = names(await stack.api(admins.acme).listMappings('users'));
    expect(globex).toContain(`courriel_${tag}`);
    expect(acme).not.toContain(`courriel_${tag}`);
  },
  'DELETE /api/templates/{templateId}/mappings/{mappingId}': async () => {
    const header = [`Adresse ${tag}`, 'First Name', 'Last Name', 'Role'];
    await stack.importFile(admins.acme, {
      templateId: 'users',
      fileName: 'acme-delete.csv',
      content: `${header.join(',')}\r\ndelete-${tag}@example.com,De,Lete,member\r\n`,
      reading: { mapping: { email: { source: header[0] ?? '' } } },
    });
    const saved = (await stack.api(admins.acme).listMappings('users')).find(
      (item) => item.header[0] === `adresse_${tag}`,
    );
    if (!saved) throw new Error('acme saved no mapping');
    const path = `/api/templates/users/mappings/${saved.mappingId}`;
    // globex cannot delete acme's mapping: it is not there for globex.
    expectNotFound(await stack.request('DELETE', path, { token: admins.globex }));
    expect((await stack.api(admins.acme).listMappings('users')).map((item) => item.mappingId)).toContain(
      saved.mappingId,
    );
    expect((await stack.request('DELETE', path, { token: admins.acme })).status).toBe(204);
  },
  'POST /api/imports': async () => {
    const created = await stack.post(
      '/api/imports',
      { templateId: 'users', fileName: 'globex-new.csv', fileSize: 10 },
      admins.globex,
    );
    expect(created.status).toBe(201);
    const importId = z.object({ import: taskSchema }).parse(created.body).import.importId;
    expect(await listIds('globex')).toContain(importId);
    expect(await listIds('acme')).not.toContain(importId);
    expectNotFound(await stack.get(`/api/imports/${importId}`, admins.acme));
  },
  'GET /api/imports': async () => {
    const acme = await listIds('acme');
    const globex = await listIds('globex');
    expect(acme).toEqual(expect.arrayContaining([imports.acme.importId, imports.onlyAcme.importId]));
    expect(globex).toContain(imports.globex.importId);
    expect(globex).not.toContain(imports.acme.importId);
    expect(globex).not.toContain(imports.onlyAcme.importId);
  },
  'GET /api/imports/{importId}': async () => {
    expectNotFound(await stack.get(`/api/imports/${imports.onlyAcme.importId}`, admins.globex));
    expect((await stack.get(`/api/imports/${imports.onlyAcme.importId}`, admins.acme)).status).toBe(200);
  },
  'POST /api/imports/{importId}/upload/complete': async () => {
    expectNotFound(
      await stack.post(
        `/api/imports/${imports.onlyAcme.importId}/upload/complete`,
        { parts: [{ partNumber: 1, etag: '"x"' }] },
        admins.globex,
      ),
    );
    expect((await stack.task(admins.acme, imports.onlyAcme.importId)).status).toBe(imports.onlyAcme.status);
  },
  'POST /api/imports/{importId}/commit': async () => {
    const checked = await stack.importFile(admins.acme, {
      templateId: 'users',
      fileName: 'acme-check.csv',
      content: `email,first_name,last_name,role\r\ncheck-${tag}@example.com,Che,Ck,member\r\n`,
      reading: { dryRun: true },
    });
    expect(checked).toMatchObject({ dryRun: true, status: 'COMPLETED' });
    // globex cannot commit acme's check: it is not there for globex, and the check stays uncommitted.
    expectNotFound(await stack.post(`/api/imports/${checked.importId}/commit`, {}, admins.globex));
    expect((await stack.task(admins.acme, checked.importId)).committedImportId).toBeUndefined();
    const committed = await stack.post(`/api/imports/${checked.importId}/commit`, {}, admins.acme);
    expect(committed.status).toBe(201);
    const child = z.object({ import: taskSchema }).parse(committed.body).import.importId;
    expect(await listIds('acme')).toContain(child);
    expect(await listIds('globex')).not.toContain(child);
  },
  'POST /api/imports/{importId}/cancel': async () => {
    const { import: pending } = await stack.api(admins.acme).createImport({
      templateId: 'users',
      fileName: 'acme-to-cancel.csv',
      fileSize: 10,
    });
    // globex cannot cancel acme's import: it is not there for globex, and it stays as it was.
    expectNotFound(await stack.post(`/api/imports/${pending.importId}/cancel`, {}, admins.globex));
    expect(await stack.task(admins.acme, pending.importId)).toMatchObject({ status: 'PENDING' });
    const cancelled = await stack.post(`/api/imports/${pending.importId}/cancel`, {}, admins.acme);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toMatchObject({ status: 'FAILED', cancelledBy: 'admin' });
  },
  'GET /api/imports/{importId}/errors': async () => {
    expectNotFound(await stack.get(`/api/imports/${imports.onlyAcme.importId}/errors`, admins.globex));
    const own = await stack.get(`/api/imports/${imports.onlyAcme.importId}/errors`, admins.acme);
    expect(own.body).toMatchObject({ items: [expect.objectContaining({ rowNumber: 3 })] });
  },
  'GET /api/imports/{importId}/failed-rows': async () => {
    expectNotFound(await stack.get(`/api/imports/${imports.onlyAcme.importId}/failed-rows`, admins.globex));
    const own = await stack.get(`/api/imports/${imports.onlyAcme.importId}/failed-rows`, admins.acme);
    expect(own.body).toMatchObject({ items: [expect.objectContaining({ rowNumber: 3 })] });
  },
  'POST /api/imports/{importId}/fixes': async () => {
    const fix = { rows: [{ rowNumber: 3, values: { email: 'grace@acme.example' } }] };
    // globex cannot fix acme's rows: the import is not there for globex, and nothing starts.
    expectNotFound(await stack.post(`/api/imports/${imports.onlyAcme.importId}/fixes`, fix, admins.globex));
    expect(await stack.task(admins.acme, imports.onlyAcme.importId)).not.toHaveProperty('fixImportIds');
    const own = await stack.post(`/api/imports/${imports.onlyAcme.importId}/fixes`, fix, admins.acme);
    expect(own.status).toBe(201);
    const child = (own.body as { import: { importId: string } }).import.importId;
    expect(await stack.task(admins.acme, child)).toMatchObject({ parentImportId: imports.onlyAcme.importId });
    expect(await listIds('globex')).not.toContain(child);
  },
  'GET /api/imports/{importId}/links/{kind}': async () => {
    for (const kind of ['original', 'exceptions', 'results', 'email']) {
      expectNotFound(
        await stack.get(`/api/imports/${imports.onlyAcme.importId}/links/${kind}`, admins.globex),
      );
    }
    expect(
      (await stack.get(`/api/imports/${imports.onlyAcme.importId}/links/exceptions`, admins.acme)).status,
    ).toBe(200);
  },
  'GET /api/settings/email': async () => {
    for (const account of ACCOUNTS) {
      const settings = await stack.get('/api/settings/email', admins[account]);
      expect(settings.body).toEqual(settingsOf(account));
    }
  },
  'PUT /api/settings/email': async () => {
    const taken = await stack.request('PUT', '/api/settings/email', {
      token: admins.globex,
      body: settingsOf('acme'),
    });
    expect(taken.status).toBe(409);
    expect(errorBody.parse(taken.body).error).toEqual({
      code: 'ADDRESS_TAKEN',
      message: expect.stringContaining(address('acme')),
    });
    expect((await stack.get('/api/settings/email', admins.acme)).body).toEqual(settingsOf('acme'));
    expect((await stack.get('/api/settings/email', admins.globex)).body).toEqual(settingsOf('globex'));
  },
};

const routeKey = (route: { method: string; pattern: string }) => `${route.method} ${route.pattern}`;
const privateRoutes = API_ROUTES.filter((route) => !route.isPublic).map(routeKey);

describe('two accounts on one deployment', () => {
  it('has a cross-account check for every route of the router', () => {
    expect(Object.keys(CROSS_ACCOUNT).sort()).toEqual([...privateRoutes].sort());
  });

  it.each(privateRoutes)('%s: nothing of one account reaches the other', async (key) => {
    const check = CROSS_ACCOUNT[key];
    if (!check) throw new Error(`No cross-account check for ${key}`);
    await check();
  });

  it.each(privateRoutes)("%s: each account's viewer gets 403", async (key) => {
    const [method = 'GET', pattern = ''] = key.split(' ');
    const path = pattern
      .replace('{templateId}', 'users')
      .replace('{importId}', imports.acme.importId)
      .replace('{kind}', 'results');
    for (const account of ACCOUNTS) {
      const result = await stack.request(method, path, {
        token: viewers[account],
        ...(method === 'GET' ? {} : { body: {} }),
      });
      expect([result.status, errorBody.parse(result.body).error.code]).toEqual([403, 'FORBIDDEN']);
    }
  });

  it('imports the same keys in both accounts, each counted in its own import only', () => {
    for (const account of ACCOUNTS) {
      expect(imports[account]).toMatchObject({
        status: 'COMPLETED',
        totalRows: 3,
        successCount: 3,
        errorCount: 0,
      });
    }
    expect(imports.onlyAcme).toMatchObject({ status: 'PARTIAL_SUCCESS', successCount: 1, errorCount: 1 });
  });

  it("keeps each account's files and reports under its own keys, and each report to its own rows", async () => {
    // Act
    const keys = await stack.bucketKeys();
    const exceptions = await stack.download(admins.acme, imports.onlyAcme.importId, 'exceptions');
    const globexResults = await stack.download(admins.globex, imports.globex.importId, 'results');

    // Assess
    for (const [account, task] of [
      ['acme', imports.acme],
      ['acme', imports.onlyAcme],
      ['globex', imports.globex],
    ] as const) {
      const own = keys.filter((key) => key.includes(task.importId));
      expect(own.length).toBeGreaterThanOrEqual(3);
      expect(own.every((key) => key.split('/')[1] === account)).toBe(true);
    }
    expect(exceptions).toContain('not-an-email');
    expect(globexResults).not.toContain(onlyAcme);
  });

  it('refuses a cursor of one account in the other, for the same list', async () => {
    // Prepare
    const first = await stack.get('/api/imports?limit=1', admins.acme);
    const cursor = tasksPage.parse(first.body).nextCursor;
    if (!cursor) throw new Error('acme has more than one import: a next page was expected');

    // Act
    const own = await stack.get(`/api/imports?limit=1&cursor=${encodeURIComponent(cursor)}`, admins.acme);
    const other = await stack.get(`/api/imports?limit=1&cursor=${encodeURIComponent(cursor)}`, admins.globex);

    // Assess
    expect(own.status).toBe(200);
    expect([other.status, errorBody.parse(other.body).error]).toEqual([
      400,
      { code: 'BAD_REQUEST', message: 'Invalid cursor' },
    ]);
  });

  it('imports one email sent to both accounts’ addresses into each, with its own task, report and email link', async () => {
    // Prepare
    const subject = `Both accounts ${tag}`;
    const emailed = `emailed-${tag}@example.com`;

    // Act
    await stack.sendMail({
      from: 'Alice <alice@example.com>',
      to: [address('acme'), address('globex')],
      subject,
      text: 'New users.',
      attachments: [{ filename: 'users.csv', content: csv([emailed]) }],
    });
    const found = {} as Record<Account, Task>;
    for (const account of ACCOUNTS) {
      const deadline = Date.now() + 90_000;
      while (!found[account] && Date.now() < deadline) {
        const page = tasksPage.parse((await stack.get('/api/imports?limit=100', admins[account])).body);
        const task = page.items.find((item) => item.email?.subject === subject);
        if (task && task.status === 'COMPLETED') found[account] = task;
        else await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }

    // Assess
    for (const account of ACCOUNTS) {
      expect(found[account]).toMatchObject({ source: 'email', status: 'COMPLETED', successCount: 1 });
      expect(await recordKeys(account)).toContain(emailed);
      const link = await stack.get(`/api/imports/${found[account].importId}/links/email`, admins[account]);
      expect(new URL(z.object({ url: z.string() }).parse(link.body).url).pathname).toContain(
        `/inbound/${account}/`,
      );
    }
  });
});
