// How the engine plans a user's batch without a read (relative) and checks it once written: pure, no database.
import { describe, expect, it } from 'vitest';
import { keyOfRequest } from '../src/core/idempotency.js';
import { LedgerEntryKind } from '../src/core/ledger.js';
import type { Operation } from '../src/core/operations.js';
import {
  accountClosed,
  accountFrozen,
  idempotencyKeyReused,
  insufficientFunds,
  limitExceeded,
} from '../src/core/refusals.js';
import { MAX_BALANCE, type UserState } from '../src/core/user.js';
import { dependsOnBalance, relativePlan, settled } from '../src/engine/plan.js';
import { transferOp, userState } from './fixtures.js';

const adjust = (amount: number, key: string | null = null): Operation => ({
  kind: 'adjust',
  amount,
  idempotencyKey: keyOfRequest(key === null ? null : { text: key, space: 'staff' }, LedgerEntryKind.UPDATE, [amount]),
});
const batch = (...ops: Operation[]) => ({ key: 7, ops, attempt: 1 });
const state = (balance: number, version: number): UserState => ({ ...userState(7, balance)[1], version });
const MID = Math.floor(MAX_BALANCE / 2);

describe('relativePlan', () => {
  it('plans changes from a balance of 0: each entry after the batch start', () => {
    const plan = relativePlan(batch(adjust(5), adjust(-3), adjust(-10)), undefined)!;
    expect(plan.state).toBeUndefined();
    expect(plan.fromMemory).toBe(false);
    expect(plan.decided.balance).toBe(-8);
    expect(plan.decided.held).toBe(0);
    expect(plan.decided.entries.map((e) => [e.amount, e.balanceAfter, e.heldAfter])).toEqual([
      [5, 5, 0],
      [-3, 2, 0],
      [-10, -8, 0],
    ]);
  });

  it('shifts a batch decided from memory instead of deciding it again', () => {
    const plan = relativePlan(batch(adjust(-4)), undefined, {
      balance: 10,
      held: 2,
      decided: {
        balance: 6,
        held: 2,
        decisions: [{ type: 'accepted', amount: -4, balanceAfter: 6, entry: 0 }],
        entries: [
          {
            amount: -4,
            balanceAfter: 6,
            held: 0,
            heldAfter: 2,
            kind: LedgerEntryKind.UPDATE,
            reason: null,
            idempotencyKey: null,
          },
        ],
      },
    })!;
    expect(plan.decided).toMatchObject({ balance: -4, held: 0, entries: [{ balanceAfter: -4, heldAfter: 0 }] });
  });

  it('needs a read for sets, transfers, holds and keys, and for refusals that depend on the balance', () => {
    const set: Operation = { kind: 'set', balance: 3, reason: null, idempotencyKey: null };
    const pay = transferOp(2, 1);
    expect(relativePlan(batch(adjust(1), set), undefined)).toBeUndefined();
    expect(relativePlan(batch(pay), undefined)).toBeUndefined();
    expect(relativePlan(batch(adjust(-MID - 1)), undefined)).toBeUndefined();
    expect(relativePlan(batch(adjust(MAX_BALANCE)), undefined)).toBeUndefined();
    // One change that fits and one that a balance could refuse: the whole batch needs a read.
    expect(relativePlan(batch(adjust(1), adjust(-MID - 10)), undefined)).toBeUndefined();
    // An operation under a key is decided under its row lock, where its key's record is read and written: never
    // relative, alone or beside others.
    expect(relativePlan(batch(adjust(1, 'k')), undefined)).toBeUndefined();
    expect(relativePlan(batch(adjust(1), adjust(1, 'k')), undefined)).toBeUndefined();
  });
});

describe('dependsOnBalance', () => {
  it('is true of a lack of funds or an amount out of range, not of a reused key', () => {
    expect(dependsOnBalance(insufficientFunds(1, 2))).toBe(true);
    expect(dependsOnBalance({ type: 'InvalidAmount', code: 'INVALID_AMOUNT', message: '', amount: 1 })).toBe(true);
    expect(dependsOnBalance(idempotencyKeyReused('k'))).toBe(false);
  });

  it("is true of the account's limits and status: they are read with the row too", () => {
    expect(dependsOnBalance(limitExceeded(7, 'DAILY_DEBIT', 10, 8, 3))).toBe(true);
    expect(dependsOnBalance(accountFrozen(7))).toBe(true);
    expect(dependsOnBalance(accountClosed(7))).toBe(true);
  });
});

describe('settled', () => {
  it("takes back the batch's debits from the day's: the decision against the user before it has the limit's room", () => {
    const plan = relativePlan(batch(adjust(-5)), undefined)!;
    const after = { ...state(95, 9), dailyDebitLimit: 10, debitedToday: 10, countedOn: '2026-12-06' };
    expect(settled(plan, after).before).toMatchObject({ balance: 100, debitedToday: 10 });
    expect(settled(plan, after).decided.entries).toHaveLength(1);
  });

  it('gives the user before a relative batch and its decision against that balance', () => {
    const plan = relativePlan(batch(adjust(5), adjust(-2)), undefined)!;
    const { before, decided } = settled(plan, state(13, 9));
    expect(before).toMatchObject({ balance: 10, version: 7 });
    expect(decided.entries.map((e) => e.balanceAfter)).toEqual([15, 13]);
  });

  it('refuses a write its decision would not accept: a relative batch must never go through otherwise', () => {
    const plan = relativePlan(batch(adjust(-5)), undefined)!;
    // After it the row says 1: it started from 6, where the withdrawal is accepted.
    expect(settled(plan, state(1, 2)).before.balance).toBe(6);
    // A row that started from 4 could not have taken it: the decision refuses, and settled says so.
    const tampered = { ...plan, decided: { ...plan.decided, balance: -3 } };
    expect(() => settled(tampered, state(1, 2))).toThrow(
      'a relative batch was written that its decision does not accept',
    );
    // The same number of entries, one of them for another amount: also refused.
    const two = relativePlan(batch(adjust(5), adjust(-2)), undefined)!;
    const changed = {
      ...two,
      decided: { ...two.decided, entries: [two.decided.entries[0]!, { ...two.decided.entries[1]!, amount: -3 }] },
    };
    expect(() => settled(changed, state(13, 9))).toThrow('does not accept');
  });
});
