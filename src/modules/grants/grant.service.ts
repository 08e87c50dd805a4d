import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import type { BalanceService } from '../balance/balance.service.js';
import { BalanceUpdated } from '../balance/balance.types.js';

export interface GrantSummary {
  day: string;
  amount: number;
  users: number;
  /** Users credited by this run. */
  granted: number;
  /** Users this day's grant had already reached (another run, process or restart). */
  alreadyGranted: number;
  /** Users whose grant failed (e.g. it would pass the largest balance); retried by the next run. */
  failed: number;
}

const CHUNK = 1000;

/** The UTC calendar day of `at` as YYYY-MM-DD. */
export function utcDay(at: Date = new Date()): string {
  return at.toISOString().slice(0, 10);
}

/**
 * The daily credit grant. Each user's grant goes through the normal balance path with the idempotency key
 * `grant:YYYY-MM-DD`, so whoever runs it, however often and in however many processes, a user gets it once a
 * day; and concurrent traffic on the same users stays exact.
 */
export class GrantService {
  constructor(
    private readonly orm: Orm,
    private readonly balances: BalanceService,
    private readonly amount: number,
    private readonly logger: Logger,
  ) {}

  /** Grants `day` to every user, walking the table in chunks by id. */
  async grantDay(day: string, onProgress?: (done: number, total: number) => void): Promise<GrantSummary> {
    const connection = this.orm.em.getConnection();
    const [{ count }] = await connection.execute<[{ count: string }]>('select count(*) as count from users');
    const summary: GrantSummary = { day, amount: this.amount, users: 0, granted: 0, alreadyGranted: 0, failed: 0 };
    const total = Number(count);
    for (let afterId = 0; ;) {
      const rows = await connection.execute<{ id: number }[]>('select id from users where id > ? order by id limit ?', [
        afterId,
        CHUNK,
      ]);
      if (rows.length === 0) break;
      const results = await Promise.all(rows.map((row) => this.balances.grant(row.id, this.amount, day)));
      for (const result of results) {
        if (!(result instanceof BalanceUpdated)) summary.failed++;
        else if (result.replayed) summary.alreadyGranted++;
        else summary.granted++;
      }
      summary.users += rows.length;
      afterId = rows[rows.length - 1]!.id;
      onProgress?.(summary.users, Math.max(total, summary.users));
    }
    this.logger.info({ grant: summary }, 'daily grant done');
    return summary;
  }
}
