import { Migration } from '@mikro-orm/migrations';

export class Migration20261123000000_key_spaces_and_grant_days extends Migration {
  override async up(): Promise<void> {
    // Idempotency keys are unique per user and key space: the system's (GRANT entries) apart from the clients'
    // (every other kind), so a client's "grant:2031-01-01" no longer blocks that day's grant.
    this.addSql(`create unique index ledger_entries_idempotency_key_per_space_unique
      on ledger_entries (user_id, (kind = 'GRANT'), idempotency_key) where idempotency_key is not null;`);
    this.addSql('drop index ledger_entries_idempotency_key_unique;');
    // The ledger is append-only: TRUNCATE bypassed the row triggers, so it is refused by a statement trigger.
    this.addSql(`
      create trigger ledger_entries_no_truncate before truncate on ledger_entries
      for each statement execute function ledger_entries_immutable();`);
    // Days whose grant reached every user: a server that was down at grant time catches up from the last one.
    this.addSql(`
      create table grant_days (
        day date primary key,
        amount bigint not null,
        users integer not null,
        completed_at timestamptz not null default now()
      );`);
    // Days granted before this table existed count as completed.
    this.addSql(`insert into grant_days (day, amount, users)
      select substr(idempotency_key, 7)::date, max(amount), count(*) from ledger_entries
       where kind = 'GRANT' and idempotency_key ~ '^grant:\\d{4}-\\d{2}-\\d{2}$'
       group by 1 on conflict do nothing;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table grant_days;');
    this.addSql('drop trigger ledger_entries_no_truncate on ledger_entries;');
    this.addSql(`create unique index ledger_entries_idempotency_key_unique on ledger_entries (user_id, idempotency_key)
      where idempotency_key is not null;`);
    this.addSql('drop index ledger_entries_idempotency_key_per_space_unique;');
  }
}
