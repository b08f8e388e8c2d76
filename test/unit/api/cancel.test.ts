import { aTask } from '../../helpers/factories';
import { createHarness } from './support';

/** `POST /api/imports/{id}/cancel` (DESIGN §10) before an import has started. */

describe('POST /api/imports/{importId}/cancel', () => {
  it('ends an upload that has not started at once', async () => {
    // Prepare
    const harness = await createHarness();
    const task = aTask({ status: 'PENDING', source: 'upload' });
    await harness.tasks.create(task);

    // Act
    const result = await harness.call('POST', `/api/imports/${task.importId}/cancel`, { body: {} });

    // Assess
    expect(result.status).toBe(202);
    expect(result.body).toMatchObject({ status: 'FAILED', cancelledBy: expect.any(String) });
  });

  it('only marks an emailed file waiting for a slot, so validate-file ends it and its email is answered', async () => {
    // Prepare
    const harness = await createHarness();
    const task = aTask({
      status: 'PENDING',
      source: 'email',
      email: { from: 'ada@example.com', subject: 'users', receivedAt: '2026-11-22T11:00:00.000Z' },
      waitingSince: '2026-11-22T11:00:01.000Z',
    });
    await harness.tasks.create(task);

    // Act
    const result = await harness.call('POST', `/api/imports/${task.importId}/cancel`, { body: {} });

    // Assess
    expect(result.status).toBe(202);
    expect(result.body).toMatchObject({ status: 'PENDING', cancelledBy: expect.any(String) });
  });
});
