import { z } from 'zod';
import {
  awsSettings,
  bucketSettings,
  intakeQueueSettings,
  receiveSettings,
  replyQueueSettings,
  replySettings,
  stateTableSettings,
} from '../shared/config';

/** What finalize-import reads from its environment: the CDK function and the local stack set exactly these. */
export const finalizeImportSettings = z.object({
  ...awsSettings.shape,
  ...bucketSettings.shape,
  ...stateTableSettings.shape,
  ...intakeQueueSettings.shape,
  ...replySettings.shape,
  ...replyQueueSettings.shape,
  ...receiveSettings.pick({ FINALIZE_MAX_RECEIVE_COUNT: true }).shape,
});
