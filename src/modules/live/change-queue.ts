import type { UserNotFound } from '../../core/refusals.js';
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
 * Messages of one delivery not yet sent, from `next` on: the array is the feed's, shared by every subscriber
 * of the user, so queueing a delivery of any size costs a subscriber one small object, not a copy (with 1,000
 * subscribers, copies of a few hundred changes each lived long enough to reach V8's old generation).
 */
interface Segment {
  readonly messages: readonly BalanceMessage[];
  next: number;
  /** When this process heard of these messages (performance.now()). */
  readonly heardAt: number;
}

/**
 * What one subscriber has yet to receive, in version order, as the async iterator GraphQL pulls from (the
 * WebSocket write of one message finishes before the next is pulled). Bounded in size and in age: when more
 * than `capacity` messages wait, or several wait and the oldest was heard of more than `maxDelayMs` ago, they
 * are replaced by the newest state alone. Age counts from when this process heard of the change (its
 * notification), so time lost before the queue (a busy process, a slow read) counts too: a process with more
 * to send than it can sends each subscriber the latest state instead of a backlog of older messages. A slow
 * consumer costs one message of memory per subscriber. Nothing is sent before the first state (`start`);
 * changes that arrive earlier wait for it, and those it already includes are dropped.
 */
export class ChangeQueue implements AsyncIterableIterator<BalanceMessage> {
  /** Changes heard of before the first state (bounded by `capacity`). */
  private early: BalanceChangeState[] = [];
  private segments: Segment[] = [];
  /** Messages waiting in `segments`. */
  private waitingCount = 0;
  private waiting: Waiting | undefined;
  private started = false;
  private finished = false;
  private failure: { error: unknown } | undefined;
  /** Version of the last message queued or sent; changes at or below it are not news. */
  private version = 0;
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
    const later = this.early.filter((change) => change.version > state.version);
    this.started = true;
    this.early = [];
    this.put([state, ...later], 0, performance.now());
  }

  /**
   * Committed changes in version order (or, with `entry` null, a fresh current state), heard of at `heardAt`
   * (performance.now()): all those of one notification, or of one read, at once. `changes` is kept, not copied:
   * it must not change afterwards.
   */
  push(changes: readonly BalanceChangeState[], heardAt = performance.now()): void {
    if (this.finished) return;
    if (!this.started) {
      this.early.push(...changes);
      // Bounded here too: the oldest of these are the likeliest to be covered by the first state anyway.
      if (this.early.length > this.capacity) this.early.splice(0, this.early.length - this.capacity);
      return;
    }
    // A fresh current state is always news (it follows a gap in what the server heard); a change only if newer.
    let from = 0;
    while (from < changes.length && changes[from]!.entry !== null && changes[from]!.version <= this.version) from++;
    if (from < changes.length) this.put(changes, from, heardAt);
  }

  /** Sends `last` (if given, instead of anything queued), then ends the stream: UserNotFound, or shutdown. */
  end(last?: UserNotFound): void {
    if (this.finished) return;
    this.early = [];
    if (last) this.replaceWith(last, performance.now());
    this.started = true;
    this.finish();
  }

  /** The first state could not be read: the subscriber's next pull fails with `error`. */
  fail(error: unknown): void {
    if (this.finished) return;
    this.failure = { error };
    this.clear();
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
    this.clear();
    this.failure = undefined;
    this.started = true;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private put(messages: readonly BalanceChangeState[], from: number, heardAt: number): void {
    this.version = messages.at(-1)!.version;
    this.segments.push({ messages, next: from, heardAt });
    this.waitingCount += messages.length - from;
    if (this.waitingCount > this.capacity || this.tooOld()) this.collapse();
    this.hand();
  }

  /** Several messages wait and the oldest was heard of too long ago (one alone is the latest already). */
  private tooOld(): boolean {
    return this.waitingCount > 1 && performance.now() - this.segments[0]!.heardAt > this.maxDelayMs;
  }

  /** Replaces what waits by the state after the newest of it. */
  private collapse(): void {
    const last = this.segments.at(-1);
    const newest = last?.messages.at(-1);
    if (!last || !newest || !('version' in newest)) return;
    this.skipped += this.waitingCount - 1;
    this.replaceWith(stateAfter(newest), last.heardAt);
  }

  private replaceWith(message: BalanceMessage, heardAt: number): void {
    this.segments = [{ messages: [message], next: 0, heardAt }];
    this.waitingCount = 1;
  }

  private clear(): void {
    this.early = [];
    this.segments = [];
    this.waitingCount = 0;
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
    const segment = this.segments[0];
    if (segment) {
      this.waiting = undefined;
      const message = segment.messages[segment.next++]!;
      if (segment.next === segment.messages.length) this.segments.shift();
      this.waitingCount--;
      waiting.resolve({ value: message, done: false });
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
