// The pure decision step of the balance path: no database, no server, no GraphQL.
import { describe, expect, it } from 'vitest';
import { answers, stateAfterEntry } from '../src/core/answers.js';
import { decideBatch, UNREAD_ACCOUNT } from '../src/core/decide.js';
import type { RecordedEntry } from '../src/core/key-records.js';
import type { HoldState } from '../src/core/hold.js';
import { keyOfRequest, type KeySpace } from '../src/core/idempotency.js';
import { LedgerEntryKind } from '../src/core/ledger.js';
import type { Operation } from '../src/core/operations.js';
import { MAX_BALANCE, type UserState } from '../src/core/user.js';
import { holdState, NO_LIMITS } from './fixtures.js';

const { UPDATE, DEPOSIT, WITHDRAWAL, RESET, SET, GRANT } = LedgerEntryKind;

/**
 * An operation as a service makes it, by the ledger kind it writes and its signed change (a withdrawal of 5 is
 * -5); its key (staff's, or the system's for a grant) digests what it asks.
 */
const op = (
  kind: LedgerEntryKind,
  value: number,
  idempotencyKey: string | null = null,
  reason: string | null = null,
  space: KeySpace = kind === GRANT ? 'system' : 'staff',
): Operation => {
  const key = keyOfRequest(idempotencyKey === null ? null : { text: idempotencyKey, space }, kind, [value, reason]);
  switch (kind) {
    case UPDATE:
      return { kind: 'adjust', amount: value, idempotencyKey: key };
    case DEPOSIT:
      return { kind: 'deposit', amount: value, idempotencyKey: key };
    case WITHDRAWAL:
      return { kind: 'withdraw', amount: -value, idempotencyKey: key };
    case RESET:
      return { kind: 'reset', idempotencyKey: key };
    case SET:
      return { kind: 'set', balance: value, reason, idempotencyKey: key };
    case GRANT:
      return { kind: 'grant', amount: value, idempotencyKey: key };
    default:
      throw new Error(`no plain operation writes ${kind}`);
  }
};
/** What each decision came to: the kept amount, or the refusal's type, or a repeat. */
const outcomes = (balance: number, ops: Operation[], recorded?: Map<string, RecordedEntry>) => {
  const decided = decideBatch(balance, ops, recorded);
  return {
    balance: decided.balance,
    outcomes: decided.decisions.map((d) =>
      d.type === 'accepted' ? d.amount : d.type === 'rejected' ? d.result.type : d.type,
    ),
  };
};

