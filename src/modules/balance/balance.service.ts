import type { Config } from '../../config.js';
import type { Sql } from '../../db/sql.js';
import type { Logger } from '../../logger.js';
import { parseUserId } from '../common/user-id.js';
import { checkText } from '../common/text.js';
import { LedgerEntryKind } from '../ledger/ledger-entry.entity.js';
import { randomUUID } from 'node:crypto';
import { SelfTransfer, type TransferResult } from '../transfers/transfer.types.js';
import type { OperationResult } from './balance.answers.js';
import type { BalanceOperation } from './balance.decide.js';
import { BalanceStore } from './balance.store.js';
import { keyOfRequest, type ClientKey, type IdempotencyKey } from './idempotency.js';
import { InvalidAmount, UserNotFound, UserSide, type UpdateBalanceResult } from './balance.types.js';
import { BatchWriter, type BalanceStats, type BatchObserver } from './balance.writer.js';
import { RoundQueue } from './round-queue.js';

export type { BalanceStats, BatchObserver } from './balance.writer.js';

const MAX_REASON_LENGTH = 1000;
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export interface BalanceServiceOptions {
  /** Most operations of one user in one round. */
  maxBatchSize: number;
  /** Most operations in one round (one transaction), over all its users. */
  maxRoundOperations: number;
  /** Rounds in flight at once, each on its own connection. */
  maxConcurrentRounds: number;
  /** Attempts per batch; the last one takes a row lock, so it cannot lose a race. */
  maxAttempts: number;
  /** Users whose last committed state is remembered, to skip the read before a write. */
  stateCacheSize: number;
}

/** The service's settings from the configuration. */
export function balanceServiceOptions(config: Config): BalanceServiceOptions {
  return {
    maxBatchSize: config.batchMaxSize,
    maxRoundOperations: config.roundMaxOperations,
    maxConcurrentRounds: config.roundConcurrency,
    maxAttempts: config.batchMaxAttempts,
    stateCacheSize: config.stateCacheSize,
  };
}

/**
 * Every balance change goes through here: arguments are checked, then the operation joins its user's lane.
 * Requests for one user queue in that lane; the lanes that are ready are written together, a round (one
 * transaction) at a time, by the BatchWriter.
 */
export class BalanceService {
  private readonly writer: BatchWriter;
  private readonly lanes: RoundQueue<BalanceOperation, OperationResult>;

  constructor(sql: Sql, options: BalanceServiceOptions, logger: Logger) {
    this.writer = new BatchWriter(new BalanceStore(sql), options, logger);
    this.lanes = new RoundQueue((round) => this.writer.write(round), {
      maxBatchSize: options.maxBatchSize,
      maxRoundOperations: options.maxRoundOperations,
      maxConcurrentRounds: options.maxConcurrentRounds,
      lockedAttempt: options.maxAttempts,
      // A transfer changes its payee's row too: its round locks both rows (in id order) before deciding. A hold
      // operation is decided against its hold, read under its user's row lock.
      needsLock: (op) => op.transfer !== undefined || op.hold !== undefined,
    });
  }

  /** Adds (positive) or takes away (negative) `amount`. */
  updateBalance(rawUserId: string, amount: number, key: ClientKey | null = null): Promise<UpdateBalanceResult> {
    if (!Number.isSafeInteger(amount) || amount === 0) {
      return this.refuse(rawUserId, new InvalidAmount(amount, 'The amount must be a non-zero whole number'));
    }
    const kind = LedgerEntryKind.UPDATE;
    return this.submit(rawUserId, kind, amount, null, keyOfRequest(key, kind, [amount]));
  }

