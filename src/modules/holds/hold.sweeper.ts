import type { Logger } from '../../logger.js';
import type { HoldService } from './hold.service.js';

/** Holds released per pass; a full pass is followed by another at once. */
const SWEEP_BATCH = 500;

export interface HoldSweeper {
  /** Runs one pass now (tests); resolves with the holds this pass released. */
  sweep(): Promise<number>;
  /** No pass starts after this; resolves when the running one ends. */
  stop(): Promise<void>;
}

/**
 * Releases expired holds every `intervalMs`. Safe with several processes: each release goes through the
 * hold's user lane and is decided under the user's row lock, so a hold another process (or a capture) ended
 * meanwhile is left alone, and each hold ends once.
 */
export function sweepExpiredHolds(holds: HoldService, intervalMs: number, logger: Logger): HoldSweeper {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;

  const pass = async (): Promise<number> => {
    let released = 0;
    for (;;) {
      const expired = await holds.expiredHolds(SWEEP_BATCH);
      const results = await Promise.all(expired.map((hold) => holds.expire(hold.userId, hold.id)));
      released += results.filter((r) => r.type === 'HoldExpired' && r.releasedNow).length;
      if (expired.length < SWEEP_BATCH || stopped) return released;
    }
  };
  const sweep = (): Promise<number> => {
    running ??= pass()
      .then((released) => {
        if (released > 0) logger.info({ released }, 'expired holds released');
        return released;
      })
      .finally(() => (running = undefined));
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      sweep()
        .catch((error: unknown) => logger.warn({ err: error }, 'could not release expired holds; trying again'))
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    sweep,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
