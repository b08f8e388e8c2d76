import { createLogger, createStores } from '../shared/composition-root';
import { awsSettings, loadConfig, storageSettings } from '../shared/config';
import { finalizeMessageSchema } from '../shared/model';
import { createSqsHandler } from '../shared/sqs-handler';
import { type FinalizeDeps, finalizeImport } from './finalize-import';

// Cold start: settings are checked and clients built once per container, not per message.
const config = loadConfig(awsSettings.extend(storageSettings.shape));
const logger = createLogger(config, 'finalize-import');
const { objects, tasks } = createStores(config);
const deps: FinalizeDeps = { objects, tasks, logger };

/** Finalize queue consumer: one FinalizeMessage per record, failures reported per message. */
export const handler = createSqsHandler(finalizeMessageSchema, logger, async (message) => {
  await finalizeImport(deps, message);
});
