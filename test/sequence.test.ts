// The pure decisions of batches and of every operation's rules (core/sequence.ts, core/decide.ts, core/decisions.ts):
// no database, no server. Each case states the whole result: entries, refusals with their messages, accounts.
import { describe, expect, it } from 'vitest';
import { decideBatch, decideStep, UNREAD_ACCOUNT } from '../src/core/decide.js';
import { debitOf, DEFAULT_RULES, limitsProblem, type LimitsChange } from '../src/core/rules.js';
import { keysOf, refusalsToRecord, type RecordedAnswer, type RecordedEntry } from '../src/core/key-records.js';
import { endedAs } from '../src/core/decisions.js';
import { HoldStatus, type HoldState } from '../src/core/hold.js';
import { keyId, keyOfRequest } from '../src/core/idempotency.js';
import { LedgerEntryKind } from '../src/core/ledger.js';
import type { Operation } from '../src/core/operations.js';
import {
  accountClosed,
  accountFrozen,
  accountNotEmpty,
  holdAlreadyCaptured,
  holdAlreadyVoided,
  holdExpired,
  idempotencyKeyReused,
  insufficientFunds,
  invalidAmount,
  invalidInput,
  limitExceeded,
  userNotFound,
  versionMismatch,
} from '../src/core/refusals.js';
import { decideItems, type Item } from '../src/core/sequence.js';
import { MAX_BALANCE, type AccountRules, type AccountStatus, type UserState } from '../src/core/user.js';
import { holdState, transferOp, userState } from './fixtures.js';

const { DEPOSIT, WITHDRAWAL, TRANSFER_OUT, TRANSFER_IN, HOLD, CAPTURE, VOID, SET } = LedgerEntryKind;

const user = userState;
const hold = holdState;
const deposit = (userId: number, amount: number): Item => ({
  userId,
  op: { kind: 'deposit', amount, idempotencyKey: null },
});
const withdraw = (userId: number, amount: number): Item => ({
  userId,
  op: { kind: 'withdraw', amount, idempotencyKey: null },
});
const transfer = (userId: number, payee: number, amount: number, transferId = `t${userId}-${payee}`): Item => ({
  userId,
  op: { kind: 'transfer', payee, amount, reason: 'why', transferId, idempotencyKey: null },
});
const placeHold = (userId: number, holdId: number, amount: number, payee: number | null = null): Item => ({
  userId,
  op: { kind: 'placeHold', amount, expiresIn: 60, reason: null, payee, holdId, idempotencyKey: null },
});
const capture = (userId: number, holdId: number, amount: number | null, payee: number | null = null): Item => ({
  userId,
  op: { kind: 'capture', holdId, amount, payee, transferId: `c${holdId}`, idempotencyKey: null },
});
const voidHold = (userId: number, holdId: number): Item => ({
  userId,
  op: { kind: 'void', holdId, idempotencyKey: null },
});

