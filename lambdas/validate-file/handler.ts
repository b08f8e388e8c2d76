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
import { causeOf, createSqsHandler } from '../shared/sqs-handler';
import { handOverEndedEmailTask } from './hand-over';
import { createdObjectKeys, s3NotificationSchema } from './s3-event';
import { giveUpValidation, validateFile } from './validate-file';

/** Intake queue → validate-file: each message is an S3 event notification for an uploaded file. */

const config = loadConfig(
  z.object({
    ...awsSettings.shape,
    ...storageSettings.shape,
    ...queueSettings.shape,
    ...chunkingSettings.shape,
    ...receiveSettings.shape,
  }),
);
const logger = createLogger(config, 'validate-file');
const { objects, tasks } = createStores(config);
const { chunks, finalize } = createQueues(config);
const deps = { objects, tasks, chunks, settings: config, logger };

export const handler = createSqsHandler(
  s3NotificationSchema,
  logger,
  async (notification) => {
    for (const objectKey of createdObjectKeys(notification)) {
      const outcome = await validateFile(deps, objectKey);
      const handedOver = await handOverEndedEmailTask({ tasks, finalize }, objectKey, outcome);
      logger.info('Upload handled', { objectKey, outcome, ...(handedOver ? { handedOver } : {}) });
    }
  },
  config.INTAKE_MAX_RECEIVE_COUNT,
  // The last receive: tasks still waiting on this event end FAILED with the cause (those already moved on
  // are left as they are).
  async (notification, delivery, error) => {
    for (const objectKey of createdObjectKeys(notification)) {
      await giveUpValidation(
        { tasks, finalize, logger },
        objectKey,
        `checking it failed ${delivery.receiveCount} times (${causeOf(error)})`,
      ).catch((giveUpError: unknown) =>
        logger.error('Giving validation up failed too', { objectKey, error: giveUpError }),
      );
    }
  },
);
