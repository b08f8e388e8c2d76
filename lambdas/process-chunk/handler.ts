import { accountOf } from '../shared/account';
import { giveUpChunk, shortCause } from '../shared/chunks/give-up';
import { createLogger, createPorts } from '../shared/composition-root';
import { loadConfig } from '../shared/config';
import { chunkMessageSchema } from '../shared/model';
import { createSqsHandler } from '../shared/sqs-handler';
import { type ProcessChunkDeps, processChunk } from './process-chunk';
import { processChunkSettings } from './settings';

/** Chunks queue → process-chunk: each message is one ChunkMessage (a byte range of one import). */

const config = loadConfig(processChunkSettings);
const logger = createLogger(config, 'process-chunk');
const ports = createPorts(config);
/** A chunk is worked on in its own account's stores only. */
const depsOf = (message: { account?: string }): ProcessChunkDeps => {
  const { objects, tasks, records, finalize, chunks } = ports.forAccount(accountOf(message));
  return { objects, tasks, records, finalize, chunks, settings: config, logger };
};

export const handler = createSqsHandler(
  chunkMessageSchema,
  logger,
  async (message) => {
    const outcome = await processChunk(depsOf(message), message);
    logger.info('Chunk handled', { importId: message.importId, chunkIndex: message.chunkIndex, outcome });
  },
  config.CHUNKS_MAX_RECEIVE_COUNT,
  // The last receive: the rows not committed become SYSTEM errors and the chunk is counted, so its task
  // still ends.
  async (message, delivery, error) => {
    try {
      const outcome = await giveUpChunk(
        depsOf(message),
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
