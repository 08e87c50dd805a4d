import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../src/logger.js';
import { shutdownOnce } from '../src/shutdown.js';

function recorder() {
  const lines: string[] = [];
  const logger = {
    info: (_fields: unknown, message: string) => lines.push(message),
    error: (_fields: unknown, message: string) => lines.push(message),
  } as unknown as Logger;
  const exits: number[] = [];
  return { logger, lines, exits, exit: (code: number) => void exits.push(code) };
}

describe('shutdownOnce', () => {
  afterEach(() => vi.useRealTimers());

  it('exits with the code stop returns, once, however often it is asked', async () => {
    vi.useFakeTimers();
    const { logger, exits, exit } = recorder();
    const stop = vi.fn(async () => 0);
    const shutdown = shutdownOnce(stop, { logger, deadlineMs: 1000, exit });
    await Promise.all([shutdown('SIGTERM'), shutdown('SIGINT')]);
    await vi.advanceTimersByTimeAsync(5000); // the deadline was cleared: no second exit
    expect(stop).toHaveBeenCalledTimes(1);
    expect(exits).toEqual([0]);
  });

  it('exits with 1 when stop throws', async () => {
    const { logger, exits, exit, lines } = recorder();
    await shutdownOnce(async () => Promise.reject(new Error('database away')), { logger, deadlineMs: 1000, exit })(
      'SIGTERM',
    );
    expect(exits).toEqual([1]);
    expect(lines).toContain('error during shutdown');
  });

  it('exits with 1 at the deadline when stop never finishes', async () => {
    vi.useFakeTimers();
    const { logger, exits, exit, lines } = recorder();
    void shutdownOnce(() => new Promise<number>(() => undefined), { logger, deadlineMs: 25_000, exit })('SIGTERM');
    await vi.advanceTimersByTimeAsync(24_999);
    expect(exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(exits).toEqual([1]);
    expect(lines).toContain('shutdown did not finish in time: exiting');
  });
});
