import type { PubSub } from 'type-graphql';
import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import { Access, ownAccount } from '../auth/access.js';
import type { UserNotFound } from '../../core/refusals.js';
import { BalanceChangedResult, type BalanceChangeState } from './balance-change.types.js';
import type { BalanceFeed } from './balance-feed.js';

export const BALANCE_CHANGED = 'BALANCE_CHANGED';

/**
 * type-graphql's PubSub over this process's feed: topic BALANCE_CHANGED, topic id the user id. Publishing is
 * the database's job (the ledger trigger's NOTIFY), so nothing publishes through it.
 */
export function feedPubSub(feed: BalanceFeed | undefined): PubSub {
  return {
    publish() {
      throw new Error('Balance changes are published by the database (NOTIFY), not through the schema');
    },
    subscribe(topic, userId) {
      if (topic !== BALANCE_CHANGED || feed === undefined) throw new Error(`No subscriptions to ${topic} here`);
      return feed.subscribe(String(userId));
    },
  };
}

@Resolver()
export class BalanceChangeResolver {
  @Subscription(() => BalanceChangedResult, {
    topics: BALANCE_CHANGED,
    topicId: ({ args }: { args: { userId: string } }) => args.userId,
    description:
      "A user's balance, live: first its current state, then one message per committed change in version order " +
      '(from any server process on the same database). Over graphql-ws on the GraphQL path. Role `user` may ' +
      'watch only itself.',
  })
  @Access(ownAccount('userId'))
  balanceChanged(
    @Root() message: BalanceChangeState | UserNotFound,
    @Arg('userId', () => ID, { description: 'The user to watch.' }) _userId: string,
  ): BalanceChangeState | UserNotFound {
    return message;
  }
}
