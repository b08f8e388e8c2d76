import { z } from 'zod';
import { createLogger, createQueues, createStores } from '../shared/composition-root';
import { awsSettings, chunkingSettings, loadConfig, queueSettings, storageSettings } from '../shared/config';
import { chunkMessageSchema } from '../shared/model';
import { createSqsHandler } from '../shared/sqs-handler';
import { processChunk } from './process-chunk';

/** Chunks queue → process-chunk: each message is one ChunkMessage (a byte range of one import). */

const config = loadConfig(
  z.object({
    ...awsSettings.shape,
    ...storageSettings.shape,
    ...queueSettings.shape,
    ...chunkingSettings.shape,
  }),
);
const logger = createLogger(config, 'process-chunk');
const { objects, tasks, records } = createStores(config);
const { finalize } = createQueues(config);
const deps = { objects, tasks, records, finalize, settings: config, logger };

export const handler = createSqsHandler(chunkMessageSchema, logger, async (message) => {
  const outcome = await processChunk(deps, message);
  logger.info('Chunk handled', { importId: message.importId, chunkIndex: message.chunkIndex, outcome });
});
