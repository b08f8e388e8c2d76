import { createLogger, createPorts } from '../shared/composition-root';
import { loadConfig } from '../shared/config';
import { causeOf, createSqsHandler } from '../shared/sqs-handler';
import { createdObjectKeys, s3NotificationSchema } from './s3-event';
import { validateFileSettings } from './settings';
import { giveUpValidation, type ValidateFileDeps, validateFile } from './validate-file';

/** Intake queue → validate-file: each message is an S3 event notification for an uploaded file. */

const config = loadConfig(validateFileSettings);
const logger = createLogger(config, 'validate-file');
const { objects, tasks, chunks, replies } = createPorts(config);
const deps: ValidateFileDeps = { objects, tasks, chunks, replies, settings: config, logger };

export const handler = createSqsHandler(
  s3NotificationSchema,
  logger,
  async (notification) => {
    for (const objectKey of createdObjectKeys(notification)) {
      const outcome = await validateFile(deps, objectKey);
      logger.info('Upload handled', { objectKey, outcome });
    }
  },
  config.INTAKE_MAX_RECEIVE_COUNT,
  // The last receive: tasks still waiting on this event end FAILED with the cause (those already moved on
  // are left as they are).
  async (notification, delivery, error) => {
    for (const objectKey of createdObjectKeys(notification)) {
      await giveUpValidation(
        deps,
        objectKey,
        `checking it failed ${delivery.receiveCount} times (${causeOf(error)})`,
      ).catch((giveUpError: unknown) =>
        logger.error('Giving validation up failed too', { objectKey, error: giveUpError }),
      );
    }
  },
);
