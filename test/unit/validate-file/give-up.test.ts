import { giveUpValidation, validateFile } from '../../../lambdas/validate-file/validate-file';
import { userRow, usersCsv } from '../../helpers/factories';
import { createHarness, givenUpload, storedTask } from './harness';

describe('giveUpValidation', () => {
  it('ends a task still waiting on its check FAILED with the cause, and hands an emailed one to the reply step', async () => {
    // Prepare
    const harness = createHarness();
    const upload = await givenUpload(harness, usersCsv([userRow(1)]));
    const emailed = await givenUpload(harness, usersCsv([userRow(2)]), {
      source: 'email',
      status: 'VALIDATING',
    });
    const deps = { tasks: harness.tasks, replies: harness.finalize, logger: harness.validateDeps.logger };

    // Act
    const ended = await giveUpValidation(
      deps,
      upload.objectKey,
      'checking it failed 3 times (socket hang up)',
    );
    const endedEmail = await giveUpValidation(deps, emailed.objectKey, 'checking it failed 3 times (x)');

    // Assess
    expect([ended, endedEmail]).toEqual([true, true]);
    expect(await storedTask(harness, upload.importId)).toMatchObject({
      status: 'FAILED',
      statusReason:
        'The file could not be checked: checking it failed 3 times (socket hang up). Upload it again.',
    });
    expect(harness.finalize.sent).toEqual([{ kind: 'reply', importId: emailed.importId }]);
  });

  it('leaves a task that already moved on alone', async () => {
    // Prepare
    const harness = createHarness();
    const task = await givenUpload(harness, usersCsv([userRow(1)]));
    await validateFile(harness.validateDeps, task.objectKey);
    const deps = { tasks: harness.tasks, replies: harness.finalize, logger: harness.validateDeps.logger };

    // Act
    const ended = await giveUpValidation(deps, task.objectKey, 'x');

    // Assess
    expect(ended).toBe(false);
    expect((await storedTask(harness, task.importId)).status).toBe('PROCESSING');
  });
});
