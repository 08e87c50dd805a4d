import { Migration } from '@mikro-orm/migrations';

/**
 * Refusals answered under an idempotency key: a repeat of the same request is answered the same refusal, and a
 * first attempt that comes late (its process cut off for longer than the client waited) finds it instead of
 * applying after its retry was refused. Keyed per account and key space like the ledger's keys; an applied key is
 * in the ledger, a refused one here, never both (both are read and written under the account's row lock).
 */
export class Migration20261206020000_refused_requests extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table refused_requests (
        user_id integer not null,
        key_space text not null check (key_space in ('user', 'staff', 'system')),
        idempotency_key text not null,
        request_digest text,
        refusal jsonb not null,
        created_at timestamptz not null default now(),
        primary key (user_id, idempotency_key, key_space)
      );`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table refused_requests;');
  }
}
