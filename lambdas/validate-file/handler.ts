import { createLogger, createPorts } from '../shared/composition-root';
import { loadConfig } from '../shared/config';
import { accountOfUploadKey } from '../shared/object-keys';
import { causeOf, createSqsHandler } from '../shared/sqs-handler';
import { createdObjectKeys, s3NotificationSchema } from './s3-event';
import { validateFileSettings } from './settings';
import { giveUpValidation, type ValidateFileDeps, validateFile } from './validate-file';

/** Intake queue → validate-file: each message is an S3 event notification for an uploaded file. */

const config = loadConfig(validateFileSettings);
const logger = createLogger(config, 'validate-file');
const ports = createPorts(config);

/**
 * Each uploaded object as its account sees it, with that account's stores: the account is the key's
 * segment after `uploads/`. Keys of no account's upload are skipped (S3 notifies only `uploads/`).
 */
const uploadsOf = (notification: Parameters<typeof createdObjectKeys>[0]) =>
  createdObjectKeys(notification).flatMap((storedKey) => {
    const upload = accountOfUploadKey(storedKey);
    if (!upload) {
      logger.info('Object is not an import upload; ignored', { objectKey: storedKey });
      return [];
    }
    const { objects, tasks, chunks, replies } = ports.forAccount(upload.account);
    const deps: ValidateFileDeps = { objects, tasks, chunks, replies, settings: config, logger };
    return [{ account: upload.account, objectKey: upload.key, deps }];
  });

export const handler = createSqsHandler(
  s3NotificationSchema,
  logger,
  async (notification) => {
    for (const { account, objectKey, deps } of uploadsOf(notification)) {
      const outcome = await validateFile(deps, objectKey);
      logger.info('Upload handled', { account, objectKey, outcome });
    }
  },
  config.INTAKE_MAX_RECEIVE_COUNT,
  // The last receive: tasks still waiting on this event end FAILED with the cause (those already moved on
  // are left as they are).
  async (notification, delivery, error) => {
    for (const { objectKey, deps } of uploadsOf(notification)) {
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
