import { isRecordedUnderKey, isRefusal } from '../../core/refusals.js';
import type { Sql } from '../../db/sql.js';
import type { Logger } from '../../logger.js';
import type { BalanceService } from '../balance/balance.service.js';
import { UserStore } from '../users/user.store.js';
import { GrantStore } from './grant.store.js';

export interface GrantSummary {
  day: string;
  amount: number;
  users: number;
  /** Users credited by this run. */
  granted: number;
  /** Users this day's grant had already reached (another run, process or restart). */
  alreadyGranted: number;
  /**
   * Users whose grant was refused (its account closed, at its maximum, ...): decided and recorded under the day's
   * key, so a repeat gets the same refusal; the day is done for them.
   */
  refused: number;
  /** Users whose grant failed (an error, the row kept busy): not decided; the day stays open for the next run. */
  failed: number;
}

const CHUNK = 1000;
const DAY_MS = 86_400_000;

/** The UTC calendar day of `at` as YYYY-MM-DD. */
export function utcDay(at: Date = new Date()): string {
  return at.toISOString().slice(0, 10);
}

/** The days after `after` up to and including `until` (YYYY-MM-DD), in order. */
export function daysBetween(after: string, until: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${after}T00:00:00Z`) + DAY_MS; t <= Date.parse(`${until}T00:00:00Z`); t += DAY_MS) {
    days.push(utcDay(new Date(t)));
  }
  return days;
}

/**
 * The daily credit grant. Each user's grant goes through the normal balance path with the system idempotency
 * key of the day, so whoever runs it, however often and in however many processes, a user gets it once a day,
 * and concurrent traffic on the same users stays exact. A day that reached every user is recorded, so a
 * server that was down at grant time catches up the days it missed.
 */
export class GrantService {
  private readonly users: UserStore;
  private readonly store: GrantStore;

  constructor(
    sql: Sql,
    private readonly balances: BalanceService,
    private readonly amount: number,
    private readonly logger: Logger,
  ) {
    this.users = new UserStore(sql);
    this.store = new GrantStore(sql);
  }

  /**
   * Grants `day` to every user, walking the table in chunks by id. One user's failure (an error) is counted and
   * leaves the day incomplete; it never stops the others. A refusal (a closed account, one at its maximum) is an
   * answer, recorded under the day's key like every keyed refusal: counted, and the day completes.
   */
  async grantDay(day: string, onProgress?: (done: number, total: number) => void): Promise<GrantSummary> {
    const summary: GrantSummary = {
      day,
      amount: this.amount,
      users: 0,
      granted: 0,
      alreadyGranted: 0,
      refused: 0,
      failed: 0,
    };
    const total = await this.users.count();
    for (let afterId = 0; ;) {
      const ids = await this.users.ids(afterId, CHUNK);
      if (ids.length === 0) break;
      const results = await Promise.allSettled(ids.map((id) => this.balances.grant(id, this.amount, day)));
      results.forEach((result, i) => {
        if (result.status === 'fulfilled' && result.value.type === 'BalanceUpdated') {
          if (result.value.replayed) summary.alreadyGranted++;
          else summary.granted++;
          return;
        }
        if (result.status === 'fulfilled' && isRefusal(result.value) && isRecordedUnderKey(result.value)) {
          summary.refused++;
          this.logger.info({ userId: ids[i], day, refusal: result.value.type }, 'grant refused for one user');
          return;
        }
        summary.failed++;
        const why = result.status === 'rejected' ? { err: result.reason } : { result: result.value };
        this.logger.warn({ ...why, userId: ids[i], day }, 'grant failed for one user; the next run retries it');
      });
      summary.users += ids.length;
      afterId = ids.at(-1)!;
      onProgress?.(summary.users, Math.max(total, summary.users));
    }
    if (summary.failed === 0) await this.store.markCompleted(day, this.amount, summary.users);
    this.logger.info({ grant: summary }, 'daily grant done');
    return summary;
  }

  /**
   * Grants every day that is due and not completed: from the day after the last completed grant up to
   * `dueDay`. Before the first grant ever nothing was missed: a scheduled tick grants `dueDay`, a start-up
   * check grants nothing. Runs in one process at a time; returns undefined when another process is running it.
   */
  async catchUp(dueDay: string, trigger: 'start' | 'tick'): Promise<GrantSummary[] | undefined> {
    return this.store.exclusively(async () => {
      const last = await this.store.lastCompletedDay();
      const days = last !== undefined ? daysBetween(last, dueDay) : trigger === 'tick' ? [dueDay] : [];
      if (days.length > 1) this.logger.warn({ days }, 'granting days missed while no server ran the grant');
      const summaries: GrantSummary[] = [];
      for (const day of days) summaries.push(await this.grantDay(day));
      return summaries;
    });
  }
}
