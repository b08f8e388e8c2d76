import { z } from 'zod';
import { createLogger, createQueues, createStores } from '../shared/composition-root';
import { awsSettings, chunkingSettings, loadConfig, queueSettings, storageSettings } from '../shared/config';
import { createSqsHandler } from '../shared/sqs-handler';
import { handOverEndedEmailTask } from './hand-over';
import { createdObjectKeys, s3NotificationSchema } from './s3-event';
import { validateFile } from './validate-file';

/** Intake queue → validate-file: each message is an S3 event notification for an uploaded file. */

const config = loadConfig(
  z.object({
    ...awsSettings.shape,
    ...storageSettings.shape,
    ...queueSettings.shape,
    ...chunkingSettings.shape,
  }),
);
const logger = createLogger(config, 'validate-file');
const { objects, tasks } = createStores(config);
const { chunks, finalize } = createQueues(config);
const deps = { objects, tasks, chunks, settings: config, logger };

export const handler = createSqsHandler(s3NotificationSchema, logger, async (notification) => {
  for (const objectKey of createdObjectKeys(notification)) {
    const outcome = await validateFile(deps, objectKey);
    const handedOver = await handOverEndedEmailTask({ tasks, finalize }, objectKey, outcome);
    logger.info('Upload handled', { objectKey, outcome, ...(handedOver ? { handedOver } : {}) });
  }
});
