import { TaskStatus } from '../../../lambdas/shared/model';
import { endTask } from '../../../lambdas/shared/task-endings';
import { ValidateOutcome, validateFile } from '../../../lambdas/validate-file/validate-file';
import { userRow, usersCsv } from '../../helpers/factories';
import { createHarness, givenUpload, type Harness, storedTask } from './harness';

/** Imports in flight per account (DESIGN §11): an import starts only with a slot of its account. */

const upload = (harness: Harness, n: number) =>
  givenUpload(harness, usersCsv([userRow(n)]), { createdAt: `2026-11-22T10:00:0${n}.000Z` });

const endings = (harness: Harness) => ({
  tasks: harness.tasks,
  replies: harness.finalize,
  slots: harness.slots,
  starts: harness.starts,
});

describe('imports in flight per account', () => {
  it('lets an import past the limit wait PENDING, and starts it once one in flight ends', async () => {
    // Prepare
    const harness = createHarness({ IMPORTS_IN_FLIGHT: 2 });
    const [first, second, third] = [
      await upload(harness, 1),
      await upload(harness, 2),
      await upload(harness, 3),
    ];
    if (!first || !second || !third) throw new Error('uploads missing');

    // Act
    const outcomes = [
      await validateFile(harness.validateDeps, first.objectKey),
      await validateFile(harness.validateDeps, second.objectKey),
      await validateFile(harness.validateDeps, third.objectKey),
    ];
    const waiting = await storedTask(harness, third.importId);
    await endTask(endings(harness), first.importId, [TaskStatus.PROCESSING], TaskStatus.COMPLETED, {});
    const started = harness.starts.sent.map((message) => message.objectKey);
    const afterStart = await validateFile(harness.validateDeps, third.objectKey);

    // Assess
    expect(outcomes).toEqual([ValidateOutcome.ENQUEUED, ValidateOutcome.ENQUEUED, ValidateOutcome.WAITING]);
    expect(waiting).toMatchObject({ status: 'PENDING', waitingSince: expect.any(String) });
    expect(started).toEqual([third.objectKey]);
    expect(afterStart).toBe(ValidateOutcome.ENQUEUED);
    expect([...harness.slots.running].sort()).toEqual([second.importId, third.importId].sort());
    expect(harness.slots.waiting.size).toBe(0);
  });

  it('frees the slot of an import that ended without giving it back (a crash in between)', async () => {
    // Prepare: the first import holds the only slot, then ends without a release
    const harness = createHarness({ IMPORTS_IN_FLIGHT: 1 });
    const first = await upload(harness, 1);
    const second = await upload(harness, 2);
    await validateFile(harness.validateDeps, first.objectKey);
    await harness.tasks.transition(first.importId, [TaskStatus.PROCESSING], TaskStatus.COMPLETED);

    // Act
    const outcome = await validateFile(harness.validateDeps, second.objectKey);

    // Assess
    expect(outcome).toBe(ValidateOutcome.ENQUEUED);
    expect([...harness.slots.running]).toEqual([second.importId]);
  });

  it('follows the limit an operator set for the account over the deployment’s', async () => {
    // Prepare
    const harness = createHarness({ IMPORTS_IN_FLIGHT: 3 });
    await harness.slots.setLimit(1);
    const first = await upload(harness, 1);
    const second = await upload(harness, 2);

    // Act
    const outcomes = [
      await validateFile(harness.validateDeps, first.objectKey),
      await validateFile(harness.validateDeps, second.objectKey),
    ];

    // Assess
    expect(outcomes).toEqual([ValidateOutcome.ENQUEUED, ValidateOutcome.WAITING]);
  });

  it('starts nothing twice: a start for an import that has its slot already, or has moved on, changes nothing', async () => {
    // Prepare
    const harness = createHarness({ IMPORTS_IN_FLIGHT: 1 });
    const first = await upload(harness, 1);
    await validateFile(harness.validateDeps, first.objectKey);
    const sent = harness.chunks.sent.length;

    // Act
    const again = await validateFile(harness.validateDeps, first.objectKey);

    // Assess
    expect(again).toBe(ValidateOutcome.ALREADY_ENQUEUED);
    expect(harness.chunks.sent.length).toBe(sent);
    expect([...harness.slots.running]).toEqual([first.importId]);
  });
});