describe('decideBatch', () => {
  const cases: [string, number, Operation[], { balance: number; outcomes: (number | string)[] }][] = [
    [
      'withdrawals in order until the money runs out',
      5,
      [op(UPDATE, -2), op(UPDATE, -2), op(UPDATE, -2)],
      { balance: 1, outcomes: [-2, -2, 'InsufficientFunds'] },
    ],
    [
      'a refusal does not stop later smaller ones',
      3,
      [op(WITHDRAWAL, -5), op(WITHDRAWAL, -3)],
      { balance: 0, outcomes: ['InsufficientFunds', -3] },
    ],
    [
      'a deposit makes room for a later withdrawal',
      0,
      [op(WITHDRAWAL, -4), op(DEPOSIT, 5), op(WITHDRAWAL, -4)],
      { balance: 1, outcomes: ['InsufficientFunds', 5, -4] },
    ],
    ['reset records the actual change', 120, [op(RESET, 0)], { balance: 0, outcomes: [-120] }],
    [
      'set moves to the value whatever came before',
      10,
      [op(UPDATE, 5), op(SET, 7, null, 'sync')],
      { balance: 7, outcomes: [5, -8] },
    ],
    ['a set to the current balance is an audited 0', 7, [op(SET, 7)], { balance: 7, outcomes: [0] }],
    [
      'past the largest balance is InvalidAmount',
      MAX_BALANCE - 1,
      [op(GRANT, 5, 'grant:d'), op(UPDATE, 1)],
      { balance: MAX_BALANCE, outcomes: ['InvalidAmount', 1] },
    ],
    [
      'a repeated key in the batch repeats the first answer',
      10,
      [op(UPDATE, -1, 'k'), op(UPDATE, -1, 'k')],
      { balance: 9, outcomes: [-1, 'repeat'] },
    ],
    [
      'a repeated key with other parameters is refused',
      10,
      [op(UPDATE, -1, 'k'), op(UPDATE, -2, 'k')],
      { balance: 9, outcomes: [-1, 'IdempotencyKeyReused'] },
    ],
    [
      'the same text as a client key and a system key is two keys',
      10,
      [op(UPDATE, -1, 'grant:d'), op(GRANT, 5, 'grant:d')],
      { balance: 14, outcomes: [-1, 5] },
    ],
    [
      "the same text as a user's key and a staff key is two keys",
      10,
      [op(WITHDRAWAL, -1, 'k', null, 'user'), op(WITHDRAWAL, -1, 'k', null, 'staff')],
      { balance: 8, outcomes: [-1, -1] },
    ],
    [
      'a repeated key with another reason is refused',
      10,
      [op(SET, 5, 'k', 'a'), op(SET, 5, 'k', 'b')],
      { balance: 5, outcomes: [-5, 'IdempotencyKeyReused'] },
    ],
    [
      'a repeated key of another kind is refused',
      10,
      [op(DEPOSIT, 1, 'k'), op(UPDATE, 1, 'k')],
      { balance: 11, outcomes: [1, 'IdempotencyKeyReused'] },
    ],
    [
      'a refused operation holds its key: the same request again gets the same refusal, after a deposit too',
      0,
      [op(UPDATE, -1, 'k'), op(DEPOSIT, 1), op(UPDATE, -1, 'k'), op(UPDATE, -2, 'k')],
      { balance: 1, outcomes: ['InsufficientFunds', 1, 'InsufficientFunds', 'IdempotencyKeyReused'] },
    ],
  ];
  it.each(cases)('%s', (_name, balance, ops, expected) => {
    expect(outcomes(balance, ops)).toEqual(expected);
  });

  it('answers a key recorded before as the first time, for the same request in its own key space only', () => {
    const first = op(UPDATE, -1, 'k');
    const recorded = new Map<string, RecordedEntry>([
      [
        'staff:k',
        {
          id: '7',
          amount: -1,
          balanceAfter: 9,
          kind: UPDATE,
          reason: null,
          space: 'staff',
          request: first.idempotencyKey!.request,
        },
      ],
    ]);
    const ops = [first, op(UPDATE, -3, 'k'), op(GRANT, 5, 'k'), op(UPDATE, -1, 'k', null, 'user')];
    expect(outcomes(5, ops, recorded)).toEqual({
      balance: 9,
      outcomes: ['recorded', 'IdempotencyKeyReused', 5, -1],
    });
  });

  it('refuses a repeat of a key recorded before key spaces (legacy), whoever sends it, however it was sent', () => {
    const recorded = new Map<string, RecordedEntry>([
      [
        'legacy:k',
        { id: '7', amount: -1, balanceAfter: 9, kind: UPDATE, reason: null, space: 'legacy', request: null },
      ],
    ]);
    const ops = [op(UPDATE, -1, 'k'), op(UPDATE, -1, 'k', null, 'user')];
    expect(outcomes(5, ops, recorded)).toEqual({
      balance: 5,
      outcomes: ['IdempotencyKeyReused', 'IdempotencyKeyReused'],
    });
  });
});

describe('answers', () => {
  it('gives each change the user as it was right after it: its balance and its own version', () => {
    const before: UserState = {
      id: 1,
      username: 'u',
      email: null,
      name: null,
      balance: 100,
      held: 0,
      version: 4,
      ...NO_LIMITS,
      createdAt: new Date(0),
      updatedAt: new Date(0),
    };
    const decided = decideBatch(100, [op(UPDATE, -1), op(UPDATE, -200), op(UPDATE, -2)]);
    const after = { ...before, balance: 97, version: 6 };
    const results = answers(decided, before, after, ['10', '11']);
    expect(results.map((r) => r.type)).toEqual(['BalanceUpdated', 'InsufficientFunds', 'BalanceUpdated']);
    expect(stateAfterEntry(after, decided, 0)).toMatchObject({ balance: 99, version: 5 });
    expect(results[2]).toMatchObject({ balance: 97, entryId: '11', user: { balance: 97, version: 6 } });
  });
});

