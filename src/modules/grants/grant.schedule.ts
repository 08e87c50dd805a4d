import { Cron } from 'croner';
import type { Logger } from '../../logger.js';
import { utcDay, type GrantService } from './grant.service.js';

export interface GrantSchedule {
  /** Resolves when a running grant has finished. */
  stop(): Promise<void>;
}

/**
 * Runs the grant at every tick of `cron` (UTC) and once at start: each run grants every due day not yet
 * completed, so a day missed while no server ran is granted when one runs again. Every process (each cluster
 * worker too) schedules it; an advisory lock lets one of them run at a time and the grant's idempotency keys
 * make any overlap harmless, so the grant keeps running whichever processes die or are replaced.
 */
export function scheduleGrant(grants: GrantService, cron: string, logger: Logger): GrantSchedule {
  let running: Promise<void> = Promise.resolve();
  const run = (trigger: 'start' | 'tick'): Promise<void> => {
    // The tick being run counts as due even if its timer fired a moment early.
    const [due] = schedule.previousRuns(1, new Date(Date.now() + 1000));
    if (!due) return Promise.resolve();
    running = grants.catchUp(utcDay(due), trigger).then(
      () => undefined,
      (error: unknown) => logger.error({ err: error }, 'daily grant failed'),
    );
    return running;
  };
  const schedule = new Cron(cron, { timezone: 'UTC', protect: true }, () => run('tick'));
  void run('start');
  return {
    async stop() {
      schedule.stop();
      await running;
    },
  };
}
