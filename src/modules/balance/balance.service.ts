import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.js';
import { keyExpectingVersion, keyOfRequest, type ClientKey } from '../../core/idempotency.js';
import { LedgerEntryKind } from '../../core/ledger.js';
import type { Operation } from '../../core/operations.js';
import type { Outcome } from '../../core/outcomes.js';
import type { Item } from '../../core/sequence.js';
import { invalidAmount, invalidInput, selfTransfer, userNotFound, type Refusal } from '../../core/refusals.js';
import type {
  BalanceEngine,
  BalanceStats,
  BatchAnswer,
  BatchKey,
  BatchObserver,
  EngineOptions,
} from '../../engine/engine.js';
import { checkText } from '../common/text.js';
import { parseUserId } from '../common/user-id.js';

export type { BalanceStats, BatchObserver } from '../../engine/engine.js';

const MAX_REASON_LENGTH = 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

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

/** An operation ready for its lane (its arguments checked), or why it was refused before it got there. */
export type Prepared = Item | Refusal;

export const isRefused = (prepared: Prepared): prepared is Refusal => 'type' in prepared;

/** The version a request expects its account at (compare-and-set); null or undefined: none. */
export type Expected = number | null | undefined;

/**
 * The balance operations as the API sends them: each is prepared (arguments checked, refusals as values, the
 * operation made with its idempotency key), then applied in its user's lane, or as an item of a batch.
 */
export class BalanceService {
  constructor(private readonly engine: BalanceEngine<unknown>) {}

  /** Adds (positive) or takes away (negative) `amount`. */
  updateBalance(
    rawUserId: string,
    amount: number,
    key: ClientKey | null = null,
    expected?: Expected,
  ): Promise<Outcome> {
    return this.run(this.expecting(this.prepareUpdate(rawUserId, amount, key), expected));
  }

  deposit(rawUserId: string, amount: number, key: ClientKey | null = null, expected?: Expected): Promise<Outcome> {
    return this.run(this.expecting(this.prepareDeposit(rawUserId, amount, key), expected));
  }

  withdraw(rawUserId: string, amount: number, key: ClientKey | null = null, expected?: Expected): Promise<Outcome> {
    return this.run(this.expecting(this.prepareWithdraw(rawUserId, amount, key), expected));
  }

  /** Sets the balance to 0 (the ledger records the actual change). */
  resetBalance(rawUserId: string, key: ClientKey | null = null, expected?: Expected): Promise<Outcome> {
    return this.run(this.expecting(this.prepareReset(rawUserId, key), expected));
  }

  /** Sets an absolute balance, e.g. from an external source of truth; `reason` is kept in the ledger. */
  setBalance(
    rawUserId: string,
    balance: number,
    reason: string | null,
    key: ClientKey | null = null,
    expected?: Expected,
  ): Promise<Outcome> {
    return this.run(this.expecting(this.prepareSet(rawUserId, balance, reason, key), expected));
  }

  /**
   * Moves `amount` from one user to another, both sides in one transaction: the payer's TRANSFER_OUT and the
   * payee's TRANSFER_IN entries share a transfer id and name each other. Applied in the payer's lane (its
   * balance decides); the idempotency key is a key of the payer's account.
   */
  transfer(
    rawFromUserId: string,
    rawToUserId: string,
    amount: number,
    key: ClientKey | null = null,
    reason: string | null = null,
    expected?: Expected,
  ): Promise<Outcome> {
    return this.run(this.expecting(this.prepareTransfer(rawFromUserId, rawToUserId, amount, key, reason), expected));
  }

  prepareUpdate(rawUserId: string, amount: number, key: ClientKey | null): Prepared {
    if (!Number.isSafeInteger(amount) || amount === 0) {
      return this.refuse(rawUserId, invalidAmount(amount, 'The amount must be a non-zero whole number'));
    }
    return this.item(rawUserId, { kind: 'adjust', amount, idempotencyKey: this.key(key, 'UPDATE', [amount]) });
  }

