import {
  checkRecords,
  RecordStoreUnavailableError,
  type RowWrite,
  type WriteInput,
  writeRecords,
} from '../../../lambdas/process-chunk/write-records';
import { findTemplate, type TemplateDefinition } from '../../../lambdas/shared/templates';
import { FakeRecordStore } from '../../helpers/fakes';

const template = (id: string): TemplateDefinition => {
  const found = findTemplate(id);
  if (!found) throw new Error(`no template ${id}`);
  return found;
};

const rows = (count: number): RowWrite[] =>
  Array.from({ length: count }, (_, index) => ({
    rowNumber: index + 2,
    key: `u${index}@example.com`,
    record: { email: `u${index}@example.com` },
  }));

const input = (records: FakeRecordStore, overrides: Partial<WriteInput> = {}): WriteInput => ({
  records,
  template: template('users'),
  importId: 'import-1',
  concurrency: 2,
  batchSize: 25,
  retry: { attempts: 3, baseDelayMs: 1 },
  ...overrides,
});

describe('writeRecords', () => {
  it('inserts in batches of batchSize and reports each row in the order given', async () => {
    // Prepare
    const records = new FakeRecordStore();
    await records.insert('users', 'u3@example.com', {}, { importId: 'earlier', rowNumber: 9 });

    // Act
    const outcomes = await writeRecords(input(records, { batchSize: 4 }), rows(10));

    // Assess
    expect(records.batchSizes).toEqual([4, 4, 2]);
    expect(outcomes).toEqual([
      'inserted',
      'inserted',
      'inserted',
      'exists',
      ...new Array(6).fill('inserted'),
    ]);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    // Prepare
    const records = new FakeRecordStore();
    const insertBatch = records.insertBatch.bind(records);
    let inFlight = 0;
    let most = 0;
    jest.spyOn(records, 'insertBatch').mockImplementation(async (templateId, batch) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return insertBatch(templateId, batch);
    });

    // Act
    await writeRecords(input(records, { batchSize: 2, concurrency: 3 }), rows(20));

    // Assess
    expect(records.batchSizes).toHaveLength(10);
    expect(most).toBe(3);
  });

  it('sends throttled rows again until the store takes them', async () => {
    // Prepare
    const records = new FakeRecordStore();
    records.throttledKeys.add('u1@example.com');
    records.throttledKeys.add('u2@example.com');

    // Act
    const outcomes = await writeRecords(input(records), rows(3));

    // Assess
    expect(outcomes).toEqual(['inserted', 'inserted', 'inserted']);
    expect(records.batchSizes).toEqual([3, 2]);
    expect(records.records.get('users#u2@example.com')?.rowNumber).toBe(4);
  });

  it('gives up with RecordStoreUnavailableError when the store keeps failing', async () => {
    // Prepare
    const records = new FakeRecordStore();
    records.failingKeys.add('u1@example.com');

    // Act
    const attempt = writeRecords(input(records), rows(3));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(RecordStoreUnavailableError);
    await expect(attempt).rejects.toThrow('Writing row 2 failed 3 times');
    expect(records.batchSizes).toEqual([3, 3, 3]);
  });

  it('writes a key met twice after its first row, so the first row in the file wins', async () => {
    // Prepare: two rows normalise to one key (validate-file normally reports the second as a duplicate).
    const records = new FakeRecordStore();
    const writes = [...rows(2), { rowNumber: 9, key: 'u0@example.com', record: {} }];

    // Act
    const outcomes = await writeRecords(input(records), writes);

    // Assess
    expect(records.batchSizes).toEqual([2, 1]);
    expect(outcomes).toEqual(['inserted', 'inserted', 'exists']);
    expect(records.records.get('users#u0@example.com')?.rowNumber).toBe(2);
  });

  it('upserts row by row, retrying a failed write', async () => {
    // Prepare
    const records = new FakeRecordStore();
    const upsert = records.upsert.bind(records);
    const spy = jest
      .spyOn(records, 'upsert')
      .mockRejectedValueOnce(new Error('ProvisionedThroughputExceeded'))
      .mockImplementation(upsert);
    const writes = [
      { rowNumber: 2, key: 'ENG', record: { name: 'Engineering' } },
      { rowNumber: 3, key: 'OPS', record: { name: 'Operations' } },
    ];

    // Act
    const outcomes = await writeRecords(input(records, { template: template('departments') }), writes);

    // Assess
    expect(outcomes).toEqual(['created', 'created']);
    expect(spy).toHaveBeenCalledTimes(3);
    expect(records.batchSizes).toEqual([]);
    expect(records.records.get('departments#OPS')?.data).toEqual({ name: 'Operations' });
  });

  it('says which upserts created a record and which updated one, and answers a retried row as before', async () => {
    // Prepare
    const records = new FakeRecordStore();
    await records.upsert('departments', 'ENG', { name: 'Eng' }, { importId: 'earlier', rowNumber: 2 });
    const writes = [
      { rowNumber: 2, key: 'ENG', record: { name: 'Engineering' } },
      { rowNumber: 3, key: 'OPS', record: { name: 'Operations' } },
    ];
    const departments = input(records, { template: template('departments') });

    // Act
    const first = await writeRecords(departments, writes);
    const retried = await writeRecords(departments, writes);

    // Assess
    expect(first).toEqual(['updated', 'created']);
    expect(retried).toEqual(['updated', 'created']);
    expect(records.replaced.get('departments#ENG')).toMatchObject({
      data: { name: 'Eng' },
      importId: 'earlier',
    });
  });
});

describe('checkRecords (a check writes nothing)', () => {
  it('reads the keys in batches and says what each write would do', async () => {
    // Prepare
    const records = new FakeRecordStore();
    await records.insert('users', 'u3@example.com', {}, { importId: 'earlier', rowNumber: 9 });
    await records.insert('users', 'u250@example.com', {}, { importId: 'earlier', rowNumber: 10 });
    const owners = jest.spyOn(records, 'owners');
    const before = new Map(records.records);

    // Act
    const outcomes = await checkRecords(input(records), rows(260));

    // Assess
    expect(outcomes.filter((outcome) => outcome === 'exists')).toHaveLength(2);
    expect(outcomes[3]).toBe('exists');
    expect(outcomes[250]).toBe('exists');
    expect(outcomes.filter((outcome) => outcome === 'inserted')).toHaveLength(258);
    expect(owners.mock.calls.map(([, keys]) => keys.length).sort((a, b) => a - b)).toEqual([60, 100, 100]);
    expect(records.records).toEqual(before);
  });

  it('reads again the keys the store left unread, and counts upserts as created or updated', async () => {
    // Prepare
    const records = new FakeRecordStore();
    await records.upsert('departments', 'ENG', { name: 'Eng' }, { importId: 'earlier', rowNumber: 2 });
    const owners = records.owners.bind(records);
    let calls = 0;
    jest.spyOn(records, 'owners').mockImplementation(async (templateId, keys) => {
      calls += 1;
      // The first read leaves every key unread, as a throttled BatchGetItem does.
      return calls === 1 ? new Map() : owners(templateId, keys);
    });
    const writes = [
      { rowNumber: 2, key: 'ENG', record: { name: 'Engineering' } },
      { rowNumber: 3, key: 'OPS', record: { name: 'Operations' } },
    ];

    // Act
    const outcomes = await checkRecords(input(records, { template: template('departments') }), writes);

    // Assess
    expect(outcomes).toEqual(['updated', 'created']);
    expect(calls).toBe(2);
    expect(records.records.get('departments#ENG')?.data).toEqual({ name: 'Eng' });
  });
});
