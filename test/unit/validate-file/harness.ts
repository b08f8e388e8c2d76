import { Logger } from '@aws-lambda-powertools/logger';
import type { ProcessChunkDeps } from '../../../lambdas/process-chunk/process-chunk';
import type { ChunkingSettings, ImportLimitSettings } from '../../../lambdas/shared/config';
import type { ChunkMessage, FinalizeMessage, StartMessage, TaskRecord } from '../../../lambdas/shared/model';
import type { ValidateFileDeps } from '../../../lambdas/validate-file/validate-file';
import { aTask } from '../../helpers/factories';
import {
  FakeImportSlots,
  FakeMappingStore,
  FakeObjectStore,
  FakeQueue,
  FakeRecordStore,
  FakeTaskStore,
} from '../../helpers/fakes';

/** Stores, queues and deps for both CSV stages, wired to the in-memory fakes. */
export interface Harness {
  objects: FakeObjectStore;
  tasks: FakeTaskStore;
  records: FakeRecordStore;
  chunks: FakeQueue<ChunkMessage>;
  finalize: FakeQueue<FinalizeMessage>;
  slots: FakeImportSlots;
  starts: FakeQueue<StartMessage>;
  mappings: FakeMappingStore;
  validateDeps: ValidateFileDeps;
  processDeps: ProcessChunkDeps;
}

export const SETTINGS: ChunkingSettings & ImportLimitSettings = {
  IMPORTS_IN_FLIGHT: 3,
  // Every chunk at once unless a test asks for a window.
  CHUNK_WINDOW: 100_000,
  CHUNK_MAX_ROWS: 5000,
  CHUNK_MAX_BYTES: 4 * 1024 * 1024,
  MAX_RECORD_BYTES: 1024 * 1024,
  WRITE_CONCURRENCY: 8,
  WRITE_BATCH_SIZE: 25,
};

export const createHarness = (settings: Partial<ChunkingSettings & ImportLimitSettings> = {}): Harness => {
  const objects = new FakeObjectStore();
  const tasks = new FakeTaskStore();
  const records = new FakeRecordStore();
  const chunks = new FakeQueue<ChunkMessage>();
  const finalize = new FakeQueue<FinalizeMessage>();
  const logger = new Logger({ logLevel: 'SILENT' });
  const slots = new FakeImportSlots();
  const starts = new FakeQueue<StartMessage>();
  const mappings = new FakeMappingStore();
  const merged = { ...SETTINGS, ...settings };
  return {
    objects,
    tasks,
    records,
    chunks,
    finalize,
    slots,
    starts,
    mappings,
    validateDeps: {
      objects,
      tasks,
      chunks,
      replies: finalize,
      slots,
      starts,
      mappings,
      settings: merged,
      logger,
    },
    processDeps: {
      objects,
      tasks,
      records,
      finalize,
      chunks,
      settings: merged,
      logger,
      retry: { attempts: 2, baseDelayMs: 1 },
    },
  };
};

/** Stores a task as the API creates it and its uploaded file (declared size = stored size). */
export const givenUpload = async (
  harness: Harness,
  body: string | Buffer,
  overrides: Partial<TaskRecord> = {},
): Promise<TaskRecord> => {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const task = aTask({ fileSize: bytes.length, ...overrides });
  await harness.tasks.create(task);
  await harness.objects.put(task.objectKey, bytes, 'text/csv');
  return task;
};

export const USERS_HEADER = 'email,first_name,last_name,role,phone,department,start_date';

/** The task as stored now; fails the test if it vanished. */
export const storedTask = async (harness: Harness, importId: string): Promise<TaskRecord> => {
  const task = await harness.tasks.get(importId);
  if (!task) throw new Error(`task ${importId} missing`);
  return task;
};
