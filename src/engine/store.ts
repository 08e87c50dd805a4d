import type { EntryToWrite } from '../core/decide.js';
import type { RecordedAnswer, RefusalToRecord } from '../core/key-records.js';
import type { IdempotencyKey } from '../core/idempotency.js';
import type { BatchApplied, BatchRefused } from '../core/outcomes.js';
import type { HoldState, HoldStatus } from '../core/hold.js';
import type { UserState } from '../core/user.js';

// What the engine needs of storage, in its own terms: the engine owns this interface, a store implements it
// (src/db/balance-store.ts on PostgreSQL). `Tx` is the store's transaction, opaque to the engine.

/**
 * One user's batch. Decided (`expected` set): written only if the user still is exactly `expected`. Relative
 * (`expected` undefined, for a user the process knows nothing of): written only if every change keeps the
 * balance in range, i.e. if a decision against the row would accept them all. `entries[i].balanceAfter` is
 * then relative to the balance before the batch (0).
 */
export interface BatchToWrite {
  userId: number;
  expected?: UserState;
  entries: readonly EntryToWrite[];
}

/** What a committed batch wrote: the user after it, and the new entries' ids in the order of the batch. */
export interface WrittenBatch {
  state: UserState;
  entryIds: string[];
}

/** One transfer's credit to its payee. */
export interface CreditToWrite {
  payee: number;
  amount: number;
  payer: number;
  transferId: string;
}

/** A hold entry's effect on the holds: a new hold, or the ending of one. */
export type HoldToWrite =
  | {
      made: { id: number; userId: number; payee: number | null; amount: number; expiresInSeconds: number };
      reason: string | null;
      idempotencyKey: string | null;
    }
  | { ended: { userId: number; id: number; status: HoldStatus; captured: number | null } };

/** A batch's idempotency key: unique per key space and owner (a user's own batches, or 0: staff's). */
export interface BatchKey extends IdempotencyKey {
  owner: number;
}

/** What a failed transaction means to the engine. */
export type Failure =
  /** The database cannot be reached now: the round fails, its requests may be retried as they are. */
  | 'unavailable'
  /** A deadlock or serialization failure: the transaction may be run again. */
  | 'conflict'
  /** Another writer recorded one of the round's idempotency keys first: the round goes again (and finds it). */
  | 'key-taken'
  /** Anything else (a value the database refuses, ...): it may concern one operation only. */
  | 'other';

export interface BalanceStore<Tx> {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** The users among `userIds` that exist, by id; with `forUpdate`, row-locked in ascending id order. */
  load(tx: Tx, userIds: readonly number[], forUpdate?: boolean): Promise<Map<number, UserState>>;
  /**
   * Writes every batch whose user is still at its `expected` balance and version (or, relative, stays in range);
   * a user missing from the answer had nothing written. Locks rows in ascending id order.
   */
  write(tx: Tx, batches: readonly BatchToWrite[]): Promise<Map<number, WrittenBatch>>;
  /**
   * Credits the payees of transfers whose payer entries are written in this transaction, their rows locked
   * already (`payees`: as read under that lock). Per transfer id: the payee right after its credit, and its entry.
   */
  credit(
    tx: Tx,
    credits: readonly CreditToWrite[],
    payees: ReadonlyMap<number, UserState>,
  ): Promise<Map<string, { payee: UserState; entryId: string }>>;
  /**
   * What was recorded under the given idempotency key texts (in every key space): the entries written and the
   * refusals answered, by user id and key id.
   */
  findRecorded(
    tx: Tx,
    keys: readonly { userId: number; key: string }[],
  ): Promise<Map<number, Map<string, RecordedAnswer>>>;
  /** Records refusals under their keys, each on the account `userId` (whose row this transaction locked). */
  recordRefusals(tx: Tx, refusals: readonly (RefusalToRecord & { userId: number })[]): Promise<void>;
  /** The holds named by [user id, hold id] pairs, by hold id (their users' rows are locked). */
  lockedHolds(tx: Tx, holds: readonly { userId: number; id: number }[]): Promise<Map<number, HoldState>>;
  /** `count` fresh hold ids. */
  newHoldIds(tx: Tx, count: number): Promise<number[]>;
  /** Writes new holds and endings of open ones; throws (aborting the transaction) if a hold to end was not open. */
  writeHolds(tx: Tx, holds: readonly HoldToWrite[]): Promise<Map<number, HoldState>>;
  /** The batch recorded under `key`: the request it came with, and its answer (applied or refused). */
  findBatch(
    tx: Tx,
    key: BatchKey,
  ): Promise<{ request: string | null; answer: BatchApplied | BatchRefused } | undefined>;
  /** Records a batch's answer under `key` (a race lost to another writer is a 'key-taken' failure). */
  recordBatch(tx: Tx, key: BatchKey, answer: BatchApplied | BatchRefused): Promise<void>;
  /** What an error thrown by this store means. */
  classify(error: unknown): Failure;
}
