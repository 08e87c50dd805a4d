import { webhookBody, type WebhookEvent } from '../core/webhook-events.js';
import { postWebhook, type PostOptions, type PostResult } from './webhook-post.js';
import { webhookHeaders } from './webhook-signature.js';

/**
 * Sends one event to one URL at `at`: its body, signed with `secrets`, POSTed. Whatever goes wrong is the
 * attempt's failure, recorded like a receiver's (the dispatcher's runs and a redelivery send the same way).
 */
export async function sendWebhookEvent(
  url: string,
  secrets: readonly string[],
  event: WebhookEvent,
  at: Date,
  options: PostOptions,
): Promise<PostResult> {
  try {
    const body = webhookBody(event);
    const headers = webhookHeaders(secrets, event.id, Math.floor(at.getTime() / 1000), body);
    return await postWebhook(url, headers, body, options);
  } catch (error) {
    return { ok: false, status: null, error: (error as Error).message };
  }
}
