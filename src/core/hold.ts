import { LedgerEntryKind } from './ledger.js';

/** Where a hold stands: open, or ended in exactly one way. */
export enum HoldStatus {
  OPEN = 'OPEN',
  CAPTURED = 'CAPTURED',
  VOIDED = 'VOIDED',
  EXPIRED = 'EXPIRED',
}

/** A hold as the stores read it. */
export interface HoldState {
  id: number;
  userId: number;
  payeeId: number | null;
  amount: number;
  status: HoldStatus;
  captured: number | null;
  reason: string | null;
  idempotencyKey: string | null;
  expiresAt: Date;
  createdAt: Date;
  endedAt: Date | null;
  /** Open, and past `expiresAt` by the database's clock when it was read: a capture or void finds it expired. */
  expired: boolean;
}

/** How each ending kind leaves its hold. */
export const HOLD_ENDINGS: ReadonlyMap<LedgerEntryKind, HoldStatus> = new Map([
  [LedgerEntryKind.CAPTURE, HoldStatus.CAPTURED],
  [LedgerEntryKind.VOID, HoldStatus.VOIDED],
  [LedgerEntryKind.EXPIRY, HoldStatus.EXPIRED],
]);

/** The longest a hold may last: a year and a day. */
export const MAX_HOLD_SECONDS = 366 * 24 * 60 * 60;