describe('decideItems', () => {
  it('decides items in order across accounts: a deposit funds a withdrawal, a credit funds the payee', () => {
    const users = new Map([user(1, 0), user(2, 5)]);
    const decided = decideItems(users, new Map(), [deposit(1, 10), transfer(1, 2, 8), withdraw(2, 13), withdraw(1, 3)]);
    expect(decided.firstRefused).toBe(3);
    expect(decided.items).toEqual([
      { type: 'accepted', own: { userId: 1, index: 0 } },
      { type: 'accepted', own: { userId: 1, index: 1 }, payee: { userId: 2, index: 0 } },
      { type: 'accepted', own: { userId: 2, index: 1 } },
      { type: 'rejected', result: insufficientFunds(2, 3) },
    ]);
    expect(decided.accounts.get(1)).toMatchObject({
      balance: 2,
      held: 0,
      entries: [
        {
          amount: 10,
          balanceAfter: 10,
          held: 0,
          heldAfter: 0,
          kind: DEPOSIT,
          reason: null,
          idempotencyKey: null,
          transfer: undefined,
          hold: undefined,
        },
        {
          amount: -8,
          balanceAfter: 2,
          held: 0,
          heldAfter: 0,
          kind: TRANSFER_OUT,
          reason: 'why',
          idempotencyKey: null,
          transfer: { counterparty: 2, transferId: 't1-2' },
          hold: undefined,
        },
      ],
    });
    expect(decided.accounts.get(2)).toMatchObject({
      balance: 0,
      held: 0,
      entries: [
        {
          amount: 8,
          balanceAfter: 13,
          held: 0,
          heldAfter: 0,
          kind: TRANSFER_IN,
          reason: null,
          idempotencyKey: null,
          transfer: { counterparty: 1, transferId: 't1-2' },
        },
        {
          amount: -13,
          balanceAfter: 0,
          held: 0,
          heldAfter: 0,
          kind: WITHDRAWAL,
          reason: null,
          idempotencyKey: null,
          transfer: undefined,
          hold: undefined,
        },
      ],
    });
  });

  it('every item accepted: no refusal, firstRefused -1; an unknown account is refused (PAYER for a transfer)', () => {
    const users = new Map([user(1, 5)]);
    expect(decideItems(users, new Map(), [deposit(1, 1)]).firstRefused).toBe(-1);
    const decided = decideItems(users, new Map(), [deposit(7, 1), transfer(8, 1, 1), withdraw(1, 1)]);
    expect(decided.firstRefused).toBe(0);
    expect(decided.items.map((d) => (d.type === 'rejected' ? d.result : d.type))).toEqual([
      userNotFound('7', null),
      userNotFound('8', 'PAYER'),
      'accepted',
    ]);
    // A payee that does not exist is refused last, after the payer's funds.
    expect(decideItems(users, new Map(), [transfer(1, 9, 6), transfer(1, 9, 5)]).items).toEqual([
      { type: 'rejected', result: insufficientFunds(5, 6) },
      { type: 'rejected', result: userNotFound('9', 'PAYEE') },
    ]);
  });

  it('holds: placed, captured (paid to its payee) and then refused a void; a hold of another user is not found', () => {
    const users = new Map([user(1, 50, 10), user(2, 0), user(3, 9, 4)]);
    const holds = new Map([hold(5, 3, 4), hold(6, 1, 10)]);
    const decided = decideItems(users, holds, [
      placeHold(1, 11, 30, 2),
      withdraw(1, 11),
      capture(1, 6, 7, 2),
      voidHold(1, 6),
      voidHold(1, 5),
      voidHold(3, 5),
      voidHold(3, 5),
    ]);
    expect(decided.items.map((d) => (d.type === 'rejected' ? d.result : d.type))).toEqual([
      'accepted',
      insufficientFunds(50, 11, 10),
      'accepted',
      holdAlreadyCaptured(6, 7),
      { type: 'HoldNotFound', code: 'HOLD_NOT_FOUND', message: 'Hold "5" not found', holdId: '5' },
      'accepted',
      holdAlreadyVoided(5),
    ]);
    expect(decided.accounts.get(1)).toMatchObject({ balance: 43, held: 30 });
    expect(
      decided.accounts.get(1)!.entries.map((e) => [e.kind, e.amount, e.held, e.balanceAfter, e.heldAfter]),
    ).toEqual([
      [HOLD, 0, 30, 50, 40],
      [CAPTURE, -7, -10, 43, 30],
    ]);
    expect(decided.accounts.get(1)!.entries[0]!.hold).toEqual({ id: 11, expiresIn: 60, payee: 2 });
    expect(decided.accounts.get(1)!.entries[1]!.transfer).toEqual({ counterparty: 2, transferId: 'c6' });
    expect(decided.accounts.get(2)).toMatchObject({ balance: 7, entries: [{ kind: TRANSFER_IN, amount: 7 }] });
    expect(decided.accounts.get(3)).toMatchObject({ balance: 9, held: 0, entries: [{ kind: VOID, held: -4 }] });
  });

  it('a capture or void of an expired hold is refused HoldExpired, writing nothing (the sweeper releases it)', () => {
    const users = new Map([user(1, 10, 4)]);
    const holds = new Map([hold(3, 1, 4, { expired: true, expiresAt: new Date(5000) })]);
    const decided = decideItems(users, holds, [capture(1, 3, null), voidHold(1, 3)]);
    expect(decided.items).toEqual([
      { type: 'rejected', result: holdExpired(3, new Date(5000)) },
      { type: 'rejected', result: holdExpired(3, new Date(5000)) },
    ]);
    expect(decided.firstRefused).toBe(0);
    expect(decided.accounts.get(1)).toMatchObject({ balance: 10, held: 4, entries: [] });
  });

  it('a capture without a payee takes the credits out of the account; all of the hold when no amount is given', () => {
    const users = new Map([user(1, 10, 4)]);
    const decided = decideItems(users, new Map([hold(3, 1, 4)]), [capture(1, 3, null)]);
    expect(decided.accounts.get(1)).toMatchObject({ balance: 6, held: 0 });
    expect(decided.accounts.get(1)!.entries[0]).toMatchObject({
      kind: CAPTURE,
      amount: -4,
      held: -4,
      transfer: undefined,
    });
  });
});

describe('decideItems: holds the batch cannot see', () => {
  it('a hold unknown to the batch is not found; one placed in the batch cannot be ended in it (its id is new)', () => {
    const users = new Map([user(1, 50)]);
    const decided = decideItems(users, new Map(), [voidHold(1, 99), placeHold(1, 12, 5), capture(1, 12, null)]);
    expect(decided.items.map((d) => (d.type === 'rejected' ? d.result.type : d.type))).toEqual([
      'HoldNotFound',
      'accepted',
      'HoldNotFound',
    ]);
  });

  it("the sweeper's release of an expired hold is written (EXPIRY) when it comes as an item", () => {
    const users = new Map([user(1, 10, 4)]);
    const holds = new Map([hold(3, 1, 4, { expired: true })]);
    const decided = decideItems(users, holds, [{ userId: 1, op: { kind: 'expire', holdId: 3, idempotencyKey: null } }]);
    expect(decided.firstRefused).toBe(-1);
    expect(decided.accounts.get(1)).toMatchObject({
      balance: 10,
      held: 0,
      entries: [{ kind: LedgerEntryKind.EXPIRY }],
    });
  });
});