  deposit(rawUserId: string, amount: number, key: ClientKey | null = null): Promise<UpdateBalanceResult> {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      return this.refuse(rawUserId, new InvalidAmount(amount, 'A deposit must be a positive whole number'));
    }
    const kind = LedgerEntryKind.DEPOSIT;
    return this.submit(rawUserId, kind, amount, null, keyOfRequest(key, kind, [amount]));
  }

  withdraw(rawUserId: string, amount: number, key: ClientKey | null = null): Promise<UpdateBalanceResult> {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      return this.refuse(rawUserId, new InvalidAmount(amount, 'A withdrawal must be a positive whole number'));
    }
    const kind = LedgerEntryKind.WITHDRAWAL;
    return this.submit(rawUserId, kind, -amount, null, keyOfRequest(key, kind, [amount]));
  }

  /** Sets the balance to 0 (the ledger records the actual change). */
  resetBalance(rawUserId: string, key: ClientKey | null = null): Promise<UpdateBalanceResult> {
    const kind = LedgerEntryKind.RESET;
    return this.submit(rawUserId, kind, 0, null, keyOfRequest(key, kind, []));
  }

  /** Sets an absolute balance, e.g. from an external source of truth; `reason` is kept in the ledger. */
  setBalance(
    rawUserId: string,
    balance: number,
    reason: string | null,
    key: ClientKey | null = null,
  ): Promise<UpdateBalanceResult> {
    if (!Number.isSafeInteger(balance) || balance < 0) {
      return this.refuse(rawUserId, new InvalidAmount(balance, 'A balance must be a whole number of at least 0'));
    }
    const kind = LedgerEntryKind.SET;
    return this.submit(rawUserId, kind, balance, reason, keyOfRequest(key, kind, [balance, reason]));
  }

  /**
   * Moves `amount` from one user to another, both sides in one transaction: the payer's TRANSFER_OUT and the
   * payee's TRANSFER_IN entries share a transfer id and name each other. Queued in the payer's lane (its
   * balance decides); the idempotency key is the payer's.
   */
  async transfer(
    rawFromUserId: string,
    rawToUserId: string,
    amount: number,
    key: ClientKey | null = null,
    reason: string | null = null,
  ): Promise<TransferResult> {
    const from = parseUserId(rawFromUserId);
    if (from === undefined) return new UserNotFound(rawFromUserId, UserSide.PAYER);
    const to = parseUserId(rawToUserId);
    if (to === undefined) return new UserNotFound(rawToUserId, UserSide.PAYEE);
    if (from === to) return new SelfTransfer(String(from));
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      return new InvalidAmount(amount, 'A transfer must be a positive whole number');
    }
    const invalid = this.checkTexts(key?.text ?? null, reason);
    if (invalid) return invalid;
    const kind = LedgerEntryKind.TRANSFER_OUT;
    const transfer = { payee: to, transferId: randomUUID() };
    return (await this.lanes.submit(from, {
      kind,
      value: -amount,
      reason,
      idempotencyKey: keyOfRequest(key, kind, [to, amount, reason]),
      transfer,
    })) as TransferResult;
  }

  /** The daily grant: `amount` once per user and UTC day, whoever runs it and however often. */
  grant(userId: number, amount: number, day: string): Promise<UpdateBalanceResult> {
    return this.lanes.submit(userId, {
      kind: LedgerEntryKind.GRANT,
      value: amount,
      reason: null,
      idempotencyKey: { text: grantKey(day), space: 'system', request: null },
    }) as Promise<UpdateBalanceResult>;
  }

  /**
   * Queues an operation checked by its feature's service (the holds') in the user's lane; `reason` and
   * `idempotencyKey` are checked here as for every operation.
   */
  enqueue(userId: number, op: BalanceOperation): Promise<OperationResult> {
    const invalid = this.checkTexts(op.idempotencyKey?.text ?? null, op.reason);
    if (invalid) return Promise.resolve(invalid);
    return this.lanes.submit(userId, op);
  }

  /** Checks what a client sent, then queues it in the user's lane. */
  private submit(
    rawUserId: string,
    kind: LedgerEntryKind,
    value: number,
    reason: string | null,
    idempotencyKey: IdempotencyKey | null,
  ): Promise<UpdateBalanceResult> {
    const userId = parseUserId(rawUserId);
    if (userId === undefined) return Promise.resolve(new UserNotFound(rawUserId));
    const invalid = this.checkTexts(idempotencyKey?.text ?? null, reason);
    if (invalid) return Promise.resolve(invalid);
    return this.lanes.submit(userId, { kind, value, reason, idempotencyKey }) as Promise<UpdateBalanceResult>;
  }

  /** Checked before the lane: text the database cannot store as sent would fail (or, worse, mismatch) in a batch. */
  private checkTexts(idempotencyKey: string | null, reason: string | null) {
    return (
      checkText('idempotencyKey', idempotencyKey, MAX_IDEMPOTENCY_KEY_LENGTH, 1) ??
      checkText('reason', reason, MAX_REASON_LENGTH)
    );
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
 * The daily grant's idempotency key for `day` (YYYY-MM-DD). It lives in the system key space, apart from every
 * caller's keys: a client using the same text blocks nothing.
 */
export function grantKey(day: string): string {
  return `grant:${day}`;
}
