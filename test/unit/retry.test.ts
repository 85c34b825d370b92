// Which failures are worth running again, and the bounded retry loop.
import { describe, expect, it } from 'vitest';
import { isTransient, rerunIfAlreadyExists, withRetries } from '../../functions/src/app/retry';

const grpc = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details });

describe('isTransient', () => {
  it('retries aborted, unavailable and timed-out calls, and dropped connections', () => {
    for (const code of [4, 8, 10, 13, 14]) expect(isTransient(grpc(code, 'x')), `grpc ${code}`).toBe(true);
    expect(isTransient(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { code: 'unavailable' }))).toBe(true);
    expect(isTransient(new Error('socket hang up'))).toBe(true);
  });

  it('retries a transaction the server no longer knows (expired, or dropped by the emulator under lock contention)', () => {
    expect(isTransient(grpc(3, 'Transaction is invalid or closed.'))).toBe(true);
    expect(isTransient(grpc(3, 'The referenced transaction has expired or is no longer valid.'))).toBe(true);
  });

  it('does not retry bad arguments, missing documents or refused permissions', () => {
    expect(isTransient(grpc(3, 'Value for argument "data" is not a valid Firestore document.'))).toBe(false);
    expect(isTransient(grpc(5, 'No document to update'))).toBe(false);
    expect(isTransient(grpc(7, 'PERMISSION_DENIED'))).toBe(false);
    expect(isTransient(new TypeError('x is undefined'))).toBe(false);
  });
});

describe('withRetries', () => {
  it('runs again after a transient failure and returns the result', async () => {
    let calls = 0;
    const result = await withRetries(async () => {
      calls += 1;
      if (calls < 3) throw grpc(10, 'ABORTED');
      return 'done';
    }, { baseDelayMs: 1 });
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('gives up after the attempts, and at once on a permanent failure', async () => {
    let calls = 0;
    await expect(withRetries(async () => { calls += 1; throw grpc(14, 'UNAVAILABLE'); }, { attempts: 3, baseDelayMs: 1 })).rejects.toThrow('UNAVAILABLE');
    expect(calls).toBe(3);
    calls = 0;
    await expect(withRetries(async () => { calls += 1; throw grpc(7, 'PERMISSION_DENIED'); }, { baseDelayMs: 1 })).rejects.toThrow('PERMISSION_DENIED');
    expect(calls).toBe(1);
  });
});

describe('rerunIfAlreadyExists', () => {
  it('runs again when a create lost the race, and not for anything else', async () => {
    let calls = 0;
    const result = await rerunIfAlreadyExists(async () => {
      calls += 1;
      if (calls === 1) throw grpc(6, 'Document already exists: groups/g-1');
      return 'joined';
    });
    expect(result).toBe('joined');
    expect(calls).toBe(2);
    calls = 0;
    await expect(rerunIfAlreadyExists(async () => { calls += 1; throw grpc(10, 'ABORTED'); })).rejects.toThrow('ABORTED');
    expect(calls).toBe(1);
    calls = 0;
    await expect(rerunIfAlreadyExists(async () => { calls += 1; throw grpc(6, 'exists'); }, 3)).rejects.toThrow('exists');
    expect(calls).toBe(3);
  });
});
