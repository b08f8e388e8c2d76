import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { generateKeyPair, SignJWT } from 'jose';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { z } from 'zod';
import { type ApiClient, type CreateImportRequest, createApiClient } from '../../client/api-client';
import { putParts } from '../../client/upload-parts';
import type { EmailSettings } from '../../lambdas/shared/email-settings';
import { isFinalStatus, type Task } from '../../lambdas/shared/model';
import type { QueueDefinition } from '../../lambdas/shared/resource-definitions';
import { LOCAL_CREDENTIALS } from '../../local/clients';
import { deadLetterQueueName, LOCAL_BUCKET, queueName } from '../../local/resources';
import {
  type AccessTokenClaims,
  accessTokenClaims,
  LOCAL_CLIENT_ID,
  type LocalUsername,
  loadOrCreateSecrets,
  localIssuer,
  signAccessToken,
} from '../../local/servers/auth';
import { derivePorts, PORT_SPAN, type Ports } from '../../local/settings';
import { processGroupMembers, readProcText } from './process-group';

/**
 * Runs the real local stack (`npx tsx local/start.ts`) as a child process for integration tests: its own
 * process group, a fresh data dir and free ports, and the calls a browser or an operator would make.
 */

const REPO_ROOT = resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_CHARS = 2_000_000;
const REGION = 'us-east-1';

const isPortFree = (port: number, host: string): Promise<boolean> =>
  new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolvePort(true)));
  });

/** A test stack's ports: the span derived from IMPORTS_PORT, then its SMTP port right after it. */
const TEST_STACK_PORTS = PORT_SPAN + 1;

/** Where test stacks take their ports from. */
const LOWEST_TEST_PORT = 10_000;

/**
 * The first port the kernel hands out to outgoing connections. Test ports stay below it: a stack killed
 * and restarted on its ports would otherwise find one taken by some process's outgoing connection in the
 * moment they were free, and fail to start with EADDRINUSE.
 */
const firstEphemeralPort = async (): Promise<number> => {
  const range = await readProcText('/proc/sys/net/ipv4/ip_local_port_range');
  const first = Number(range?.trim().split(/\s+/)[0]);
  // Without /proc (not Linux), Linux's default range is the best guess.
  return Number.isInteger(first) && first > LOWEST_TEST_PORT + 1000 ? first : 32_768;
};

/** A base port whose whole block (derived ports and SMTP) is free on every interface the stack uses. */
export const findFreePortBase = async (): Promise<number> => {
  const blocks = Math.floor(((await firstEphemeralPort()) - LOWEST_TEST_PORT) / TEST_STACK_PORTS);
  for (let attempt = 0; attempt < 50; attempt += 1) {
    // Blocks are aligned to their own size, so two test stacks never share a port.
    const base = LOWEST_TEST_PORT + TEST_STACK_PORTS * Math.floor(Math.random() * blocks);
    const ports = Array.from({ length: TEST_STACK_PORTS }, (_, offset) => base + offset);
    let free = true;
    // One check at a time: binding 0.0.0.0 and 127.0.0.1 to one port at once would collide with itself.
    for (const port of ports) {
      free = (await isPortFree(port, '127.0.0.1')) && (await isPortFree(port, '0.0.0.0'));
      if (!free) break;
    }
    if (free) return base;
  }
  throw new Error('No free port range found for a local stack');
};

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** Groups of every stack this process started, killed if the test process exits without stopping them. */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone: nothing left to clean up.
    }
  }
});

const isGroupAlive = (pid: number): boolean => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

export interface ApiResult {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON, otherwise the text. */
  body: unknown;
  text: string;
}

export interface UploadOptions {
  templateId: string;
  fileName: string;
  content: string | Buffer;
  /** Declared size when it should differ from the content's. */
  declaredSize?: number;
  /** How to read the file (DESIGN §9), sent with the create. */
  reading?: Pick<CreateImportRequest, 'mapping' | 'formats' | 'defaultCountry' | 'dryRun'>;
}

export interface StartOptions {
  /** Extra environment of the stack (CHUNK_MAX_ROWS, IMPORTS_CHUNKS_CONCURRENCY…). */
  env?: Record<string, string>;
}

export class LocalStack {
  private child: ChildProcess | undefined;
  /** Settles once the child's output pipes are read to the end. */
  private outputClosed: Promise<void> = Promise.resolve();
  private output = '';
  private sqsClient: SQSClient | undefined;
  readonly ports: Ports;

