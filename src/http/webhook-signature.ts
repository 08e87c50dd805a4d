import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

// Standard Webhooks 1.0 signatures (standardwebhooks.com), so that a receiver verifies a delivery with its
// library and writes no crypto: the signed content is `<id>.<timestamp>.<body>`, HMAC-SHA256 keyed with the
// secret's bytes (base64 after `whsec_`), sent as `v1,<base64>`; during a secret rotation, one per secret,
// space-separated.

const PREFIX = 'whsec_';
/** Bytes of a new secret (the specification asks for 24 to 64). */
const SECRET_BYTES = 32;

/** A new signing secret, as shown to its endpoint's owner once: `whsec_` and base64. */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** Keys of the secrets in use: making a key from bytes costs more than the HMAC of a delivery. */
const keys = new Map<string, KeyObject>();
const MAX_KEYS = 1000;

/** The key of a `whsec_` secret; throws for anything else (a secret is made here, never typed in). */
function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (key) return key;
  const bytes = secret.startsWith(PREFIX) ? Buffer.from(secret.slice(PREFIX.length), 'base64') : Buffer.alloc(0);
  if (bytes.length < 24) throw new Error('not a webhook signing secret (whsec_ and at least 24 bytes of base64)');
  key = createSecretKey(bytes);
  if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value!);
  keys.set(secret, key);
  return key;
}

/** The `v1,<base64>` signature of one delivery with one secret. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const signed = `${id}.${timestampSeconds}.${body}`;
  return `v1,${createHmac('sha256', keyOf(secret)).update(signed).digest('base64')}`;
}

/** The three headers of a delivery: its id (the same on every retry), its time, its signatures (one per secret). */
export function webhookHeaders(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string } {
  if (secrets.length === 0) throw new Error('a delivery is signed with at least one secret');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((secret) => signWebhook(secret, id, timestampSeconds, body)).join(' '),
  };
}
