import { z } from 'zod';
import { createLogger, createQueues, createStores } from '../shared/composition-root';
import {
  awsSettings,
  chunkingSettings,
  loadConfig,
  queueSettings,
  receiveSettings,
  storageSettings,
} from '../shared/config';
import { chunkMessageSchema } from '../shared/model';
import { createSqsHandler } from '../shared/sqs-handler';
import { giveUpChunk, shortCause } from './give-up';
import { processChunk } from './process-chunk';

/** Chunks queue → process-chunk: each message is one ChunkMessage (a byte range of one import). */

const config = loadConfig(
  z.object({
    ...awsSettings.shape,
    ...storageSettings.shape,
    ...queueSettings.shape,
    ...chunkingSettings.shape,
    ...receiveSettings.shape,
  }),
);
const logger = createLogger(config, 'process-chunk');
const { objects, tasks, records } = createStores(config);
const { finalize } = createQueues(config);
const deps = { objects, tasks, records, finalize, settings: config, logger };

export const handler = createSqsHandler(
  chunkMessageSchema,
  logger,
  async (message) => {
    const outcome = await processChunk(deps, message);
    logger.info('Chunk handled', { importId: message.importId, chunkIndex: message.chunkIndex, outcome });
  },
  config.CHUNKS_MAX_RECEIVE_COUNT,
  // The last receive: the rows not committed become SYSTEM errors and the chunk is counted, so its task
  // still ends.
  async (message, delivery, error) => {
    try {
      const outcome = await giveUpChunk(
        deps,
        message,
        `failed ${delivery.receiveCount} times (${shortCause(error)})`,
      );
      logger.error('Chunk failed on its last receive and was given up', {
        importId: message.importId,
        chunkIndex: message.chunkIndex,
        outcome,
        error,
      });
    } catch (giveUpError) {
      logger.error('Giving the chunk up failed too; the watchdog will end its task', {
        importId: message.importId,
        chunkIndex: message.chunkIndex,
        error: giveUpError,
      });
    }
  },
);