describe('decideBatch with holds', () => {
  const { HOLD, CAPTURE, VOID, EXPIRY } = LedgerEntryKind;
  const open = (id: number, amount: number, expired = false): HoldState =>
    holdState(id, 1, amount, { expiresAt: new Date(0), expired })[1];
  const holdOp = (kind: LedgerEntryKind, id: number, value = 0): Operation => {
    const idempotencyKey = null;
    if (kind === HOLD)
      return { kind: 'placeHold', amount: value, expiresIn: 60, reason: null, payee: null, holdId: id, idempotencyKey };
    if (kind === CAPTURE)
      return { kind: 'capture', holdId: id, amount: value || null, payee: null, transferId: 't', idempotencyKey };
    return { kind: kind === VOID ? 'void' : 'expire', holdId: id, idempotencyKey };
  };
  /** Each decision as [entry kind, amount, held change] or the refusal's type; then balance and held. */
  const decide = (balance: number, held: number, holds: HoldState[], ops: Operation[]) => {
    const byId = new Map(holds.map((h) => [h.id, h]));
    const decided = decideBatch(balance, ops, undefined, undefined, {
      ...UNREAD_ACCOUNT,
      held,
      hold: (id) => byId.get(id),
    });
    return {
      balance: decided.balance,
      held: decided.held,
      outcomes: decided.decisions.map((d) => {
        if (d.type !== 'accepted') return d.type === 'rejected' ? d.result.type : d.type;
        const entry = decided.entries[d.entry]!;
        return [entry.kind, entry.amount, entry.held];
      }),
    };
  };
  const cases: [string, () => ReturnType<typeof decide>, ReturnType<typeof decide>][] = [
    [
      'a hold takes from what is available, and spending after it too',
      () => decide(100, 0, [], [holdOp(HOLD, 9, 70), op(WITHDRAWAL, -31), holdOp(HOLD, 10, 31), op(WITHDRAWAL, -30)]),
      {
        balance: 70,
        held: 70,
        outcomes: [[HOLD, 0, 70], 'InsufficientFunds', 'InsufficientFunds', [WITHDRAWAL, -30, 0]],
      },
    ],
    [
      'a capture takes up to the hold and releases all of it; a second ending in the batch is told how it ended',
      () => decide(100, 50, [open(1, 50)], [holdOp(CAPTURE, 1, 51), holdOp(CAPTURE, 1, 20), holdOp(VOID, 1)]),
      { balance: 80, held: 0, outcomes: ['InvalidAmount', [CAPTURE, -20, -50], 'HoldAlreadyCaptured'] },
    ],
    [
      'a capture of all of it (no amount) takes the hold; a void releases it',
      () => decide(100, 30, [open(1, 10), open(2, 20)], [holdOp(CAPTURE, 1), holdOp(VOID, 2), holdOp(CAPTURE, 2)]),
      { balance: 90, held: 0, outcomes: [[CAPTURE, -10, -10], [VOID, 0, -20], 'HoldAlreadyVoided'] },
    ],
    [
      'an expired hold is released (EXPIRY) by whatever ends it first, and answered HoldExpired after',
      () => decide(100, 10, [open(1, 10, true)], [holdOp(CAPTURE, 1, 5), holdOp(EXPIRY, 1), holdOp(VOID, 1)]),
      { balance: 100, held: 0, outcomes: [[EXPIRY, 0, -10], 'HoldExpired', 'HoldExpired'] },
    ],
    [
      'the sweeper leaves an open hold that has not expired; an unknown hold is not found',
      () => decide(100, 10, [open(1, 10)], [holdOp(EXPIRY, 1), holdOp(VOID, 2)]),
      { balance: 100, held: 10, outcomes: ['HoldNotExpired', 'HoldNotFound'] },
    ],
    [
      'a reset or set may not go below the credits on hold',
      () => decide(100, 10, [], [op(RESET, 0), op(SET, 5), op(SET, 10)]),
      { balance: 10, held: 10, outcomes: ['InvalidAmount', 'InvalidAmount', [SET, -90, 0]] },
    ],
  ];
  it.each(cases)('%s', (_name, run, expected) => {
    expect(run()).toEqual(expected);
  });
});
