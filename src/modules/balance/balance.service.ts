import type { Sql } from '../../db/sql.js';
import type { Logger } from '../../logger.js';
import { parseUserId } from '../common/user-id.js';
import { checkText } from '../common/text.js';
import { LedgerEntryKind } from '../ledger/ledger-entry.entity.js';
import type { BalanceOperation } from './balance.decide.js';
import { BalanceStore } from './balance.store.js';
import { InvalidAmount, UserNotFound, type UpdateBalanceResult } from './balance.types.js';
import { BatchWriter, type BalanceStats, type BatchObserver } from './balance.writer.js';
import { KeyedBatchQueue } from './keyed-batch-queue.js';

export type { BalanceStats, BatchObserver } from './balance.writer.js';

const MAX_REASON_LENGTH = 1000;
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export interface BalanceServiceOptions {
  /** Most operations decided in one transaction. */
  maxBatchSize: number;
  /** Attempts per batch; the last one takes a row lock, so it cannot lose a race. */
  maxAttempts: number;
  /** Users whose last committed state is remembered, to skip the read before a write. */
  stateCacheSize: number;
}

/**
 * Every balance change goes through here: arguments are checked, then the operation joins its user's lane.
 * Requests for one user queue in that lane and are written a batch at a time by the BatchWriter.
 */
export class BalanceService {
  private readonly writer: BatchWriter;
  private readonly lanes: KeyedBatchQueue<number, BalanceOperation, UpdateBalanceResult>;

  constructor(sql: Sql, options: BalanceServiceOptions, logger: Logger) {
    this.writer = new BatchWriter(new BalanceStore(sql), options, logger);
    this.lanes = new KeyedBatchQueue((userId, ops) => this.writer.write(userId, ops), options.maxBatchSize);
  }

  /** Adds (positive) or takes away (negative) `amount`. */
  updateBalance(rawUserId: string, amount: number, idempotencyKey: string | null = null): Promise<UpdateBalanceResult> {
    if (!Number.isSafeInteger(amount) || amount === 0) {
      return this.refuse(rawUserId, new InvalidAmount(amount, 'The amount must be a non-zero whole number'));
    }
    return this.submit(rawUserId, LedgerEntryKind.UPDATE, amount, null, idempotencyKey);
  }

  deposit(rawUserId: string, amount: number, idempotencyKey: string | null = null): Promise<UpdateBalanceResult> {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      return this.refuse(rawUserId, new InvalidAmount(amount, 'A deposit must be a positive whole number'));
    }
    return this.submit(rawUserId, LedgerEntryKind.DEPOSIT, amount, null, idempotencyKey);
  }

  withdraw(rawUserId: string, amount: number, idempotencyKey: string | null = null): Promise<UpdateBalanceResult> {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      return this.refuse(rawUserId, new InvalidAmount(amount, 'A withdrawal must be a positive whole number'));
    }
    return this.submit(rawUserId, LedgerEntryKind.WITHDRAWAL, -amount, null, idempotencyKey);
  }

  /** Sets the balance to 0 (the ledger records the actual change). */
  resetBalance(rawUserId: string, idempotencyKey: string | null = null): Promise<UpdateBalanceResult> {
    return this.submit(rawUserId, LedgerEntryKind.RESET, 0, null, idempotencyKey);
  }

  /** Sets an absolute balance, e.g. from an external source of truth; `reason` is kept in the ledger. */
  setBalance(
    rawUserId: string,
    balance: number,
    reason: string | null,
    idempotencyKey: string | null = null,
  ): Promise<UpdateBalanceResult> {
    if (!Number.isSafeInteger(balance) || balance < 0) {
      return this.refuse(rawUserId, new InvalidAmount(balance, 'A balance must be a whole number of at least 0'));
    }
    return this.submit(rawUserId, LedgerEntryKind.SET, balance, reason, idempotencyKey);
  }

  /** The daily grant: `amount` once per user and UTC day, whoever runs it and however often. */
  grant(userId: number, amount: number, day: string): Promise<UpdateBalanceResult> {
    return this.lanes.submit(userId, {
      kind: LedgerEntryKind.GRANT,
      value: amount,
      reason: null,
      idempotencyKey: grantKey(day),
    });
  }

  /** Checks what a client sent, then queues it in the user's lane. */
  private submit(
    rawUserId: string,
    kind: LedgerEntryKind,
    value: number,
    reason: string | null,
    idempotencyKey: string | null,
  ): Promise<UpdateBalanceResult> {
    const userId = parseUserId(rawUserId);
    if (userId === undefined) return Promise.resolve(new UserNotFound(rawUserId));
    // Checked before the lane: text the database cannot store as sent would fail (or, worse, mismatch) in a batch.
    const invalid =
      checkText('idempotencyKey', idempotencyKey, MAX_IDEMPOTENCY_KEY_LENGTH, 1) ??
      checkText('reason', reason, MAX_REASON_LENGTH);
    if (invalid) return Promise.resolve(invalid);
    return this.lanes.submit(userId, { kind, value, reason, idempotencyKey });
  }

  /** A request refused before it reaches a lane; an unknown user still takes precedence, as in a lane. */
  private refuse(rawUserId: string, result: UpdateBalanceResult): Promise<UpdateBalanceResult> {
    return Promise.resolve(parseUserId(rawUserId) === undefined ? new UserNotFound(rawUserId) : result);
  }

  observeBatches(observer: BatchObserver): void {
    this.writer.observeBatches(observer);
  }

  stats(): Readonly<BalanceStats> {
    return this.writer.stats();
  }

  get activeLanes(): number {
    return this.lanes.activeLanes;
  }

  /** Resolves when every queued operation has been committed and answered. */
  whenIdle(): Promise<void> {
    return this.lanes.whenIdle();
  }
}

/**
 * The daily grant's idempotency key for `day` (YYYY-MM-DD). It lives in the system key space (GRANT entries),
 * apart from every client's keys: a client using the same text blocks nothing.
 */
export function grantKey(day: string): string {
  return `grant:${day}`;
}