describe("every operation's rules (decideStep)", () => {
  const account = (balance: number, held = 0, holds: HoldState[] = [], rules: Partial<AccountRules> = {}) => ({
    id: 1,
    balance,
    held,
    rules: { ...DEFAULT_RULES, ...rules },
    debitedToday: 0,
    hold: (id: number) => holds.find((h) => h.id === id),
  });
  const payees = (balances: Record<number, number>) => (payee: number) =>
    balances[payee] === undefined ? undefined : { balance: balances[payee], rules: DEFAULT_RULES };
  const op = <O extends Operation>(o: O): O => o;

  it('spending never leaves less than nothing available: withdrawals, transfers, holds', () => {
    expect(decideStep(op({ kind: 'withdraw', amount: 8, idempotencyKey: null }), account(10, 3), payees({}))).toEqual(
      insufficientFunds(10, 8, 7),
    );
    expect(
      decideStep(op({ kind: 'withdraw', amount: 7, idempotencyKey: null }), account(10, 3), payees({})),
    ).toMatchObject({
      kind: WITHDRAWAL,
      amount: -7,
    });
    const placeHold = op({
      kind: 'placeHold',
      amount: 8,
      expiresIn: 60,
      reason: null,
      payee: null,
      holdId: 1,
      idempotencyKey: null,
    });
    expect(decideStep(placeHold, account(10, 3), payees({}))).toEqual(insufficientFunds(10, 8, 7));
    expect(decideStep({ ...placeHold, amount: 7 }, account(10, 3), payees({}))).toMatchObject({ kind: HOLD, held: 7 });
    expect(decideStep({ ...placeHold, amount: 7, payee: 4 }, account(10, 3), payees({}))).toEqual(
      userNotFound('4', 'PAYEE'),
    );
  });

  it('a set or reset below the credits on hold is an invalid amount; above it, or up, is fine', () => {
    const set = (balance: number) => op({ kind: 'set', balance, reason: 'r', idempotencyKey: null });
    expect(decideStep(set(2), account(10, 3), payees({}))).toEqual(
      invalidAmount(2, 'The balance may not go below the credits on hold (3)'),
    );
    expect(decideStep(set(3), account(10, 3), payees({}))).toMatchObject({ kind: SET, amount: -7, absolute: true });
    expect(decideStep(set(12), account(1, 3), payees({}))).toMatchObject({ kind: SET, amount: 11 });
    expect(decideStep(op({ kind: 'reset', idempotencyKey: null }), account(10, 3), payees({}))).toEqual(
      invalidAmount(0, 'The balance may not go below the credits on hold (3)'),
    );
  });

  it("the balance never passes the largest one, nor the payee's", () => {
    expect(
      decideStep(op({ kind: 'deposit', amount: 2, idempotencyKey: null }), account(MAX_BALANCE - 1), payees({})),
    ).toEqual(invalidAmount(2, `The balance may not exceed ${MAX_BALANCE}`));
    expect(
      decideStep(op({ kind: 'deposit', amount: 1, idempotencyKey: null }), account(MAX_BALANCE - 1), payees({})),
    ).toMatchObject({
      kind: DEPOSIT,
    });
    const pay = (amount: number) =>
      op({ kind: 'transfer', payee: 2, amount, reason: null, transferId: 't', idempotencyKey: null });
    expect(decideStep(pay(2), account(10), payees({ 2: MAX_BALANCE - 1 }))).toEqual(
      invalidAmount(2, `The payee's balance may not exceed ${MAX_BALANCE}`),
    );
    expect(decideStep(pay(1), account(10), payees({ 2: MAX_BALANCE - 1 }))).toMatchObject({
      kind: TRANSFER_OUT,
      amount: -1,
      transfer: { payee: 2, transferId: 't' },
    });
    expect(decideStep(pay(1), account(10), payees({}))).toEqual(userNotFound('2', 'PAYEE'));
  });

  it('an account already below its holds (changed by hand) may still take credits, and no further spending', () => {
    expect(
      decideStep(op({ kind: 'deposit', amount: 1, idempotencyKey: null }), account(2, 5), payees({})),
    ).toMatchObject({
      kind: DEPOSIT,
      amount: 1,
    });
    expect(decideStep(op({ kind: 'withdraw', amount: 1, idempotencyKey: null }), account(2, 5), payees({}))).toEqual(
      insufficientFunds(2, 1, -3),
    );
    // Setting it to what it is changes nothing, so it is not refused either.
    expect(
      decideStep(op({ kind: 'set', balance: 2, reason: null, idempotencyKey: null }), account(2, 5), payees({})),
    ).toMatchObject({
      kind: SET,
      amount: 0,
    });
  });

  it('a set below zero is a lack of funds, not an invalid amount (a service refuses it before)', () => {
    expect(
      decideStep(op({ kind: 'set', balance: -1, reason: null, idempotencyKey: null }), account(10, 3), payees({})),
    ).toEqual(insufficientFunds(10, 11, 7));
  });

  it('a capture or void never needs funds: it only releases', () => {
    const open = hold(1, 1, 5)[1];
    const take = op({ kind: 'capture', holdId: 1, amount: 5, payee: null, transferId: 'c', idempotencyKey: null });
    // The balance covers the hold and nothing more: capturing all of it leaves 0 available, which is fine.
    expect(decideStep(take, account(5, 5, [open]), payees({}))).toMatchObject({ kind: CAPTURE, amount: -5, held: -5 });
    expect(decideStep({ ...take, amount: 6 }, account(5, 5, [open]), payees({}))).toEqual(
      invalidAmount(6, 'A capture may take at most the held amount (5)'),
    );
    const release = op({ kind: 'void', holdId: 1, idempotencyKey: null });
    expect(decideStep(release, account(5, 5, [open]), payees({}))).toMatchObject({ kind: VOID, amount: 0, held: -5 });
  });
});

