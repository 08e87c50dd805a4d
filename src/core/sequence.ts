import type { AccountView } from './account-rules.js';
import { decideStep, entryOf, type EntryToWrite } from './decide.js';
import { endedAs } from './decisions.js';
import type { HoldState } from './hold.js';
import { LedgerEntryKind } from './ledger.js';
import type { Operation } from './operations.js';
import { holdExpired, userNotFound, type Refusal } from './refusals.js';
import { debitOf, rulesOf } from './rules.js';
import type { AccountRules, UserState } from './user.js';

/** One operation of a batch, on the account of `userId` (the payer, the holder). */
export interface Item {
  userId: number;
  op: Operation;
}

/** Where an accepted item's entry is: in the entries of `userId`, at `index`. */
export interface EntryAt {
  userId: number;
  index: number;
}

export type ItemDecision = { type: 'accepted'; own: EntryAt; payee?: EntryAt } | { type: 'rejected'; result: Refusal };

/** An account at the end of the items: the entries to write for it, in item order. */
export interface AccountAfter {
  entries: EntryToWrite[];
  balance: number;
  held: number;
  rules: AccountRules;
  debitedToday: number;
}

export interface SequenceDecision {
  items: ItemDecision[];
  accounts: Map<number, AccountAfter>;
  /** The first refused item, or -1 when every item is accepted. */
  firstRefused: number;
}

/**
 * Decides the items of a batch in order, across accounts, each as its operation is decided alone (decideStep:
 * its kind's decision, then the account's rules) against the accounts as the items before left them: a deposit
 * funds a later withdrawal, a credit to a payee is there for the payee's next item, a capture then a void of one
 * hold refuses the void. `users` and `holds` are as read under the rows' locks. A transfer (or a paid capture)
 * writes the payee's TRANSFER_IN entry right after the payer's, in the payee's entries. A capture or void that
 * finds its hold expired is refused (HoldExpired) without writing its release: the sweeper releases it. Pure.
 */
export function decideItems(
  users: ReadonlyMap<number, UserState>,
  holds: ReadonlyMap<number, HoldState>,
  items: readonly Item[],
): SequenceDecision {
  const accounts = new Map<number, AccountAfter>(
    [...users].map(([id, user]) => [
      id,
      { entries: [], balance: user.balance, held: user.held, rules: rulesOf(user), debitedToday: user.debitedToday },
    ]),
  );
  const ended = new Map<number, HoldState>();
  const payeeAccount = (payee: number) => accounts.get(payee);
  let firstRefused = -1;
  const decisions = items.map(({ userId, op }, index): ItemDecision => {
    const refuse = (result: Refusal): ItemDecision => {
      if (firstRefused < 0) firstRefused = index;
      return { type: 'rejected', result };
    };
    const account = accounts.get(userId);
    if (!account) return refuse(userNotFound(String(userId), op.kind === 'transfer' ? 'PAYER' : null));
    const view: AccountView = {
      id: userId,
      balance: account.balance,
      held: account.held,
      rules: account.rules,
      debitedToday: account.debitedToday,
      version: users.get(userId)!.version + account.entries.length,
      hold: (holdId) => {
        const hold = ended.get(holdId) ?? holds.get(holdId);
        return hold?.userId === userId ? hold : undefined;
      },
    };
    const effect = decideStep(op, view, payeeAccount);
    if ('type' in effect) return refuse(effect);
    if (effect.kind === LedgerEntryKind.EXPIRY && op.kind !== 'expire') {
      const hold = view.hold(effect.hold!.id)!;
      return refuse(holdExpired(hold.id, hold.expiresAt));
    }
    account.balance += effect.amount;
    account.held += effect.held;
    account.debitedToday += debitOf(effect.kind, effect.amount);
    if (effect.rules) account.rules = effect.rules.after;
    account.entries.push(entryOf(op, effect, account.balance, account.held));
    const own = { userId, index: account.entries.length - 1 };
    if (effect.hold && effect.kind !== LedgerEntryKind.HOLD) {
      ended.set(effect.hold.id, endedAs(view.hold(effect.hold.id)!, effect.kind, effect.amount));
    }
    if (!effect.transfer) return { type: 'accepted', own };
    const payee = accounts.get(effect.transfer.payee)!;
    payee.balance -= effect.amount;
    payee.entries.push({
      amount: -effect.amount,
      balanceAfter: payee.balance,
      held: 0,
      heldAfter: payee.held,
      kind: LedgerEntryKind.TRANSFER_IN,
      reason: null,
      idempotencyKey: null,
      transfer: { counterparty: userId, transferId: effect.transfer.transferId },
    });
    return { type: 'accepted', own, payee: { userId: effect.transfer.payee, index: payee.entries.length - 1 } };
  });
  return { items: decisions, accounts, firstRefused };
}
