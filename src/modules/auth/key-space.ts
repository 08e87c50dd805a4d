import type { ClientKey, KeySpace } from '../../core/idempotency.js';
import type { Principal } from './principal.js';

/** The key space of a caller's requests: the account holder's own (role `user`), or staff. */
export function keySpaceOf(principal: Principal): KeySpace {
  return principal.role === 'user' ? 'user' : 'staff';
}

/** The caller's idempotency key (null when it sent none). */
export function clientKey(principal: Principal, text: string | null | undefined): ClientKey | null {
  return text == null ? null : { text, space: keySpaceOf(principal) };
}
