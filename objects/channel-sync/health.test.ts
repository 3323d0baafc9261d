import { describe, expect, it } from 'vitest';
import { afterFailure, afterSuccess, FAILING_AFTER, HEALTHY } from './health';

const error = { code: 'credentials_invalid', message: 'Shopify refused the access token' };

describe('connection health', () => {
  it('fails at once when the marketplace refuses the credentials or settings', () => {
    expect(afterFailure(HEALTHY, error, true, 1, 7)).toEqual({
      failing: true,
      lastError: { ...error, at: 7 },
    });
  });

  it('fails after several requests in a row went nowhere, not after one', () => {
    const e = { code: 'unreachable', message: 'timed out' };
    expect(afterFailure(HEALTHY, e, false, 1, 0).failing).toBe(false);
    expect(afterFailure(HEALTHY, e, false, FAILING_AFTER, 0).failing).toBe(true);
  });

  it('recovers when the marketplace takes something, keeping the last error for the record', () => {
    const failing = afterFailure(HEALTHY, error, true, 1, 7);
    expect(afterSuccess(failing)).toEqual({ failing: false, lastError: { ...error, at: 7 } });
  });
});
