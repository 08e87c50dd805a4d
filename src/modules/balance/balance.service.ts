import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.js';
import { keyOfRequest, type ClientKey } from '../../core/idempotency.js';
import { LedgerEntryKind } from '../../core/ledger.js';
import type { Operation } from '../../core/operations.js';
import type { Outcome } from '../../core/outcomes.js';
import { invalidAmount, selfTransfer, userNotFound, type Refusal } from '../../core/refusals.js';
import type { BalanceEngine, BalanceStats, BatchObserver, EngineOptions } from '../../engine/engine.js';
import { checkText } from '../common/text.js';
import { parseUserId } from '../common/user-id.js';

export type { BalanceStats, BatchObserver } from '../../engine/engine.js';

const MAX_REASON_LENGTH = 1000;
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** The engine's settings from the configuration. */
export function engineOptions(config: Config): EngineOptions {
  return {
    maxBatchSize: config.batchMaxSize,
    maxRoundOperations: config.roundMaxOperations,
    maxConcurrentRounds: config.roundConcurrency,
    maxAttempts: config.batchMaxAttempts,
    stateCacheSize: config.stateCacheSize,
  };
}

/**
 * The balance operations as the API sends them: arguments checked (refusals as values), then each becomes an
 * operation of the engine, applied in its user's lane.
 */
export class BalanceService {
  constructor(private readonly engine: BalanceEngine<unknown>) {}

  /** Adds (positive) or takes away (negative) `amount`. */
  updateBalance(rawUserId: string, amount: number, key: ClientKey | null = null): Promise<Outcome> {
    if (!Number.isSafeInteger(amount) || amount === 0) {
      return this.refuse(rawUserId, invalidAmount(amount, 'The amount must be a non-zero whole number'));
    }
    return this.submit(rawUserId, { kind: 'adjust', amount, idempotencyKey: this.key(key, 'UPDATE', [amount]) });
  }

  deposit(rawUserId: string, amount: number, key: ClientKey | null = null): Promise<Outcome> {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      return this.refuse(rawUserId, invalidAmount(amount, 'A deposit must be a positive whole number'));
    }
    return this.submit(rawUserId, { kind: 'deposit', amount, idempotencyKey: this.key(key, 'DEPOSIT', [amount]) });
  }

  withdraw(rawUserId: string, amount: number, key: ClientKey | null = null): Promise<Outcome> {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      return this.refuse(rawUserId, invalidAmount(amount, 'A withdrawal must be a positive whole number'));
    }
    const idempotencyKey = this.key(key, 'WITHDRAWAL', [amount]);
    return this.submit(rawUserId, { kind: 'withdraw', amount, idempotencyKey });
  }

  /** Sets the balance to 0 (the ledger records the actual change). */
  resetBalance(rawUserId: string, key: ClientKey | null = null): Promise<Outcome> {
    return this.submit(rawUserId, { kind: 'reset', idempotencyKey: this.key(key, 'RESET', []) });
  }

  /** Sets an absolute balance, e.g. from an external source of truth; `reason` is kept in the ledger. */
  setBalance(
    rawUserId: string,
    balance: number,
    reason: string | null,
    key: ClientKey | null = null,
  ): Promise<Outcome> {
    if (!Number.isSafeInteger(balance) || balance < 0) {
      return this.refuse(rawUserId, invalidAmount(balance, 'A balance must be a whole number of at least 0'));
    }
    const idempotencyKey = this.key(key, 'SET', [balance, reason]);
    return this.submit(rawUserId, { kind: 'set', balance, reason, idempotencyKey });
  }

  /**
   * Moves `amount` from one user to another, both sides in one transaction: the payer's TRANSFER_OUT and the
   * payee's TRANSFER_IN entries share a transfer id and name each other. Applied in the payer's lane (its
   * balance decides); the idempotency key is a key of the payer's account.
   */
  async transfer(
    rawFromUserId: string,
    rawToUserId: string,
    amount: number,
    key: ClientKey | null = null,
    reason: string | null = null,
  ): Promise<Outcome> {
    const from = parseUserId(rawFromUserId);
    if (from === undefined) return userNotFound(rawFromUserId, 'PAYER');
    const to = parseUserId(rawToUserId);
    if (to === undefined) return userNotFound(rawToUserId, 'PAYEE');
    if (from === to) return selfTransfer(String(from));
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      return invalidAmount(amount, 'A transfer must be a positive whole number');
    }
    const idempotencyKey = this.key(key, 'TRANSFER_OUT', [to, amount, reason]);
    return this.apply(from, { kind: 'transfer', payee: to, amount, reason, transferId: randomUUID(), idempotencyKey });
  }

  /** The daily grant: `amount` once per user and UTC day, whoever runs it and however often. */
  grant(userId: number, amount: number, day: string): Promise<Outcome> {
    return this.engine.submit(userId, {
      kind: 'grant',
      amount,
      idempotencyKey: { text: grantKey(day), space: 'system', request: null },
    });
  }

  /**
   * Applies an operation made by another feature's service (the holds'); `reason` and the idempotency key are
   * checked here as for every operation.
   */
  apply(userId: number, op: Operation): Promise<Outcome> {
    const reason = 'reason' in op ? op.reason : null;
    const invalid = this.checkTexts(op.idempotencyKey?.text ?? null, reason);
    if (invalid) return Promise.resolve(invalid);
    return this.engine.submit(userId, op);
  }

  /** The key of a request of `kind` (its parameters as sent), in the caller's key space. */
  private key(key: ClientKey | null, kind: keyof typeof LedgerEntryKind, parameters: (string | number | null)[]) {
    return keyOfRequest(key, LedgerEntryKind[kind], parameters);
  }

  /** Checks what a client sent, then applies it in the user's lane. */
  private submit(rawUserId: string, op: Operation): Promise<Outcome> {
    const userId = parseUserId(rawUserId);
    return userId === undefined ? Promise.resolve(userNotFound(rawUserId)) : this.apply(userId, op);
  }

  /** Checked before the lane: text the database cannot store as sent would fail (or, worse, mismatch) in a batch. */
  private checkTexts(idempotencyKey: string | null, reason: string | null) {
    return (
      checkText('idempotencyKey', idempotencyKey, MAX_IDEMPOTENCY_KEY_LENGTH, 1) ??
      checkText('reason', reason, MAX_REASON_LENGTH)
    );
  }

  /** A request refused before it reaches a lane; an unknown user still takes precedence, as in a lane. */
  private refuse(rawUserId: string, result: Refusal): Promise<Outcome> {
    return Promise.resolve(parseUserId(rawUserId) === undefined ? userNotFound(rawUserId) : result);
  }

  observeBatches(observer: BatchObserver): void {
    this.engine.observeBatches(observer);
  }

  stats(): Readonly<BalanceStats> {
    return this.engine.stats();
  }

  get activeLanes(): number {
    return this.engine.activeLanes;
  }

  /** Resolves when every queued operation has been committed and answered. */
  whenIdle(): Promise<void> {
    return this.engine.whenIdle();
  }
}

/**
 * The daily grant's idempotency key for `day` (YYYY-MM-DD). It lives in the system key space, apart from every
 * caller's keys: a client using the same text blocks nothing.
 */
export function grantKey(day: string): string {
  return `grant:${day}`;
}
