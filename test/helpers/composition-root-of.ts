import { Logger } from '@aws-lambda-powertools/logger';
import type * as compositionRoot from '../../lambdas/shared/composition-root';
import type { Harness } from '../unit/validate-file/harness';
import { type FakeEmailMessageStore, type FakeMailSender, FakeOpenTaskIndex } from './fakes';

/**
 * The composition root a handler test mocks in: every port the handler asks for is the harness's fake,
 * so the real handler module runs against in-memory stores and queues. A port the test did not give throws
 * when the handler reads it.
 */
export const compositionRootOf = (
  harness: Harness,
  email: { messages?: FakeEmailMessageStore; mail?: FakeMailSender } = {},
): Pick<typeof compositionRoot, 'createLogger' | 'createPorts'> => ({
  createLogger: () => new Logger({ logLevel: 'SILENT' }),
  createPorts: (() => {
    const given = (name: string, port: unknown) => {
      if (port === undefined) throw new Error(`this test gave the handler no ${name}`);
      return port;
    };
    // Every account's ports are the harness's: these tests are about one account's pipeline.
    const accountPorts = {
      objects: harness.objects,
      tasks: harness.tasks,
      records: harness.records,
      chunks: harness.chunks,
      finalize: harness.finalize,
      replies: harness.finalize,
      slots: harness.slots,
      starts: harness.starts,
      get messages() {
        return given('email message store', email.messages);
      },
    };
    return {
      bucket: harness.objects,
      openTasks: FakeOpenTaskIndex.of(harness.tasks),
      forAccount: () => accountPorts,
      get mail() {
        return given('mail sender', email.mail);
      },
    };
  }) as unknown as typeof compositionRoot.createPorts,
});
