import type { AccountRules } from './user.js';

/** What made a ledger entry. */
export enum LedgerEntryKind {
  UPDATE = 'UPDATE',
  DEPOSIT = 'DEPOSIT',
  WITHDRAWAL = 'WITHDRAWAL',
  RESET = 'RESET',
  SET = 'SET',
  GRANT = 'GRANT',
  INITIAL = 'INITIAL',
  TRANSFER_OUT = 'TRANSFER_OUT',
  TRANSFER_IN = 'TRANSFER_IN',
  HOLD = 'HOLD',
  CAPTURE = 'CAPTURE',
  VOID = 'VOID',
  EXPIRY = 'EXPIRY',
  /** setLimits: no change of balance; the limits after it are in the entry's details. */
  LIMITS = 'LIMITS',
  /** setAccountStatus: no change of balance; the status after it is in the entry's details. */
  STATUS = 'STATUS',
}

/** A ledger entry as the stores read it. */
export interface LedgerEntryState {
  id: number;
  userId: number;
  amount: number;
  balanceAfter: number;
  kind: LedgerEntryKind;
  reason: string | null;
  idempotencyKey: string | null;
  /** For TRANSFER_OUT / TRANSFER_IN: the other user and the id both entries share. */
  counterpartyId: number | null;
  transferId: string | null;
  /** The user's held credits right after this entry (balance_after - held_after is what was available). */
  heldAfter: number;
  /** For HOLD, CAPTURE, VOID and EXPIRY: the hold. */
  holdId: number | null;
  /** The account's rules right after this entry (read where needed: the live feed); undefined when not read. */
  rulesAfter?: AccountRules;
  createdAt: Date;
}
