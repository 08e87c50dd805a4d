import { Migration } from '@mikro-orm/migrations';

/**
 * Idempotency keys per principal, and the request each was sent with.
 * - `key_space`: whose requests the key is unique among on the user's account: `user` (the account holder),
 *   `staff` (services and admins), `system` (the daily grant). A holder can no longer take the key of a capture
 *   of its own hold first, nor a service the key of a user's own request.
 * - `request_digest`: what the request asked, every parameter as sent (src/modules/balance/idempotency.ts): a
 *   repeat of a key with any parameter different is IdempotencyKeyReused, however the two were batched.
 * Entries written before this have neither (the ledger is never updated): their keys read as the grant's space
 * (GRANT) or `legacy`, and a repeat of a legacy key is refused rather than guessed (balance.statements.ts). The
 * checks are NOT VALID for the same reason: they hold for every entry written from now on.
 */
export class Migration20261206000000_request_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table ledger_entries add column key_space text, add column request_digest text;`);
    this.addSql(`alter table ledger_entries add constraint ledger_entries_key_space_check check (
        (idempotency_key is null) = (key_space is null)
        and (key_space is null or key_space in ('user', 'staff', 'system'))
        and (request_digest is null or key_space in ('user', 'staff'))
        and ((key_space in ('user', 'staff')) = (request_digest is not null))) not valid;`);
    this.addSql(`create unique index ledger_entries_key_space_unique
      on ledger_entries (user_id, idempotency_key, key_space) where idempotency_key is not null;`);
    this.addSql('drop index ledger_entries_idempotency_key_per_space_unique;');
  }

  override async down(): Promise<void> {
    this.addSql(`create unique index ledger_entries_idempotency_key_per_space_unique
      on ledger_entries (user_id, (kind = 'GRANT'), idempotency_key) where idempotency_key is not null;`);
    this.addSql('drop index ledger_entries_key_space_unique;');
    this.addSql('alter table ledger_entries drop constraint ledger_entries_key_space_check;');
    this.addSql('alter table ledger_entries drop column request_digest, drop column key_space;');
  }
}
