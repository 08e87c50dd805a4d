import type { UserNotFound } from '../balance/balance.types.js';
import type { BalanceChangeState } from './balance-change.types.js';

/** What a subscriber receives: states and changes, or UserNotFound as the last message. */
export type BalanceMessage = BalanceChangeState | UserNotFound;

/** The current state a change leaves behind: what a subscriber gets instead of changes it could not take. */
export function stateAfter(change: BalanceChangeState): BalanceChangeState {
  if (change.entry === null) return change;
  let state = statesAfter.get(change);
  if (!state) statesAfter.set(change, (state = { ...change, entry: null }));
  return state;
}

/**
 * One state per change, whichever subscriber collapses to it: subscribers share one GraphQL execution per
 * message object (src/http/shared-execution.ts), so a state made per subscriber would be executed per subscriber.
 */
const statesAfter = new WeakMap<BalanceChangeState, BalanceChangeState>();

interface Waiting {
  resolve(result: IteratorResult<BalanceMessage>): void;
  reject(error: unknown): void;
}

/**
 * What one subscriber has yet to receive, in version order, as the async iterator GraphQL pulls from (the
 * WebSocket write of one message finishes before the next is pulled). Bounded in size and in age: when
 * `capacity` messages wait, or the oldest was heard of more than `maxDelayMs` ago, they are replaced by the
 * newest state alone. Age counts from when this process heard of the change (its notification), so time lost
 * before the queue (a busy process, a slow read) counts too: a process with more to send than it can sends
 * each subscriber the latest state instead of a backlog of older messages. A slow consumer costs one message
 * of memory per subscriber. Nothing is sent before the first state (`start`); changes that arrive earlier wait
 * for it, and those it already includes are dropped.
 */
export class ChangeQueue implements AsyncIterableIterator<BalanceMessage> {
  private pending: BalanceMessage[] = [];
  private waiting: Waiting | undefined;
  private started = false;
  private finished = false;
  private failure: { error: unknown } | undefined;
  /** Version of the last message queued or sent; changes at or below it are not news. */
  private version = 0;
  /** When this process heard of each of `pending` (performance.now()), once started. */
  private heard: number[] = [];
  /** Messages replaced by a later state because the subscriber was behind. */
  skipped = 0;

  constructor(
    private readonly capacity: number,
    private readonly onEnd: () => void,
    private readonly maxDelayMs = Infinity,
  ) {}

  /** The first message: the current state. Changes queued before it that it already covers are dropped. */
  start(state: BalanceChangeState): void {
    if (this.finished || this.started) return;
    const later = (this.pending as BalanceChangeState[]).filter((change) => change.version > state.version);
    this.started = true;
    this.pending = [];
    this.heard = [];
    this.put([state, ...later], performance.now());
  }

  /**
   * Committed changes in version order (or, with `entry` null, a fresh current state), heard of at `heardAt`
   * (performance.now()): all those of one notification, or of one read, at once.
   */
  push(changes: readonly BalanceChangeState[], heardAt = performance.now()): void {
    if (this.finished) return;
    if (!this.started) {
      this.pending.push(...changes);
      // Bounded here too: the oldest of these are the likeliest to be covered by the first state anyway.
      if (this.pending.length > this.capacity) this.pending.splice(0, this.pending.length - this.capacity);
      return;
    }
    // A fresh current state is always news (it follows a gap in what the server heard); a change only if newer.
    let news = 0;
    for (const change of changes) if (change.entry === null || change.version > this.version) news++;
    if (news === 0) return;
    this.put(
      news === changes.length ? changes : changes.filter((c) => c.entry === null || c.version > this.version),
      heardAt,
    );
  }

  /** Sends `last` (if given, instead of anything queued), then ends the stream: UserNotFound, or shutdown. */
  end(last?: UserNotFound): void {
    if (this.finished) return;
    if (last) [this.pending, this.heard] = [[last], [performance.now()]];
    else if (!this.started) this.pending = [];
    this.started = true;
    this.finish();
  }

  /** The first state could not be read: the subscriber's next pull fails with `error`. */
  fail(error: unknown): void {
    if (this.finished) return;
    this.failure = { error };
    [this.pending, this.heard] = [[], []];
    this.started = true;
    this.finish();
  }

  next(): Promise<IteratorResult<BalanceMessage>> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.hand();
    });
  }

  /**
   * The subscriber left (graphql-ws calls this on `complete` and when the socket closes). Answers at once, even
   * while a pull waits: that pull ends too.
   */
  return(): Promise<IteratorResult<BalanceMessage>> {
    [this.pending, this.heard] = [[], []];
    this.failure = undefined;
    this.started = true;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private put(messages: readonly BalanceChangeState[], heardAt: number): void {
    this.version = messages.at(-1)!.version;
    for (const message of messages) {
      this.pending.push(message);
      this.heard.push(heardAt);
    }
    if (this.pending.length > this.capacity || this.tooOld()) this.collapse();
    this.hand();
  }

  /** Several messages wait and the oldest was heard of too long ago (one alone is the latest already). */
  private tooOld(): boolean {
    return this.pending.length > 1 && performance.now() - this.heard[0]! > this.maxDelayMs;
  }

  /** Replaces what waits by the state after the newest of it. */
  private collapse(): void {
    const newest = this.pending.at(-1);
    if (!newest || !('version' in newest)) return;
    this.skipped += this.pending.length - 1;
    this.pending = [stateAfter(newest)];
    this.heard = [this.heard.at(-1)!];
  }

  private finish(): void {
    if (!this.finished) {
      this.finished = true;
      this.onEnd();
    }
    this.hand();
  }

  /** Answers a waiting pull if there is anything to answer it with. */
  private hand(): void {
    const waiting = this.waiting;
    if (!waiting || !this.started) return;
    // Checked when sending too: what waited too long gives way to the latest state, even with nothing new.
    if (this.tooOld()) this.collapse();
    if (this.pending.length > 0) {
      this.waiting = undefined;
      this.heard.shift();
      waiting.resolve({ value: this.pending.shift()!, done: false });
    } else if (this.failure) {
      this.waiting = undefined;
      const { error } = this.failure;
      this.failure = undefined;
      waiting.reject(error);
    } else if (this.finished) {
      this.waiting = undefined;
      waiting.resolve({ value: undefined, done: true });
    }
  }
}
