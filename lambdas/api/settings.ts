import { z } from 'zod';
import {
  authSettings,
  awsSettings,
  bucketSettings,
  recordsTableSettings,
  stateTableSettings,
} from '../shared/config';

/** What the API reads from its environment: the CDK function and the local stack set exactly these. */
export const apiSettings = z.object({
  ...awsSettings.shape,
  ...bucketSettings.shape,
  ...stateTableSettings.shape,
  ...recordsTableSettings.shape,
  ...authSettings.shape,
});