describe('account rules (decideStep, decideBatch)', () => {
  const account = (
    balance: number,
    rules: Partial<AccountRules> = {},
    held = 0,
    debitedToday = 0,
    holds: HoldState[] = [],
  ) => ({
    id: 1,
    balance,
    held,
    rules: { ...DEFAULT_RULES, ...rules },
    debitedToday,
    hold: (id: number) => holds.find((h) => h.id === id),
  });
  const none = () => undefined;
  const payee =
    (balance: number, rules: Partial<AccountRules> = {}) =>
    (id: number) =>
      id === 2 ? { balance, rules: { ...DEFAULT_RULES, ...rules } } : undefined;
  const withdraw = (amount: number): Operation => ({ kind: 'withdraw', amount, idempotencyKey: null });
  const deposit = (amount: number): Operation => ({ kind: 'deposit', amount, idempotencyKey: null });
  const pay = (amount: number): Operation => ({
    kind: 'transfer',
    payee: 2,
    amount,
    reason: null,
    transferId: 't',
    idempotencyKey: null,
  });
  const limits = (change: LimitsChange): Operation => ({
    kind: 'setLimits',
    limits: change,
    actor: 'admin:ops',
    idempotencyKey: null,
  });
  const status = (to: AccountStatus): Operation => ({
    kind: 'setStatus',
    status: to,
    reason: 'r',
    actor: 'admin',
    idempotencyKey: null,
  });

  it('a credit line: spending to exactly the minimum, not past it; available counts it', () => {
    expect(decideStep(withdraw(60), account(10, { minBalance: -50 }), none)).toMatchObject({ amount: -60 });
    expect(decideStep(withdraw(61), account(10, { minBalance: -50 }), none)).toEqual(insufficientFunds(10, 61, 60));
    expect(decideStep(withdraw(1), account(10, { minBalance: 10 }), none)).toEqual(insufficientFunds(10, 1, 0));
    // A minimum raised past the balance: spending is refused, credits and captures still apply.
    const open = hold(1, 1, 5)[1];
    const capture: Operation = {
      kind: 'capture',
      holdId: 1,
      amount: 5,
      payee: null,
      transferId: 'c',
      idempotencyKey: null,
    };
    expect(decideStep(capture, account(5, { minBalance: 100 }, 5, 0, [open]), none)).toMatchObject({ amount: -5 });
    expect(decideStep(deposit(1), account(5, { minBalance: 100 }), none)).toMatchObject({ amount: 1 });
  });

  it('a maximum refuses the credit that passes it, of the account or of a payee; debits still apply above it', () => {
    expect(decideStep(deposit(6), account(10, { maxBalance: 15 }), none)).toEqual(
      limitExceeded(1, 'MAX_BALANCE', 15, 10, 6),
    );
    expect(decideStep(deposit(5), account(10, { maxBalance: 15 }), none)).toMatchObject({ amount: 5 });
    expect(decideStep(withdraw(1), account(20, { maxBalance: 15 }), none)).toMatchObject({ amount: -1 });
    expect(decideStep(pay(6), account(100), payee(10, { maxBalance: 15 }))).toEqual(
      limitExceeded(2, 'MAX_BALANCE', 15, 10, 6),
    );
    expect(decideStep(pay(5), account(100), payee(10, { maxBalance: 15 }))).toMatchObject({ amount: -5 });
    const set: Operation = { kind: 'set', balance: 16, reason: null, idempotencyKey: null };
    expect(decideStep(set, account(10, { maxBalance: 15 }), none)).toEqual(limitExceeded(1, 'MAX_BALANCE', 15, 10, 6));
    // Above a lowered maximum, what changes no balance still applies.
    expect(decideStep(limits({ dailyDebitLimit: 5 }), account(20, { maxBalance: 15 }), none)).toMatchObject({
      kind: LedgerEntryKind.LIMITS,
    });
  });

  it('the daily limit counts withdrawals, negative updates, transfers and captures; not credits or staff sets', () => {
    const daily = { dailyDebitLimit: 10 };
    expect(decideStep(withdraw(4), account(100, daily, 0, 7), none)).toEqual(limitExceeded(1, 'DAILY_DEBIT', 10, 7, 4));
    expect(decideStep(withdraw(3), account(100, daily, 0, 7), none)).toMatchObject({ amount: -3 });
    const adjust: Operation = { kind: 'adjust', amount: -4, idempotencyKey: null };
    expect(decideStep(adjust, account(100, daily, 0, 7), none)).toMatchObject({ type: 'LimitExceeded' });
    expect(decideStep(pay(4), account(100, daily, 0, 7), payee(0))).toMatchObject({ type: 'LimitExceeded' });
    const set: Operation = { kind: 'set', balance: 0, reason: null, idempotencyKey: null };
    expect(decideStep(set, account(100, daily, 0, 7), none)).toMatchObject({ amount: -100 });
    // Past a lowered limit, credits and what debits nothing still apply.
    expect(decideStep(deposit(1), account(100, daily, 0, 12), none)).toMatchObject({ amount: 1 });
    expect(decideStep(status('FROZEN'), account(100, daily, 0, 12), none)).toMatchObject({
      kind: LedgerEntryKind.STATUS,
    });
    expect(debitOf(LedgerEntryKind.UPDATE, 5)).toBe(0);
    expect(debitOf(LedgerEntryKind.WITHDRAWAL, 0)).toBe(0);
    expect(debitOf(LedgerEntryKind.TRANSFER_OUT, -2)).toBe(2);
    expect([debitOf(LedgerEntryKind.CAPTURE, -3), debitOf(LedgerEntryKind.DEPOSIT, 3), debitOf(SET, -3)]).toEqual([
      3, 0, 0,
    ]);
    // In one batch, each debit counts for the next.
    const decided = decideBatch(100, [withdraw(6), withdraw(4), withdraw(1)], new Map(), undefined, {
      ...UNREAD_ACCOUNT,
      rules: { ...DEFAULT_RULES, ...daily },
    });
    expect(decided.decisions.map((d) => (d.type === 'rejected' ? d.result.type : d.type))).toEqual([
      'accepted',
      'accepted',
      'LimitExceeded',
    ]);
  });

  it('frozen: no debit and no hold; credits, captures and voids apply. Closed: nothing, as a payee too', () => {
    const frozen = { status: 'FROZEN' as const };
    const placeHold: Operation = {
      kind: 'placeHold',
      amount: 1,
      expiresIn: 60,
      reason: null,
      payee: null,
      holdId: 9,
      idempotencyKey: null,
    };
    expect(decideStep(withdraw(1), account(10, frozen), none)).toEqual(accountFrozen(1));
    expect(decideStep(pay(1), account(10, frozen), payee(0))).toEqual(accountFrozen(1));
    expect(decideStep(placeHold, account(10, frozen), none)).toEqual(accountFrozen(1));
    expect(decideStep(deposit(1), account(10, frozen), none)).toMatchObject({ amount: 1 });
    const open = hold(1, 1, 5)[1];
    const release: Operation = { kind: 'void', holdId: 1, idempotencyKey: null };
    expect(decideStep(release, account(10, frozen, 5, 0, [open]), none)).toMatchObject({ kind: VOID });
    const capture: Operation = {
      kind: 'capture',
      holdId: 1,
      amount: 2,
      payee: null,
      transferId: 'c',
      idempotencyKey: null,
    };
    expect(decideStep(capture, account(10, frozen, 5, 0, [open]), none)).toMatchObject({ kind: CAPTURE, amount: -2 });
    const set: Operation = { kind: 'set', balance: 3, reason: null, idempotencyKey: null };
    expect(decideStep(set, account(10, frozen), none)).toMatchObject({ kind: SET, amount: -7 });
    const closed = { status: 'CLOSED' as const };
    for (const op of [deposit(1), withdraw(1), limits({ minBalance: -5 }), status('ACTIVE')]) {
      expect(decideStep(op, account(0, closed), none)).toEqual(accountClosed(1));
    }
    expect(decideStep(pay(1), account(10), payee(0, closed))).toEqual(accountClosed(2));
  });

  it('setLimits changes what it names (null: none, minBalance back to 0) and refuses limits that cannot hold', () => {
    const current = { minBalance: -5, maxBalance: 50, dailyDebitLimit: 20 };
    expect(decideStep(limits({ maxBalance: null }), account(10, current), none)).toMatchObject({
      kind: LedgerEntryKind.LIMITS,
      amount: 0,
      rules: { after: { ...DEFAULT_RULES, ...current, maxBalance: null }, actor: 'admin:ops' },
    });
    expect(decideStep(limits({ minBalance: null, dailyDebitLimit: 0 }), account(10, current), none)).toMatchObject({
      rules: { after: { minBalance: 0, maxBalance: 50, dailyDebitLimit: 0 } },
    });
    expect(decideStep(limits({ minBalance: 60 }), account(10, current), none)).toEqual(
      invalidInput('minBalance', 'minBalance (60) may not exceed maxBalance (50)'),
    );
    expect(decideStep(limits({ maxBalance: -1 }), account(10), none)).toEqual(
      invalidInput('maxBalance', `maxBalance must be between 0 and ${MAX_BALANCE}`),
    );
    expect(decideStep(limits({ dailyDebitLimit: -1 }), account(10), none)).toEqual(
      invalidInput('dailyDebitLimit', `dailyDebitLimit must be between 0 and ${MAX_BALANCE}`),
    );
    expect(decideStep(limits({ minBalance: 0.5 }), account(10), none)).toEqual(
      invalidInput('minBalance', 'minBalance must be a safe integer'),
    );
    expect(limitsProblem({ minBalance: 0, maxBalance: 0, dailyDebitLimit: null })).toBeUndefined();
    expect(limitsProblem({ minBalance: 5, maxBalance: null, dailyDebitLimit: null })).toBeUndefined();
    expect(limitsProblem({ minBalance: 0, maxBalance: 2 ** 53, dailyDebitLimit: null })).toMatchObject({
      field: 'maxBalance',
    });
    expect(limitsProblem({ minBalance: 0, maxBalance: null, dailyDebitLimit: 2 ** 53 })).toMatchObject({
      field: 'dailyDebitLimit',
    });
    expect(limitsProblem({ minBalance: 5, maxBalance: 5, dailyDebitLimit: 0 })).toBeUndefined();
  });

  it('setStatus: closing needs nothing left; a batch decides what follows a change under the new rules', () => {
    expect(decideStep(status('CLOSED'), account(1), none)).toEqual(accountNotEmpty(1, 1, 0));
    expect(decideStep(status('CLOSED'), account(5, {}, 5), none)).toEqual(accountNotEmpty(1, 5, 5));
    expect(decideStep(status('CLOSED'), account(0, {}, 5), none)).toEqual(accountNotEmpty(1, 0, 5));
    expect(decideStep(status('CLOSED'), account(0), none)).toMatchObject({
      kind: LedgerEntryKind.STATUS,
      reason: 'r',
      rules: { after: { status: 'CLOSED' } },
    });
    const decided = decideBatch(10, [
      withdraw(1),
      status('FROZEN'),
      withdraw(1),
      deposit(2),
      status('ACTIVE'),
      withdraw(1),
    ]);
    expect(decided.decisions.map((d) => (d.type === 'rejected' ? d.result.type : d.type))).toEqual([
      'accepted',
      'accepted',
      'AccountFrozen',
      'accepted',
      'accepted',
      'accepted',
    ]);
    expect(decided.rules).toEqual(DEFAULT_RULES);
    expect(decided.balance).toBe(10);
    expect(decideBatch(10, [withdraw(1)]).rules).toBeUndefined();
  });

  it('in a batch of items: debits count against the day for the next item, a status change for the next ones', () => {
    const users = new Map([userState(1, 100)]);
    users.set(1, { ...users.get(1)!, dailyDebitLimit: 10, debitedToday: 4 });
    const item = (op: Operation) => ({ userId: 1, op });
    const decided = decideItems(users, new Map(), [
      item(withdraw(5)),
      item(withdraw(2)),
      item(status('FROZEN')),
      item(deposit(1)),
      item(withdraw(1)),
    ]);
    expect(decided.items.map((d) => (d.type === 'rejected' ? d.result.type : d.type))).toEqual([
      'accepted',
      'LimitExceeded',
      'accepted',
      'accepted',
      'AccountFrozen',
    ]);
    expect(decided.accounts.get(1)).toMatchObject({ debitedToday: 9, rules: { status: 'FROZEN' } });
  });
});