  prepareDeposit(rawUserId: string, amount: number, key: ClientKey | null): Prepared {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      return this.refuse(rawUserId, invalidAmount(amount, 'A deposit must be a positive whole number'));
    }
    return this.item(rawUserId, { kind: 'deposit', amount, idempotencyKey: this.key(key, 'DEPOSIT', [amount]) });
  }

  prepareWithdraw(rawUserId: string, amount: number, key: ClientKey | null): Prepared {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      return this.refuse(rawUserId, invalidAmount(amount, 'A withdrawal must be a positive whole number'));
    }
    return this.item(rawUserId, { kind: 'withdraw', amount, idempotencyKey: this.key(key, 'WITHDRAWAL', [amount]) });
  }

  prepareReset(rawUserId: string, key: ClientKey | null): Prepared {
    return this.item(rawUserId, { kind: 'reset', idempotencyKey: this.key(key, 'RESET', []) });
  }

  prepareSet(rawUserId: string, balance: number, reason: string | null, key: ClientKey | null): Prepared {
    if (!Number.isSafeInteger(balance) || balance < 0) {
      return this.refuse(rawUserId, invalidAmount(balance, 'A balance must be a whole number of at least 0'));
    }
    const idempotencyKey = this.key(key, 'SET', [balance, reason]);
    return this.item(rawUserId, { kind: 'set', balance, reason, idempotencyKey });
  }

  prepareTransfer(
    rawFromUserId: string,
    rawToUserId: string,
    amount: number,
    key: ClientKey | null,
    reason: string | null,
  ): Prepared {
    const from = parseUserId(rawFromUserId);
    if (from === undefined) return userNotFound(rawFromUserId, 'PAYER');
    const to = parseUserId(rawToUserId);
    if (to === undefined) return userNotFound(rawToUserId, 'PAYEE');
    if (from === to) return selfTransfer(String(from));
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      return invalidAmount(amount, 'A transfer must be a positive whole number');
    }
    const idempotencyKey = this.key(key, 'TRANSFER_OUT', [to, amount, reason]);
    return this.checked(from, {
      kind: 'transfer',
      payee: to,
      amount,
      reason,
      transferId: randomUUID(),
      idempotencyKey,
    });
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
   * `prepared`, applied only if its account (the payer's, the hold's) is at version `expected` when it is decided
   * (compare-and-set: VersionMismatch otherwise); null or undefined: whatever the version. Part of the request
   * under its idempotency key.
   */
  expecting(prepared: Prepared, expected: Expected): Prepared {
    if (expected === null || expected === undefined || isRefused(prepared)) return prepared;
    if (!Number.isSafeInteger(expected) || expected < 0) {
      return invalidInput('expectedVersion', 'An expected version is a whole number of at least 0');
    }
    const { op } = prepared;
    const idempotencyKey = op.idempotencyKey && keyExpectingVersion(op.idempotencyKey, expected);
    return { ...prepared, op: { ...op, expectedVersion: expected, idempotencyKey } };
  }

  /** Applies a prepared operation in its user's lane (a refusal is answered at once). */
  run(prepared: Prepared): Promise<Outcome> {
    return isRefused(prepared) ? Promise.resolve(prepared) : this.engine.submit(prepared.userId, prepared.op);
  }

  /**
   * Applies prepared items in order, in one transaction (all of them, or with `atomic` none at a refusal); under a
   * key at most once.
   */
  runBatch(items: readonly Prepared[], atomic: boolean, key: BatchKey | null): Promise<BatchAnswer> {
    return this.engine.submitBatch(items, atomic, key);
  }

  /**
   * An operation of `userId` made by another feature's service (the holds'), with `reason` and the idempotency key
   * checked as for every operation.
   */
  checked(userId: number, op: Operation): Prepared {
    const reason = 'reason' in op ? op.reason : null;
    return this.checkTexts(op.idempotencyKey?.text ?? null, reason) ?? { userId, op };
  }

  /** The key of a request of `kind` (its parameters as sent), in the caller's key space. */
  private key(key: ClientKey | null, kind: keyof typeof LedgerEntryKind, parameters: (string | number | null)[]) {
    return keyOfRequest(key, LedgerEntryKind[kind], parameters);
  }

  /** The operation of the user `rawUserId` names, checked; UserNotFound for an id no user can have. */
  private item(rawUserId: string, op: Operation): Prepared {
    const userId = parseUserId(rawUserId);
    return userId === undefined ? userNotFound(rawUserId) : this.checked(userId, op);
  }

  /** Checked before the lane: text the database cannot store as sent would fail (or, worse, mismatch) in a batch. */
  private checkTexts(idempotencyKey: string | null, reason: string | null) {
    return (
      checkText('idempotencyKey', idempotencyKey, MAX_IDEMPOTENCY_KEY_LENGTH, 1) ??
      checkText('reason', reason, MAX_REASON_LENGTH)
    );
  }

  /** A request refused before it reaches a lane; an unknown user still takes precedence, as in a lane. */
  private refuse(rawUserId: string, result: Refusal): Prepared {
    return parseUserId(rawUserId) === undefined ? userNotFound(rawUserId) : result;
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

  /** Operations waiting for a round: the balance path is saturated while it is above zero. */
  get waiting(): number {
    return this.engine.waiting;
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
