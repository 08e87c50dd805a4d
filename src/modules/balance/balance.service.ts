import { setTimeout as delay } from 'node:timers/promises';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import { InvalidInput } from '../common/errors.types.js';
import { LedgerEntryKind } from '../ledger/ledger-entry.entity.js';
import { parseUserId } from '../users/user-id.js';
import type { UserState } from '../users/user.entity.js';
import { BalanceStore, type BatchConnection, type BatchWrite } from './balance.store.js';
import { BoundedCache } from './bounded-cache.js';
import { KeyedBatchQueue } from './keyed-batch-queue.js';
import {
  BalanceUpdated,
  ConcurrentUpdate,
  InsufficientFunds,
  InvalidAmount,
  MAX_BALANCE,
  UpdateBalanceResult,
  UserNotFound,
} from './balance.types.js';

const MAX_REASON_LENGTH = 1000;

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
}

/**
 * One requested change. Relative kinds add `value` (negative to take away); RESET and SET move the balance
 * to `value`, whatever it is when their turn comes.
 */
export interface BalanceOperation {
  kind: LedgerEntryKind;
  value: number;
  reason: string | null;
}

const ABSOLUTE = new Set<LedgerEntryKind>([LedgerEntryKind.RESET, LedgerEntryKind.SET]);

type Decision =
  { accepted: true; amount: number; balanceAfter: number } | { accepted: false; result: UpdateBalanceResult };

export interface BatchDecision {
  /** The balance after every accepted operation. */
  balance: number;
  decisions: Decision[];
  /** The accepted operations, ready to write. */
  write: BatchWrite;
}

/** Applies `ops` in order to `balance`: each accepted or rejected on its own. Pure, so easy to reason about. */
export function decideBatch(balance: number, ops: readonly BalanceOperation[]): BatchDecision {
  let running = balance;
  const write: BatchWrite = { amounts: [], balancesAfter: [], kinds: [], reasons: [] };
  const decisions = ops.map((op): Decision => {
    const amount = ABSOLUTE.has(op.kind) ? op.value - running : op.value;
    const next = running + amount;
    if (next < 0) return { accepted: false, result: new InsufficientFunds(running, -amount) };
    if (next > MAX_BALANCE) {
      return { accepted: false, result: new InvalidAmount(amount, `The balance may not exceed ${MAX_BALANCE}`) };
    }
    running = next;
    write.amounts.push(amount);
    write.balancesAfter.push(next);
    write.kinds.push(op.kind);
    write.reasons.push(op.reason);
    return { accepted: true, amount, balanceAfter: next };
  });
  return { balance: running, decisions, write };
}

function answers(decided: BatchDecision, state: UserState, entryIds: readonly string[]): UpdateBalanceResult[] {
  let entry = 0;
  return decided.decisions.map((decision) =>
    decision.accepted
      ? new BalanceUpdated(state, decision.amount, decision.balanceAfter, entryIds[entry++] as string)
      : decision.result,
  );
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
  private readonly counters: BalanceStats = { batches: 0, operations: 0, versionConflicts: 0, concurrentUpdates: 0 };

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
  updateBalance(rawUserId: string, amount: number): Promise<UpdateBalanceResult> {
    if (!Number.isSafeInteger(amount) || amount === 0) {
      return this.refuse(rawUserId, new InvalidAmount(amount, 'The amount must be a non-zero whole number'));
    }
    return this.submit(rawUserId, { kind: LedgerEntryKind.UPDATE, value: amount, reason: null });
  }

  deposit(rawUserId: string, amount: number): Promise<UpdateBalanceResult> {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      return this.refuse(rawUserId, new InvalidAmount(amount, 'A deposit must be a positive whole number'));
    }
    return this.submit(rawUserId, { kind: LedgerEntryKind.DEPOSIT, value: amount, reason: null });
  }

  withdraw(rawUserId: string, amount: number): Promise<UpdateBalanceResult> {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      return this.refuse(rawUserId, new InvalidAmount(amount, 'A withdrawal must be a positive whole number'));
    }
    return this.submit(rawUserId, { kind: LedgerEntryKind.WITHDRAWAL, value: -amount, reason: null });
  }

  /** Sets the balance to 0 (the ledger records the actual change). */
  resetBalance(rawUserId: string): Promise<UpdateBalanceResult> {
    return this.submit(rawUserId, { kind: LedgerEntryKind.RESET, value: 0, reason: null });
  }

  /** Sets an absolute balance, e.g. from an external source of truth; `reason` is kept in the ledger. */
  setBalance(rawUserId: string, balance: number, reason: string | null): Promise<UpdateBalanceResult> {
    if (!Number.isSafeInteger(balance) || balance < 0) {
      return this.refuse(rawUserId, new InvalidAmount(balance, 'A balance must be a whole number of at least 0'));
    }
    if (reason !== null && reason.length > MAX_REASON_LENGTH) {
      return this.refuse(
        rawUserId,
        new InvalidInput('reason', `The reason may have at most ${MAX_REASON_LENGTH} characters`),
      );
    }
    return this.submit(rawUserId, { kind: LedgerEntryKind.SET, value: balance, reason });
  }

  private submit(rawUserId: string, op: BalanceOperation): Promise<UpdateBalanceResult> {
    const userId = parseUserId(rawUserId);
    if (userId === undefined) return Promise.resolve(new UserNotFound(rawUserId));
    return this.lanes.submit(userId, op);
  }

  /** A request refused before it reaches a lane; an unknown user still takes precedence, as in a lane. */
  private refuse(rawUserId: string, result: UpdateBalanceResult): Promise<UpdateBalanceResult> {
    return Promise.resolve(parseUserId(rawUserId) === undefined ? new UserNotFound(rawUserId) : result);
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
    for (let attempt = 1; attempt < this.options.maxAttempts; attempt++) {
      const outcome = await this.store.withConnection((connection) => this.attempt(connection, userId, ops));
      if (outcome.results) return outcome.results;
      this.counters.versionConflicts++;
      // A stale memory is simply re-read; a lost race on fresh data backs off, jittered, so that racing
      // processes stop colliding in lockstep.
      if (!outcome.fromMemory) await delay(Math.random() * 2 ** attempt);
    }
    return this.applyLocked(userId, ops);
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
    const known = this.remembered.get(userId);
    const remembered = known && { state: known, decided: decideBatch(known.balance, ops) };
    const fromMemory = remembered !== undefined && remembered.decided.write.amounts.length > 0;
    let plan = fromMemory ? remembered : undefined;
    if (!plan) {
      // A rejection must rest on a fresh read: another process may have added funds since.
      const state = await this.store.load(userId, connection);
      this.remembered.set(userId, state);
      if (!state) return { results: ops.map(() => new UserNotFound(String(userId))), fromMemory };
      plan = { state, decided: decideBatch(state.balance, ops) };
      if (plan.decided.write.amounts.length === 0) return { results: answers(plan.decided, state, []), fromMemory };
    }
    const { state, decided } = plan;
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
      const decided = decideBatch(state.balance, ops);
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
