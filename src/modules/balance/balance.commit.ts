import type { Tx } from '../../db/sql.js';
import type { UserState } from '../users/user.entity.js';
import { answers, type OperationResult } from './balance.answers.js';
import { settled, type Plan } from './balance.plan.js';
import type { BalanceStore, CreditToWrite } from './balance.store.js';

/** What writing a round's decided batches did. A plan missing from `written` had nothing written. */
export interface Committed {
  /** Per written plan: its user right after the batch, and the answers of its operations. */
  written: Map<Plan, { state: UserState; results: OperationResult[] }>;
  /** Payees credited in this transaction, as they are at its end. */
  payeesAfter: Map<number, UserState>;
}

/**
 * Writes the decided batches in one statement, then the credits of their transfers (only in locked rounds,
 * where `locked` holds every payee's row as read under its lock), and turns what was written into answers.
 */
export async function commitPlans(
  store: BalanceStore,
  tx: Tx,
  plans: readonly Plan[],
  locked?: ReadonlyMap<number, UserState>,
): Promise<Committed> {
  const stored = await store.write(
    tx,
    plans.map((p) => ({ userId: p.batch.key, expected: p.state, entries: p.decided.entries })),
  );
  const credits: CreditToWrite[] = plans.flatMap((plan) =>
    stored.has(plan.batch.key)
      ? plan.decided.entries.flatMap((e) =>
          e.transfer
            ? [{ payee: e.transfer.payee, amount: -e.amount, payer: plan.batch.key, transferId: e.transfer.transferId }]
            : [],
        )
      : [],
  );
  if (credits.length > 0 && !locked) throw new Error('transfers are written in locked rounds only');
  const credited =
    credits.length > 0
      ? await store.credit(tx, credits, locked!)
      : new Map<string, { payee: UserState; entryId: string }>();
  const payeesAfter = new Map<number, UserState>();
  for (const credit of credited.values()) {
    const known = payeesAfter.get(credit.payee.id);
    if (!known || known.version < credit.payee.version) payeesAfter.set(credit.payee.id, credit.payee);
  }
  const transfers = {
    credit: (transferId: string) => credited.get(transferId),
    payeeNow: (payee: number) => payeesAfter.get(payee) ?? stored.get(payee)?.state ?? locked?.get(payee),
  };
  const written = new Map<Plan, { state: UserState; results: OperationResult[] }>();
  for (const plan of plans) {
    const batch = stored.get(plan.batch.key);
    if (!batch) continue;
    const { before, decided } = plan.state ? { before: plan.state, decided: plan.decided } : settled(plan, batch.state);
    written.set(plan, {
      state: batch.state,
      results: answers(decided, before, batch.state, batch.entryIds, transfers),
    });
  }
  return { written, payeesAfter };
}
