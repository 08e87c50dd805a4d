import { answers } from '../core/answers.js';
import type { BatchDecision, EntryToWrite } from '../core/decide.js';
import { HOLD_ENDINGS, HoldStatus, type HoldState } from '../core/hold.js';
import { LedgerEntryKind } from '../core/ledger.js';
import type { Outcome } from '../core/outcomes.js';
import type { UserState } from '../core/user.js';
import { settled, type Plan } from './plan.js';
import type { BalanceStore, CreditToWrite, HoldToWrite } from './store.js';

/** What a locked round read under its row locks: every user it touches, and the holds its batches name. */
export interface LockedReads {
  users: ReadonlyMap<number, UserState>;
  holds: ReadonlyMap<number, HoldState>;
}

/** A hold entry's effect on the holds table. */
export function holdWrite(userId: number, entry: EntryToWrite): HoldToWrite {
  const hold = entry.hold!;
  if (entry.kind === LedgerEntryKind.HOLD) {
    return {
      made: {
        id: hold.id,
        userId,
        payee: hold.payee ?? null,
        amount: entry.held,
        expiresInSeconds: hold.expiresIn!,
      },
      reason: entry.reason,
      idempotencyKey: entry.idempotencyKey?.text ?? null,
    };
  }
  const status = HOLD_ENDINGS.get(entry.kind)!;
  return { ended: { userId, id: hold.id, status, captured: status === HoldStatus.CAPTURED ? -entry.amount : null } };
}

export interface WrittenPlan {
  state: UserState;
  decided: BatchDecision;
  results: Outcome[];
}

/** What writing a round's decided batches did. A plan missing from `written` had nothing written. */
export interface Committed {
  /** Per written plan: its user right after the batch, the decision written, and the answers of its operations. */
  written: Map<Plan, WrittenPlan>;
  /** Payees credited in this transaction, as they are at its end. */
  payeesAfter: Map<number, UserState>;
}

/**
 * Writes the decided batches in one statement, then the credits of their transfers and the holds side of
 * their hold entries (only in locked rounds, where `reads` holds every payee's row and every named hold as
 * read under the locks), and turns what was written into answers.
 */
export async function commitPlans<Tx>(
  store: BalanceStore<Tx>,
  tx: Tx,
  plans: readonly Plan[],
  reads?: LockedReads,
): Promise<Committed> {
  const locked = reads?.users;
  const stored = await store.write(
    tx,
    plans.map((p) => ({ userId: p.batch.key, expected: p.state, entries: p.decided.entries })),
  );
  const credits: CreditToWrite[] = plans.flatMap((plan) =>
    stored.has(plan.batch.key)
      ? plan.decided.entries.flatMap((e) =>
          e.transfer
            ? [
                {
                  payee: e.transfer.counterparty,
                  amount: -e.amount,
                  payer: plan.batch.key,
                  transferId: e.transfer.transferId,
                },
              ]
            : [],
        )
      : [],
  );
  if (credits.length > 0 && !locked) throw new Error('transfers are written in locked rounds only');
  const credited =
    credits.length > 0
      ? await store.credit(tx, credits, locked!)
      : new Map<string, { payee: UserState; entryId: string }>();
  const holdWrites = plans.flatMap((plan) =>
    stored.has(plan.batch.key)
      ? plan.decided.entries.filter((e) => e.hold).map((e) => holdWrite(plan.batch.key, e))
      : [],
  );
  if (holdWrites.length > 0 && !reads) throw new Error('holds are written in locked rounds only');
  const holdsAfter = holdWrites.length > 0 ? await store.writeHolds(tx, holdWrites) : new Map<number, HoldState>();
  const payeesAfter = new Map<number, UserState>();
  for (const credit of credited.values()) {
    const known = payeesAfter.get(credit.payee.id);
    if (!known || known.version < credit.payee.version) payeesAfter.set(credit.payee.id, credit.payee);
  }
  const outcomes = {
    credit: (transferId: string) => credited.get(transferId),
    payeeNow: (payee: number) => payeesAfter.get(payee) ?? stored.get(payee)?.state ?? locked?.get(payee),
    hold: (holdId: number) => holdsAfter.get(holdId) ?? reads?.holds.get(holdId),
  };
  const written = new Map<Plan, WrittenPlan>();
  for (const plan of plans) {
    const batch = stored.get(plan.batch.key);
    if (!batch) continue;
    const { before, decided } = plan.state ? { before: plan.state, decided: plan.decided } : settled(plan, batch.state);
    written.set(plan, {
      state: batch.state,
      decided,
      results: answers(decided, before, batch.state, batch.entryIds, outcomes),
    });
  }
  return { written, payeesAfter };
}
