import { setTimeout as delay } from 'node:timers/promises';
import { retryDelay, givesUp, type RetryPolicy } from '../../core/webhook-retry.js';
import { eventsOf, type BalanceMonitor, type EventEntry, type WebhookEvent } from '../../core/webhook-events.js';
import type { UrlPolicy } from '../../core/webhook-url.js';
import type { PostResult } from '../../http/webhook-post.js';
import { sendWebhookEvent } from '../../http/webhook-send.js';
import type { Logger } from '../../logger.js';
import type { ClaimedStream, DeliveryRecord, DeliveryStore, RecordedRun, StreamProgress } from './delivery.store.js';
import { RunRecorder } from './run-recorder.js';

export interface DispatcherOptions {
  /** Streams (endpoint and user) delivering at once in this process. */
  readonly concurrency: number;
  /** Most attempts per second while the balance path is saturated: deliveries give way to requests. */
  readonly busyRate: number;
  readonly timeoutMs: number;
  /** How long a claimed stream is this process's; a process that dies leaves it to another after this. */
  readonly leaseMs: number;
  /** How often the outbox and the due streams are looked at without a wake-up. */
  readonly pollMs: number;
  /** Most entries one run of a stream reads (then it goes back in line, behind the others due). */
  readonly entriesPerRun: number;
  readonly retry: RetryPolicy;
  readonly policy: UrlPolicy;
  /** How long DELIVERED deliveries are kept (PENDING and FAILED ones are kept until they change). */
  readonly retentionMs: number;
}

/** How often old DELIVERED deliveries are deleted (at most; more often under a shorter retention), and how many per statement. */
const RETENTION_INTERVAL_MS = 60_000;
const RETENTION_BATCH = 10_000;
/** Outbox rows (one per ledger statement, each up to a round's users) moved into streams per statement. */
const FAN_OUT_BATCH = 100;
/** How often the balance path's saturation is sampled, and how long the dispatcher gives way after seeing it. */
const SATURATION_SAMPLE_MS = 10;
const SATURATION_HOLD_MS = 250;
/** A run starts no attempt that could end this close to the end of its lease. */
const LEASE_MARGIN_MS = 2000;

/** Counts since start, for the metrics. */
export interface DispatcherCounts {
  delivered: number;
  failedAttempts: number;
  givenUp: number;
  lostLeases: number;
}

/**
 * Delivers webhook events (docs/webhooks.md), never on the request path: moves what the ledger announced
 * (webhook_outbox) into per-endpoint, per-user streams, claims due streams (SKIP LOCKED, with a lease), reads
 * their entries in one statement, and delivers each stream's events one after another in ledger order. The
 * first failure stops its stream until its retry time; other streams go on. Each run's progress is recorded
 * under its lease (runs ending together in one statement): a process that dies mid-run leaves its stream to
 * another once the lease ends, which delivers again from the last recorded event (at least once, same ids).
 * While the balance path is saturated (operations wait for a round), requests come first: new commits do not
 * wake the dispatcher, the outbox is not moved into streams, and attempts of the streams already due are spaced
 * to at most `busyRate` per second.
 */
export class WebhookDispatcher {
  readonly counts: DispatcherCounts = { delivered: 0, failedAttempts: 0, givenUp: 0, lostLeases: 0 };
  private readonly runs = new Set<Promise<void>>();
  private readonly recorder: RunRecorder;
  private ticking: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  /** While busy: when the next attempt may start. */
  private nextBusyAttempt = 0;
  /** Until when the dispatcher gives way to requests (the balance path was seen saturated shortly before). */
  private busyUntil = 0;
  private sampler: NodeJS.Timeout | undefined;
  /** Aborts the attempts in flight when the process stops (their events go again, from another process). */
  private readonly stopping = new AbortController();
  /** Whether the last look for work failed (the database unreachable): logged once, not every poll. */
  private failing = false;
  private lastRetention = 0;
  /** Runs in flight per endpoint, and the endpoints whose last attempt failed (their share is capped). */
  private readonly perEndpoint = new Map<number, number>();
  private readonly troubled = new Set<number>();

  constructor(
    private readonly store: DeliveryStore,
    private readonly options: DispatcherOptions,
    private readonly logger: Logger,
    /** Whether the balance path is saturated (operations wait for a round). */
    private readonly saturated: () => boolean = () => false,
  ) {
    this.recorder = new RunRecorder((runs) => store.record(runs));
  }

