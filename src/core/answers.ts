import type { BatchDecision, EntryToWrite } from './decide.js';
import type { RecordedEntry } from './key-records.js';
import type { HoldState } from './hold.js';
import { LedgerEntryKind } from './ledger.js';
import type { Change, Outcome } from './outcomes.js';
import { holdExpired } from './refusals.js';
import type { EntryAt, SequenceDecision } from './sequence.js';
import type { UserState } from './user.js';

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

/** The answer of a hold entry written now or before (`replayed`). */
function holdAnswer(
  entry: Pick<EntryToWrite, 'kind' | 'amount'> & { holdId: number },
  user: UserState,
  entryId: string,
  outcomes: RoundOutcomes,
  payee: { payee: UserState; entryId: string } | null,
  replayed: boolean,
): Outcome {
  const hold = outcomes.hold(entry.holdId) ?? missing(`hold ${entry.holdId}`);
  switch (entry.kind) {
    case LedgerEntryKind.HOLD:
      return { type: 'HoldPlaced', hold, user, entryId, replayed };
    case LedgerEntryKind.CAPTURE:
      return {
        type: 'HoldCaptured',
        hold,
        user,
        entryId,
        amount: -entry.amount,
        payee: payee?.payee ?? null,
        payeeEntryId: payee?.entryId ?? null,
        replayed,
      };
    case LedgerEntryKind.VOID:
      return { type: 'HoldVoided', hold, user, entryId, replayed };
    default:
      return holdExpired(hold.id, hold.expiresAt, !replayed);
  }
}

const RULE_KINDS: ReadonlySet<LedgerEntryKind> = new Set([LedgerEntryKind.LIMITS, LedgerEntryKind.STATUS]);

/** The answer of a LIMITS or STATUS entry written now or before (`replayed`). */
function rulesAnswer(kind: LedgerEntryKind, user: UserState, entryId: string, replayed: boolean): Outcome {
  const type = kind === LedgerEntryKind.LIMITS ? 'LimitsSet' : 'AccountStatusSet';
  return { type, user, entryId, replayed };
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
): Outcome[] {
  const now = decided.entries.length > 0 ? after : before;
  const results = decided.decisions.map((decision): Outcome | undefined => {
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
        if (written.rules) return rulesAnswer(written.kind, user, entryId, false);
        if (!transfer) {
          return {
            type: 'BalanceUpdated',
            user,
            amount: decision.amount,
            balance: decision.balanceAfter,
            entryId,
            replayed: false,
          };
        }
        const credit = outcomes.credit(transfer.transferId) ?? missing('its credit');
        return {
          type: 'TransferCompleted',
          transferId: transfer.transferId,
          amount: -decision.amount,
          from: user,
          to: credit.payee,
          fromEntryId: entryId,
          toEntryId: credit.entryId,
          replayed: false,
        };
      }
      case 'recorded': {
        // A replay: the change happened before; the users are as they are now.
        const { entry } = decision;
        if (entry.hold) {
          const payee = recordedPayee(entry, outcomes);
          return holdAnswer({ ...entry, holdId: entry.hold.id }, now, entry.id, outcomes, payee, true);
        }
        if (RULE_KINDS.has(entry.kind)) return rulesAnswer(entry.kind, now, entry.id, true);
        if (!entry.transfer) {
          return {
            type: 'BalanceUpdated',
            user: now,
            amount: entry.amount,
            balance: entry.balanceAfter,
            entryId: entry.id,
            replayed: true,
          };
        }
        return {
          type: 'TransferCompleted',
          transferId: entry.transfer.transferId,
          amount: -entry.amount,
          from: now,
          to: outcomes.payeeNow(entry.transfer.payee) ?? missing('its payee'),
          fromEntryId: entry.id,
          toEntryId: entry.transfer.payeeEntryId,
          replayed: true,
        };
      }
      case 'rejected':
        return decision.result;
      case 'repeat':
        return undefined;
    }
  });
  return decided.decisions.map((decision, i) =>
    decision.type === 'repeat' ? { ...(results[decision.of] as Change), replayed: true } : results[i]!,
  );
}

/** What writing a batch's items left: per user, the user after its entries and their ids, in order. */
export type WrittenAccounts = ReadonlyMap<number, { state: UserState; entryIds: readonly string[] }>;

/** The user right after its entry `at`, of the entries written for it (`count` of them, leaving `after`). */
function stateAt(after: UserState, count: number, index: number, entry: EntryToWrite): UserState {
  return { ...after, balance: entry.balanceAfter, held: entry.heldAfter, version: after.version - count + index + 1 };
}

/**
 * One answer per item of a batch, as each operation is answered alone: its refusal, or the change it made, with
 * its users right after its own entries. `holds` are the holds as the batch left them.
 */
export function itemAnswers(
  decided: SequenceDecision,
  written: WrittenAccounts,
  holds: ReadonlyMap<number, HoldState>,
): Outcome[] {
  const at = ({ userId, index }: EntryAt) => {
    const account = decided.accounts.get(userId)!;
    const { state, entryIds } = written.get(userId) ?? missing(`the entries of user ${userId}`);
    const entry = account.entries[index]!;
    return { entry, user: stateAt(state, account.entries.length, index, entry), entryId: entryIds[index]! };
  };
  const outcomes: RoundOutcomes = { credit: () => undefined, payeeNow: () => undefined, hold: (id) => holds.get(id) };
  return decided.items.map((item): Outcome => {
    if (item.type === 'rejected') return item.result;
    const { entry, user, entryId } = at(item.own);
    const payee = item.payee && at(item.payee);
    const paid = payee ? { payee: payee.user, entryId: payee.entryId } : null;
    if (entry.hold) return holdAnswer({ ...entry, holdId: entry.hold.id }, user, entryId, outcomes, paid, false);
    if (entry.rules) return rulesAnswer(entry.kind, user, entryId, false);
    if (!paid) {
      return {
        type: 'BalanceUpdated',
        user,
        amount: entry.amount,
        balance: entry.balanceAfter,
        entryId,
        replayed: false,
      };
    }
    return {
      type: 'TransferCompleted',
      transferId: entry.transfer!.transferId,
      amount: -entry.amount,
      from: user,
      to: paid.payee,
      fromEntryId: entryId,
      toEntryId: paid.entryId,
      replayed: false,
    };
  });
}
