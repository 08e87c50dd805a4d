import { isIP } from 'node:net';

// Which URLs may receive webhooks, so the service cannot be made a proxy into its own network: https, or http
// to an allowed host (by default loopback only, for local development); no credentials in the URL; addresses in
// private, link-local, shared, multicast or reserved ranges only when private networks are allowed, loopback only
// under a host allowed for http. Checked when an endpoint is saved (the URL) and on every connection (the
// address its host resolves to, so a name that later points inside is refused too).

export interface UrlPolicy {
  /** Hosts (lower case; IPv6 in brackets) that may be reached over plain http. */
  readonly httpHosts: readonly string[];
  /** Whether private network addresses may be reached. */
  readonly privateNetworks: boolean;
}

export const MAX_URL_LENGTH = 2048;

/** Why `raw` may not receive webhooks, or undefined when it may. */
export function webhookUrlProblem(raw: string, policy: UrlPolicy): string | undefined {
  if (raw.length > MAX_URL_LENGTH) return `A URL has at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'Not a URL (expected https://host/path)';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Only http(s) URLs receive webhooks';
  if (url.username !== '' || url.password !== '') return 'A webhook URL carries no credentials';
  const host = url.hostname.toLowerCase();
  if (url.protocol === 'http:' && !policy.httpHosts.includes(host)) {
    return `Plain http is allowed only to ${policy.httpHosts.join(', ') || 'no host'}; use https`;
  }
  const literal = host.startsWith('[') ? host.slice(1, -1) : host;
  if (isIP(literal) !== 0) return addressProblem(literal, host, policy);
  return undefined;
}

/** Why the address `address` (that `host` names) may not be connected to, or undefined. */
export function addressProblem(address: string, host: string, policy: UrlPolicy): string | undefined {
  const range = rangeOf(address);
  if (range === 'public') return undefined;
  if (range === 'loopback' && policy.httpHosts.includes(host.toLowerCase())) return undefined;
  if (range !== 'loopback' && policy.privateNetworks) return undefined;
  return `${host} is (or resolves to) ${address}, a ${range} address, which webhooks may not reach`;
}

type Range = 'public' | 'loopback' | 'private' | 'link-local' | 'reserved';

function rangeOf(address: string): Range {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return rangeOf(mapped[1]!);
  if (isIP(address) === 4) {
    const [a, b] = address.split('.').map(Number) as [number, number];
    if (a === 127) return 'loopback';
    if (
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    ) {
      return 'private';
    }
    if (a === 169 && b === 254) return 'link-local';
    if (a === 0 || a >= 224) return 'reserved';
    return 'public';
  }
  const lower = address.toLowerCase();
  if (lower === '::1') return 'loopback';
  if (lower === '::' || lower.startsWith('ff')) return 'reserved';
  if (/^f[cd]/.test(lower)) return 'private';
  if (/^fe[89ab]/.test(lower)) return 'link-local';
  return 'public';
}