  start(): void {
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
    // A counter read every few ms: whether requests wait flickers within a burst, giving way must not.
    this.sampler = setInterval(() => {
      if (this.saturated()) this.busyUntil = Date.now() + SATURATION_HOLD_MS;
    }, SATURATION_SAMPLE_MS);
    this.sampler.unref();
    this.wake();
  }

  /** Whether deliveries give way to requests now. */
  private busy(): boolean {
    if (this.saturated()) this.busyUntil = Date.now() + SATURATION_HOLD_MS;
    return Date.now() < this.busyUntil;
  }

  /**
   * The ledger announced new entries: look for work now, unless the process is serving balance operations (then
   * the next poll does, so that deliveries give way to requests instead of chasing every commit).
   */
  notify(): void {
    if (!this.busy()) this.wake();
  }

  /** Looks for work now (a poll, or a run ended). */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick().finally(() => (this.ticking = undefined));
  }

  /** Starts no run after this; resolves when the running ones have recorded (each ends after its current attempt). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.sampler);
    this.stopping.abort();
    await this.ticking;
    await Promise.all(this.runs);
  }

  private async tick(): Promise<void> {
    do {
      this.again = false;
      try {
        if (
          !this.busy() &&
          Date.now() - this.lastRetention > Math.min(RETENTION_INTERVAL_MS, this.options.retentionMs)
        ) {
          this.lastRetention = Date.now();
          await this.store.forgetDelivered(this.options.retentionMs, RETENTION_BATCH);
        }
        // While the balance path is saturated, what the ledger announces waits in the outbox (one row per
        // statement, cheap to keep): moving it into streams writes a row per endpoint and user.
        if (!this.busy()) while ((await this.store.fanOut(FAN_OUT_BATCH)) === FAN_OUT_BATCH && !this.stopped);
        const free = this.options.concurrency - this.runs.size;
        if (free <= 0 || this.stopped) continue;
        // Taken before the claim: the lease ends `leaseMs` after the claim's transaction began, so no later.
        const claimedAt = Date.now();
        const streams = await this.claim(free);
        if (streams.length === 0) continue;
        const entries = await this.store.entriesAfter(streams, this.options.entriesPerRun);
        const monitors = await this.monitorsFor(streams);
        streams.forEach((stream, i) => this.startRun(stream, entries[i]!, monitors, claimedAt));
        if (this.failing) this.logger.info('webhooks: looking for work again');
        this.failing = false;
      } catch (error) {
        if (!this.failing) this.logger.warn({ err: error }, 'webhooks: could not look for work; trying at each poll');
        this.failing = true;
        return;
      }
    } while (this.again && !this.stopped);
  }

  /**
   * Up to `free` due streams. An endpoint whose last attempt failed (down, failing, hanging until the timeout)
   * gets at most a quarter of the process's slots, so that it cannot hold up the deliveries of the others.
   */
  private async claim(free: number): Promise<ClaimedStream[]> {
    const { leaseMs, concurrency } = this.options;
    const troubledCap = Math.max(1, Math.floor(concurrency / 4));
    const troubled = [...this.troubled];
    const streams = await this.store.claim(free, leaseMs, { except: troubled });
    for (const endpointId of troubled) {
      const room = Math.min(troubledCap - (this.perEndpoint.get(endpointId) ?? 0), free - streams.length);
      if (room > 0) streams.push(...(await this.store.claim(room, leaseMs, { only: endpointId })));
    }
    return streams;
  }

  /** The monitors of the claimed streams' users, read only when one of their endpoints takes monitor events. */
  private monitorsFor(streams: readonly ClaimedStream[]): Promise<BalanceMonitor[]> {
    const watching = streams.filter(({ events }) =>
      events.some((type) => type === '*' || type === 'balance.below_threshold' || type === 'balance.above_threshold'),
    );
    return watching.length === 0
      ? Promise.resolve([])
      : this.store.monitorsOf([...new Set(watching.map((stream) => stream.userId))]);
  }

  private startRun(stream: ClaimedStream, entries: EventEntry[], monitors: BalanceMonitor[], claimedAt: number): void {
    const { endpointId } = stream;
    this.perEndpoint.set(endpointId, (this.perEndpoint.get(endpointId) ?? 0) + 1);
    const run: Promise<void> = this.deliver(stream, entries, monitors, claimedAt)
      .catch((error: unknown) =>
        this.logger.warn({ err: error, endpointId: stream.endpointId, userId: stream.userId }, 'webhooks: run failed'),
      )
      .finally(() => {
        this.runs.delete(run);
        const left = this.perEndpoint.get(endpointId)! - 1;
        if (left === 0) this.perEndpoint.delete(endpointId);
        else this.perEndpoint.set(endpointId, left);
        this.wake();
      });
    this.runs.add(run);
  }

  /** One run of a stream: its next events in order, until one fails, the lease runs short, or the chunk ends. */
  private async deliver(
    stream: ClaimedStream,
    entries: EventEntry[],
    monitors: BalanceMonitor[],
    claimedAt: number,
  ): Promise<void> {
    const { timeoutMs, leaseMs, retry } = this.options;
    const deadline = claimedAt + leaseMs - timeoutMs - LEASE_MARGIN_MS;
    const wanted = new Set(stream.events);
    const progress: StreamProgress = {
      cursorEntryId: stream.cursorEntryId,
      cursorSlot: stream.cursorSlot,
      cursorVersion: stream.cursorVersion,
      failures: stream.failures,
      failingSince: stream.failingSince,
      retryAt: null,
    };
    const deliveries: DeliveryRecord[] = [];
    entries: for (const entry of entries) {
      for (const event of eventsOf(entry, monitors)) {
        if (event.slot <= progress.cursorSlot) continue;
        if (!wanted.has('*') && !wanted.has(event.type)) continue;
        await this.giveWay();
        if (this.stopped || Date.now() > deadline) break entries;
        const attemptedAt = new Date();
        const result = await this.attempt(stream, event, attemptedAt);
        // Cut short by the process stopping: not the receiver's failure; the event goes again.
        if (this.stopped && !result.ok) break entries;
        if (result.ok) this.troubled.delete(stream.endpointId);
        else this.troubled.add(stream.endpointId);
        if (result.ok) {
          this.counts.delivered++;
          deliveries.push(record(event, 'DELIVERED', result, attemptedAt, null));
          Object.assign(progress, { cursorSlot: event.slot, failures: 0, failingSince: null });
          continue;
        }
        this.counts.failedAttempts++;
        const failures = progress.failures + 1;
        const failingSince = progress.failingSince ?? attemptedAt;
        const retryAt = new Date(attemptedAt.getTime() + retryDelay(retry, failures));
        if (givesUp(retry, failingSince.getTime(), retryAt.getTime())) {
          this.counts.givenUp++;
          this.logger.warn({ endpointId: stream.endpointId, eventId: event.id, failures }, 'webhooks: event given up');
          deliveries.push(record(event, 'FAILED', result, attemptedAt, null));
          Object.assign(progress, { cursorSlot: event.slot, failures: 0, failingSince: null });
          continue;
        }
        deliveries.push(record(event, 'PENDING', result, attemptedAt, retryAt));
        Object.assign(progress, { failures, failingSince, retryAt });
        break entries;
      }
      Object.assign(progress, { cursorEntryId: entry.id, cursorSlot: -1, cursorVersion: entry.version });
    }
    if (entries.length === 0 && progress.cursorEntryId < stream.knownEntryId) {
      // Announced entries are committed and never removed: this cannot happen, but must not spin if it does.
      this.logger.error(
        { endpointId: stream.endpointId, userId: stream.userId },
        'webhooks: announced entries not found',
      );
      Object.assign(progress, { cursorEntryId: stream.knownEntryId, cursorSlot: -1, cursorVersion: null });
    }
    const run: RecordedRun = { stream, progress, deliveries };
    if (!(await this.recorder.record(run))) {
      this.counts.lostLeases++;
      this.logger.info(
        { endpointId: stream.endpointId, userId: stream.userId },
        'webhooks: lease lost before recording; the events go again',
      );
    }
  }

  /** While the balance path is saturated, waits for this attempt's turn (attempts at most busyRate per second). */
  private async giveWay(): Promise<void> {
    if (!this.busy()) return;
    const now = Date.now();
    const turn = Math.max(now, this.nextBusyAttempt);
    this.nextBusyAttempt = turn + 1000 / this.options.busyRate;
    if (turn > now) await delay(turn - now);
  }

  private attempt(stream: ClaimedStream, event: WebhookEvent, at: Date): Promise<PostResult> {
    const { timeoutMs, policy } = this.options;
    return sendWebhookEvent(stream.url, stream.secrets, event, at, { timeoutMs, policy, signal: this.stopping.signal });
  }
}

function record(
  event: WebhookEvent,
  status: DeliveryRecord['status'],
  result: PostResult,
  attemptedAt: Date,
  nextAttemptAt: Date | null,
): DeliveryRecord {
  return {
    eventId: event.id,
    userId: event.userId,
    entryId: event.entryId,
    type: event.type,
    status,
    attempts: 1,
    responseStatus: result.status,
    error: result.error,
    attemptedAt,
    nextAttemptAt,
  };
}
