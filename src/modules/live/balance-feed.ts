import { GraphQLError } from 'graphql';
import type { Logger } from '../../logger.js';
import { userNotFound } from '../../core/refusals.js';
import { parseUserId } from '../common/user-id.js';
import type { LedgerEntryState } from '../../core/ledger.js';
import { availableOf, DEFAULT_RULES } from '../../core/rules.js';
import type { UserState } from '../../core/user.js';
import type { BalanceChangeState } from './balance-change.types.js';
import { ChangeQueue, type BalanceMessage } from './change-queue.js';

/** The channel the ledger trigger notifies on (migration Migration20261124000000_balance_notifications). */
export const BALANCE_CHANGED_CHANNEL = 'balance_changed';

/** What one notification announces: a user's version after a statement and the range of its new entries. */
export interface ChangeNotice {
  userId: number;
  version: number;
  firstEntryId: number;
  lastEntryId: number;
  entries: number;
  /** When this process heard of it (performance.now()). */
  heardAt: number;
}

/** `user id,version,first entry id,last entry id,entries`, as the trigger writes it; undefined if malformed. */
export function parseNotice(payload: string, heardAt = performance.now()): ChangeNotice | undefined {
  const parts = payload.split(',').map(Number);
  if (parts.length !== 5 || !parts.every(Number.isSafeInteger)) return undefined;
  const [userId, version, firstEntryId, lastEntryId, entries] = parts as [number, number, number, number, number];
  return { userId, version, firstEntryId, lastEntryId, entries, heardAt };
}

/** Where the feed reads what notifications only point at. */
export interface ChangeSource {
  user(userId: number): Promise<UserState | undefined>;
  entries(userId: number, firstEntryId: number, lastEntryId: number): Promise<LedgerEntryState[]>;
}

export interface BalanceFeedOptions {
  /** Most open subscriptions in this process. */
  maxSubscriptions: number;
  /** Messages one subscriber may have waiting before they are replaced by the latest state. */
  bufferSize: number;
  /** How long a message may wait for its subscriber before the waiting ones are replaced by the latest state. */
  maxDelayMs: number;
}

/** Code of the error a subscription gets when the process holds `maxSubscriptions` already. */
export const SUBSCRIPTION_LIMIT = 'SUBSCRIPTION_LIMIT';

export function stateOf(user: UserState): BalanceChangeState {
  return {
    userId: user.id,
    balance: user.balance,
    held: user.held,
    available: availableOf(user.balance, user.held, user.minBalance),
    status: user.status,
    version: user.version,
    entry: null,
    at: user.updatedAt,
  };
}

/**
 * This process's subscribers, by user, and the notifications that feed them. A notification for a user with
 * subscribers here is turned into one message per entry (read from the ledger once per user, not per
 * subscriber); users without subscribers cost a parse. Per user, notices are handled one read at a time in the
 * order they came (commit order), several at once when they queue up.
 */
export class BalanceFeed {
  private readonly watchers = new Map<number, Set<ChangeQueue>>();
  private readonly queued = new Map<number, ChangeNotice[]>();
  private open = 0;
  private closed = false;
  /** Messages replaced by a later state because their subscriber was behind (for the metrics). */
  skipped = 0;

  constructor(
    private readonly source: ChangeSource,
    private readonly options: BalanceFeedOptions,
    private readonly logger: Logger,
  ) {}

  get openSubscriptions(): number {
    return this.open;
  }

  /** The messages for one subscriber of `rawUserId`: the current state first (or UserNotFound), then changes. */
  subscribe(rawUserId: string): AsyncIterableIterator<BalanceMessage> {
    if (this.closed) throw new GraphQLError('The server is shutting down', { extensions: { code: 'SHUTTING_DOWN' } });
    const userId = parseUserId(rawUserId);
    if (userId === undefined) {
      // No user can have this id: answered without a read, and never registered.
      const answer = new ChangeQueue(1, () => undefined);
      answer.end(userNotFound(rawUserId));
      return answer;
    }
    if (this.open >= this.options.maxSubscriptions) {
      throw new GraphQLError(`This server holds its most subscriptions (${this.options.maxSubscriptions}) already`, {
        extensions: { code: SUBSCRIPTION_LIMIT },
      });
    }
    let queues = this.watchers.get(userId);
    if (!queues) this.watchers.set(userId, (queues = new Set()));
    this.open++;
    const queue: ChangeQueue = new ChangeQueue(
      this.options.bufferSize,
      () => {
        this.open--;
        this.skipped += queue.skipped;
        queues.delete(queue);
        if (queues.size === 0 && this.watchers.get(userId) === queues) this.watchers.delete(userId);
      },
      this.options.maxDelayMs,
    );
    queues.add(queue);
    // Registered before the read, so no change committed meanwhile is missed; the queue drops what it covers.
    this.source.user(userId).then(
      (user) => (user ? queue.start(stateOf(user)) : queue.end(userNotFound(rawUserId))),
      (error: unknown) => queue.fail(error),
    );
    return queue;
  }