describe('decideBatch: keys and transfers within one account', () => {
  const keyed = (text: string, amount: number): Operation => ({
    kind: 'withdraw',
    amount,
    idempotencyKey: keyOfRequest({ text, space: 'staff' }, WITHDRAWAL, [amount]),
  });
  const pay = transferOp;

  it('a key decided earlier in the batch: the same request gets the same answer (a refusal too), another is refused', () => {
    const ops = [keyed('a', 20), keyed('a', 20), keyed('a', 4), keyed('b', 4), keyed('b', 4), keyed('b', 5)];
    const decided = decideBatch(10, ops);
    expect(decided.decisions).toEqual([
      { type: 'rejected', result: insufficientFunds(10, 20) },
      { type: 'rejected', result: insufficientFunds(10, 20), replay: true },
      { type: 'rejected', result: idempotencyKeyReused('a') },
      { type: 'accepted', amount: -4, balanceAfter: 6, entry: 0 },
      { type: 'repeat', of: 3 },
      { type: 'rejected', result: idempotencyKeyReused('b') },
    ]);
    expect(decided.entries.map((e) => e.idempotencyKey?.text)).toEqual(['b']);
    // Only the refusal decided now is recorded: not its replay, not a reused key, nothing without a key.
    const unkeyed: Operation = { ...keyed('c', 50), idempotencyKey: null };
    const withUnkeyed = decideBatch(10, [...ops, unkeyed]);
    const results = withUnkeyed.decisions.map((d) => (d.type === 'rejected' ? d.result : { type: 'BalanceUpdated' }));
    expect(refusalsToRecord([...ops, unkeyed], withUnkeyed.decisions, results)).toEqual([
      { key: ops[0]!.idempotencyKey, refusal: insufficientFunds(10, 20) },
    ]);
  });

  it('a key recorded before: the same request is answered as recorded, another is refused', () => {
    const request = keyed('k', 3).idempotencyKey!;
    const recorded: RecordedEntry = {
      id: '9',
      space: 'staff',
      request: request.request,
      amount: -3,
      balanceAfter: 7,
      kind: WITHDRAWAL,
      reason: null,
    };
    const byKey = new Map([[keyId('staff', 'k'), recorded]]);
    const decided = decideBatch(10, [keyed('k', 3), keyed('k', 4)], byKey);
    expect(decided.decisions).toEqual([
      { type: 'recorded', entry: recorded },
      { type: 'rejected', result: idempotencyKeyReused('k') },
    ]);
    expect(decided.entries).toEqual([]);
  });

  it('a refusal recorded before: the same request gets it again (even with the funds there now), another is refused', () => {
    const request = keyed('k', 30).idempotencyKey!;
    const refusal = insufficientFunds(10, 30);
    const byKey = new Map<string, RecordedAnswer>([
      [keyId('staff', 'k'), { space: 'staff', request: request.request, refusal }],
    ]);
    const decided = decideBatch(100, [keyed('k', 30), keyed('k', 4)], byKey);
    expect(decided.decisions).toEqual([
      { type: 'rejected', result: refusal, replay: true },
      { type: 'rejected', result: idempotencyKeyReused('k') },
    ]);
    expect(decided.entries).toEqual([]);
    const results = decided.decisions.map((d) => (d.type === 'rejected' ? d.result : { type: 'BalanceUpdated' }));
    expect(refusalsToRecord([keyed('k', 30), keyed('k', 4)], decided.decisions, results)).toEqual([]);
  });

  it("transfers credit the payee as the batch goes: a payee's limit counts what the batch paid it already", () => {
    const payees = {
      accountOf: (payee: number) => (payee === 2 ? { balance: MAX_BALANCE - 5, rules: DEFAULT_RULES } : undefined),
    };
    const decided = decideBatch(20, [pay(2, 3), pay(2, 3), pay(2, 2), pay(3, 1)], new Map(), payees);
    expect(
      decided.decisions.map((d) => (d.type === 'rejected' ? d.result : d.type === 'accepted' ? d.amount : d)),
    ).toEqual([
      -3,
      invalidAmount(3, `The payee's balance may not exceed ${MAX_BALANCE}`),
      -2,
      userNotFound('3', 'PAYEE'),
    ]);
    expect(decided.entries.map((e) => e.transfer)).toEqual([
      { counterparty: 2, transferId: 't3' },
      { counterparty: 2, transferId: 't2' },
    ]);
    expect(decided.balance).toBe(15);
  });
  it("a batch's first transfer to a payee sees the payee as read: one at its maximum refuses it", () => {
    const payees = {
      accountOf: (payee: number) =>
        payee === 2 ? { balance: 10, rules: { ...DEFAULT_RULES, maxBalance: 12 } } : undefined,
    };
    const decided = decideBatch(20, [pay(2, 5), pay(2, 2), pay(2, 1)], new Map(), payees);
    expect(
      decided.decisions.map((d) => (d.type === 'rejected' ? d.result.type : d.type === 'accepted' ? d.amount : d)),
    ).toEqual(['LimitExceeded', -2, 'LimitExceeded']);
    expect(decided.decisions[0]).toMatchObject({ result: { userId: '2', limitAmount: 12, used: 10, requested: 5 } });
    expect(decided.balance).toBe(18);
  });
});

