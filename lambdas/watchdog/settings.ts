import { z } from 'zod';
import {
  awsSettings,
  bucketSettings,
  chunkingSettings,
  chunksQueueSettings,
  finalizeQueueSettings,
  intakeQueueSettings,
  recordsTableSettings,
  stateTableSettings,
  watchdogTimeoutSettings,
} from '../shared/config';

/** What the watchdog reads from its environment: the CDK function and the local stack set exactly these. */
export const watchdogSettings = z.object({
  ...awsSettings.shape,
  ...bucketSettings.shape,
  ...stateTableSettings.shape,
  ...intakeQueueSettings.shape,
  ...recordsTableSettings.shape,
  ...chunksQueueSettings.shape,
  ...finalizeQueueSettings.shape,
  ...chunkingSettings.pick({ MAX_RECORD_BYTES: true }).shape,
  ...watchdogTimeoutSettings.shape,
});
