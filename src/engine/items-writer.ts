import { itemAnswers } from '../core/answers.js';
import type { HoldState } from '../core/hold.js';
import { holdEndedBy, payeeOf } from '../core/operations.js';
import { NOT_APPLIED, type BatchApplied, type BatchRefused, type NotApplied, type Outcome } from '../core/outcomes.js';
import { idempotencyKeyReused, type IdempotencyKeyReused, type Refusal } from '../core/refusals.js';
import { decideItems, type Item } from '../core/sequence.js';
import type { UserState } from '../core/user.js';
import { holdWrite } from './commit.js';
import type { BalanceStore, BatchKey } from './store.js';

/** Transactions PostgreSQL may still abort (deadlock, serialization, a key recorded meanwhile) before the batch fails. */
const ATTEMPTS = 3;

/** A batch's item: an operation ready for its account, or the refusal it got while being prepared. */
export type BatchItem = Item | Refusal;

const isItem = (item: BatchItem): item is Item => 'op' in item;

export type BatchAnswer = BatchApplied | BatchRefused | IdempotencyKeyReused;

/**
 * Writes a batch of items, across accounts, in one transaction: every row it touches (users, payees) locked in
 * ascending id order first (as every writer locks, so opposite batches and rounds never deadlock), its holds read
 * under those locks, the items decided in order (core/sequence.ts), then written with the rounds' statement, each
 * account guarded by the state it was locked at. Atomic: one refused item and nothing is written. Under a key, the
 * answer is recorded in the same transaction and a repeat of the same request replays it. `remember` gets each
 * account as the batch left it (the lanes' memory of this process).
 */
export class ItemsWriter<Tx> {
  constructor(
    private readonly store: BalanceStore<Tx>,
    private readonly remember: (userId: number, state: UserState | undefined) => void,
    /** Called for each transaction PostgreSQL aborted for a deadlock or serialization failure. */
    private readonly onConflict: () => void,
  ) {}

  async write(batch: readonly BatchItem[], atomic: boolean, key: BatchKey | null): Promise<BatchAnswer> {
    // Atomic with an item refused while being prepared: nothing to run. Under a key, the key is looked at first
    // (another request under a recorded key is IdempotencyKeyReused), and the refusal is recorded under it.
    const refusedFirst = atomic ? batch.findIndex((item) => !isItem(item)) : -1;
    const prepared = refusedFirst >= 0 ? refusedAt(refusedFirst, batch[refusedFirst] as Refusal, batch.length) : null;
    if (prepared && !key) return prepared;
    const items = batch.filter(isItem);
    for (let attempt = 1; ; attempt++) {
      try {
        const { answer, states } = await this.store.transaction((tx) =>
          this.attempt(tx, batch, items, atomic, key, prepared),
        );
        for (const [userId, state] of states) this.remember(userId, state);
        return answer;
      } catch (error) {
        // A write may or may not have committed: what this process remembers of these users is forgotten.
        for (const item of items) this.remember(item.userId, undefined);
        const failure = this.store.classify(error);
        if (failure === 'conflict') this.onConflict();
        if ((failure !== 'conflict' && failure !== 'key-taken') || attempt >= ATTEMPTS) throw error;
      }
    }
  }

  /** The batch's answer, and the users it wrote as it left them. */
  private async attempt(
    tx: Tx,
    batch: readonly BatchItem[],
    items: readonly Item[],
    atomic: boolean,
    key: BatchKey | null,
    prepared: BatchRefused | null,
  ): Promise<{ answer: BatchAnswer; states: Map<number, UserState> }> {
    const none = new Map<number, UserState>();
    const ids = [...new Set(items.flatMap((item) => [item.userId, payeeOf(item.op) ?? []].flat()))];
    const users = await this.store.load(tx, ids, true);
    if (key) {
      // Looked up under the rows' locks: a first attempt of the same batch (the same rows) still committing, on
      // this process or another, has committed or failed by now, so a retry finds its record instead of
      // deciding again against the state it left (and answering a refusal for a batch that was applied).
      const recorded = await this.store.findBatch(tx, key);
      if (recorded) {
        const same = recorded.request === key.request;
        return { answer: same ? recorded.answer : idempotencyKeyReused(key.text), states: none };
      }
    }
    if (prepared) return { answer: await this.recorded(tx, key, prepared), states: none };
    const unnamed = items.flatMap(({ op }) => (op.kind === 'placeHold' && op.holdId === 0 ? [op] : []));
    if (unnamed.length > 0) {
      const newIds = await this.store.newHoldIds(tx, unnamed.length);
      unnamed.forEach((op, i) => (op.holdId = newIds[i]!));
    }
    const named = items.flatMap(({ userId, op }) => {
      const holdId = holdEndedBy(op);
      return holdId === undefined ? [] : [{ userId, id: holdId }];
    });
    const holds = await this.store.lockedHolds(tx, named);
    const decided = decideItems(users, holds, items);
    if (atomic && decided.firstRefused >= 0) {
      const refused = decided.items[decided.firstRefused]!;
      const answer = refusedAt(decided.firstRefused, (refused as { result: Refusal }).result, batch.length);
      return { answer: await this.recorded(tx, key, answer), states: none };
    }
    const batches = [...decided.accounts]
      .filter(([, account]) => account.entries.length > 0)
      .map(([userId, account]) => ({ userId, expected: users.get(userId)!, entries: account.entries }));
    const written = batches.length > 0 ? await this.store.write(tx, batches) : new Map();
    // Every row is locked: a batch not written means a writer that bypasses the locks.
    if (written.size !== batches.length) throw new Error('a batch was not written under its row locks');
    const holdWrites = batches.flatMap((b) => b.entries.filter((e) => e.hold).map((e) => holdWrite(b.userId, e)));
    const holdsAfter = await this.store.writeHolds(tx, holdWrites);
    const ran = itemAnswers(decided, written, new Map<number, HoldState>([...holds, ...holdsAfter]));
    // The refusals of preparation go back in their places among the items that ran.
    let next = 0;
    const answer: BatchApplied = {
      type: 'BatchApplied',
      results: batch.map((item) => (isItem(item) ? ran[next++]! : item)),
    };
    return {
      answer: await this.recorded(tx, key, answer),
      states: new Map([...written].map(([userId, b]) => [userId, b.state])),
    };
  }

  /**
   * `answer`, recorded under `key` (if any) in the batch's transaction: applied or refused, a repeat gets it again,
   * and a first attempt that comes late finds it instead of being decided after its retry was answered.
   */
  private async recorded<A extends BatchApplied | BatchRefused>(tx: Tx, key: BatchKey | null, answer: A): Promise<A> {
    if (key) await this.store.recordBatch(tx, key, answer);
    return answer;
  }
}

/** An atomic batch refused at item `index`: that item's refusal, every other item NotApplied. */
function refusedAt(index: number, refusal: Refusal, size: number): BatchRefused {
  const results = Array.from({ length: size }, (_, i): Outcome | NotApplied => (i === index ? refusal : NOT_APPLIED));
  return { type: 'BatchRefused', index, results };
}
