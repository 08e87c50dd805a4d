import { setTimeout as delay } from 'node:timers/promises';
import { LockMode, OptimisticLockError } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import { LedgerEntry } from '../ledger/ledger-entry.entity.js';
import { parseUserId } from '../users/user-id.js';
import { User } from '../users/user.entity.js';
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

export interface BalanceServiceOptions {
  /** Most operations decided in one transaction. */
  maxBatchSize: number;
  /** Attempts per batch; the last one takes a row lock, so it cannot lose a race. */
  maxAttempts: number;
}

export interface BalanceStats {
  batches: number;
  operations: number;
  /** Batches that lost an optimistic version check and were retried. */
  versionConflicts: number;
  /** Operations answered with ConcurrentUpdate. */
  concurrentUpdates: number;
}

type Decision =
  { accepted: true; amount: number; balanceAfter: number } | { accepted: false; result: UpdateBalanceResult };

/** Applies `amounts` in order to `balance`: each accepted or rejected on its own. Pure, so easy to reason about. */
export function decideBatch(balance: number, amounts: readonly number[]): { balance: number; decisions: Decision[] } {
  let running = balance;
  const decisions = amounts.map((amount): Decision => {
    const next = running + amount;
    if (next < 0) return { accepted: false, result: new InsufficientFunds(running, -amount) };
    if (next > MAX_BALANCE) {
      return { accepted: false, result: new InvalidAmount(amount, `The balance may not exceed ${MAX_BALANCE}`) };
    }
    running = next;
    return { accepted: true, amount, balanceAfter: next };
  });
  return { balance: running, decisions };
}

/**
 * Every balance change goes through here. Requests for one user queue in that user's lane; each batch is
 * decided and written in one transaction: one read, one versioned update, one ledger row per accepted
 * operation. The version check catches writers in other processes; the batch is then retried from a fresh
 * read, and the last attempt locks the row so it always ends with a business answer.
 */
export class BalanceService {
  private readonly lanes: KeyedBatchQueue<number, number, UpdateBalanceResult>;
  private readonly counters: BalanceStats = { batches: 0, operations: 0, versionConflicts: 0, concurrentUpdates: 0 };

  constructor(
    private readonly orm: Orm,
    private readonly options: BalanceServiceOptions,
    private readonly logger: Logger,
  ) {
    this.lanes = new KeyedBatchQueue((userId, amounts) => this.applyBatch(userId, amounts), options.maxBatchSize);
  }

  async updateBalance(rawUserId: string, amount: number): Promise<UpdateBalanceResult> {
    const userId = parseUserId(rawUserId);
    if (userId === undefined) return new UserNotFound(rawUserId);
    if (!Number.isSafeInteger(amount) || amount === 0) {
      return new InvalidAmount(amount, 'The amount must be a non-zero whole number');
    }
    return this.lanes.submit(userId, amount);
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

  private async applyBatch(userId: number, amounts: readonly number[]): Promise<UpdateBalanceResult[]> {
    this.counters.batches++;
    this.counters.operations += amounts.length;
    for (let attempt = 1; ; attempt++) {
      const lastAttempt = attempt >= this.options.maxAttempts;
      try {
        return await this.orm.em.fork().transactional((em) => this.decideAndWrite(em, userId, amounts, lastAttempt));
      } catch (error) {
        if (!(error instanceof OptimisticLockError)) throw error;
        this.counters.versionConflicts++;
        if (lastAttempt) {
          this.counters.concurrentUpdates += amounts.length;
          this.logger.warn({ userId, attempts: attempt }, 'batch gave up after repeated version conflicts');
          return amounts.map(() => new ConcurrentUpdate(String(userId), attempt));
        }
        // Jittered exponential backoff so that racing processes stop colliding in lockstep.
        await delay(Math.random() * 2 ** attempt);
      }
    }
  }

  private async decideAndWrite(
    em: EntityManager,
    userId: number,
    amounts: readonly number[],
    lockRow: boolean,
  ): Promise<UpdateBalanceResult[]> {
    const user = await em.findOne(User, userId, lockRow ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
    if (!user) return amounts.map(() => new UserNotFound(String(userId)));

    const { balance, decisions } = decideBatch(user.balance, amounts);
    const entries = decisions.map((decision) =>
      decision.accepted
        ? em.create(LedgerEntry, { user, amount: decision.amount, balanceAfter: decision.balanceAfter, kind: 'UPDATE' })
        : undefined,
    );
    if (entries.some(Boolean)) {
      user.balance = balance;
      // One flush: UPDATE users ... WHERE id = ? AND version = ? (OptimisticLockError on 0 rows) + INSERT entries.
      await em.flush();
    }
    return decisions.map((decision, i) =>
      decision.accepted
        ? new BalanceUpdated(user, decision.amount, decision.balanceAfter, (entries[i] as LedgerEntry).id)
        : decision.result,
    );
  }
}
