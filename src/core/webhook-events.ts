import { LedgerEntryKind } from './ledger.js';

// Webhook events, derived from ledger entries (the ledger is the outbox): each entry gives `balance.updated`,
// at most one event of its kind (a transfer, a hold, a status or limits change, a user's opening), and one per
// balance monitor its balance crosses. Pure: the same entries and monitors give the same events, with the same
// ids, on every attempt and in every process.

export const WEBHOOK_EVENT_TYPES = [
  'balance.updated',
  'user.created',
  'transfer.completed',
  'hold.placed',
  'hold.captured',
  'hold.voided',
  'hold.expired',
  'account.frozen',
  'account.unfrozen',
  'account.closed',
  'account.limits_changed',
  'balance.below_threshold',
  'balance.above_threshold',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const isWebhookEventType = (type: string): type is WebhookEventType =>
  (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type);

/**
 * Where an event stands among its entry's events: 0 `balance.updated`, 1 the kind's own event, 1 + monitor id
 * for a monitor's (ids start at 1). Events are ordered by (entry id, slot); a stream's cursor is such a pair.
 */
export const BALANCE_SLOT = 0;
export const KIND_SLOT = 1;
export const monitorSlot = (monitorId: number): number => 1 + monitorId;

/** A ledger entry as events need it. */
export interface EventEntry {
  id: number;
  userId: number;
  kind: LedgerEntryKind;
  amount: number;
  balanceAfter: number;
  heldAfter: number;
  /** The user's version right after this entry (one per entry). */
  version: number;
  reason: string | null;
  idempotencyKey: string | null;
  counterpartyId: number | null;
  transferId: string | null;
  holdId: number | null;
  /** The hold's amount, for entries of a hold. */
  holdAmount: number | null;
  /** For LIMITS and STATUS entries: the rules after it and who asked. */
  details: Record<string, unknown> | null;
  createdAt: Date;
}

export type MonitorDirection = 'BELOW' | 'ABOVE';

/** Fires when a balance crosses `threshold`: under it (BELOW) or over it (ABOVE). */
export interface BalanceMonitor {
  id: number;
  /** null: every user. */
  userId: number | null;
  direction: MonitorDirection;
  threshold: number;
  /** It watches the entries of transactions that started from its creation until its deletion. */
  createdAt: Date;
  deletedAt: Date | null;
}

/** One event as it is delivered: the Standard Webhooks payload is `{ type, timestamp, data }`. */
export interface WebhookEvent {
  id: string;
  entryId: number;
  slot: number;
  userId: number;
  type: WebhookEventType;
  /** When its entry was committed (the transaction's time). */
  timestamp: Date;
  data: Record<string, unknown>;
}

export const webhookEventId = (entryId: number, slot: number): string => `evt_${entryId}_${slot}`;

/** The entry and slot of an event id; undefined when it is not one. */
export function parseWebhookEventId(id: string): { entryId: number; slot: number } | undefined {
  const match = /^evt_([1-9]\d{0,15})_(0|[1-9]\d{0,15})$/.exec(id);
  if (!match) return undefined;
  const entryId = Number(match[1]);
  const slot = Number(match[2]);
  return Number.isSafeInteger(entryId) && Number.isSafeInteger(slot) ? { entryId, slot } : undefined;
}

/** The balance right before an entry: every entry's amount is its change of the balance. */
export const balanceBefore = (entry: EventEntry): number => entry.balanceAfter - entry.amount;

/** Whether `entry` takes its user's balance across `monitor`'s threshold (it fires once per crossing). */
export function crosses(monitor: BalanceMonitor, entry: EventEntry): boolean {
  if (monitor.userId !== null && monitor.userId !== entry.userId) return false;
  if (monitor.createdAt.getTime() > entry.createdAt.getTime()) return false;
  if (monitor.deletedAt !== null && monitor.deletedAt.getTime() <= entry.createdAt.getTime()) return false;
  const before = balanceBefore(entry);
  return monitor.direction === 'BELOW'
    ? before >= monitor.threshold && entry.balanceAfter < monitor.threshold
    : before <= monitor.threshold && entry.balanceAfter > monitor.threshold;
}

function statusEvent(entry: EventEntry): WebhookEventType {
  const status = entry.details?.['status'];
  if (status === 'FROZEN') return 'account.frozen';
  if (status === 'CLOSED') return 'account.closed';
  return 'account.unfrozen';
}

/** The kind's own event of an entry, if it has one. */
function kindEvent(entry: EventEntry): WebhookEventType | undefined {
  switch (entry.kind) {
    case LedgerEntryKind.INITIAL:
      return 'user.created';
    case LedgerEntryKind.TRANSFER_OUT:
      return 'transfer.completed';
    case LedgerEntryKind.HOLD:
      return 'hold.placed';
    case LedgerEntryKind.CAPTURE:
      return 'hold.captured';
    case LedgerEntryKind.VOID:
      return 'hold.voided';
    case LedgerEntryKind.EXPIRY:
      return 'hold.expired';
    case LedgerEntryKind.STATUS:
      return statusEvent(entry);
    case LedgerEntryKind.LIMITS:
      return 'account.limits_changed';
    default:
      return undefined;
  }
}

const id = (value: number | null): string | null => (value === null ? null : String(value));

/** What every event of an entry says about it (ids as strings, like the GraphQL API's). */
function entryData(entry: EventEntry): Record<string, unknown> {
  return {
    userId: String(entry.userId),
    entryId: String(entry.id),
    kind: entry.kind,
    amount: entry.amount,
    balance: entry.balanceAfter,
    held: entry.heldAfter,
    version: entry.version,
    reason: entry.reason,
    idempotencyKey: entry.idempotencyKey,
    createdAt: entry.createdAt.toISOString(),
  };
}

function kindData(type: WebhookEventType, entry: EventEntry): Record<string, unknown> {
  const base = entryData(entry);
  if (type === 'transfer.completed') {
    return {
      ...base,
      transferId: entry.transferId,
      fromUserId: String(entry.userId),
      toUserId: id(entry.counterpartyId),
      amount: -entry.amount,
    };
  }
  if (type.startsWith('hold.')) return { ...base, holdId: id(entry.holdId), holdAmount: entry.holdAmount };
  if (type.startsWith('account.')) {
    const { actor, ...rules } = entry.details ?? {};
    return { ...base, rules, actor: actor ?? null };
  }
  return base;
}

/** Every event of `entry`, in slot order (before any endpoint's choice of types). */
export function eventsOf(entry: EventEntry, monitors: readonly BalanceMonitor[]): WebhookEvent[] {
  const event = (slot: number, type: WebhookEventType, data: Record<string, unknown>): WebhookEvent => ({
    id: webhookEventId(entry.id, slot),
    entryId: entry.id,
    slot,
    userId: entry.userId,
    type,
    timestamp: entry.createdAt,
    data,
  });
  const events = [
    event(BALANCE_SLOT, 'balance.updated', {
      ...entryData(entry),
      counterpartyId: id(entry.counterpartyId),
      transferId: entry.transferId,
      holdId: id(entry.holdId),
    }),
  ];
  const own = kindEvent(entry);
  if (own) events.push(event(KIND_SLOT, own, kindData(own, entry)));
  for (const monitor of [...monitors].sort((a, b) => a.id - b.id)) {
    if (!crosses(monitor, entry)) continue;
    events.push(
      event(
        monitorSlot(monitor.id),
        monitor.direction === 'BELOW' ? 'balance.below_threshold' : 'balance.above_threshold',
        {
          ...entryData(entry),
          monitorId: String(monitor.id),
          threshold: monitor.threshold,
          previousBalance: balanceBefore(entry),
        },
      ),
    );
  }
  return events;
}

/** The body of a delivery (Standard Webhooks: `type`, `timestamp`, `data`). */
export function webhookBody(event: WebhookEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.timestamp.toISOString(), data: event.data });
}
