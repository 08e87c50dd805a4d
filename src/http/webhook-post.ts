import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { addressProblem, type UrlPolicy } from '../core/webhook-url.js';

// One webhook delivery over HTTP: a POST that counts as acknowledged only on a 2xx within the timeout. Redirects
// are not followed (a 3xx is a failure), at most RESPONSE_BYTES of the answer are read, and the connection goes
// only to an address the URL policy allows (checked on the resolved address, see core/webhook-url.ts).

/** How much of a receiver's answer is read (kept as the delivery's error when it is not a 2xx). */
const RESPONSE_BYTES = 4096;
/** Shown of an answer in the delivery state. */
const SHOWN_BYTES = 200;

export interface PostOptions {
  readonly timeoutMs: number;
  readonly policy: UrlPolicy;
  /** Ends the attempt at once (a process stopping), as a failure `aborted`. */
  readonly signal?: AbortSignal;
}

/** What came of one attempt: `status` when the receiver answered, `error` when it failed. */
export interface PostResult {
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
}

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/** DNS lookups whose every address the policy allows; the connection fails with the reason otherwise. */
function checkedLookup(host: string, policy: UrlPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as dns.LookupAddress[];
      for (const { address } of list) {
        const problem = addressProblem(address, host, policy);
        if (problem) return callback(Object.assign(new Error(problem), { code: 'WEBHOOK_ADDRESS' }), '', 0);
      }
      if ((options as dns.LookupOptions).all)
        return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

export function postWebhook(
  rawUrl: string,
  headers: Record<string, string>,
  body: string,
  { timeoutMs, policy, signal }: PostOptions,
): Promise<PostResult> {
  return new Promise((resolve) => {
    let settled = false;
    // Set once the request exists; `finish` may come first (a refused address).
    const timing: { timer?: NodeJS.Timeout } = {};
    const finish = (result: PostResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timing.timer);
      resolve(result);
    };
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return finish({ ok: false, status: null, error: 'invalid URL' });
    }
    const host = url.hostname.toLowerCase();
    const literal = host.startsWith('[') ? host.slice(1, -1) : host;
    const problem = isIP(literal) !== 0 ? addressProblem(literal, host, policy) : undefined;
    if (problem) return finish({ ok: false, status: null, error: problem });
    const client = url.protocol === 'https:' ? https : http;
    let request: http.ClientRequest;
    try {
      request = client.request(url, {
        method: 'POST',
        agent: agents[url.protocol as 'http:' | 'https:'],
        lookup: checkedLookup(host, policy),
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'balance-service-webhooks/1',
        },
      });
    } catch (error) {
      // Node refuses some requests before sending (a header it cannot send): a failure like any other.
      return finish({ ok: false, status: null, error: (error as Error).message });
    }
    timing.timer = setTimeout(() => {
      request.destroy();
      finish({ ok: false, status: null, error: `timeout after ${timeoutMs} ms` });
    }, timeoutMs);
    request.on('error', (error) => finish({ ok: false, status: null, error: error.message || String(error) }));
    const abort = () => {
      request.destroy();
      finish({ ok: false, status: null, error: 'aborted' });
    };
    if (signal?.aborted) abort();
    signal?.addEventListener('abort', abort, { once: true });
    request.on('close', () => signal?.removeEventListener('abort', abort));
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk.subarray(0, Math.max(0, RESPONSE_BYTES - size)));
        size += chunk.length;
        if (size >= RESPONSE_BYTES) response.destroy();
      });
      const done = (): void => {
        const ok = status >= 200 && status < 300;
        const text = Buffer.concat(chunks).toString('utf8').slice(0, SHOWN_BYTES);
        const error = ok
          ? null
          : status >= 300 && status < 400
            ? `redirect not followed (status ${status})`
            : `status ${status}${text ? `: ${text}` : ''}`;
        finish({ ok, status, error });
      };
      response.on('end', done);
      response.on('close', done);
      response.on('error', done);
    });
    request.end(body);
  });
}