  /** A notification from the listener: the notices of one statement's users, `;`-separated. */
  notify(payload: string): void {
    const heardAt = performance.now();
    for (const part of payload.split(';')) this.take(part, heardAt);
  }

  /** One user's notice of a notification. */
  private take(text: string, heardAt: number): void {
    const notice = parseNotice(text, heardAt);
    if (!notice) {
      this.logger.warn({ notice: text }, 'balance notification not understood');
      return;
    }
    if (!this.watchers.has(notice.userId)) return;
    const waiting = this.queued.get(notice.userId);
    if (waiting) {
      waiting.push(notice);
      return;
    }
    this.queued.set(notice.userId, [notice]);
    void this.deliver(notice.userId);
  }

  /** After notifications may have been lost: every subscriber gets its user's current state afresh. */
  resync(): void {
    for (const userId of this.watchers.keys()) void this.refresh(userId);
  }

  /** Ends every stream (at shutdown); new subscriptions are refused. */
  close(): void {
    this.closed = true;
    for (const queues of this.watchers.values()) for (const queue of [...queues]) queue.end();
  }

  private async deliver(userId: number): Promise<void> {
    for (let notices = this.queued.get(userId); notices && notices.length > 0; notices = this.queued.get(userId)) {
      this.queued.set(userId, []);
      try {
        const first = Math.min(...notices.map((n) => n.firstEntryId));
        const last = Math.max(...notices.map((n) => n.lastEntryId));
        const entries = await this.source.entries(userId, first, last);
        this.publish(userId, changesOf(notices, entries), Math.min(...notices.map((n) => n.heardAt)));
      } catch (error) {
        this.logger.warn({ err: error, userId }, 'could not read announced balance changes; sending the current state');
        await this.refresh(userId);
      }
    }
    this.queued.delete(userId);
  }

  private async refresh(userId: number): Promise<void> {
    try {
      const user = await this.source.user(userId);
      if (user) this.publish(userId, [stateOf(user)]);
    } catch (error) {
      // The database is away: the listener loses its connection too, and its reconnect resyncs everyone.
      this.logger.warn({ err: error, userId }, 'could not read the current balance for subscribers');
    }
  }

  /** The same message objects to every subscriber of the user, heard of at `heardAt` (performance.now()). */
  private publish(userId: number, changes: readonly BalanceChangeState[], heardAt = performance.now()): void {
    const queues = this.watchers.get(userId);
    if (!queues || changes.length === 0) return;
    for (const queue of queues) queue.push(changes, heardAt);
  }
}

/** What an entry left of the account besides its balance: held, available and status (under its rules then). */
function afterEntry(entry: LedgerEntryState): Pick<BalanceChangeState, 'held' | 'available' | 'status'> {
  const rules = entry.rulesAfter ?? DEFAULT_RULES;
  return {
    held: entry.heldAfter,
    available: availableOf(entry.balanceAfter, entry.heldAfter, rules.minBalance),
    status: rules.status,
  };
}

/**
 * The messages of the notices, one per entry with its version (`version` after the statement, one per entry
 * before it). A notice whose entries do not all come back (cannot happen while the trigger and writers agree)
 * becomes the state after it, so subscribers never get a wrong version.
 */
export function changesOf(
  notices: readonly ChangeNotice[],
  entries: readonly LedgerEntryState[],
): BalanceChangeState[] {
  const changes: BalanceChangeState[] = [];
  for (const notice of notices) {
    const own = entries.filter((e) => e.id >= notice.firstEntryId && e.id <= notice.lastEntryId);
    const lastEntry = own.at(-1);
    if (own.length !== notice.entries) {
      if (lastEntry) {
        changes.push({
          userId: notice.userId,
          balance: lastEntry.balanceAfter,
          ...afterEntry(lastEntry),
          version: notice.version,
          entry: null,
          at: lastEntry.createdAt,
        });
      }
      continue;
    }
    own.forEach((entry, i) =>
      changes.push({
        userId: notice.userId,
        balance: entry.balanceAfter,
        ...afterEntry(entry),
        version: notice.version - own.length + 1 + i,
        entry,
        at: entry.createdAt,
      }),
    );
  }
  return changes;
}
