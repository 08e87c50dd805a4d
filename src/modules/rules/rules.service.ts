import type { Outcome } from '../../core/outcomes.js';
import type { LimitsChange } from '../../core/rules.js';
import type { AccountStatus } from '../../core/user.js';
import type { Sql } from '../../db/sql.js';
import type { Principal } from '../auth/principal.js';
import type { BalanceService } from '../balance/balance.service.js';
import { pageSize } from '../common/connection.types.js';
import { parseUserId } from '../common/user-id.js';
import { invalidInput, userNotFound } from '../../core/refusals.js';
import { RulesStore, type RuleChangeState } from './rules.store.js';

/** Who made a change, as recorded with it: the role, and the token's subject when there is one. */
export function actorOf(principal: Principal): string {
  return principal.subject === undefined ? principal.role : `${principal.role}:${principal.subject}`;
}

/**
 * Account rules: setLimits and setAccountStatus join the account's lane like every balance change (decided
 * under its row lock, core/decisions.ts), so a change is ordered with the account's other operations.
 */
export class RulesService {
  private readonly store: RulesStore;

  constructor(
    sql: Sql,
    private readonly balances: BalanceService,
  ) {
    this.store = new RulesStore(sql);
  }

  setLimits(rawUserId: string, limits: LimitsChange, principal: Principal): Promise<Outcome> {
    const userId = parseUserId(rawUserId);
    if (userId === undefined) return Promise.resolve(userNotFound(rawUserId));
    // Only the fields sent: an omitted one stays as it is.
    const change: LimitsChange = {};
    for (const field of ['minBalance', 'maxBalance', 'dailyDebitLimit'] as const) {
      if (limits[field] !== undefined) change[field] = limits[field];
    }
    if (Object.keys(change).length === 0) {
      return Promise.resolve(invalidInput('limits', 'Name at least one limit to change (null removes one)'));
    }
    const actor = actorOf(principal);
    return this.balances.run(
      this.balances.checked(userId, { kind: 'setLimits', limits: change, actor, idempotencyKey: null }),
    );
  }

  setStatus(rawUserId: string, status: AccountStatus, reason: string | null, principal: Principal): Promise<Outcome> {
    const userId = parseUserId(rawUserId);
    if (userId === undefined) return Promise.resolve(userNotFound(rawUserId));
    const actor = actorOf(principal);
    return this.balances.run(
      this.balances.checked(userId, { kind: 'setStatus', status, reason, actor, idempotencyKey: null }),
    );
  }

  /** The account's latest changes of limits and status, newest first. */
  changes(userId: number, first: number | null | undefined): Promise<RuleChangeState[]> {
    return this.store.changes(userId, pageSize(first));
  }
}
