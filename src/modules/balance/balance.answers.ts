import type { HoldState } from '../holds/hold.entity.js';
import {
  HoldCaptured,
  HoldExpired,
  HoldNotExpired,
  HoldPlaced,
  HoldVoided,
  type CaptureHoldResult,
  type HoldResult,
  type VoidHoldResult,
} from '../holds/hold.types.js';
import { LedgerEntryKind } from '../ledger/ledger-entry.entity.js';
import { TransferCompleted, type TransferResult } from '../transfers/transfer.types.js';
import type { UserState } from '../users/user.entity.js';
import type { BatchDecision, EntryToWrite, RecordedEntry } from './balance.decide.js';
import { BalanceUpdated, type UpdateBalanceResult } from './balance.types.js';

/**
 * The user right after entry `index` of a batch committed as `after`: a batch of n entries moves the version by
 * n, one per change, so each change has its own version (and its own balance) to answer with.
 */
export function stateAfterEntry(after: UserState, decided: BatchDecision, index: number): UserState {
  const entry = decided.entries[index]!;
  return {
    ...after,
    balance: entry.balanceAfter,
    held: entry.heldAfter,
    version: after.version - decided.entries.length + index + 1,
  };
}

/** Every answer a balance operation can get: the balance mutations', the transfer's and the holds'. */
export type OperationResult =
  UpdateBalanceResult | TransferResult | HoldResult | CaptureHoldResult | VoidHoldResult | HoldNotExpired;

/** What the answers of a batch's transfers and holds need from the round that wrote them. */
export interface RoundOutcomes {
  /** The payee right after the credit of `transferId`, and that credit's entry; undefined when not written. */
  credit(transferId: string): { payee: UserState; entryId: string } | undefined;
  /** The payee as it is now (for a repeated transfer). */
  payeeNow(payee: number): UserState | undefined;
  /** The hold as it is at the end of the round. */
  hold(holdId: number): HoldState | undefined;
}

const NO_OUTCOMES: RoundOutcomes = { credit: () => undefined, payeeNow: () => undefined, hold: () => undefined };

function missing(what: string): never {
  throw new Error(`an answer lacks ${what}`);
}

/** The answer of a hold entry written now (`entry`) or before (`recorded`). */
function holdAnswer(
  entry: Pick<EntryToWrite, 'kind' | 'amount'> & { holdId: number; transfer?: { transferId: string } },
  user: UserState,
  entryId: string,
  outcomes: RoundOutcomes,
  payee: { payee: UserState; entryId: string } | null,
  replayed: boolean,
): OperationResult {
  const hold = outcomes.hold(entry.holdId) ?? missing(`hold ${entry.holdId}`);
  switch (entry.kind) {
    case LedgerEntryKind.HOLD:
      return new HoldPlaced(hold, user, entryId, replayed);
    case LedgerEntryKind.CAPTURE:
      return new HoldCaptured(
        hold,
        user,
        entryId,
        -entry.amount,
        payee?.payee ?? null,
        payee?.entryId ?? null,
        replayed,
      );
    case LedgerEntryKind.VOID:
      return new HoldVoided(hold, user, entryId, replayed);
    default:
      return new HoldExpired(hold.id, hold.expiresAt, !replayed);
  }
}

/** A recorded hold entry's payee side, for a capture paid to a payee. */
function recordedPayee(entry: RecordedEntry, outcomes: RoundOutcomes) {
  if (!entry.transfer) return null;
  const payee = outcomes.payeeNow(entry.transfer.payee) ?? missing('its payee');
  return { payee, entryId: entry.transfer.payeeEntryId };
}

/**
 * One answer per operation of a decided batch. `before` is the user the batch was decided against (for
 * refusals); `after` the committed user and `entryIds` the ids of the written entries (empty when nothing
 * was written); `outcomes` the payees' side of its transfers and the holds as the round left them.
 */
export function answers(
  decided: BatchDecision,
  before: UserState,
  after: UserState,
  entryIds: readonly string[],
  outcomes: RoundOutcomes = NO_OUTCOMES,
): OperationResult[] {
  const now = decided.entries.length > 0 ? after : before;
  const results = decided.decisions.map((decision): OperationResult | undefined => {
    switch (decision.type) {
      case 'accepted': {
        const user = stateAfterEntry(after, decided, decision.entry);
        const entryId = entryIds[decision.entry]!;
        const written = decided.entries[decision.entry]!;
        const transfer = written.transfer;
        if (written.hold) {
          const credit = transfer ? (outcomes.credit(transfer.transferId) ?? missing('its credit')) : null;
          return holdAnswer({ ...written, holdId: written.hold.id }, user, entryId, outcomes, credit, false);
        }
        if (!transfer) return new BalanceUpdated(user, decision.amount, decision.balanceAfter, entryId);
        const credit = outcomes.credit(transfer.transferId) ?? missing('its credit');
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
        if (entry.hold) {
          const payee = recordedPayee(entry, outcomes);
          return holdAnswer({ ...entry, holdId: entry.hold.id }, now, entry.id, outcomes, payee, true);
        }
        if (!entry.transfer) return new BalanceUpdated(now, entry.amount, entry.balanceAfter, entry.id, true);
        const payee = outcomes.payeeNow(entry.transfer.payee) ?? missing('its payee');
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
  return decided.decisions.map((decision, i) =>
    decision.type === 'repeat' ? asReplay(results[decision.of]!) : results[i]!,
  );
}

/**
 * The answer of an operation accepted earlier in the batch, for a repeat of its idempotency key: the same
 * answer (of the same class), marked `replayed`. Only answers of accepted operations are repeated, and each
 * of their classes has `replayed`.
 */
function asReplay(first: OperationResult): OperationResult {
  const copy = Object.create(Object.getPrototypeOf(first) as object) as OperationResult;
  return Object.assign(copy, first, { replayed: true });
}