describe('decideBatch: what else it keeps', () => {
  const expiredHold = hold(4, 1, 6, { expired: true })[1];
  const holding = { ...UNREAD_ACCOUNT, held: 6, hold: (id: number) => (id === 4 ? expiredHold : undefined) };
  const keyedCapture: Operation = {
    kind: 'capture',
    holdId: 4,
    amount: null,
    payee: null,
    transferId: 'c',
    idempotencyKey: keyOfRequest({ text: 'cap', space: 'staff' }, CAPTURE, [4]),
  };

  it("releases an expired hold a capture finds without the client's key (the client was refused)", () => {
    const decided = decideBatch(10, [keyedCapture], new Map(), undefined, holding);
    expect(decided.entries).toMatchObject([{ kind: LedgerEntryKind.EXPIRY, held: -6, idempotencyKey: null }]);
    expect(decided.held).toBe(0);
  });

  it('records the HoldExpired a keyed capture was answered (it released the hold), without the release flag', () => {
    const decided = decideBatch(10, [keyedCapture], new Map(), undefined, holding);
    const answered = holdExpired(4, expiredHold.expiresAt, true);
    expect(refusalsToRecord([keyedCapture], decided.decisions, [answered])).toEqual([
      { key: keyedCapture.idempotencyKey, refusal: { ...answered, releasedNow: false } },
    ]);
    // A change answered is no refusal: nothing to record.
    expect(refusalsToRecord([keyedCapture], decided.decisions, [{ type: 'HoldCaptured' }])).toEqual([]);
  });

  it('a hold placed in the batch cannot be ended in it: its id is not one the batch read', () => {
    const place: Operation = {
      kind: 'placeHold',
      amount: 2,
      expiresIn: 60,
      reason: null,
      payee: null,
      holdId: 8,
      idempotencyKey: null,
    };
    const end: Operation = { kind: 'void', holdId: 8, idempotencyKey: null };
    expect(
      decideBatch(10, [place, end]).decisions.map((d) => (d.type === 'rejected' ? d.result.type : d.type)),
    ).toEqual(['accepted', 'HoldNotFound']);
  });

  it('a transfer without payees to look at is to an unknown payee', () => {
    const pay = transferOp(2, 1);
    expect(decideBatch(10, [pay]).decisions).toEqual([{ type: 'rejected', result: userNotFound('2', 'PAYEE') }]);
  });

  it('a legacy key is refused even when its request matches, and keysOf lists the distinct key texts', () => {
    const withdraw: Operation = {
      kind: 'withdraw',
      amount: 1,
      idempotencyKey: keyOfRequest({ text: 'old', space: 'staff' }, WITHDRAWAL, [1]),
    };
    const legacy: RecordedEntry = {
      id: '1',
      space: 'legacy',
      request: withdraw.idempotencyKey!.request,
      amount: -1,
      balanceAfter: 9,
      kind: WITHDRAWAL,
      reason: null,
    };
    const decided = decideBatch(10, [withdraw], new Map([[keyId('legacy', 'old'), legacy]]));
    expect(decided.decisions).toEqual([{ type: 'rejected', result: idempotencyKeyReused('old') }]);
    const unkeyed: Operation = { kind: 'deposit', amount: 1, idempotencyKey: null };
    expect(keysOf([withdraw, unkeyed, withdraw, keyedCapture])).toEqual(['old', 'cap']);
    expect(keysOf([unkeyed])).toEqual([]);
  });

  it('a hold ended by a void has nothing captured', () => {
    const open = hold(4, 1, 6)[1];
    expect(endedAs(open, VOID, 0)).toMatchObject({ status: HoldStatus.VOIDED, captured: null });
    expect(endedAs(open, CAPTURE, -5)).toMatchObject({ status: HoldStatus.CAPTURED, captured: 5 });
  });
});

