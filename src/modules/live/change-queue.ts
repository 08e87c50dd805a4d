import type { UserNotFound } from '../balance/balance.types.js';
import type { BalanceChangeState } from './balance-change.types.js';

/** What a subscriber receives: states and changes, or UserNotFound as the last message. */
export type BalanceMessage = BalanceChangeState | UserNotFound;

/** The current state a change leaves behind: what a subscriber gets instead of changes it could not take. */
export function stateAfter(change: BalanceChangeState): BalanceChangeState {
  return { ...change, entry: null };
}

interface Waiting {
  resolve(result: IteratorResult<BalanceMessage>): void;
  reject(error: unknown): void;
}

/**
 * What one subscriber has yet to receive, in version order, as the async iterator GraphQL pulls from (the
 * WebSocket write of one message finishes before the next is pulled). Bounded in size and in age: when
 * `capacity` messages wait, or the oldest has waited `maxDelayMs`, they are replaced by the newest state alone.
 * A slow consumer (or a server with more to send than it can) costs one message of memory per subscriber and
 * gets the latest balance, never an unbounded or ever older backlog. Nothing is sent before the first state (`start`); changes that
 * arrive earlier wait for it, and those it already includes are dropped.
 */
export class ChangeQueue implements AsyncIterableIterator<BalanceMessage> {
  private pending: BalanceMessage[] = [];
  private waiting: Waiting | undefined;
  private started = false;
  private finished = false;
  private failure: { error: unknown } | undefined;
  /** Version of the last message queued or sent; changes at or below it are not news. */
  private version = 0;
  /** When the oldest of `pending` was queued (performance.now()). */
  private oldestAt = 0;
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
    const now = performance.now();
    this.put(state, now);
    for (const change of later) this.put(change, now);
  }

  /** A committed change (or, with `entry` null, a fresh current state); `now` from performance.now(). */
  push(change: BalanceChangeState, now = performance.now()): void {
    if (this.finished) return;
    if (!this.started) {
      // Bounded here too: the oldest of these are the likeliest to be covered by the first state anyway.
      if (this.pending.length >= this.capacity) this.pending.shift();
      this.pending.push(change);
      return;
    }
    // A fresh current state is always news (it follows a gap in what the server heard); a change only if newer.
    if (change.entry !== null && change.version <= this.version) return;
    this.put(change, now);
  }

  /** Sends `last` (if given, instead of anything queued), then ends the stream: UserNotFound, or shutdown. */
  end(last?: UserNotFound): void {
    if (this.finished) return;
    if (last) this.pending = [last];
    else if (!this.started) this.pending = [];
    this.started = true;
    this.finish();
  }

  /** The first state could not be read: the subscriber's next pull fails with `error`. */
  fail(error: unknown): void {
    if (this.finished) return;
    this.failure = { error };
    this.pending = [];
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
    this.pending = [];
    this.failure = undefined;
    this.started = true;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private put(message: BalanceChangeState, now: number): void {
    this.version = message.version;
    if (this.pending.length === 0) this.oldestAt = now;
    this.pending.push(message);
    if (this.pending.length > this.capacity || now - this.oldestAt > this.maxDelayMs) this.collapse();
    this.hand();
  }

  /** Replaces what waits by the state after the newest of it. */
  private collapse(): void {
    const newest = this.pending.at(-1);
    if (!newest || !('version' in newest)) return;
    this.skipped += this.pending.length - 1;
    this.pending = [stateAfter(newest)];
    this.oldestAt = performance.now();
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
    if (this.pending.length > 1 && performance.now() - this.oldestAt > this.maxDelayMs) this.collapse();
    if (this.pending.length > 0) {
      this.waiting = undefined;
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
