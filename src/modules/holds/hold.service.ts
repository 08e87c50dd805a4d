import { randomUUID } from 'node:crypto';
import type { HoldState, HoldStatus } from '../../core/hold.js';
import { MAX_HOLD_SECONDS } from '../../core/hold.js';
import { keyOfRequest, type ClientKey } from '../../core/idempotency.js';
import { LedgerEntryKind } from '../../core/ledger.js';
import type { Outcome } from '../../core/outcomes.js';
import { holdNotFound, invalidAmount, invalidInput, userNotFound } from '../../core/refusals.js';
import type { Sql } from '../../db/sql.js';
import type { BalanceService, Expected, Prepared } from '../balance/balance.service.js';
import { decodeCursor, encodeCursor, PageInfo, pageSize } from '../common/connection.types.js';
import { parseUserId } from '../common/user-id.js';
import { HoldStore } from './hold.store.js';
import type { HoldConnection } from './hold.types.js';

export { MAX_HOLD_SECONDS };

/** The numeric id behind a hold's GraphQL `ID`, or undefined when no hold can have it. */
function parseHoldId(raw: string): number | undefined {
  if (!/^[1-9]\d{0,15}$/.test(raw)) return undefined;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** Whether the caller may see (and so end) the holds of `userId`: to others, a hold of another user is no hold. */
export type SeesAccount = (userId: number) => boolean;

/**
 * Holds: arguments checked here, then each operation joins its user's lane like every balance change, where
 * it is decided against the hold as read under the user's row lock (core/decisions.ts).
 */
export class HoldService {
  private readonly store: HoldStore;

  constructor(
    sql: Sql,
    private readonly balances: BalanceService,
  ) {
    this.store = new HoldStore(sql);
  }

  /** Reserves `amount` of the user's available credits for `expiresIn` seconds; a capture pays `payeeId`, if given. */
  hold(
    rawUserId: string,
    amount: number,
    expiresIn: number,
    key: ClientKey | null,
    reason: string | null,
    rawPayeeId: string | null,
    expected?: Expected,
  ): Promise<Outcome> {
    const prepared = this.prepareHold(rawUserId, amount, expiresIn, key, reason, rawPayeeId);
    return this.balances.run(this.balances.expecting(prepared, expected));
  }

  /** Takes `amount` of the hold (null: all of it), pays it to the hold's payee if it has one, releases the rest. */
  async captureHold(
    rawHoldId: string,
    amount: number | null,
    key: ClientKey | null,
    sees: SeesAccount,
    expected?: Expected,
  ): Promise<Outcome> {
    return this.balances.run(
      this.balances.expecting(await this.prepareCapture(rawHoldId, amount, key, sees), expected),
    );
  }

  /** Releases the whole hold. */
  async voidHold(rawHoldId: string, key: ClientKey | null, sees: SeesAccount, expected?: Expected): Promise<Outcome> {
    return this.balances.run(this.balances.expecting(await this.prepareVoid(rawHoldId, key, sees), expected));
  }

  /** Releases an expired hold (the sweeper); answered HoldExpired with `releasedNow` when this released it. */
  expire(userId: number, holdId: number): Promise<Outcome> {
    return this.balances.run({ userId, op: { kind: 'expire', holdId, idempotencyKey: null } });
  }

  prepareHold(
    rawUserId: string,
    amount: number,
    expiresIn: number,
    key: ClientKey | null,
    reason: string | null,
    rawPayeeId: string | null,
  ): Prepared {
    const userId = parseUserId(rawUserId);
    if (userId === undefined) return userNotFound(rawUserId);
    if (!Number.isSafeInteger(amount) || amount <= 0)
      return invalidAmount(amount, 'A hold must be a positive whole number');
    if (!Number.isSafeInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_HOLD_SECONDS) {
      return invalidInput('expiresIn', `expiresIn must be a whole number of seconds from 1 to ${MAX_HOLD_SECONDS}`);
    }
    let payee: number | null = null;
    if (rawPayeeId !== null) {
      const parsed = parseUserId(rawPayeeId);
      if (parsed === undefined) return userNotFound(rawPayeeId, 'PAYEE');
      if (parsed === userId) return invalidInput('payeeId', 'A hold may not pay its own user');
      payee = parsed;
    }
    const idempotencyKey = keyOfRequest(key, LedgerEntryKind.HOLD, [amount, expiresIn, reason, payee]);
    return this.balances.checked(userId, {
      kind: 'placeHold',
      amount,
      expiresIn,
      reason,
      payee,
      holdId: 0,
      idempotencyKey,
    });
  }

  async prepareCapture(
    rawHoldId: string,
    amount: number | null,
    key: ClientKey | null,
    sees: SeesAccount,
  ): Promise<Prepared> {
    if (amount !== null && (!Number.isSafeInteger(amount) || amount <= 0)) {
      return invalidAmount(amount, 'A capture must be a positive whole number (or omitted: all of the hold)');
    }
    const hold = await this.visibleHold(rawHoldId, sees);
    if (!hold) return holdNotFound(rawHoldId);
    // "All of it" (omitted) is another request than the same amount given: the hold may have changed between.
    return this.balances.checked(hold.userId, {
      kind: 'capture',
      holdId: hold.id,
      amount,
      payee: hold.payeeId,
      transferId: randomUUID(),
      idempotencyKey: keyOfRequest(key, LedgerEntryKind.CAPTURE, [hold.id, amount]),
    });
  }

  async prepareVoid(rawHoldId: string, key: ClientKey | null, sees: SeesAccount): Promise<Prepared> {
    const hold = await this.visibleHold(rawHoldId, sees);
    if (!hold) return holdNotFound(rawHoldId);
    const idempotencyKey = keyOfRequest(key, LedgerEntryKind.VOID, [hold.id]);
    return this.balances.checked(hold.userId, { kind: 'void', holdId: hold.id, idempotencyKey });
  }

  /** Open holds past their expiry, the longest expired first (for the sweeper). */
  expiredHolds(limit: number): Promise<{ userId: number; id: number }[]> {
    return this.store.expired(limit);
  }

  /** The hold, or null when the id is malformed or unknown, or names a hold of a user the caller may not see. */
  async findById(rawId: string, sees: SeesAccount): Promise<HoldState | null> {
    return (await this.visibleHold(rawId, sees)) ?? null;
  }

  /** The user's holds, newest first (keyset pagination on id), optionally of one status. */
  async page(
    userId: number,
    first: number | null | undefined,
    after: string | null | undefined,
    status: HoldStatus | null | undefined,
  ): Promise<HoldConnection> {
    const size = pageSize(first);
    const afterId = decodeCursor(after);
    const holds = await this.store.page(userId, afterId, size + 1, status ?? undefined);
    const edges = holds.slice(0, size).map((node) => ({ cursor: encodeCursor(node.id), node }));
    return { edges, pageInfo: PageInfo.of(edges, holds.length > size, afterId !== undefined) };
  }

  /**
   * The hold an ending names, read once here for its user and payee (they never change; the hold itself is read
   * again in the lane), or undefined: a hold the caller may not see is no hold, as one that does not exist.
   */
  private async visibleHold(rawHoldId: string, sees: SeesAccount): Promise<HoldState | undefined> {
    const id = parseHoldId(rawHoldId);
    const hold = id === undefined ? undefined : await this.store.findById(id);
    return hold && sees(hold.userId) ? hold : undefined;
  }
}
