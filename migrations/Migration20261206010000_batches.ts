import { Migration } from '@mikro-orm/migrations';

/**
 * Batches applied under an idempotency key: the key (per key space and owner: a user's own batches, or staff's),
 * the request it came with (a digest of every operation as sent), and the answer, replayed to a repeat. Written
 * in the batch's own transaction, beside its ledger entries; a batch refused as a whole writes nothing here.
 */
export class Migration20261206010000_batches extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table batches (
        key_space text not null check (key_space in ('user', 'staff')),
        owner_id integer not null,
        idempotency_key text not null,
        request_digest text not null,
        answer jsonb not null,
        created_at timestamptz not null default now(),
        primary key (key_space, owner_id, idempotency_key)
      );`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table batches;');
  }
}
