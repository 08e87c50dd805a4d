import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000_init } from './Migration20261122000000_init.js';
import { Migration20261122010000_ledger_details } from './Migration20261122010000_ledger_details.js';
import { Migration20261122020000_user_profiles } from './Migration20261122020000_user_profiles.js';
import { Migration20261123000000_key_spaces_and_grant_days } from './Migration20261123000000_key_spaces_and_grant_days.js';
import { Migration20261123010000_transfers } from './Migration20261123010000_transfers.js';
import { Migration20261124000000_balance_notifications } from './Migration20261124000000_balance_notifications.js';
import { Migration20261125000000_citus_ready_keys } from './Migration20261125000000_citus_ready_keys.js';
import { Migration20261126000000_notify_per_statement } from './Migration20261126000000_notify_per_statement.js';
import { Migration20261127000000_holds } from './Migration20261127000000_holds.js';
import { Migration20261206000000_request_keys } from './Migration20261206000000_request_keys.js';
import { Migration20261206010000_batches } from './Migration20261206010000_batches.js';
import { Migration20261206020000_refused_requests } from './Migration20261206020000_refused_requests.js';
import { Migration20261206030000_account_rules } from './Migration20261206030000_account_rules.js';
import { Migration20261206040000_webhooks } from './Migration20261206040000_webhooks.js';

/** Every migration, in order. Listed explicitly so that tsx, vitest and the compiled build find the same set. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261122000000_init', class: Migration20261122000000_init },
  { name: 'Migration20261122010000_ledger_details', class: Migration20261122010000_ledger_details },
  { name: 'Migration20261122020000_user_profiles', class: Migration20261122020000_user_profiles },
  {
    name: 'Migration20261123000000_key_spaces_and_grant_days',
    class: Migration20261123000000_key_spaces_and_grant_days,
  },
  { name: 'Migration20261123010000_transfers', class: Migration20261123010000_transfers },
  {
    name: 'Migration20261124000000_balance_notifications',
    class: Migration20261124000000_balance_notifications,
  },
  { name: 'Migration20261125000000_citus_ready_keys', class: Migration20261125000000_citus_ready_keys },
  { name: 'Migration20261126000000_notify_per_statement', class: Migration20261126000000_notify_per_statement },
  { name: 'Migration20261127000000_holds', class: Migration20261127000000_holds },
  { name: 'Migration20261206000000_request_keys', class: Migration20261206000000_request_keys },
  { name: 'Migration20261206010000_batches', class: Migration20261206010000_batches },
  { name: 'Migration20261206020000_refused_requests', class: Migration20261206020000_refused_requests },
  { name: 'Migration20261206030000_account_rules', class: Migration20261206030000_account_rules },
  { name: 'Migration20261206040000_webhooks', class: Migration20261206040000_webhooks },
];
