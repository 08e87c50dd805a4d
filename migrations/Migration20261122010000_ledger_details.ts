import { Migration } from '@mikro-orm/migrations';

export class Migration20261122010000_ledger_details extends Migration {
  override async up(): Promise<void> {
    // Why an entry was made (e.g. the source of an absolute balance), and the client's idempotency key.
    this.addSql('alter table ledger_entries add column reason text, add column idempotency_key text;');
    // An idempotency key applies once per user, whichever process sees it first.
    this.addSql(`create unique index ledger_entries_idempotency_key_unique on ledger_entries (user_id, idempotency_key)
      where idempotency_key is not null;`);
    // A reset or set that finds the balance already at its target is still an audited event: amount 0.
    this.addSql(`alter table ledger_entries drop constraint ledger_entries_amount_check,
      add constraint ledger_entries_amount_check check (amount <> 0 or kind in ('RESET', 'SET'));`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table ledger_entries drop constraint ledger_entries_amount_check,
      add constraint ledger_entries_amount_check check (amount <> 0);`);
    this.addSql('alter table ledger_entries drop column reason, drop column idempotency_key;');
  }
}
