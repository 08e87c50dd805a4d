import { Migration } from '@mikro-orm/migrations';

export class Migration20261123010000_transfers extends Migration {
  override async up(): Promise<void> {
    // A transfer writes two entries, one per side, that name each other: the other user and a shared id.
    this.addSql(`alter table ledger_entries
      add column counterparty_id integer references users (id),
      add column transfer_id uuid,
      add constraint ledger_entries_transfer_check check (
        (kind in ('TRANSFER_OUT', 'TRANSFER_IN')) = (counterparty_id is not null and transfer_id is not null)
        and (kind <> 'TRANSFER_OUT' or amount < 0) and (kind <> 'TRANSFER_IN' or amount > 0)
        and counterparty_id is distinct from user_id);`);
    // The service keeps balances within JavaScript's exact integers; the database holds the same line.
    this.addSql('alter table users add constraint users_balance_max check (balance <= 9007199254740991);');
    this.addSql(
      'create index ledger_entries_transfer_id_index on ledger_entries (transfer_id) where transfer_id is not null;',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop index ledger_entries_transfer_id_index;');
    this.addSql('alter table users drop constraint users_balance_max;');
    this.addSql(`alter table ledger_entries drop constraint ledger_entries_transfer_check,
      drop column transfer_id, drop column counterparty_id;`);
  }
}
