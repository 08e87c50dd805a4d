import { HoldStatus, type HoldState } from '../src/core/hold.js';
import type { Transfer } from '../src/core/operations.js';
import type { UserState } from '../src/core/user.js';

// States as the stores read them, for the tests of the pure decisions.

/** A user's rule columns when nothing was ever set (nothing debited, counted on the epoch's day). */
export const NO_LIMITS = {
  minBalance: 0,
  maxBalance: null,
  dailyDebitLimit: null,
  status: 'ACTIVE',
  debitedToday: 0,
  countedOn: '1970-01-01',
} as const;

/** User `id` at version 1, as a [id, state] pair for a Map. */
export const userState = (id: number, balance: number, held = 0): [number, UserState] => [
  id,
  {
    id,
    username: `u${id}`,
    email: null,
    name: null,
    balance,
    held,
    version: 1,
    ...NO_LIMITS,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  },
];

/** An open hold of `userId`, as a [id, hold] pair for a Map; `extra` overrides any field. */
export const holdState = (
  id: number,
  userId: number,
  amount: number,
  extra: Partial<HoldState> = {},
): [number, HoldState] => [
  id,
  {
    id,
    userId,
    payeeId: null,
    amount,
    status: HoldStatus.OPEN,
    captured: null,
    reason: null,
    idempotencyKey: null,
    expiresAt: new Date(1000),
    createdAt: new Date(0),
    endedAt: null,
    expired: false,
    ...extra,
  },
];

/** A transfer of `amount` to `payee`, without a key; its transfer id is `t` and the amount. */
export const transferOp = (payee: number, amount: number): Transfer => ({
  kind: 'transfer',
  payee,
  amount,
  reason: null,
  transferId: `t${amount}`,
  idempotencyKey: null,
});
