import { Migration } from '@mikro-orm/migrations';

/**
 * Every statement that writes ledger entries announces, per user it touched, the user's version after it and
 * the range of the new entries: `balance_changed` with payload `user id,version,first entry id,last entry id,
 * entries`. NOTIFY is delivered only when the transaction commits (and in commit order), so listeners hear of
 * committed changes only. A trigger, not the writers, so that no path that changes a balance (each writes its
 * ledger rows) can forget it.
 */
export class Migration20261124000000_balance_notifications extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function ledger_entries_notify() returns trigger language plpgsql as $$
      begin
        perform pg_notify('balance_changed', concat_ws(',', added.user_id, users.version, added.first_id,
                                                       added.last_id, added.entries))
           from (select user_id, min(id) as first_id, max(id) as last_id, count(*) as entries
                   from new_entries group by user_id) as added
           join users on users.id = added.user_id;
        return null;
      end $$;`);
    this.addSql(`create trigger ledger_entries_notify after insert on ledger_entries
      referencing new table as new_entries for each statement execute function ledger_entries_notify();`);
  }

  override async down(): Promise<void> {
    this.addSql('drop trigger ledger_entries_notify on ledger_entries;');
    this.addSql('drop function ledger_entries_notify();');
  }
}
