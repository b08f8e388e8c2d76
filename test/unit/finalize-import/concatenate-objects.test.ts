import { Readable } from 'node:stream';
import { concatenateObjects } from '../../../lambdas/finalize-import/concatenate-objects';
import { PipelineErrorCode } from '../../../lambdas/shared/pipeline-error';
import { FakeObjectStore } from '../../helpers/fakes';

const MiB = 1024 * 1024;

/**
 * An object store whose parts are generated on demand and whose upload only counts bytes, so the test
 * can measure how far reading runs ahead of uploading.
 */
class MeteredObjectStore extends FakeObjectStore {
  produced = 0;
  consumed = 0;
  maxInFlight = 0;

  constructor(
    private readonly partBytes: number,
    private readonly pieceBytes = 64 * 1024,
  ) {
    super();
  }

  override async getStream(): Promise<Readable> {
    const pieces = Math.ceil(this.partBytes / this.pieceBytes);
    const piece = Buffer.alloc(this.pieceBytes, 'x');
    const next = function* (this: MeteredObjectStore) {
      for (let index = 0; index < pieces; index += 1) {
        this.produced += piece.length;
        yield piece;
      }
    }.bind(this);
    return Readable.from(next(), { objectMode: false });
  }

  override async upload(_key: string, body: Readable): Promise<void> {
    for await (const chunk of body) {
      this.consumed += (chunk as Buffer).length;
      this.maxInFlight = Math.max(this.maxInFlight, this.produced - this.consumed);
      // A slow network: the reader must wait for us instead of buffering.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

describe('concatenateObjects', () => {
  it('streams head and parts in order into one object', async () => {
    // Prepare
    const objects = new FakeObjectStore();
    await objects.put('p/0', 'a,1\r\n', 'text/csv');
    await objects.put('p/1', '', 'text/csv');
    await objects.put('p/2', 'b,2\r\n'.repeat(5000), 'text/csv');

    // Act
    await concatenateObjects(objects, {
      key: 'out.csv',
      contentType: 'text/csv',
      head: 'h,n\r\n',
      partKeys: ['p/0', 'p/1', 'p/2'],
    });

    // Assess
    expect(objects.text('out.csv')).toBe(`h,n\r\na,1\r\n${'b,2\r\n'.repeat(5000)}`);
  });

  it('keeps memory bounded: reading never runs far ahead of a slow upload', async () => {
    // Prepare: 64 MiB in 8 parts of 8 MiB.
    const objects = new MeteredObjectStore(8 * MiB);

    // Act
    await concatenateObjects(objects, {
      key: 'big.csv',
      contentType: 'text/csv',
      head: 'header\r\n',
      partKeys: Array.from({ length: 8 }, (_, index) => `part-${index}`),
    });

    // Assess
    expect(objects.consumed).toBe(64 * MiB + 'header\r\n'.length);
    expect(objects.maxInFlight).toBeLessThan(2 * MiB);
  });

  it('does not pile up listeners on the body over hundreds of parts', async () => {
    // Prepare: a 2-million-row import has hundreds of chunks, hence hundreds of parts per report.
    const objects = new FakeObjectStore();
    const partKeys = Array.from({ length: 400 }, (_, index) => `p/${index}`);
    for (const key of partKeys) await objects.put(key, `${key}\r\n`, 'text/csv');
    let maxListeners = 0;
    const upload = objects.upload.bind(objects);
    objects.upload = async (key, body, contentType) => {
      const events = ['close', 'drain', 'error', 'finish', 'end', 'unpipe'] as const;
      body.on('data', () => {
        const count = events.reduce((sum, event) => sum + body.listenerCount(event), 0);
        maxListeners = Math.max(maxListeners, count);
      });
      await upload(key, body, contentType);
    };

    // Act
    await concatenateObjects(objects, { key: 'out.csv', contentType: 'text/csv', head: '', partKeys });

    // Assess
    expect(objects.text('out.csv')).toBe(partKeys.map((key) => `${key}\r\n`).join(''));
    expect(maxListeners).toBeLessThan(10);
  });

  it('rejects with the upload error instead of hanging when the upload fails', async () => {
    // Prepare: an upload that reads a little and then gives up, with far more data left to copy.
    const objects = new MeteredObjectStore(32 * MiB);
    objects.upload = async (_key, body) => {
      for await (const _chunk of body) throw new Error('SlowDown: please reduce your request rate');
    };

    // Act
    const attempt = concatenateObjects(objects, {
      key: 'out.csv',
      contentType: 'text/csv',
      head: 'h\r\n',
      partKeys: ['p/0', 'p/1'],
    });

    // Assess
    await expect(attempt).rejects.toThrow('SlowDown');
  });

  it('rejects with REPORT_PART_UNREADABLE and stores nothing when a part is missing', async () => {
    // Prepare
    const objects = new FakeObjectStore();
    await objects.put('p/0', 'a\r\n', 'text/csv');

    // Act
    const attempt = concatenateObjects(objects, {
      key: 'out.csv',
      contentType: 'text/csv',
      head: 'h\r\n',
      partKeys: ['p/0', 'p/missing'],
    });

    // Assess
    await expect(attempt).rejects.toMatchObject({
      code: PipelineErrorCode.REPORT_PART_UNREADABLE,
      cause: expect.objectContaining({ name: 'NoSuchKey' }),
    });
    expect(objects.text('out.csv')).toBeUndefined();
  });
  it('requests the next part while the current one is being copied', async () => {
    // Prepare: parts that log when they are requested and when their last byte has been read.
    const events: string[] = [];
    const objects = new (class extends FakeObjectStore {
      override async getStream(key: string): Promise<Readable> {
        events.push(`open ${key}`);
        const pieces = function* () {
          yield Buffer.from(`${key}\r\n`);
          events.push(`read ${key}`);
        };
        return Readable.from(pieces(), { objectMode: false });
      }
    })();

    // Act
    await concatenateObjects(objects, {
      key: 'out.csv',
      contentType: 'text/csv',
      head: 'h\r\n',
      partKeys: ['p/0', 'p/1', 'p/2'],
    });

    // Assess
    expect(events.indexOf('open p/1')).toBeLessThan(events.indexOf('read p/0'));
    expect(events.indexOf('open p/2')).toBeLessThan(events.indexOf('read p/1'));
    expect(objects.text('out.csv')).toBe('h\r\np/0\r\np/1\r\np/2\r\n');
  });

  it('reports a part that fails while the one before it is copied, and stores nothing', async () => {
    // Prepare: the second part is missing; its request fails while the first (8 MiB) is still copied.
    const objects = new FakeObjectStore();
    await objects.put('p/0', Buffer.alloc(8 * MiB, 'a'), 'text/csv');

    // Act
    const attempt = concatenateObjects(objects, {
      key: 'out.csv',
      contentType: 'text/csv',
      head: 'h\r\n',
      partKeys: ['p/0', 'p/missing', 'p/never'],
    });

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: PipelineErrorCode.REPORT_PART_UNREADABLE });
    expect(objects.text('out.csv')).toBeUndefined();
  });
});
