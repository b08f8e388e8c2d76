import type { Task } from '../../lambdas/shared/model';
import { LocalStack, uniqueTag } from '../helpers/local-stack';

/**
 * Imports in flight per account (DESIGN §11) on a real local stack: with one import in flight allowed,
 * an account's second import waits PENDING until its first ends, and another account's import does not
 * wait for either.
 */

jest.setTimeout(300_000);

let stack: LocalStack;

beforeAll(async () => {
  // Many small chunks: the first import runs long enough for the others to arrive while it does.
  stack = await LocalStack.start({ env: { IMPORTS_IN_FLIGHT: '1', CHUNK_MAX_ROWS: '50' } });
});

afterAll(async () => {
  await stack?.dispose();
});

const usersFile = (tag: string, rows: number) =>
  [
    'email,first_name,last_name,role',
    ...Array.from({ length: rows }, (_, index) => `u${index}-${tag}@example.com,Ada,Lovelace,member`),
  ]
    .map((line) => `${line}\r\n`)
    .join('');

const interval = (task: Task): [number, number] => [
  Date.parse(task.startedAt ?? ''),
  Date.parse(task.endedAt ?? ''),
];

describe('imports in flight per account', () => {
  it("runs an account's imports one at a time, and another account's beside them", async () => {
    // Prepare
    const tag = uniqueTag();
    const acme = await stack.token('admin', 'acme');
    const globex = await stack.token('admin', 'globex');

    // Act: two imports of acme, then one of globex, all uploaded at once
    const ids = await Promise.all([
      stack.upload(acme, { templateId: 'users', fileName: 'a1.csv', content: usersFile(`a1${tag}`, 1500) }),
      stack.upload(acme, { templateId: 'users', fileName: 'a2.csv', content: usersFile(`a2${tag}`, 1500) }),
      stack.upload(globex, { templateId: 'users', fileName: 'g1.csv', content: usersFile(`g1${tag}`, 100) }),
    ]);
    let sawWaiting = false;
    const watching = (async () => {
      for (let polls = 0; polls < 600 && !sawWaiting; polls += 1) {
        const tasks = await Promise.all(ids.slice(0, 2).map((importId) => stack.task(acme, importId)));
        sawWaiting =
          tasks.some((task) => task.status === 'PENDING') &&
          tasks.some((task) => task.status === 'PROCESSING');
        if (tasks.every((task) => task.status === 'COMPLETED')) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const [a1, a2] = await Promise.all(ids.slice(0, 2).map((importId) => stack.waitForTask(acme, importId)));
    const g1 = await stack.waitForTask(globex, ids[2] ?? '');
    await watching;
    if (!a1 || !a2) throw new Error('acme imports missing');

    // Assess: every import complete; acme's never overlapped; globex did not wait for acme's second
    for (const task of [a1, a2, g1]) expect(task.status).toBe('COMPLETED');
    const [first, second] = [a1, a2].sort((x, y) => interval(x)[0] - interval(y)[0]);
    if (!first || !second) throw new Error('no order');
    expect(interval(second)[0]).toBeGreaterThanOrEqual(interval(first)[1]);
    expect(interval(g1)[0]).toBeLessThan(interval(second)[0]);
    expect(sawWaiting).toBe(true);
  });
});
