import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { isFinalStatus, type Task, taskSchema } from '../../lambdas/shared/model';
import { LocalStack } from '../helpers/local-stack';

/**
 * The README's quick start, run as written (its `sh` blocks, in order, in one bash as one terminal would)
 * against a fresh stack, so the commands a newcomer copies cannot drift from what works. The only pause
 * added is the one the README asks for: "until the status is final".
 */

jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');
const UNTIL_FINAL = '# until the status is final';

let stack: LocalStack;
let admin: string;

beforeAll(async () => {
  stack = await LocalStack.start();
  admin = await stack.token('admin');
});

afterAll(async () => {
  await stack?.dispose();
});

/** The `sh` blocks of the README's Quick start section (up to Deploy), after the one that starts the stack. */
const quickStartBlocks = async (): Promise<string[]> => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## Deploy'));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  expect(blocks[0]).toContain('npm start');
  return blocks.slice(1);
};

/** Runs a script in one bash; `state` carries the shell's variables from one script to the next. */
const bash = (script: string, state: string): Promise<{ output: string; state: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      'bash',
      ['-c', `set -euo pipefail\n${state}\n${script}\ndeclare -p API TOKEN ID 2>/dev/null >&3 || true`],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          IMPORTS_PORT: String(stack.ports.api),
          IMPORTS_SMTP_PORT: String(stack.ports.smtp),
        },
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      },
    );
    let output = '';
    let variables = '';
    child.stdout?.on('data', (data: Buffer) => {
      output += data.toString();
    });
    child.stderr?.on('data', (data: Buffer) => {
      output += data.toString();
    });
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (data: Buffer) => {
      variables += data.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ output, state: `${state}\n${variables}` });
      else
        reject(
          new Error(`exit ${code}:\n${script}\n--- output ---\n${output}\n${stack.logs().slice(-3000)}`),
        );
    });
  });

const importsPage = async (): Promise<Task[]> => {
  const page = await stack.get('/api/imports?limit=100', admin);
  return z.object({ items: z.array(taskSchema) }).parse(page.body).items;
};

describe('README quick start, as written', () => {
  it('imports with the script, with curl, then by email: each one new people, each PARTIAL_SUCCESS 980/20', async () => {
    // Prepare
    const [script, curl, email, ...rest] = await quickStartBlocks();
    if (!script || !curl || !email) throw new Error('the Quick start has fewer blocks than expected');
    expect(rest).toEqual([]);
    const [beforeWait, afterWait] = curl.split(UNTIL_FINAL);
    const waitLine = beforeWait?.lastIndexOf('\n') ?? -1;
    if (!beforeWait || afterWait === undefined || waitLine < 0) throw new Error(`no "${UNTIL_FINAL}" line`);

    // Act: the import script follows its task to the end itself.
    const scripted = await bash(script, '');
    // curl: every command up to the status read, the pause the README asks for, then the exceptions.
    const created = await bash(beforeWait.slice(0, waitLine), scripted.state);
    const importId = /declare -- ID="([^"]+)"/.exec(created.state)?.[1] ?? '';
    const byCurl = await stack.waitForTask(admin, importId);
    const rest1 = await bash(beforeWait.slice(waitLine) + UNTIL_FINAL + afterWait, created.state);
    const mailed = await bash(email, rest1.state);
    const deadline = Date.now() + 120_000;
    let emailed: Task | undefined;
    while (Date.now() < deadline && !(emailed && isFinalStatus(emailed.status))) {
      emailed = (await importsPage()).find((task) => task.source === 'email');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    // Assess
    expect(scripted.output).toMatch(/PARTIAL_SUCCESS \(.*\): 980 imported, 20 failed of 1000 rows/);
    expect(byCurl).toMatchObject({ status: 'PARTIAL_SUCCESS', successCount: 980, errorCount: 20 });
    const exceptions = rest1.output.slice(rest1.output.indexOf('\uFEFFemail,'));
    expect(exceptions.split('\r\n').filter(Boolean)).toHaveLength(21);
    expect(mailed.output).toContain('250 Ok: queued as');
    expect(emailed).toMatchObject({ status: 'PARTIAL_SUCCESS', successCount: 980, errorCount: 20 });
    const all = await importsPage();
    expect(all.filter((task) => task.status === 'PARTIAL_SUCCESS')).toHaveLength(3);
  });
});
