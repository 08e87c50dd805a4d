import type { RecordedAnswer, RefusalToRecord } from '../core/key-records.js';
import type { HoldState } from '../core/hold.js';
import { keyId } from '../core/idempotency.js';
import { debitOf } from '../core/rules.js';
import type { AccountRules, UserState } from '../core/user.js';
import type { BatchApplied, BatchRefused } from '../core/outcomes.js';
import type {
  BalanceStore,
  BatchKey,
  BatchToWrite,
  CreditToWrite,
  Failure,
  HoldToWrite,
  WrittenBatch,
} from '../engine/store.js';
import { CREDIT, LOAD, LOAD_LOCKED, RECORD_REFUSALS, SELECT_RECORDED, WRITE } from './balance.statements.js';
import { isDatabaseUnavailable, isTransientConflict, isUniqueViolation } from './errors.js';
import { LOAD_HOLDS, NEW_HOLD_IDS, WRITE_HOLDS } from './hold.statements.js';
import {
  refusalOf,
  toHoldState,
  toRecordedAnswer,
  toUserState,
  type HoldRow,
  type RecordedRow,
  type UserRow,
} from './rows.js';
import type { Sql, Tx } from './sql.js';

interface ChangedRow {
  id: number;
  balance: string;
  held: string;
  version: number;
  updated_ms: number;
}

function changed(before: UserState, row: ChangedRow): UserState {
  return {
    ...before,
    balance: Number(row.balance),
    held: Number(row.held),
    version: row.version,
    updatedAt: new Date(row.updated_ms),
  };
}

/** A guarded batch's user as the write returns it: what the batch changed. */
type ChangedByBatch = [number, string, string, number, number, string, string | null];

/** The user after a guarded batch: the state it was decided against, with what the write changed. */
function afterBatch(
  batch: BatchToWrite,
  rules: AccountRules | null,
  [, balance, held, version, updatedMs, debited, countedOn]: ChangedByBatch,
) {
  return {
    ...batch.expected!,
    ...rules,
    balance: Number(balance),
    held: Number(held),
    version,
    debitedToday: Number(debited),
    countedOn,
    updatedAt: new Date(updatedMs),
  };
}

/** Whether a write failed because one of its idempotency keys is recorded for the user already. */
function isKeyTaken(error: unknown): boolean {
  return isUniqueViolation(error, 'ledger_entries_key_space_unique') || isUniqueViolation(error, 'batches_pkey');
}

/** The balance path's storage on PostgreSQL: the engine's store; every statement runs in the caller's transaction. */
export class SqlBalanceStore implements BalanceStore<Tx> {
  constructor(private readonly sql: Sql) {}

  classify(error: unknown): Failure {
    if (isDatabaseUnavailable(error)) return 'unavailable';
    if (isTransientConflict(error)) return 'conflict';
    return isKeyTaken(error) ? 'key-taken' : 'other';
  }

  /** Runs `work` in one MikroORM transaction. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.sql.transaction(work);
  }

  /** The users among `userIds` that exist, by id; with `forUpdate`, row-locked (in id order) until the end. */
  async load(tx: Tx, userIds: readonly number[], forUpdate = false): Promise<Map<number, UserState>> {
    const statement = forUpdate ? LOAD_LOCKED : LOAD;
    const rows = await this.sql.rows<UserRow>(statement.call([JSON.stringify(userIds)]), [], tx);
    return new Map(rows.map((row) => [row.id, toUserState(row)]));
  }

