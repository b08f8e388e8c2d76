import { z } from 'zod';
import { awsSettings } from '../shared/config';

/** The sign-in trigger reads nothing but the logger's level: the account comes with each event. */
export const preTokenGenerationSettings = z.object({
  ...awsSettings.pick({ AWS_REGION: true, LOG_LEVEL: true }).shape,
});
