import { parseUserId } from '../common/user-id.js';
import { ForbiddenError } from './auth.errors.js';
import type { Principal } from './principal.js';

/**
 * Who may do what. `service` and `admin` may do everything; `user` may read only its own user and ledger and
 * may only spend its own balance. Resolvers call these first, so a refused request reads and changes nothing.
 */
const isStaff = (principal: Principal): boolean => principal.role === 'service' || principal.role === 'admin';

/** Operations that create money or users, or overwrite balances: `service` or `admin` only. */
export function requireStaff(principal: Principal, action: string): void {
  if (!isStaff(principal)) throw new ForbiddenError(`Only a service or admin may ${action}`);
}

/** Reading a user or its ledger: the user itself, or staff. */
export function requireOwnUser(principal: Principal, rawUserId: string | number): void {
  if (isStaff(principal)) return;
  const userId = typeof rawUserId === 'number' ? rawUserId : parseUserId(rawUserId);
  if (userId === undefined || userId !== principal.userId) {
    throw new ForbiddenError('A user may read only its own account and ledger');
  }
}

/**
 * A balance change a `user` may make only to itself, and only to spend: `amount` is the signed change (a zero
 * goes on to be refused as InvalidAmount).
 */
export function requireOwnSpending(principal: Principal, rawUserId: string, amount: number): void {
  if (isStaff(principal)) return;
  if (parseUserId(rawUserId) !== principal.userId) throw new ForbiddenError('A user may change only its own balance');
  if (amount > 0) throw new ForbiddenError('A user may only spend (a negative amount); crediting needs a service');
}

/** A transfer: a `user` only from its own account (to anyone); staff from any. */
export function requireOwnTransfer(principal: Principal, rawFromUserId: string): void {
  if (isStaff(principal)) return;
  if (parseUserId(rawFromUserId) !== principal.userId) {
    throw new ForbiddenError('A user may transfer only from its own account');
  }
}

/** Making or voiding a hold: a `user` only on its own account; staff on any. */
export function requireOwnHold(principal: Principal, rawUserId: string | number): void {
  if (isStaff(principal)) return;
  const userId = typeof rawUserId === 'number' ? rawUserId : parseUserId(rawUserId);
  if (userId !== principal.userId) throw new ForbiddenError('A user may make and void holds only on its own account');
}