  /**
   * Writes every batch whose user is still at its `expected` balance and version (or, relative, stays in range);
   * returns what was written, by user id. A user missing from the answer had nothing written. Throws what `isKeyTaken`
   * recognises when an idempotency key is recorded already (the transaction is then aborted).
   */
  async write(tx: Tx, batches: readonly BatchToWrite[]): Promise<Map<number, WrittenBatch>> {
    const users: unknown[] = [];
    const entries: unknown[] = [];
    /** Per user: its batch, and the rules it leaves (null: unchanged). */
    const byUser = new Map<number, { batch: BatchToWrite; rules: AccountRules | null }>();
    // One pass per batch: each entry's offsets from the batch's start, the lowest and highest running offset, the
    // debits, and the rules the batch leaves (if it changes them).
    for (const b of batches) {
      const start = b.expected?.balance ?? 0;
      const startHeld = b.expected?.held ?? 0;
      let [lowest, highest, debits, offset, heldOffset] = [0, 0, 0, 0, 0];
      let rules: AccountRules | null = null;
      for (const e of b.entries) {
        offset = e.balanceAfter - start;
        heldOffset = e.heldAfter - startHeld;
        if (offset < lowest) lowest = offset;
        if (offset > highest) highest = offset;
        debits += debitOf(e.kind, e.amount);
        if (e.rules) rules = e.rules.after;
        entries.push([
          b.userId,
          e.amount,
          offset,
          e.kind,
          e.reason,
          e.idempotencyKey?.text ?? null,
          e.transfer?.counterparty ?? null,
          e.transfer?.transferId ?? null,
          heldOffset,
          e.hold?.id ?? null,
          e.idempotencyKey?.space ?? null,
          e.idempotencyKey?.request ?? null,
          e.rules ? { ...e.rules.after, actor: e.rules.actor } : null,
        ]);
      }
      byUser.set(b.userId, { batch: b, rules });
      users.push([
        b.userId,
        b.expected?.balance ?? null,
        b.expected?.version ?? null,
        offset,
        b.entries.length,
        lowest,
        highest,
        heldOffset,
        debits,
        rules,
        b.expected?.countedOn ?? null,
      ]);
    }
    const [answer] = await this.sql.rows<{ users: (UserRow | ChangedByBatch)[]; entries: [number, number][] }>(
      WRITE.call([JSON.stringify(users), JSON.stringify(entries)]),
      [],
      tx,
    );
    const written = new Map<number, WrittenBatch>(
      answer!.users.map((row) => {
        const guarded = Array.isArray(row) && byUser.get(row[0])!;
        const state = guarded
          ? afterBatch(guarded.batch, guarded.rules, row as ChangedByBatch)
          : toUserState(row as UserRow);
        return [state.id, { state, entryIds: [] }];
      }),
    );
    // In id order, which is each user's order in the batch.
    for (const [userId, id] of answer!.entries) written.get(userId)!.entryIds.push(String(id));
    return written;
  }

  /**
   * Credits the payees of transfers whose payer entries are written in this transaction, with every payee row
   * locked already (`payees`: as read under that lock). Returns, per transfer id, the payee right after its
   * credit and the credit's entry id.
   */
  async credit(
    tx: Tx,
    credits: readonly CreditToWrite[],
    payees: ReadonlyMap<number, UserState>,
  ): Promise<Map<string, { payee: UserState; entryId: string }>> {
    const rows = await this.sql.rows<{
      id: number;
      held: string;
      updated_ms: number;
      transfer_id: string;
      entry_id: string;
      balance_after: string;
      version_after: number;
    }>(CREDIT.call([JSON.stringify(credits.map((c) => [c.payee, c.amount, c.payer, c.transferId]))]), [], tx);
    return new Map(
      rows.map((row) => [
        row.transfer_id,
        {
          payee: changed(payees.get(row.id)!, {
            id: row.id,
            balance: row.balance_after,
            held: row.held,
            version: row.version_after,
            updated_ms: row.updated_ms,
          }),
          entryId: String(row.entry_id),
        },
      ]),
    );
  }

