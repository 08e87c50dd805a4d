import { TransferCompleted, type TransferResult } from '../transfers/transfer.types.js';
import type { UserState } from '../users/user.entity.js';
import type { BatchDecision } from './balance.decide.js';
import { BalanceUpdated, type UpdateBalanceResult } from './balance.types.js';

/**
 * The user right after entry `index` of a batch committed as `after`: a batch of n entries moves the version by
 * n, one per change, so each change has its own version (and its own balance) to answer with.
 */
export function stateAfterEntry(after: UserState, decided: BatchDecision, index: number): UserState {
  const entry = decided.entries[index]!;
  return { ...after, balance: entry.balanceAfter, version: after.version - decided.entries.length + index + 1 };
}

/** Every answer a balance operation can get: the balance mutations' and the transfer's. */
export type OperationResult = UpdateBalanceResult | TransferResult;

/** What the answers of a batch's transfers need from the round that wrote their credits. */
export interface TransferOutcomes {
  /** The payee right after the credit of `transferId`, and that credit's entry; undefined when not written. */
  credit(transferId: string): { payee: UserState; entryId: string } | undefined;
  /** The payee as it is now (for a repeated transfer). */
  payeeNow(payee: number): UserState | undefined;
}

const NO_TRANSFERS: TransferOutcomes = { credit: () => undefined, payeeNow: () => undefined };

function missing(what: string): never {
  throw new Error(`a transfer's answer lacks ${what}`);
}

/**
 * One answer per operation of a decided batch. `before` is the user the batch was decided against (for
 * refusals); `after` the committed user and `entryIds` the ids of the written entries (empty when nothing
 * was written); `transfers` the payees' side of its transfers.
 */
export function answers(
  decided: BatchDecision,
  before: UserState,
  after: UserState,
  entryIds: readonly string[],
  transfers: TransferOutcomes = NO_TRANSFERS,
): OperationResult[] {
  const now = decided.entries.length > 0 ? after : before;
  const results = decided.decisions.map((decision): OperationResult | undefined => {
    switch (decision.type) {
      case 'accepted': {
        const user = stateAfterEntry(after, decided, decision.entry);
        const entryId = entryIds[decision.entry]!;
        const transfer = decided.entries[decision.entry]!.transfer;
        if (!transfer) return new BalanceUpdated(user, decision.amount, decision.balanceAfter, entryId);
        const credit = transfers.credit(transfer.transferId) ?? missing('its credit');
        return new TransferCompleted(
          transfer.transferId,
          -decision.amount,
          user,
          credit.payee,
          entryId,
          credit.entryId,
        );
      }
      case 'recorded': {
        // A replay: the change happened before; the users are as they are now.
        const { entry } = decision;
        if (!entry.transfer) return new BalanceUpdated(now, entry.amount, entry.balanceAfter, entry.id, true);
        const payee = transfers.payeeNow(entry.transfer.payee) ?? missing('its payee');
        return new TransferCompleted(
          entry.transfer.transferId,
          -entry.amount,
          now,
          payee,
          entry.id,
          entry.transfer.payeeEntryId,
          true,
        );
      }
      case 'rejected':
        return decision.result;
      case 'repeat':
        return undefined;
    }
  });
  return decided.decisions.map((decision, i) => {
    if (decision.type !== 'repeat') return results[i]!;
    const first = results[decision.of]!;
    if (first instanceof TransferCompleted) {
      return new TransferCompleted(
        first.transferId,
        first.amount,
        first.from,
        first.to,
        first.fromEntryId,
        first.toEntryId,
        true,
      );
    }
    const update = first as BalanceUpdated;
    return new BalanceUpdated(update.user, update.amount, update.balance, update.entryId, true);
  });
}
