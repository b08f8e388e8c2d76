import { z } from 'zod';
import {
  awsSettings,
  bucketSettings,
  chunkingSettings,
  chunksQueueSettings,
  importLimitSettings,
  intakeQueueSettings,
  receiveSettings,
  replyQueueSettings,
  stateTableSettings,
} from '../shared/config';

/** What validate-file reads from its environment: the CDK function and the local stack set exactly these. */
export const validateFileSettings = z.object({
  ...awsSettings.shape,
  ...bucketSettings.shape,
  ...stateTableSettings.shape,
  ...intakeQueueSettings.shape,
  ...importLimitSettings.shape,
  ...chunksQueueSettings.shape,
  ...replyQueueSettings.shape,
  ...chunkingSettings.shape,
  ...receiveSettings.pick({ INTAKE_MAX_RECEIVE_COUNT: true }).shape,
});
