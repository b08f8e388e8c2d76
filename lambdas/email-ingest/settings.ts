import { z } from 'zod';
import {
  awsSettings,
  bucketSettings,
  emailLimitSettings,
  finalizeQueueSettings,
  stateTableSettings,
} from '../shared/config';

/** What email ingest reads from its environment: the CDK function and the local stack set exactly these. */
export const emailIngestSettings = z.object({
  ...awsSettings.shape,
  ...bucketSettings.shape,
  ...stateTableSettings.shape,
  ...finalizeQueueSettings.shape,
  ...emailLimitSettings.shape,
});
