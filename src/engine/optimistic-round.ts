import { decideBatch } from '../core/decide.js';
import type { Operation } from '../core/operations.js';
import { dependsOnBalance, relativePlan, type Plan } from './plan.js';
import type { RoundBatch } from './round-queue.js';
import {
  commitRound,
  decideAgainstRead,
  findRecorded,
  accountRead,
  LOST_RACE,
  NEEDS_READ,
  STALE_MEMORY,
  type AccountRefusal,
  type Answer,
  type RoundContext,
} from './round-steps.js';

/**
 * One optimistic transaction: each batch decided against the remembered state when that lets something
 * through, else against a fresh read (a refusal must rest on a fresh read: another process may have added
 * funds since), then every decided batch written by one guarded statement. A batch whose guard fails goes again.
 */
export function writeOptimistic<Tx>(
  context: RoundContext<Tx>,
  batches: readonly RoundBatch<Operation>[],
): Promise<Answer[]> {
  const { store, memory, counters } = context;
  return store.transaction(async (tx) => {
    const recorded = await findRecorded(store, tx, batches);
    const outcomes = new Map<RoundBatch<Operation>, Answer>();
    const plans: Plan[] = [];
    const toRead: RoundBatch<Operation>[] = [];
    for (const batch of batches) {
      const known = memory.get(batch.key);
      const keys = recorded.get(batch.key);
      const decided = known && decideBatch(known.balance, batch.ops, keys, undefined, accountRead(known));
      // Relative when nothing is expected to be refused for the balance: it cannot lose a race to another
      // process's change, since it adds to whatever the row holds. Guarded (from memory) when the memory
      // refuses some of the batch; read first when it refuses all of it, or the relative write did not fit.
      const refusesSome = decided?.decisions.some((d) => d.type === 'rejected' && dependsOnBalance(d.result));
      const relative =
        refusesSome || memory.needsRead(batch.key)
          ? undefined
          : relativePlan(batch, keys, known && { balance: known.balance, held: known.held, decided: decided! });
      if (relative) plans.push(relative);
      else if (known && decided!.entries.length > 0) {
        plans.push({ batch, state: known, decided: decided!, fromMemory: true, recorded: keys });
      } else toRead.push(batch);
    }
    const refused: AccountRefusal[] = [];
    if (toRead.length > 0) {
      const states = await store.load(
        tx,
        toRead.map((b) => b.key),
      );
      for (const batch of toRead) {
        const decision = decideAgainstRead(memory, batch, states, recorded.get(batch.key));
        if ('plan' in decision) plans.push(decision.plan);
        else {
          outcomes.set(batch, decision.outcome);
          refused.push(...decision.refusals);
        }
      }
    }
    await commitRound(context, tx, plans, outcomes, refused, (plan) => {
      // A relative batch that did not fit (or a user that does not exist) is decided again after a read.
      if (!plan.state) {
        memory.readNextTime(plan.batch.key);
        return NEEDS_READ;
      }
      memory.set(plan.batch.key, undefined);
      counters.versionConflicts++;
      return plan.fromMemory ? STALE_MEMORY : LOST_RACE;
    });
    return batches.map((batch) => outcomes.get(batch)!);
  });
}
