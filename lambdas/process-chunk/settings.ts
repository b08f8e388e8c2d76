import { z } from 'zod';
import {
  awsSettings,
  bucketSettings,
  chunkingSettings,
  chunksQueueSettings,
  finalizeQueueSettings,
  receiveSettings,
  recordsTableSettings,
  stateTableSettings,
} from '../shared/config';

/** What process-chunk reads from its environment: the CDK function and the local stack set exactly these. */
export const processChunkSettings = z.object({
  ...awsSettings.shape,
  ...bucketSettings.shape,
  ...stateTableSettings.shape,
  ...recordsTableSettings.shape,
  ...finalizeQueueSettings.shape,
  ...chunksQueueSettings.shape,
  ...chunkingSettings.shape,
  ...receiveSettings.pick({ CHUNKS_MAX_RECEIVE_COUNT: true }).shape,
});
