import { BlockList, isIP } from 'node:net';

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

/** Address ranges by kind; IPv4 rules also match IPv4-mapped IPv6 addresses (`::ffff:a00:1` is 10.0.0.1). */
const RANGES: [Exclude<Range, 'public'>, BlockList][] = [
  ['loopback', blockList(['127.0.0.0/8', '::1/128'])],
  [
    'private',
    blockList(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '198.18.0.0/15', 'fc00::/7']),
  ],
  ['link-local', blockList(['169.254.0.0/16', 'fe80::/10'])],
  [
    'reserved',
    blockList([
      '0.0.0.0/8',
      '192.0.0.0/24',
      '192.0.2.0/24',
      '198.51.100.0/24',
      '203.0.113.0/24',
      '224.0.0.0/3',
      // The unspecified address, IPv4-compatible and NAT64 addresses (an IPv4 address inside), documentation, multicast.
      '::/96',
      '64:ff9b::/96',
      '64:ff9b:1::/48',
      '2001:db8::/32',
      'ff00::/8',
    ]),
  ],
];

function blockList(subnets: readonly string[]): BlockList {
  const list = new BlockList();
  for (const subnet of subnets) {
    const [address, prefix] = subnet.split('/') as [string, string];
    list.addSubnet(address, Number(prefix), isIP(address) === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

function rangeOf(address: string): Range {
  const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
  for (const [range, list] of RANGES) if (list.check(address, type)) return range;
  return 'public';
}
