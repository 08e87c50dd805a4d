// One webhook POST (src/http/webhook-post.ts) against real HTTP servers on 127.0.0.1: what counts as acknowledged,
// and what the delivery state says when it is not.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook } from '../src/http/webhook-post.js';

const policy = { httpHosts: ['localhost', '127.0.0.1', '[::1]'], privateNetworks: false };
let server: http.Server;
let base: string;
const hanging = new Set<http.ServerResponse>();

beforeAll(async () => {
  server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      switch (request.url) {
        case '/ok':
          return void response.writeHead(204).end();
        case '/redirect':
          return void response.writeHead(302, { location: '/ok' }).end();
        case '/huge-ok':
          response.writeHead(200);
          return void response.end(Buffer.alloc(10 * 1024 * 1024, 'a'));
        case '/huge-error':
          response.writeHead(500);
          return void response.end('e'.repeat(1024 * 1024));
        case '/hang':
          hanging.add(response);
          return;
        default:
          return void response.writeHead(404).end('no such hook');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const response of hanging) response.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (url: string, options: Partial<Parameters<typeof postWebhook>[3]> = {}) =>
  postWebhook(url, { 'webhook-id': 'evt_1_0' }, '{"type":"balance.updated"}', { timeoutMs: 2000, policy, ...options });

describe('a webhook POST', () => {
  it('is acknowledged by a 2xx only; a redirect is not followed; other statuses say what came back', async () => {
    expect(await post(`${base}/ok`)).toEqual({ ok: true, status: 204, error: null });
    expect(await post(`${base}/redirect`)).toEqual({
      ok: false,
      status: 302,
      error: 'redirect not followed (status 302)',
    });
    expect(await post(`${base}/missing`)).toEqual({ ok: false, status: 404, error: 'status 404: no such hook' });
  });

  it('reads at most a few KB of an answer, however large', async () => {
    expect(await post(`${base}/huge-ok`)).toMatchObject({ ok: true, status: 200 });
    const failed = await post(`${base}/huge-error`);
    expect(failed).toMatchObject({ ok: false, status: 500 });
    expect(failed.error).toBe(`status 500: ${'e'.repeat(200)}`);
  });

  it('times out a receiver that does not answer, and stops at once when aborted', async () => {
    const started = performance.now();
    expect(await post(`${base}/hang`, { timeoutMs: 300 })).toEqual({
      ok: false,
      status: null,
      error: 'timeout after 300 ms',
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    const stop = new AbortController();
    const attempt = post(`${base}/hang`, { timeoutMs: 60_000, signal: stop.signal });
    stop.abort();
    expect(await attempt).toEqual({ ok: false, status: null, error: 'aborted' });
  });

  it('refuses an address the policy does not allow: a literal, or what a name resolves to', async () => {
    expect(await post('https://10.0.0.1/hooks')).toEqual({
      ok: false,
      status: null,
      error: '10.0.0.1 is (or resolves to) 10.0.0.1, a private address, which webhooks may not reach',
    });
    // `localhost` resolves to loopback: allowed only while it is a host allowed for http.
    const port = (server.address() as AddressInfo).port;
    expect(await post(`http://localhost:${port}/ok`)).toMatchObject({ ok: true });
    expect(await post(`https://localhost:${port}/ok`, { policy: { ...policy, httpHosts: [] } })).toEqual({
      ok: false,
      status: null,
      error: expect.stringMatching(/^localhost is \(or resolves to\) (127\.0\.0\.1|::1), a loopback address/),
    });
    expect(await post(`http://127.0.0.1:1/hooks`)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/ECONNREFUSED/),
    });
  });
});
