import { setTimeout as delay } from 'node:timers/promises';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import { InvalidInput } from '../common/errors.types.js';
import { LedgerEntryKind } from '../ledger/ledger-entry.entity.js';
import { parseUserId } from '../users/user-id.js';
import type { UserState } from '../users/user.entity.js';
import { BalanceStore, type BatchConnection, type BatchWrite, type RecordedEntry } from './balance.store.js';
import { BoundedCache } from '../common/bounded-cache.js';
import { KeyedBatchQueue } from './keyed-batch-queue.js';
import {
  BalanceUpdated,
  ConcurrentUpdate,
  IdempotencyKeyReused,
  InsufficientFunds,
  InvalidAmount,
  MAX_BALANCE,
  UpdateBalanceResult,
  UserNotFound,
} from './balance.types.js';

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

export interface BalanceStats {
  batches: number;
  operations: number;
  /** Batches that lost an optimistic version check and were retried. */
  versionConflicts: number;
  /** Operations answered with ConcurrentUpdate. */
  concurrentUpdates: number;
  /** Batches that failed with an error (database unreachable, ...); every request in them got that error. */
  failedBatches: number;
}

/** Called with the size of each batch as it starts (metrics). */
export type BatchObserver = (size: number) => void;

/**
 * One requested change. Relative kinds add `value` (negative to take away); RESET and SET move the balance
 * to `value`, whatever it is when their turn comes.
 */
export interface BalanceOperation {
  kind: LedgerEntryKind;
  value: number;
  reason: string | null;
  /** Makes the operation apply at most once per user; a repeat gets the first answer. */
  idempotencyKey: string | null;
}

const ABSOLUTE = new Set<LedgerEntryKind>([LedgerEntryKind.RESET, LedgerEntryKind.SET]);

type Decision =
  | { type: 'accepted'; amount: number; balanceAfter: number; entry: number }
  | { type: 'rejected'; result: UpdateBalanceResult }
  /** Repeats an idempotency key accepted earlier in the same batch. */
  | { type: 'repeat'; of: number }
  /** Repeats an idempotency key recorded in the ledger before. */
  | { type: 'recorded'; entry: RecordedEntry };

export interface BatchDecision {
  /** The balance after every accepted operation. */
  balance: number;
  decisions: Decision[];
  /** The accepted operations, ready to write. */
  write: BatchWrite;
}

function sameRequest(a: BalanceOperation, b: BalanceOperation): boolean {
  return a.kind === b.kind && a.value === b.value && a.reason === b.reason;
}

/** Whether a recorded entry is what `op` would have written (absolute kinds are recorded by their result). */
function recordedAs(op: BalanceOperation, entry: RecordedEntry): boolean {
  const value = ABSOLUTE.has(op.kind) ? entry.balanceAfter : entry.amount;
  return entry.kind === op.kind && value === op.value && entry.reason === op.reason;
}

/**
 * Applies `ops` in order to `balance`: each accepted or rejected on its own, and an idempotency key that is
 * already `recorded` (or accepted earlier in the batch) answered as the first time. Pure, so easy to reason about.
 */
export function decideBatch(
  balance: number,
  ops: readonly BalanceOperation[],
  recorded: ReadonlyMap<string, RecordedEntry> = new Map(),
): BatchDecision {
  let running = balance;
  const write: BatchWrite = { amounts: [], balancesAfter: [], kinds: [], reasons: [], idempotencyKeys: [] };
  const acceptedKeys = new Map<string, number>();
  const decisions = ops.map((op, index): Decision => {
    const key = op.idempotencyKey;
    if (key !== null) {
      const entry = recorded.get(key);
      if (entry) return recordedAs(op, entry) ? { type: 'recorded', entry } : reused(key);
      const earlier = acceptedKeys.get(key);
      if (earlier !== undefined) return sameRequest(op, ops[earlier]!) ? { type: 'repeat', of: earlier } : reused(key);
    }
    const amount = ABSOLUTE.has(op.kind) ? op.value - running : op.value;
    const next = running + amount;
    if (next < 0) return { type: 'rejected', result: new InsufficientFunds(running, -amount) };
    if (next > MAX_BALANCE) {
      return { type: 'rejected', result: new InvalidAmount(amount, `The balance may not exceed ${MAX_BALANCE}`) };
    }
    running = next;
    if (key !== null) acceptedKeys.set(key, index);
    write.amounts.push(amount);
    write.balancesAfter.push(next);
    write.kinds.push(op.kind);
    write.reasons.push(op.reason);
    write.idempotencyKeys.push(key);
    return { type: 'accepted', amount, balanceAfter: next, entry: write.amounts.length - 1 };
  });
  return { balance: running, decisions, write };
}

function reused(key: string): Decision {
  return { type: 'rejected', result: new IdempotencyKeyReused(key) };
}

