import { createUnionType } from 'type-graphql';
import { ConcurrentUpdate, UserNotFound } from '../balance/balance.types.js';
import { byType, InvalidInput } from '../common/errors.types.js';
import { AccountClosed, AccountNotEmpty, AccountStatusSet, LimitsSet } from './rules.types.js';

export const SetLimitsResult = createUnionType({
  name: 'SetLimitsResult',
  description: 'The outcome of setLimits: the limits changed, or why not (nothing was changed).',
  resolveType: byType,
  types: () => [LimitsSet, UserNotFound, InvalidInput, AccountClosed, ConcurrentUpdate] as const,
});

export const SetAccountStatusResult = createUnionType({
  name: 'SetAccountStatusResult',
  description: 'The outcome of setAccountStatus: the status changed, or why not (nothing was changed).',
  resolveType: byType,
  types: () =>
    [AccountStatusSet, UserNotFound, InvalidInput, AccountNotEmpty, AccountClosed, ConcurrentUpdate] as const,
});
