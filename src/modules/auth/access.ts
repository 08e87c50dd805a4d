import { Extensions } from 'type-graphql';
import { parseUserId } from '../common/user-id.js';
import { ForbiddenError } from './auth.errors.js';
import type { Principal } from './principal.js';

// Who may do what, declared on the schema's fields and decided by the operation guard (operation-guard.ts)
// before anything runs: `service` and `admin` may do everything; `user` may read only its own account and
// spend only its own balance, and sees another account at most as its `id`.

export const isStaff = (principal: Principal): boolean => principal.role === 'service' || principal.role === 'admin';

/** Whether the caller may see the account of `userId` (and its ledger entries and holds). */
export function mayRead(principal: Principal, userId: number): boolean {
  return isStaff(principal) || principal.userId === userId;
}

/**
 * Decides from a root field's arguments (as coerced) whether a caller of role `user` may run it; throws
 * ForbiddenError if not. (Staff may run everything: the guard asks no rule for them.)
 */
export type AccessRule = (principal: Principal, args: Readonly<Record<string, unknown>>) => void;

/** Checks a field's arguments (as coerced) before the operation runs; throws a GraphQLError when they are wrong. */
export type ArgumentsCheck = (args: Readonly<Record<string, unknown>>) => void;

/** The field extensions the guard reads (type-graphql puts them on the GraphQL fields and types). */
export const ACCESS_RULE = 'accessRule';
export const ARGUMENTS_CHECK = 'argumentsCheck';
/** On a field whose type is an account: `own` when, for a role `user`, it is always the caller's own account. */
export const ACCOUNT_SHOWN = 'accountShown';
/** On an object type that is an account: the fields anyone may see of another user's account. */
export const ACCOUNT_PUBLIC_FIELDS = 'accountPublicFields';

/** Every root field (query, mutation, subscription) declares who may run it. */
export function Access(rule: AccessRule): MethodDecorator {
  return Extensions({ [ACCESS_RULE]: rule });
}

/** Every field with arguments below the root declares how they are checked before the operation runs. */
export function CheckArguments(check: ArgumentsCheck): MethodDecorator {
  return Extensions({ [ARGUMENTS_CHECK]: check });
}

/**
 * Marks a field whose account is, for a role `user`, always the caller's own (the root rules guarantee it: a
 * user acts only on its own account). Any other field leading to an account shows another user's.
 */
export function CallersAccount(): MethodDecorator & PropertyDecorator {
  return Extensions({ [ACCOUNT_SHOWN]: 'own' });
}

/** Marks an object type as an account, of which others see only `publicFields`. */
export function AccountType(publicFields: readonly string[]): ClassDecorator {
  return Extensions({ [ACCOUNT_PUBLIC_FIELDS]: publicFields });
}

/** No restriction: what the caller may see is decided by what it asks for (e.g. another's hold reads as none). */
export const anyone: AccessRule = () => undefined;

/** Operations that create money or users, overwrite balances, capture holds or list users. */
export function staffOnly(action: string): AccessRule {
  return () => {
    throw new ForbiddenError(`Only a service or admin may ${action}`);
  };
}

function ownId(principal: Principal, raw: unknown): boolean {
  return typeof raw === 'string' && parseUserId(raw) === principal.userId;
}

/** Marks a rule that binds staff too (the guard asks it of every role but `admin`). */
export const BINDS_SERVICE = Symbol('bindsService');

/** Operations on the service's own setup (webhook endpoints): an admin only, not a service. */
export function adminOnly(action: string): AccessRule {
  const rule: AccessRule = () => {
    throw new ForbiddenError(`Only an admin may ${action}`);
  };
  return Object.assign(rule, { [BINDS_SERVICE]: true });
}

/** Whether `rule` is asked of a `service` too. */
export const bindsService = (rule: AccessRule): boolean =>
  (rule as { [BINDS_SERVICE]?: boolean })[BINDS_SERVICE] === true;

/** Reading (or watching) an account: its own user, or staff. */
export function ownAccount(userIdArg: string): AccessRule {
  return (principal, args) => {
    if (!ownId(principal, args[userIdArg])) throw new ForbiddenError('A user may read only its own account and ledger');
  };
}

/**
 * A balance change a `user` may make only to itself, and only to spend: `signedAmount` gives the change the
 * arguments ask for (a zero goes on to be refused as InvalidAmount).
 */
export function ownSpending(signedAmount: (args: Readonly<Record<string, unknown>>) => number): AccessRule {
  return (principal, args) => {
    if (!ownId(principal, args['userId'])) throw new ForbiddenError('A user may change only its own balance');
    if (signedAmount(args) > 0) {
      throw new ForbiddenError('A user may only spend (a negative amount); crediting needs a service');
    }
  };
}

/** A transfer: a `user` only from its own account (to anyone); staff from any. */
export const ownTransfer: AccessRule = (principal, args) => {
  if (!ownId(principal, args['fromUserId'])) throw new ForbiddenError('A user may transfer only from its own account');
};

/**
 * Making a hold: a `user` only on its own account and without a payee. A payee is named by the service that will
 * capture the hold; a user naming one could learn for free whether an id has a user (a hold can be voided).
 */
export const ownHold: AccessRule = (principal, args) => {
  if (!ownId(principal, args['userId'])) throw new ForbiddenError('A user may make holds only on its own account');
  if (args['payeeId'] != null) throw new ForbiddenError('Only a service or admin may name the payee of a hold');
};

/**
 * The rules of the balance mutations, by mutation name: each mutation declares its own, and a batch item (named
 * like the mutation it stands for) is allowed exactly when that mutation would be.
 */
export const MUTATION_RULES = {
  updateBalance: ownSpending((args) => Number(args['amount'])),
  deposit: staffOnly('deposit'),
  withdraw: ownSpending((args) => -Math.abs(Number(args['amount']))),
  resetBalance: staffOnly('reset a balance'),
  setBalance: staffOnly('set a balance'),
  transfer: ownTransfer,
  hold: ownHold,
  captureHold: staffOnly('capture a hold'),
  // Another user's hold reads as none: ownership is decided with the hold (HoldNotFound), not here.
  voidHold: anyone,
} satisfies Record<string, AccessRule>;

/** A batch: every item by the rule of the mutation it names. */
export const batchAccess: AccessRule = (principal, args) => {
  for (const item of (args['operations'] as readonly Record<string, unknown>[] | undefined) ?? []) {
    for (const [name, itemArgs] of Object.entries(item)) {
      const rule = MUTATION_RULES[name as keyof typeof MUTATION_RULES];
      if (!rule) throw new ForbiddenError(`No batch item may be ${name}`);
      rule(principal, itemArgs as Record<string, unknown>);
    }
  }
};