function answers(decided: BatchDecision, state: UserState, entryIds: readonly string[]): UpdateBalanceResult[] {
  const results = decided.decisions.map((decision): UpdateBalanceResult | undefined => {
    switch (decision.type) {
      case 'accepted':
        return new BalanceUpdated(state, decision.amount, decision.balanceAfter, entryIds[decision.entry]!);
      case 'recorded':
        return new BalanceUpdated(state, decision.entry.amount, decision.entry.balanceAfter, decision.entry.id, true);
      case 'rejected':
        return decision.result;
      case 'repeat':
        return undefined;
    }
  });
  return decided.decisions.map((decision, i) => {
    if (decision.type !== 'repeat') return results[i]!;
    const first = results[decision.of] as BalanceUpdated;
    return new BalanceUpdated(first.user, first.amount, first.balance, first.entryId, true);
  });
}

function keysOf(ops: readonly BalanceOperation[]): string[] {
  return [...new Set(ops.flatMap((op) => (op.idempotencyKey === null ? [] : [op.idempotencyKey])))];
}

/**
 * Every balance change goes through here. Requests for one user queue in that user's lane; each batch is
 * decided in memory and written in one statement: the user row updated once under an optimistic version
 * check, one ledger row per accepted operation. The service remembers the state it last committed per user
 * (bounded LRU), so most batches skip the read; the version check makes that safe: when another process
 * wrote in between, the write matches no row and the batch is re-decided from a fresh read. The last attempt locks the row, so it
 * always ends with a business answer.
 */
export class BalanceService {
  private readonly store: BalanceStore;
  private readonly lanes: KeyedBatchQueue<number, BalanceOperation, UpdateBalanceResult>;
  /** Last committed state per user, as this process wrote or read it; possibly stale, never trusted blindly. */
  private readonly remembered: BoundedCache<number, UserState>;
  private readonly counters: BalanceStats = {
    batches: 0,
    operations: 0,
    versionConflicts: 0,
    concurrentUpdates: 0,
    failedBatches: 0,
  };
  private observer: BatchObserver | undefined;

  constructor(
    orm: Orm,
    private readonly options: BalanceServiceOptions,
    private readonly logger: Logger,
  ) {
    this.store = new BalanceStore(orm);
    this.remembered = new BoundedCache(options.stateCacheSize);
    this.lanes = new KeyedBatchQueue((userId, ops) => this.applyBatch(userId, ops), options.maxBatchSize);
  }

  /** Adds (positive) or takes away (negative) `amount`. */
  updateBalance(rawUserId: string, amount: number, idempotencyKey: string | null = null): Promise<UpdateBalanceResult> {
    if (!Number.isSafeInteger(amount) || amount === 0) {
      return this.refuse(rawUserId, new InvalidAmount(amount, 'The amount must be a non-zero whole number'));
    }
    return this.submit(rawUserId, { kind: LedgerEntryKind.UPDATE, value: amount, reason: null, idempotencyKey });
  }

