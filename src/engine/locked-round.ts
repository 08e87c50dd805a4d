import type { RecordedAnswer } from '../core/key-records.js';
import type { HoldState } from '../core/hold.js';
import { holdEndedBy, payeeOf, type Operation } from '../core/operations.js';
import { concurrentUpdate } from '../core/refusals.js';
import type { LockedReads } from './commit.js';
import type { Plan } from './plan.js';
import type { RoundBatch } from './round-queue.js';
import {
  commitRound,
  decideAgainstRead,
  findRecorded,
  NEEDS_READ,
  payeeAccount,
  type AccountRefusal,
  type Answer,
  type RoundContext,
} from './round-steps.js';
import type { BalanceStore } from './store.js';

/** Locked rounds that PostgreSQL may still abort (deadlock, serialization) before the round fails. */
const LOCKED_ATTEMPTS = 3;

/**
 * A locked round: a batch's last attempt, or batches with transfers, holds, keys or an expected version. Every row
 * it touches (users and the payees of their transfers) is read with SELECT ... FOR UPDATE in id order, so no other
 * writer gets in between, and two rounds (even transfers in opposite directions) lock in the same order and cannot
 * deadlock. The payers' batches are written as usual, then the payees' credits.
 */
export async function writeLocked<Tx>(
  context: RoundContext<Tx>,
  batches: readonly RoundBatch<Operation>[],
): Promise<Answer[]> {
  const { store, memory, counters } = context;
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.transaction(async (tx) => {
        const payees = batches.flatMap((b) => b.ops.flatMap((op) => payeeOf(op) ?? []));
        const ids = [...new Set([...batches.map((b) => b.key), ...payees])];
        const states = await store.load(tx, ids, true);
        const recorded = await findRecorded(store, tx, batches);
        const holds = await readHolds(store, tx, batches, recorded);
        const reads: LockedReads = { users: states, holds };
        const outcomes = new Map<RoundBatch<Operation>, Answer>();
        const plans: Plan[] = [];
        const payeeAccounts = { accountOf: (payee: number) => payeeAccount(states.get(payee)) };
        // Batches are decided in id order, and that is their order: a batch whose user an earlier batch of
        // this round pays is decided in a later round, after the credit, so that no decision here (a refusal
        // above all) misses a credit that comes before it.
        const credited = new Set<number>();
        const refused: AccountRefusal[] = [];
        for (const batch of batches) {
          if (credited.has(batch.key)) {
            outcomes.set(batch, NEEDS_READ);
            continue;
          }
          const decision = decideAgainstRead(memory, batch, states, recorded.get(batch.key), payeeAccounts, holds);
          if ('outcome' in decision) {
            outcomes.set(batch, decision.outcome);
            refused.push(...decision.refusals);
            continue;
          }
          plans.push(decision.plan);
          const { decided } = decision.plan;
          for (const entry of decided.entries) if (entry.transfer) credited.add(entry.transfer.counterparty);
        }
        await commitRound(context, tx, plans, outcomes, refused, (plan) => gaveUp(context, plan.batch), reads);
        return batches.map((batch) => outcomes.get(batch)!);
      });
    } catch (error) {
      if (store.classify(error) !== 'conflict' || attempt >= LOCKED_ATTEMPTS) throw error;
      counters.versionConflicts++;
      counters.deadlocks++;
    }
  }
}

/**
 * The holds a locked round's batches name (the ones they end, and the ones their recorded keys made), read
 * under their users' row locks; new holds get their ids first.
 */
async function readHolds<Tx>(
  store: BalanceStore<Tx>,
  tx: Tx,
  batches: readonly RoundBatch<Operation>[],
  recorded: ReadonlyMap<number, ReadonlyMap<string, RecordedAnswer>>,
): Promise<Map<number, HoldState>> {
  const unnamed = batches.flatMap((b) =>
    b.ops.flatMap((op) => (op.kind === 'placeHold' && op.holdId === 0 ? [op] : [])),
  );
  if (unnamed.length > 0) {
    const ids = await store.newHoldIds(tx, unnamed.length);
    unnamed.forEach((op, i) => (op.holdId = ids[i]!));
  }
  const named = batches.flatMap((b) => [
    ...b.ops.flatMap((op) => (holdEndedBy(op) !== undefined ? [{ userId: b.key, id: holdEndedBy(op)! }] : [])),
    ...[...(recorded.get(b.key)?.values() ?? [])].flatMap((e) =>
      'hold' in e && e.hold ? [{ userId: b.key, id: e.hold.id }] : [],
    ),
  ]);
  return store.lockedHolds(tx, named);
}

/** Only something bypassing the row lock and the guard (a trigger, ...) can get here. */
function gaveUp<Tx>({ memory, counters, logger }: RoundContext<Tx>, batch: RoundBatch<Operation>): Answer {
  memory.set(batch.key, undefined);
  counters.concurrentUpdates += batch.ops.length;
  logger.warn({ userId: batch.key, attempts: batch.attempt }, 'batch gave up: the row changed even under a row lock');
  return { results: batch.ops.map(() => concurrentUpdate(String(batch.key), batch.attempt)) };
}
