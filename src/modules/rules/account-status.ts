import { registerEnumType } from 'type-graphql';

/** An account's status (core/user.ts AccountStatus), as the schema shows it. */
export enum AccountStatus {
  ACTIVE = 'ACTIVE',
  FROZEN = 'FROZEN',
  CLOSED = 'CLOSED',
}

registerEnumType(AccountStatus, {
  name: 'AccountStatus',
  description: 'Whether an account takes changes.',
  valuesConfig: {
    ACTIVE: { description: 'every operation' },
    FROZEN: { description: 'credits, hold captures, voids and expiries only; new debits and holds are AccountFrozen' },
    CLOSED: { description: 'no change at all (AccountClosed); final' },
  },
});
