import {
  type ManifestChunk,
  messageOf,
  readChunkPlan,
  readManifest,
  writeManifest,
} from '../../../lambdas/shared/manifest';
import type { ChunkMessage } from '../../../lambdas/shared/model';
import { manifestKey } from '../../../lambdas/shared/object-keys';
import { sqsBodyProblem } from '../../../lambdas/shared/queue-limits';
import { FakeObjectStore } from '../../helpers/fakes';

/** The chunk manifest: the plan a chunk needs beyond its message, read back by byte range. */

const IMPORT = 'import-1';
const chunk = (index: number, duplicates: [number, number][] = []): ManifestChunk => ({
  message: {
    kind: 'chunk',
    importId: IMPORT,
    templateId: 'users',
    chunkIndex: index,
    chunkCount: 3,
    dataKey: 'uploads/import-1/users.csv',
    start: index * 100,
    end: index * 100 + 100,
    firstRowNumber: 2 + index * 5000,
    rowCount: 5000,
    delimiter: ',',
    reportColumns: 1002,
    oversized: [],
  },
  duplicates,
});

// 1,000 columns of 60 characters, two of them with characters SQS refuses, and 5,000 duplicates a chunk.
const header = Array.from(
  { length: 1000 },
  (_, n) => `${n === 7 ? '\uFFFE' : n === 8 ? '\uFFFF' : ''}${'c'.repeat(56)}${n}`,
);
const columnMap = header.map((_, n) => (n === 0 ? 'email' : null));
const manyDuplicates = (index: number): [number, number][] =>
  Array.from({ length: 5000 }, (_, n) => [2 + index * 5000 + n, 2]);

const written = async () => {
  const objects = new FakeObjectStore();
  const messageAt = await writeManifest(objects, IMPORT, { header, columnMap }, 3, (index) =>
    chunk(index, manyDuplicates(index)),
  );
  return { objects, messages: [0, 1, 2].map(messageAt) };
};

describe('chunk manifest', () => {
  it('sends small messages SQS carries, whatever the header and the duplicates', async () => {
    // Act
    const { messages } = await written();

    // Assess
    for (const message of messages) {
      const body = JSON.stringify(message);
      expect(sqsBodyProblem(body)).toBeUndefined();
      expect(Buffer.byteLength(body)).toBeLessThan(1024);
      expect(message).not.toHaveProperty('header');
      expect(message).not.toHaveProperty('duplicates');
    }
  });

  it('gives each chunk back its plan from two byte ranges of the manifest', async () => {
    // Prepare
    const { objects, messages } = await written();
    const reads: [number, number][] = [];
    const getRange = objects.getRange.bind(objects);
    objects.getRange = async (key, start, end) => {
      reads.push([start, end]);
      return getRange(key, start, end);
    };

    // Act
    const plan = await readChunkPlan(objects, messages[1] as ChunkMessage);

    // Assess
    expect(plan.header).toEqual(header);
    expect(plan.columnMap).toEqual(columnMap);
    expect(plan.duplicates).toEqual(manyDuplicates(1));
    expect(reads).toHaveLength(2);
    const size = (await objects.head(manifestKey(IMPORT)))?.size ?? 0;
    expect(reads.every(([start, end]) => end - start < size / 2)).toBe(true);
  });

  it('reads the whole manifest back as planned chunks whose messages are the ones sent', async () => {
    // Prepare
    const { objects, messages } = await written();

    // Act
    const manifest = await readManifest(objects, IMPORT);

    // Assess
    expect(manifest?.chunks.map(messageOf)).toEqual(messages);
    expect(manifest?.chunks[2]?.duplicates).toEqual(manyDuplicates(2));
    expect(manifest?.chunks[0]?.header).toBe(manifest?.chunks[2]?.header);
  });

  it('still reads messages and manifests planned before the plan moved out of messages', async () => {
    // Prepare: the old format, one document whose messages carry header, column map and duplicates.
    const objects = new FakeObjectStore();
    const legacy = { ...chunk(0).message, header: ['email'], columnMap: ['email'], duplicates: [[9, 2]] };
    await objects.put(
      manifestKey(IMPORT),
      JSON.stringify({ importId: IMPORT, chunks: [legacy] }),
      'application/json',
    );

    // Act
    const fromMessage = await readChunkPlan(objects, legacy as ChunkMessage);
    const manifest = await readManifest(objects, IMPORT);

    // Assess
    expect(fromMessage).toMatchObject({ header: ['email'], columnMap: ['email'], duplicates: [[9, 2]] });
    expect(manifest?.chunks).toEqual([legacy]);
  });

  it('refuses a range that does not hold the chunk it names (the manifest was rewritten)', async () => {
    // Prepare
    const { objects, messages } = await written();
    const wrong = { ...(messages[1] as ChunkMessage), plan: messages[2]?.plan };

    // Act / Assess
    await expect(readChunkPlan(objects, wrong)).rejects.toThrow(
      'The chunk manifest of import-1 does not hold chunk 1 there',
    );
  });
});
