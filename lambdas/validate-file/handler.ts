import { z } from 'zod';
import { type AccountId, accountOf } from '../shared/account';
import { createLogger, createPorts } from '../shared/composition-root';
import { loadConfig } from '../shared/config';
import { startMessageSchema } from '../shared/model';
import { accountOfUploadKey } from '../shared/object-keys';
import { causeOf, createSqsHandler } from '../shared/sqs-handler';
import { createdObjectKeys, s3NotificationSchema } from './s3-event';
import { validateFileSettings } from './settings';
import { giveUpValidation, type ValidateFileDeps, validateFile } from './validate-file';

/**
 * Intake queue → validate-file: each message is an S3 event notification for an uploaded file, or the
 * start of an import that waited for a free slot of its account.
 */

const config = loadConfig(validateFileSettings);
const logger = createLogger(config, 'validate-file');
const ports = createPorts(config);

const depsFor = (account: AccountId): ValidateFileDeps => {
  const { objects, tasks, chunks, replies, slots, starts, mappings } = ports.forAccount(account);
  return { objects, tasks, chunks, replies, slots, starts, mappings, settings: config, logger };
};

/** What the intake queue carries: S3's notifications of uploads, and starts of imports that waited. */
const intakeMessageSchema = z.union([startMessageSchema, s3NotificationSchema]);
type IntakeMessage = z.infer<typeof intakeMessageSchema>;

/**
 * Each uploaded object as its account sees it, with that account's stores: the account is the key's
 * segment after `uploads/` (a start names it). Keys of no account's upload are skipped.
 */
const uploadsOf = (message: IntakeMessage) => {
  if ('kind' in message) {
    const account = accountOf(message);
    return [{ account, objectKey: message.objectKey, deps: depsFor(account) }];
  }
  return createdObjectKeys(message).flatMap((storedKey) => {
    const upload = accountOfUploadKey(storedKey);
    if (!upload) {
      logger.info('Object is not an import upload; ignored', { objectKey: storedKey });
      return [];
    }
    return [{ account: upload.account, objectKey: upload.key, deps: depsFor(upload.account) }];
  });
};

export const handler = createSqsHandler(
  intakeMessageSchema,
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
