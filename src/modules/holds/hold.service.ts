import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/sql.js';
import type { BalanceService } from '../balance/balance.service.js';
import { InvalidAmount, UserNotFound, UserSide } from '../balance/balance.types.js';
import { InvalidInput } from '../common/errors.types.js';
import { decodeCursor, encodeCursor, PageInfo, pageSize } from '../common/connection.types.js';
import { parseUserId } from '../common/user-id.js';
import { LedgerEntryKind } from '../ledger/ledger-entry.entity.js';
import type { HoldState, HoldStatus } from './hold.entity.js';
import { HoldStore } from './hold.store.js';
import {
  HoldNotFound,
  type CaptureHoldResult,
  type HoldConnection,
  type HoldResult,
  type VoidHoldResult,
} from './hold.types.js';
import type { OperationResult } from '../balance/balance.answers.js';
import { keyOfRequest, type ClientKey } from '../balance/idempotency.js';

/** The longest a hold may last: a year and a day. */
export const MAX_HOLD_SECONDS = 366 * 24 * 60 * 60;

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
 * it is decided against the hold as read under the user's row lock (balance.decide).
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
  ): Promise<HoldResult> {
    const userId = parseUserId(rawUserId);
    if (userId === undefined) return Promise.resolve(new UserNotFound(rawUserId));
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      return Promise.resolve(new InvalidAmount(amount, 'A hold must be a positive whole number'));
    }
    if (!Number.isSafeInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_HOLD_SECONDS) {
      return Promise.resolve(
        new InvalidInput('expiresIn', `expiresIn must be a whole number of seconds from 1 to ${MAX_HOLD_SECONDS}`),
      );
    }
    let payee: number | null = null;
    if (rawPayeeId !== null) {
      const parsed = parseUserId(rawPayeeId);
      if (parsed === undefined) return Promise.resolve(new UserNotFound(rawPayeeId, UserSide.PAYEE));
      if (parsed === userId) return Promise.resolve(new InvalidInput('payeeId', 'A hold may not pay its own user'));
      payee = parsed;
    }
    const kind = LedgerEntryKind.HOLD;
    return this.balances.enqueue(userId, {
      kind,
      value: amount,
      reason,
      idempotencyKey: keyOfRequest(key, kind, [amount, expiresIn, reason, payee]),
      hold: { id: 0, expiresInSeconds: expiresIn, payee },
    }) as Promise<HoldResult>;
  }

  /** Takes `amount` of the hold (null: all of it), pays it to the hold's payee if it has one, releases the rest. */
  async captureHold(
    rawHoldId: string,
    amount: number | null,
    key: ClientKey | null,
    sees: SeesAccount,
  ): Promise<CaptureHoldResult> {
    if (amount !== null && (!Number.isSafeInteger(amount) || amount <= 0)) {
      return new InvalidAmount(amount, 'A capture must be a positive whole number (or omitted: all of the hold)');
    }
    // "All of it" (omitted) is another request than the same amount given: the hold may have changed between.
    return (await this.end(rawHoldId, LedgerEntryKind.CAPTURE, amount, key, sees)) as CaptureHoldResult;
  }

  /** Releases the whole hold. */
  async voidHold(rawHoldId: string, key: ClientKey | null, sees: SeesAccount): Promise<VoidHoldResult> {
    return (await this.end(rawHoldId, LedgerEntryKind.VOID, null, key, sees)) as VoidHoldResult;
  }

  /** Releases an expired hold (the sweeper); answered HoldExpired with `releasedNow` when this released it. */
  expire(userId: number, holdId: number): Promise<OperationResult> {
    return this.balances.enqueue(userId, {
      kind: LedgerEntryKind.EXPIRY,
      value: 0,
      reason: null,
      idempotencyKey: null,
      hold: { id: holdId },
    });
  }

  /** Open holds past their expiry, the longest expired first (for the sweeper). */
  expiredHolds(limit: number): Promise<{ userId: number; id: number }[]> {
    return this.store.expired(limit);
  }

  /** The hold, or null when the id is malformed or unknown, or names a hold of a user the caller may not see. */
  async findById(rawId: string, sees: SeesAccount): Promise<HoldState | null> {
    const id = parseHoldId(rawId);
    const hold = id === undefined ? undefined : await this.store.findById(id);
    return hold && sees(hold.userId) ? hold : null;
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
   * Ends a hold (`amount` as sent: null for a void, or a capture of all of it). The hold's user and payee never
   * change: read once here, the hold itself is read again in the lane. A hold the caller may not see answers
   * HoldNotFound, exactly as a hold that does not exist.
   */
  private async end(
    rawHoldId: string,
    kind: LedgerEntryKind,
    amount: number | null,
    key: ClientKey | null,
    sees: SeesAccount,
  ): Promise<OperationResult> {
    const id = parseHoldId(rawHoldId);
    const hold = id === undefined ? undefined : await this.store.findById(id);
    if (!hold || !sees(hold.userId)) return new HoldNotFound(rawHoldId);
    const paid = kind === LedgerEntryKind.CAPTURE && hold.payeeId !== null;
    return this.balances.enqueue(hold.userId, {
      kind,
      value: amount ?? 0,
      reason: null,
      idempotencyKey: keyOfRequest(key, kind, kind === LedgerEntryKind.CAPTURE ? [hold.id, amount] : [hold.id]),
      transfer: paid ? { payee: hold.payeeId!, transferId: randomUUID() } : undefined,
      hold: { id: hold.id },
    });
  }
}