  private constructor(
    readonly dataDir: string,
    portBase: number,
    private env: Record<string, string>,
  ) {
    this.ports = derivePorts(portBase, portBase + PORT_SPAN);
  }

  /** Starts a stack on a fresh data dir and free ports, and waits until its API answers. */
  static async start(options: StartOptions = {}): Promise<LocalStack> {
    const dataDir = await mkdtemp(join(tmpdir(), 'bulk-imports-it-'));
    try {
      for (let attempt = 1; ; attempt += 1) {
        const stack = new LocalStack(dataDir, await findFreePortBase(), options.env ?? {});
        try {
          await stack.launch();
          return stack;
        } catch (error) {
          // Another process may take a port between the check and the start: try another range.
          if (attempt >= 3 || !stack.output.includes('is in use')) throw error;
        }
      }
    } catch (error) {
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
  }

  get baseUrl(): string {
    return `http://localhost:${this.ports.api}`;
  }

  /** The stack's process group (the pid of the process it was launched as), while it runs. */
  get processGroup(): number | undefined {
    const pid = this.child?.pid;
    return pid !== undefined && isGroupAlive(pid) ? pid : undefined;
  }

  get consoleOrigin(): string {
    return `http://localhost:${this.ports.api}`;
  }

  get s3Url(): string {
    return `http://localhost:${this.ports.s3}`;
  }

  get issuer(): string {
    return localIssuer(this.ports.api, REGION);
  }

  /** Everything the stack printed so far (for assertions and for debugging a failed test). */
  logs(): string {
    return this.output;
  }

  private async launch(): Promise<void> {
    const child = spawn('npx', ['tsx', 'local/start.ts'], {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PATH: `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
        IMPORTS_PORT: String(this.ports.api),
        IMPORTS_DATA_DIR: this.dataDir,
        IMPORTS_SMTP_PORT: String(this.ports.smtp),
        ...this.env,
      },
    });
    this.child = child;
    if (child.pid === undefined) throw new Error('Could not spawn the local stack');
    liveGroups.add(child.pid);
    // This launch's own output, kept apart for the reason it exits during start, if it does.
    let startOutput: string | undefined = '';
    const append = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.output = (this.output + text).slice(-MAX_OUTPUT_CHARS);
      if (startOutput !== undefined) startOutput = (startOutput + text).slice(-5000);
    };
    const closed = new Promise<void>((resolveClosed) => child.once('close', () => resolveClosed()));
    this.outputClosed = closed;
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);

    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        liveGroups.delete(child.pid);
        // Its last words may still be in the pipes when the exit is seen.
        await Promise.race([closed, sleep(2000)]);
        throw new Error(`The local stack exited during start:\n${startOutput}`);
      }
      try {
        const response = await fetch(`${this.baseUrl}/api/health`);
        if (response.ok) {
          startOutput = undefined;
          return;
        }
      } catch {
        // Not listening yet.
      }
      await sleep(200);
    }
    await this.kill();
    throw new Error(`The local stack did not answer /api/health within 60 s:\n${startOutput}`);
  }

  private async waitForGroupExit(pid: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (isGroupAlive(pid)) {
      if (Date.now() > deadline) throw new Error(`Process group ${pid} still alive after ${timeoutMs} ms`);
      await sleep(50);
    }
    liveGroups.delete(pid);
  }

  /** `kill -9` on the whole stack (its process group), as a crash or a power cut would. */
  async kill(): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined || !isGroupAlive(pid)) return;
    process.kill(-pid, 'SIGKILL');
    await this.waitForGroupExit(pid, 10_000);
  }

  /**
   * `kill -9` on the stack's own child processes whose command line matches `command` (the DynamoDB
   * emulator's process, say), as when one part of the stack crashes. Returns the pids it killed.
   */
  async killChildProcess(command: RegExp): Promise<number[]> {
    const group = this.child?.pid;
    if (group === undefined) return [];
    const killed: number[] = [];
    for (const { pid, commandLine } of await processGroupMembers(group)) {
      if (pid === group || !command.test(commandLine)) continue;
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    }
    return killed;
  }

  /** Ctrl-C: a clean stop. */
  async stop(): Promise<void> {
    const pid = this.child?.pid;
    this.sqsClient?.destroy();
    this.sqsClient = undefined;
    if (pid === undefined || !isGroupAlive(pid)) return;
    process.kill(-pid, 'SIGTERM');
    await this.waitForGroupExit(pid, 30_000);
    // The processes are gone but their last lines (the function statistics of a clean stop) may still be
    // in the pipes: logs() should have them.
    await Promise.race([this.outputClosed, sleep(5000)]);
  }

  /** Starts the stack again on the same data dir and ports, optionally with a changed environment. */
  async restart(env: Record<string, string> = this.env): Promise<void> {
    await this.stop();
    this.env = env;
    this.output += '\n----- restart -----\n';
    await this.launch();
  }

  /** Stops the stack and removes its data dir. */
  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  // ----- auth

  /** A local sign-in token for `username` in `account` (the default account when none is named). */
  async token(username: string, account?: string): Promise<string> {
    const result = await this.post('/local/token', {
      username,
      ...(account === undefined ? {} : { account }),
    });
    if (result.status !== 200) throw new Error(`token ${username}: ${result.status} ${result.text}`);
    return z.object({ token: z.string() }).parse(result.body).token;
  }

  /** Claims of a genuine local access token, for tests that tamper with them. */
  claims(username: LocalUsername, now = new Date()): AccessTokenClaims {
    return accessTokenClaims(username, { issuer: this.issuer, clientId: LOCAL_CLIENT_ID, now });
  }

  /** Signs claims with the stack's own key (read from its data dir) or with a key the stack never saw. */
  async signToken(claims: Record<string, unknown>, key: 'stack' | 'forged' = 'stack'): Promise<string> {
    const { secrets } = await loadOrCreateSecrets(join(this.dataDir, 'secrets'));
    if (key === 'stack') return signAccessToken(secrets, claims as AccessTokenClaims);
    const { privateKey } = await generateKeyPair('RS256');
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: secrets.kid }).sign(privateKey);
  }

  // ----- HTTP

  async request(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<ApiResult> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    let body: unknown = text;
    if (response.headers.get('content-type')?.includes('json') && text !== '') body = JSON.parse(text);
    return { status: response.status, headers: response.headers, body, text };
  }

  get(path: string, token?: string): Promise<ApiResult> {
    return this.request('GET', path, token ? { token } : {});
  }

  post(path: string, body: unknown, token?: string): Promise<ApiResult> {
    return this.request('POST', path, { body, ...(token ? { token } : {}) });
  }

  // ----- imports, as the console does them

  /** The typed API client the console uses, signed in with `token`. */
  api(token: string): ApiClient {
    return createApiClient({
      url: (path) => `${this.baseUrl}${path}`,
      token: () => token,
      onUnauthorized: () => undefined,
    });
  }

  /**
   * Creates the import, PUTs every part to its presigned URL as the console does (from the console's origin,
   * reading each ETag, which the S3 endpoint must expose to it) and completes it.
   */
  async upload(token: string, options: UploadOptions): Promise<string> {
    const content = Buffer.isBuffer(options.content) ? options.content : Buffer.from(options.content, 'utf8');
    const api = this.api(token);
    const { import: task, upload } = await api.createImport({
      templateId: options.templateId,
      fileName: options.fileName,
      fileSize: options.declaredSize ?? content.length,
      ...options.reading,
    });
    const parts = await putParts(
      upload,
      content.length,
      async (start, length) => new Uint8Array(content.subarray(start, start + length)),
      {
        put: async (part, body) => {
          const response = await fetch(part.url, {
            method: 'PUT',
            headers: { origin: this.consoleOrigin },
            body,
          });
          if (response.status !== 200)
            throw new Error(`PUT part ${part.partNumber}: ${response.status} ${await response.text()}`);
          const exposed = response.headers.get('access-control-expose-headers') ?? '';
          if (!/\betag\b/i.test(exposed))
            throw new Error('The S3 endpoint does not expose ETag to the console');
          const etag = response.headers.get('etag');
          if (!etag) throw new Error(`PUT part ${part.partNumber} returned no ETag`);
          return etag;
        },
      },
    );
    await api.completeUpload(task.importId, parts);
    return task.importId;
  }

  /** Delivers one message to the stack's SMTP receiver, as the sender's mail server would. */
  async sendMail(message: Mail.Options): Promise<SMTPTransport.SentMessageInfo> {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: this.ports.smtp,
      secure: false,
      ignoreTLS: true,
    });
    try {
      return await transport.sendMail(message);
    } finally {
      transport.close();
    }
  }

  /** Saves the Email Import Settings through the API, as the console's settings page does. */
  async saveEmailSettings(token: string, settings: EmailSettings): Promise<void> {
    await this.api(token).putEmailSettings(settings);
  }

  task(token: string, importId: string): Promise<Task> {
    return this.api(token).getImport(importId);
  }

  /** Polls the task until `done` holds (by default: a final status). */
  async waitForTask(
    token: string,
    importId: string,
    done: (task: Task) => boolean = (task) => isFinalStatus(task.status),
    timeoutMs = 90_000,
  ): Promise<Task> {
    const deadline = Date.now() + timeoutMs;
    let last: Task | undefined;
    while (Date.now() < deadline) {
      last = await this.task(token, importId);
      if (done(last)) return last;
      await sleep(150);
    }
    throw new Error(
      `Import ${importId} did not get there in ${timeoutMs} ms; last seen ${JSON.stringify(last)}\n${this.output.slice(-4000)}`,
    );
  }

  /** Uploads a file and waits for its final status. */
  async importFile(token: string, options: UploadOptions): Promise<Task> {
    return this.waitForTask(token, await this.upload(token, options));
  }

  /** Follows a download link and returns the file's text. */
  async download(
    token: string,
    importId: string,
    kind: 'original' | 'exceptions' | 'results',
  ): Promise<string> {
    const { url } = await this.api(token).link(importId, kind);
    const response = await fetch(url);
    if (response.status !== 200)
      throw new Error(`download ${kind}: ${response.status} ${await response.text()}`);
    return response.text();
  }

  // ----- queues, as an operator (or a misbehaving network) would touch them

  private sqs(): SQSClient {
    this.sqsClient ??= new SQSClient({
      region: REGION,
      endpoint: `http://127.0.0.1:${this.ports.fauxqs}`,
      useQueueUrlAsEndpoint: false,
      credentials: LOCAL_CREDENTIALS,
    });
    return this.sqsClient;
  }

  async queueUrl(id: QueueDefinition['id'], deadLetter = false): Promise<string> {
    const name = deadLetter ? deadLetterQueueName(id) : queueName(id);
    const out = await this.sqs().send(new GetQueueUrlCommand({ QueueName: name }));
    if (!out.QueueUrl) throw new Error(`No queue ${name}`);
    return out.QueueUrl;
  }

  async sendMessage(id: QueueDefinition['id'], body: string): Promise<void> {
    await this.sqs().send(new SendMessageCommand({ QueueUrl: await this.queueUrl(id), MessageBody: body }));
  }

  /** Receives up to `count` messages (waiting up to `waitMs` for them); they stay in flight until deleted. */
  async receiveMessages(id: QueueDefinition['id'], count: number, waitMs = 20_000): Promise<Message[]> {
    const url = await this.queueUrl(id);
    const messages: Message[] = [];
    const deadline = Date.now() + waitMs;
    while (messages.length < count && Date.now() < deadline) {
      const out = await this.sqs().send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(10, count - messages.length),
          WaitTimeSeconds: 1,
          VisibilityTimeout: 300,
        }),
      );
      messages.push(...(out.Messages ?? []));
    }
    return messages;
  }

  async deleteMessage(id: QueueDefinition['id'], message: Message): Promise<void> {
    await this.sqs().send(
      new DeleteMessageCommand({ QueueUrl: await this.queueUrl(id), ReceiptHandle: message.ReceiptHandle }),
    );
  }

  /** Visible plus in-flight messages of a queue (or its dead-letter queue). */
  async messageCount(id: QueueDefinition['id'], deadLetter = false): Promise<number> {
    const out = await this.sqs().send(
      new GetQueueAttributesCommand({
        QueueUrl: await this.queueUrl(id, deadLetter),
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }

  /** Reads a file the stack keeps in its data dir (journal entries, secrets). */
  /** Every key in the stack's bucket, listed on the emulator itself (what S3 holds, keys as stored). */
  async bucketKeys(): Promise<string[]> {
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${this.ports.fauxqs}`,
      forcePathStyle: true,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: LOCAL_BUCKET, ContinuationToken: token }),
        );
        keys.push(...(page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : [])));
        token = page.NextContinuationToken;
      } while (token);
      return keys;
    } finally {
      s3.destroy();
    }
  }

  readDataFile(...segments: string[]): Promise<string> {
    return readFile(join(this.dataDir, ...segments), 'utf8');
  }
}

/** A unique suffix for keys (emails, codes) so tests sharing one stack never collide. */
export const uniqueTag = (): string => randomUUID().slice(0, 8);