  deposit(rawUserId: string, amount: number, idempotencyKey: string | null = null): Promise<UpdateBalanceResult> {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      return this.refuse(rawUserId, new InvalidAmount(amount, 'A deposit must be a positive whole number'));
    }
    return this.submit(rawUserId, { kind: LedgerEntryKind.DEPOSIT, value: amount, reason: null, idempotencyKey });
  }

  withdraw(rawUserId: string, amount: number, idempotencyKey: string | null = null): Promise<UpdateBalanceResult> {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      return this.refuse(rawUserId, new InvalidAmount(amount, 'A withdrawal must be a positive whole number'));
    }
    return this.submit(rawUserId, { kind: LedgerEntryKind.WITHDRAWAL, value: -amount, reason: null, idempotencyKey });
  }

  /** Sets the balance to 0 (the ledger records the actual change). */
  resetBalance(rawUserId: string, idempotencyKey: string | null = null): Promise<UpdateBalanceResult> {
    return this.submit(rawUserId, { kind: LedgerEntryKind.RESET, value: 0, reason: null, idempotencyKey });
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
    if (reason !== null && (reason.length > MAX_REASON_LENGTH || reason.includes('\u0000'))) {
      return this.refuse(
        rawUserId,
        new InvalidInput('reason', `The reason has at most ${MAX_REASON_LENGTH} characters, none of them NUL`),
      );
    }
    return this.submit(rawUserId, { kind: LedgerEntryKind.SET, value: balance, reason, idempotencyKey });
  }

  /** The daily grant: `amount` once per user and UTC day, whoever runs it and however often. */
  grant(userId: number, amount: number, day: string): Promise<UpdateBalanceResult> {
    return this.lanes.submit(userId, {
      kind: LedgerEntryKind.GRANT,
      value: amount,
      reason: null,
      idempotencyKey: `grant:${day}`,
    });
  }

  private submit(rawUserId: string, op: BalanceOperation): Promise<UpdateBalanceResult> {
    const userId = parseUserId(rawUserId);
    if (userId === undefined) return Promise.resolve(new UserNotFound(rawUserId));
    const key = op.idempotencyKey;
    // Checked before the lane: one unstorable key (PostgreSQL text cannot hold NUL) would fail its whole batch.
    if (key !== null && (key.length < 1 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || key.includes('\u0000'))) {
      const message = `An idempotency key has 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters, none of them NUL`;
      return Promise.resolve(new InvalidInput('idempotencyKey', message));
    }
    return this.lanes.submit(userId, op);
  }

  /** A request refused before it reaches a lane; an unknown user still takes precedence, as in a lane. */
  private refuse(rawUserId: string, result: UpdateBalanceResult): Promise<UpdateBalanceResult> {
    return Promise.resolve(parseUserId(rawUserId) === undefined ? new UserNotFound(rawUserId) : result);
  }

  observeBatches(observer: BatchObserver): void {
    this.observer = observer;
  }

  stats(): Readonly<BalanceStats> {
    return { ...this.counters };
  }

  get activeLanes(): number {
    return this.lanes.activeLanes;
  }

  /** Resolves when every queued operation has been committed and answered. */
  whenIdle(): Promise<void> {
    return this.lanes.whenIdle();
  }

  /** One batch for one user; only its lane may call this, so batches of one user never overlap. */
  private async applyBatch(userId: number, ops: readonly BalanceOperation[]): Promise<UpdateBalanceResult[]> {
    this.counters.batches++;
    this.counters.operations += ops.length;
    this.observer?.(ops.length);
    try {
      for (let attempt = 1; attempt < this.options.maxAttempts; attempt++) {
        const outcome = await this.store.withConnection((connection) => this.attempt(connection, userId, ops));
        if (outcome.results) return outcome.results;
        this.counters.versionConflicts++;
        // A stale memory is simply re-read; a lost race on fresh data backs off, jittered, so that racing
        // processes stop colliding in lockstep.
        if (!outcome.fromMemory) await delay(Math.random() * 2 ** attempt);
      }
      return await this.applyLocked(userId, ops);
    } catch (error) {
      // The write may or may not have committed (e.g. the connection died before the answer): forget what
      // we remember of this user, so the next batch starts from a fresh read. The error reaches every waiting
      // request; a client retrying with its idempotency key then gets exactly-once.
      this.remembered.set(userId, undefined);
      this.counters.failedBatches++;
      throw error;
    }
  }

  /**
   * One optimistic attempt on one connection: decide against the remembered state when that lets something
   * through, else against a fresh read, then write under the version check. No results means the version
   * check failed.
   */
  private async attempt(
    connection: BatchConnection,
    userId: number,
    ops: readonly BalanceOperation[],
  ): Promise<{ results?: UpdateBalanceResult[]; fromMemory: boolean }> {
    const keys = keysOf(ops);
    const recorded = keys.length > 0 ? await this.store.findRecorded(userId, keys, connection) : undefined;
    const known = this.remembered.get(userId);
    const remembered = known && { state: known, decided: decideBatch(known.balance, ops, recorded) };
    const fromMemory = remembered !== undefined && remembered.decided.write.amounts.length > 0;
    let plan = fromMemory ? remembered : undefined;
    if (!plan) {
      // A rejection must rest on a fresh read: another process may have added funds since.
      const state = await this.store.load(userId, connection);
      this.remembered.set(userId, state);
      if (!state) return { results: ops.map(() => new UserNotFound(String(userId))), fromMemory };
      plan = { state, decided: decideBatch(state.balance, ops, recorded) };
      if (plan.decided.write.amounts.length === 0) return { results: answers(plan.decided, state, []), fromMemory };
    }
    const { state, decided } = plan;
    // Undefined when another writer changed the user, or recorded one of our idempotency keys, in between.
    const written = await this.store.write(state, decided.balance, decided.write, connection);
    this.remembered.set(userId, written?.state);
    return { results: written && answers(decided, written.state, written.entryIds), fromMemory };
  }

  /** The last attempt: read with SELECT ... FOR UPDATE, so no other writer can get in between. */
  private async applyLocked(userId: number, ops: readonly BalanceOperation[]): Promise<UpdateBalanceResult[]> {
    const attempts = this.options.maxAttempts;
    return this.store.transaction(async (connection) => {
      const state = await this.store.load(userId, connection, true);
      if (!state) return ops.map(() => new UserNotFound(String(userId)));
      const keys = keysOf(ops);
      const recorded = keys.length > 0 ? await this.store.findRecorded(userId, keys, connection) : undefined;
      const decided = decideBatch(state.balance, ops, recorded);
      this.remembered.set(userId, state);
      if (decided.write.amounts.length === 0) return answers(decided, state, []);
      const written = await this.store.write(state, decided.balance, decided.write, connection);
      if (written) {
        this.remembered.set(userId, written.state);
        return answers(decided, written.state, written.entryIds);
      }
      // Only something bypassing the version (a trigger, a manual UPDATE) can get here.
      this.remembered.set(userId, undefined);
      this.counters.versionConflicts++;
      this.counters.concurrentUpdates += ops.length;
      this.logger.warn({ userId, attempts }, 'batch gave up: the row changed even under a row lock');
      return ops.map(() => new ConcurrentUpdate(String(userId), attempts));
    });
  }
}
