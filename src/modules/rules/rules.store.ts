import type { AccountRules } from '../../core/user.js';
import type { Sql } from '../../db/sql.js';

/** One change of an account's rules as its ledger entry records it. */
export interface RuleChangeState {
  entryId: string;
  actor: string;
  at: Date;
  rules: AccountRules;
  reason: string | null;
}

interface RuleChangeRow {
  id: string;
  details: AccountRules & { actor: string };
  reason: string | null;
  created_ms: number;
}

/** The database side of account rules' history (the changes themselves are written by the balance store). */
export class RulesStore {
  constructor(private readonly sql: Sql) {}

  /** Up to `limit` of the user's changes of limits and status, newest first. */
  async changes(userId: number, limit: number): Promise<RuleChangeState[]> {
    const rows = await this.sql.rows<RuleChangeRow>(
      `select id, details, reason, (extract(epoch from created_at) * 1000)::float8 as created_ms
         from ledger_entries where user_id = ? and kind in ('LIMITS', 'STATUS') order by id desc limit ?`,
      [userId, limit],
    );
    return rows.map(({ id, details, reason, created_ms }) => {
      const { actor, ...rules } = details;
      return { entryId: String(id), actor, at: new Date(created_ms), rules, reason };
    });
  }
}
