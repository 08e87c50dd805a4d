import { Migration } from '@mikro-orm/migrations';

export class Migration20261122010000_ledger_details extends Migration {
  override async up(): Promise<void> {
    // Why an entry was made (e.g. the source of an absolute balance), and the client's idempotency key.
    this.addSql('alter table ledger_entries add column reason text, add column idempotency_key text;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table ledger_entries drop column reason, drop column idempotency_key;');
  }
}
