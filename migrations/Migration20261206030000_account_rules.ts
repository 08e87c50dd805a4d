import { Migration } from '@mikro-orm/migrations';

/**
 * Account rules (core/rules.ts): limits and a status per user, today's debits, and the LIMITS and STATUS ledger
 * entries that change them (amount 0, the rules after them and who asked in `details`).
 *
 * The database keeps the rules, not only the code: a trigger refuses a change that takes the available balance
 * below `min_balance`, a credit past `max_balance`, today's debits past `daily_debit_limit`, any change of a
 * closed account, and a debit day going back. Each limit binds only the change that moves toward it: a limit
 * tightened past the current state (allowed: it affects later operations only) does not make the row invalid.
 * The WHEN clause keeps the function off the hot path: it runs only when a row is past one of its limits.
 */
export class Migration20261206030000_account_rules extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table users
      add column min_balance bigint not null default 0 check (min_balance >= -9007199254740991),
      add column max_balance bigint check (max_balance >= 0),
      add column daily_debit_limit bigint check (daily_debit_limit >= 0),
      add column status text not null default 'ACTIVE' check (status in ('ACTIVE', 'FROZEN', 'CLOSED')),
      add column debited_today bigint not null default 0 check (debited_today >= 0),
      add column debit_day date,
      add constraint users_limits_ordered check (max_balance is null or min_balance <= max_balance),
      drop constraint users_balance_non_negative,
      drop constraint users_available_non_negative,
      add constraint users_balance_min check (balance >= -9007199254740991);`);
    this.addSql(`alter table ledger_entries
      add column details jsonb,
      drop constraint ledger_entries_balance_after_check,
      drop constraint ledger_entries_available_check,
      drop constraint ledger_entries_amount_check,
      add constraint ledger_entries_amount_check
        check (amount <> 0 or kind in ('RESET', 'SET', 'HOLD', 'VOID', 'EXPIRY', 'LIMITS', 'STATUS')),
      add constraint ledger_entries_details_check check ((details is not null) = (kind in ('LIMITS', 'STATUS')));`);
    // The rules in force at an entry: the last LIMITS or STATUS entry up to it (the live feed reads it per entry).
    this.addSql(`create index ledger_entries_rule_changes on ledger_entries (user_id, id)
      where kind in ('LIMITS', 'STATUS');`);
    this.addSql(`create function users_within_rules() returns trigger language plpgsql as $$
      begin
        if tg_op = 'UPDATE' and old.status = 'CLOSED' and (new.balance, new.held, new.version, new.status)
             is distinct from (old.balance, old.held, old.version, old.status) then
          raise exception 'user %: the account is closed', new.id using errcode = '23514',
            constraint = 'users_closed';
        end if;
        if new.balance - new.held < new.min_balance
           and (tg_op = 'INSERT' or new.balance - new.held < old.balance - old.held) then
          raise exception 'user %: available % below the minimum balance %', new.id, new.balance - new.held,
            new.min_balance using errcode = '23514', constraint = 'users_min_balance';
        end if;
        if new.balance > new.max_balance and (tg_op = 'INSERT' or new.balance > old.balance) then
          raise exception 'user %: balance % above the maximum %', new.id, new.balance, new.max_balance
            using errcode = '23514', constraint = 'users_max_balance';
        end if;
        if new.debited_today > new.daily_debit_limit and (tg_op = 'INSERT' or new.debit_day is distinct from old.debit_day
             or new.debited_today > old.debited_today) then
          raise exception 'user %: debited % on %, above the daily limit %', new.id, new.debited_today,
            new.debit_day, new.daily_debit_limit using errcode = '23514', constraint = 'users_daily_debit_limit';
        end if;
        if tg_op = 'UPDATE' and new.debit_day < old.debit_day then
          raise exception 'user %: debit day % before %', new.id, new.debit_day, old.debit_day
            using errcode = '23514', constraint = 'users_debit_day';
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger users_within_rules before insert on users for each row
      when (new.balance - new.held < new.min_balance or new.balance > new.max_balance
            or new.debited_today > new.daily_debit_limit)
      execute function users_within_rules();`);
    this.addSql(`create trigger users_within_rules_update before update on users for each row
      when (new.balance - new.held < new.min_balance or new.balance > new.max_balance
            or new.debited_today > new.daily_debit_limit or old.status = 'CLOSED' or new.debit_day < old.debit_day)
      execute function users_within_rules();`);
  }

  override async down(): Promise<void> {
    this.addSql('drop trigger users_within_rules_update on users;');
    this.addSql('drop trigger users_within_rules on users;');
    this.addSql('drop function users_within_rules();');
    this.addSql('drop index ledger_entries_rule_changes;');
    // The ledger is immutable: with rule changes recorded, there is no way back.
    this.addSql(`do $$ begin
      if exists (select 1 from ledger_entries where kind in ('LIMITS', 'STATUS')) then
        raise exception 'the ledger records changes of account rules: this migration cannot be undone';
      end if;
    end $$;`);
    this.addSql(`alter table ledger_entries drop column details,
      drop constraint ledger_entries_amount_check,
      add constraint ledger_entries_amount_check check (amount <> 0 or kind in ('RESET', 'SET', 'HOLD', 'VOID', 'EXPIRY')),
      add constraint ledger_entries_balance_after_check check (balance_after >= 0),
      add constraint ledger_entries_available_check check (balance_after - held_after >= 0);`);
    this.addSql(`alter table users drop constraint users_balance_min, drop constraint users_limits_ordered,
      add constraint users_balance_non_negative check (balance >= 0),
      add constraint users_available_non_negative check (balance - held >= 0),
      drop column min_balance, drop column max_balance, drop column daily_debit_limit, drop column status,
      drop column debited_today, drop column debit_day;`);
  }
}
