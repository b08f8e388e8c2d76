import { poisonEnvironment, watchdogInterval } from '../../../../local/events/watchdog-timer';

describe('poisonEnvironment', () => {
  it('gives the handlers the deployed max receives and watchdog timeouts from the local visibility timeout', () => {
    // Act
    const env = poisonEnvironment(30, {});

    // Assess
    expect(env).toEqual({
      INTAKE_MAX_RECEIVE_COUNT: '3',
      CHUNKS_MAX_RECEIVE_COUNT: '5',
      FINALIZE_MAX_RECEIVE_COUNT: '3',
      // Visibility × (max receives + 1): a message's every retry fits before the watchdog acts.
      WATCHDOG_PENDING_TIMEOUT_SECONDS: String(3600 + 30 * 4),
      // Never under 5 minutes: a restart's downtime must not count against work about to resume.
      WATCHDOG_VALIDATING_TIMEOUT_SECONDS: '300',
      WATCHDOG_PROCESSING_TIMEOUT_SECONDS: '300',
      WATCHDOG_FINALIZING_TIMEOUT_SECONDS: '300',
    });
  });

  it('leaves a variable already set alone, so tests can shorten a timeout', () => {
    // Act
    const env = poisonEnvironment(30, { WATCHDOG_PENDING_TIMEOUT_SECONDS: '5' });

    // Assess
    expect(env).not.toHaveProperty('WATCHDOG_PENDING_TIMEOUT_SECONDS');
    expect(env).toHaveProperty('WATCHDOG_VALIDATING_TIMEOUT_SECONDS', '300');
  });

  it('follows a long visibility timeout above the floor', () => {
    expect(poisonEnvironment(120, {})).toMatchObject({
      WATCHDOG_PROCESSING_TIMEOUT_SECONDS: String(120 * 6),
    });
  });
});

describe('watchdogInterval', () => {
  it('defaults to a minute and names a bad value', () => {
    expect(watchdogInterval({})).toBe(60);
    expect(watchdogInterval({ IMPORTS_WATCHDOG_INTERVAL_SECONDS: '2' })).toBe(2);
    expect(() => watchdogInterval({ IMPORTS_WATCHDOG_INTERVAL_SECONDS: 'soon' })).toThrow(
      'IMPORTS_WATCHDOG_INTERVAL_SECONDS="soon": IMPORTS_WATCHDOG_INTERVAL_SECONDS must be a number',
    );
  });
});
