// Standard Webhooks signatures, checked with the receivers' own library (npm `standardwebhooks`): pure, no server.
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret, signWebhook, webhookHeaders } from '../src/http/webhook-signature.js';

const now = () => Math.floor(Date.now() / 1000);
const body = JSON.stringify({
  type: 'balance.updated',
  timestamp: new Date().toISOString(),
  data: { userId: '1', entryId: '42', kind: 'WITHDRAWAL', amount: -2, balance: 9998, version: 2 },
});

describe('webhook signatures (Standard Webhooks 1.0)', () => {
  it('verify with the standardwebhooks library, and only for the body, id and time they were made for', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const headers = webhookHeaders([secret], 'msg_1', now(), body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    const wrong = [
      () => new Webhook(newWebhookSecret()).verify(body, headers),
      () => new Webhook(secret).verify(body.replace('9998', '9999'), headers),
      () => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'msg_2' }),
      () => new Webhook(secret).verify(body, { ...headers, 'webhook-timestamp': String(now() - 1) }),
    ];
    for (const verify of wrong) expect(verify).toThrow(WebhookVerificationError);
  });

  it('carry one signature per secret during a rotation: either secret verifies', () => {
    const [old, next] = [newWebhookSecret(), newWebhookSecret()];
    const headers = webhookHeaders([old, next], 'msg_3', now(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(old).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(next).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it("match the library's own signing, and a stale delivery is refused by the receiver", () => {
    const secret = newWebhookSecret();
    const at = now();
    expect(signWebhook(secret, 'msg_4', at, body)).toBe(new Webhook(secret).sign('msg_4', new Date(at * 1000), body));
    const stale = webhookHeaders([secret], 'msg_5', at - 600, body);
    expect(() => new Webhook(secret).verify(body, stale)).toThrow(WebhookVerificationError);
  });

  it('refuse what is not a signing secret, and a delivery without one', () => {
    expect(() => signWebhook('secret', 'msg', now(), body)).toThrow(/not a webhook signing secret/);
    expect(() => signWebhook('whsec_c2hvcnQ=', 'msg', now(), body)).toThrow(/not a webhook signing secret/);
    expect(() => webhookHeaders([], 'msg', now(), body)).toThrow(/at least one secret/);
  });
});