describe('expectedVersion (compare-and-set)', () => {
  const withdraw = (amount: number, expectedVersion?: number): Operation => ({
    kind: 'withdraw',
    amount,
    idempotencyKey: null,
    ...(expectedVersion === undefined ? {} : { expectedVersion }),
  });
  const read = { ...UNREAD_ACCOUNT, id: 3, version: 7 };

  it('one batch: each operation expects the version the ones before left (one per entry; a refusal adds none)', () => {
    const ops = [withdraw(1, 7), withdraw(1, 7), withdraw(50), withdraw(1, 8), withdraw(1, 9)];
    const decided = decideBatch(10, ops, new Map(), undefined, read);
    expect(decided.decisions.map((d) => (d.type === 'rejected' ? d.result : d.type))).toEqual([
      'accepted',
      versionMismatch(3, 7, 8),
      insufficientFunds(9, 50),
      'accepted',
      'accepted',
    ]);
  });

  it('is decided before the kind and the funds, and only against an account read under its lock', () => {
    expect(decideStep(withdraw(100, 6), { ...UNREAD_ACCOUNT, balance: 1, id: 3, version: 7 }, () => undefined)).toEqual(
      versionMismatch(3, 6, 7),
    );
    expect(() => decideBatch(10, [withdraw(1, 7)])).toThrow(/without reading its account/);
  });

  it('in a batch of items, a credit from another account counts in the payee version', () => {
    const at = ([id, user]: [number, UserState], version: number): [number, UserState] => [id, { ...user, version }];
    const users = new Map([at(userState(1, 10), 4), at(userState(2, 10), 9)]);
    const items: Item[] = [
      { userId: 1, op: transferOp(2, 3) },
      { userId: 2, op: withdraw(1, 9) },
      { userId: 2, op: withdraw(1, 10) },
    ];
    const decided = decideItems(users, new Map(), items);
    expect(decided.items.map((i) => (i.type === 'rejected' ? i.result : i.type))).toEqual([
      'accepted',
      versionMismatch(2, 9, 10),
      'accepted',
    ]);
  });
});
