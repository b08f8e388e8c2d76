import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreatedObject } from '../../../../local/events/s3-event';
import { NotificationJournal, replayJournal } from '../../../../local/journals/notification-journal';
import type { Log } from '../../../../local/log';

const silentLog = (): Log & { lines: string[] } => {
  const lines: string[] = [];
  return {
    lines,
    info: (message) => lines.push(`info ${message}`),
    warn: (message) => lines.push(`warn ${message}`),
    error: (message) => lines.push(`error ${message}`),
  };
};

describe('notification journal', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'journal-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps entries until cleared, oldest first', async () => {
    // Prepare
    const journal = new NotificationJournal(dir);
    const first = await journal.record(
      { bucket: 'b', key: 'uploads/1/a.csv', eventName: 'ObjectCreated:Put', sourceIp: '127.0.0.1' },
      new Date('2026-01-01T00:00:00Z'),
    );
    await journal.record(
      {
        bucket: 'b',
        key: 'uploads/2/b.csv',
        eventName: 'ObjectCreated:CompleteMultipartUpload',
        sourceIp: '::1',
      },
      new Date('2026-01-01T00:00:01Z'),
    );

    // Act
    await journal.clear(first.id);
    const pending = await journal.pending(silentLog());

    // Assess
    expect(pending.map((entry) => entry.key)).toEqual(['uploads/2/b.csv']);
    expect(await readdir(dir)).toHaveLength(1);
  });

  it('has nothing pending before its directory exists', async () => {
    expect(await new NotificationJournal(join(dir, 'missing')).pending(silentLog())).toEqual([]);
  });

  it('replays the entries whose object exists, drops the others, and clears both', async () => {
    // Prepare
    const journal = new NotificationJournal(dir);
    await journal.record(
      {
        bucket: 'b',
        key: 'uploads/1/done.csv',
        eventName: 'ObjectCreated:CompleteMultipartUpload',
        sourceIp: 'ip',
      },
      new Date('2026-01-01T00:00:00Z'),
    );
    await journal.record(
      { bucket: 'b', key: 'uploads/2/never.csv', eventName: 'ObjectCreated:Put', sourceIp: 'ip' },
      new Date('2026-01-01T00:00:01Z'),
    );
    const sent: CreatedObject[] = [];
    const probe = async (_bucket: string, key: string) =>
      key.endsWith('done.csv') ? { size: 42, eTag: '"abc-1"' } : undefined;

    // Act
    const count = await replayJournal(
      journal,
      probe,
      async (object) => {
        sent.push(object);
      },
      'eu-west-1',
      silentLog(),
    );

    // Assess
    expect(count).toBe(1);
    expect(sent).toEqual([
      {
        bucket: 'b',
        key: 'uploads/1/done.csv',
        eventName: 'ObjectCreated:CompleteMultipartUpload',
        size: 42,
        eTag: '"abc-1"',
        region: 'eu-west-1',
        sourceIp: 'ip',
        eventTime: new Date('2026-01-01T00:00:00Z'),
      },
    ]);
    expect(await journal.pending(silentLog())).toEqual([]);
  });

  it('keeps an entry whose notification could not be sent, for the next replay', async () => {
    // Prepare
    const journal = new NotificationJournal(dir);
    await journal.record({
      bucket: 'b',
      key: 'uploads/1/a.csv',
      eventName: 'ObjectCreated:Put',
      sourceIp: 'ip',
    });

    // Act
    const replay = replayJournal(
      journal,
      async () => ({ size: 1, eTag: 'e' }),
      async () => {
        throw new Error('queue down');
      },
      'us-east-1',
      silentLog(),
    );

    // Assess
    await expect(replay).rejects.toThrow('queue down');
    expect(await journal.pending(silentLog())).toHaveLength(1);
  });

  it('sets an unreadable entry aside and says so', async () => {
    // Prepare
    const journal = new NotificationJournal(dir);
    await writeFile(join(dir, '000000000000001-x.json'), '{"half":');
    const log = silentLog();

    // Act
    const pending = await journal.pending(log);

    // Assess
    expect(pending).toEqual([]);
    expect(await readdir(dir)).toEqual(['000000000000001-x.json.corrupt']);
    expect(log.lines).toEqual(['error unreadable notification journal entry set aside']);
  });
});
