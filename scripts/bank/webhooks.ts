import type pg from 'pg';
import { CreateWebhookEndpointDocument, type BalanceClient } from '../../client/index.js';
import { startReceiver, type TestReceiver } from '../lib/webhook-receiver.js';

// Webhooks under the bank's faults: three endpoints take every event; one receiver fails 30% of its deliveries,
// one hangs and one is down while each fault is injected. At the end every ledger entry's event must have
// reached every receiver, each user's in ledger order, every delivery signed (standardwebhooks verifies it),
// and a repeated delivery must be the same event (same id, same data).

export interface BankWebhooks {
  readonly receivers: readonly TestReceiver[];
  /** The newest ledger entry before the endpoints existed (later entries must all be delivered). */
  readonly since: string;
  /** Trouble on the receivers' side while a fault is on: one hangs, one is down. */
  disturb(): Promise<void>;
  calm(): Promise<void>;
  close(): Promise<void>;
}

export async function startBankWebhooks(client: BalanceClient, host: string, db: pg.Client): Promise<BankWebhooks> {
  const receivers = [
    await startReceiver('flaky', 42, host),
    await startReceiver('ok', 1, host),
    await startReceiver('ok', 1, host),
  ];
  for (const receiver of receivers) {
    const answer = (await client.graphql.request(CreateWebhookEndpointDocument, { url: receiver.url, events: ['*'] }))
      .createWebhookEndpoint;
    if (answer.__typename !== 'WebhookEndpointCreated') throw new Error(`webhook endpoint: ${JSON.stringify(answer)}`);
    receiver.secrets.push(answer.secret);
  }
  const { rows } = await db.query<{ id: string }>('select coalesce(max(id), 0)::text as id from ledger_entries');
  const [, hanging, down] = receivers as [TestReceiver, TestReceiver, TestReceiver];
  let isDown = false;
  return {
    receivers,
    since: rows[0]!.id,
    async disturb() {
      hanging.behaviour = 'hang';
      if (!isDown) await down.goDown();
      isDown = true;
    },
    async calm() {
      hanging.behaviour = 'ok';
      if (isDown) await down.comeUp();
      isDown = false;
    },
    async close() {
      await Promise.all(receivers.map((receiver) => receiver.close()));
    },
  };
}

export interface WebhookVerdict {
  events: number;
  deliveries: number;
  duplicates: number;
  drainMs: number;
  violations: string[];
}

/**
 * Waits (up to `timeoutMs`) until every receiver acknowledged `balance.updated` of every entry after `since`,
 * then checks order, signatures and duplicates.
 */
export async function checkBankWebhooks(
  hooks: BankWebhooks,
  db: pg.Client,
  timeoutMs: number,
): Promise<WebhookVerdict> {
  await hooks.calm();
  const { rows } = await db.query<{ id: string; user_id: number; amount: string; balance_after: string }>(
    'select id::text, user_id, amount::text, balance_after::text from ledger_entries where id > $1 order by id',
    [hooks.since],
  );
  const wanted = rows.map((row) => `evt_${row.id}_0`);
  const violations: string[] = [];
  const started = performance.now();
  const missing = (receiver: TestReceiver) => wanted.filter((id) => !receiver.acknowledgedIds.has(id)).length;
  await Promise.all(
    hooks.receivers.map((receiver, i) =>
      receiver
        .until(() => receiver.acknowledgedIds.size >= wanted.length && missing(receiver) === 0, timeoutMs)
        .catch(() =>
          violations.push(`receiver ${i}: ${missing(receiver)} of ${wanted.length} events never acknowledged`),
        ),
    ),
  );
  const drainMs = performance.now() - started;
  const entries = new Map(rows.map((row) => [`evt_${row.id}_0`, row]));
  let deliveries = 0;
  let duplicates = 0;
  hooks.receivers.forEach((receiver, i) => {
    deliveries += receiver.received.length;
    const unverified = receiver.received.filter((delivery) => !delivery.verified).length;
    if (unverified > 0) violations.push(`receiver ${i}: ${unverified} deliveries whose signature did not verify`);
    const firstData = new Map<string, string>();
    for (const delivery of receiver.received) {
      const data = JSON.stringify(delivery.data);
      const first = firstData.get(delivery.id);
      if (first === undefined) firstData.set(delivery.id, data);
      else {
        duplicates++;
        if (first !== data) violations.push(`receiver ${i}: ${delivery.id} sent twice with different data`);
      }
    }
    const lastOfUser = new Map<string, number>();
    for (const delivery of receiver.firstAcknowledged) {
      if (delivery.type !== 'balance.updated') continue;
      const entry = entries.get(delivery.id);
      if (!entry) continue;
      if (
        delivery.data['amount'] !== Number(entry.amount) ||
        delivery.data['balance'] !== Number(entry.balance_after)
      ) {
        violations.push(`receiver ${i}: ${delivery.id} does not match its ledger entry`);
      }
      const user = String(entry.user_id);
      const id = Number(entry.id);
      if ((lastOfUser.get(user) ?? 0) > id)
        violations.push(`receiver ${i}: user ${user}'s ${delivery.id} came after a later event`);
      lastOfUser.set(user, id);
    }
  });
  return { events: wanted.length, deliveries, duplicates, drainMs, violations };
}