  /** What was recorded under the given key texts (in every key space): entries and refusals, by user id and key id. */
  async findRecorded(
    tx: Tx,
    keys: readonly { userId: number; key: string }[],
  ): Promise<Map<number, Map<string, RecordedAnswer>>> {
    const rows = await this.sql.rows<RecordedRow>(
      SELECT_RECORDED.call([JSON.stringify(keys.map((k) => [k.userId, k.key]))]),
      [],
      tx,
    );
    const byUser = new Map<number, Map<string, RecordedAnswer>>();
    for (const row of rows) {
      let recorded = byUser.get(row.user_id);
      if (!recorded) byUser.set(row.user_id, (recorded = new Map()));
      recorded.set(keyId(row.key_space, row.idempotency_key), toRecordedAnswer(row));
    }
    return byUser;
  }

  async recordRefusals(tx: Tx, refusals: readonly (RefusalToRecord & { userId: number })[]): Promise<void> {
    if (refusals.length === 0) return;
    const rows = refusals.map((r) => [r.userId, r.key.space, r.key.text, r.key.request, r.refusal]);
    await this.sql.rows(RECORD_REFUSALS.call([JSON.stringify(rows)]), [], tx);
  }

  async findBatch(
    tx: Tx,
    key: BatchKey,
  ): Promise<{ request: string | null; answer: BatchApplied | BatchRefused } | undefined> {
    const [row] = await this.sql.rows<{ request_digest: string; answer: BatchApplied | BatchRefused }>(
      `select request_digest, answer from batches where key_space = ? and owner_id = ? and idempotency_key = ?`,
      [key.space, key.owner, key.text],
      tx,
    );
    if (!row) return undefined;
    const results = row.answer.results.map((result) => (result.type === 'HoldExpired' ? refusalOf(result) : result));
    return { request: row.request_digest, answer: { ...row.answer, results } };
  }

  async recordBatch(tx: Tx, key: BatchKey, answer: BatchApplied | BatchRefused): Promise<void> {
    await this.sql.rows(
      `insert into batches (key_space, owner_id, idempotency_key, request_digest, answer) values (?, ?, ?, ?, ?)`,
      [key.space, key.owner, key.text, key.request, JSON.stringify(answer)],
      tx,
    );
  }

  /** The holds named by [user id, hold id] pairs, by hold id (read in a locked round: their users are locked). */
  async lockedHolds(tx: Tx, holds: readonly { userId: number; id: number }[]): Promise<Map<number, HoldState>> {
    if (holds.length === 0) return new Map();
    const rows = await this.sql.rows<HoldRow>(
      LOAD_HOLDS.call([JSON.stringify(holds.map((h) => [h.userId, h.id]))]),
      [],
      tx,
    );
    return new Map(rows.map((row) => [Number(row.id), toHoldState(row)]));
  }

  async newHoldIds(tx: Tx, count: number): Promise<number[]> {
    const rows = await this.sql.rows<{ id: string }>(NEW_HOLD_IDS.call([count]), [], tx);
    return rows.map((row) => Number(row.id));
  }

  /**
   * Writes the holds side of hold entries written in this transaction: new holds, and endings of open ones.
   * Returns every hold written, by id; throws (aborting the transaction) if a hold to end was not open.
   */
  async writeHolds(tx: Tx, holds: readonly HoldToWrite[]): Promise<Map<number, HoldState>> {
    if (holds.length === 0) return new Map();
    const made = holds.flatMap((h) =>
      'made' in h
        ? [[h.made.id, h.made.userId, h.made.payee, h.made.amount, h.made.expiresInSeconds, h.reason, h.idempotencyKey]]
        : [],
    );
    const ended = holds.flatMap((h) =>
      'ended' in h ? [[h.ended.userId, h.ended.id, h.ended.status, h.ended.captured]] : [],
    );
    const rows = await this.sql.rows<HoldRow>(WRITE_HOLDS.call([JSON.stringify(made), JSON.stringify(ended)]), [], tx);
    if (rows.length !== holds.length) {
      throw new Error(`holds: ${holds.length} to write, ${rows.length} written (a hold to end was not open)`);
    }
    return new Map(rows.map((row) => [Number(row.id), toHoldState(row)]));
  }
}
