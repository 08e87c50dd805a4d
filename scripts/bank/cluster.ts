import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded-postgres.js';
import type { Logger } from '../../src/logger.js';
import { spawnServer, type SpawnedServer } from '../lib/spawn-server.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

/**
 * The system under test: one embedded PostgreSQL and N server processes on it. With `network` (root and
 * `ip` needed), each server runs in a network namespace of its own with two veth links, one for its clients
 * and one to the database, so the link to the database can be cut while clients still reach the server.
 */
export interface BankCluster {
  readonly size: number;
  /** Why partitions cannot be made here, or undefined when they can. */
  readonly noPartitions: string | undefined;
  /** The GraphQL URL of server i (as clients reach it). */
  url(i: number): string;
  /** A connection URL for the checker (from this process). */
  readonly databaseUrl: string;
  /** An address of this machine every server reaches (webhook receivers listen on it). */
  readonly webhookHost: string;
  kill(i: number): void;
  start(i: number): Promise<void>;
  isUp(i: number): boolean;
  stopDatabase(): Promise<void>;
  startDatabase(): Promise<void>;
  partition(i: number): Promise<void>;
  heal(i: number): Promise<void>;
  close(): Promise<void>;
}

interface Namespace {
  name: string;
  clientIp: string;
  /** The database as seen from inside the namespace. */
  databaseHost: string;
  /** The host side of the database link: down = partitioned. */
  databaseLink: string;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

/** Creates server i's namespace and links; 10.<net>.<2i>.0/30 for clients, 10.<net>.<2i+1>.0/30 to the database. */
/** The address (on the host's loopback device) at which servers in namespaces reach this process's receivers. */
const webhookAddress = (net: number) => `10.${net}.250.1`;

async function createNamespace(tag: string, net: number, i: number): Promise<Namespace> {
  const name = `bank-${tag}-${i}`;
  const [clientHost, clientNs, dbHost, dbNs] = ['ch', 'cn', 'dh', 'dn'].map((side) => `bk${tag}${i}${side}`);
  await ip('netns', 'add', name);
  await ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
  for (const [host, inside, subnet] of [
    [clientHost!, clientNs!, 2 * i],
    [dbHost!, dbNs!, 2 * i + 1],
  ] as const) {
    await ip('link', 'add', host, 'type', 'veth', 'peer', 'name', inside);
    await ip('link', 'set', inside, 'netns', name);
    await ip('addr', 'add', `10.${net}.${subnet}.1/30`, 'dev', host);
    await ip('link', 'set', host, 'up');
    await ip('netns', 'exec', name, 'ip', 'addr', 'add', `10.${net}.${subnet}.2/30`, 'dev', inside);
    await ip('netns', 'exec', name, 'ip', 'link', 'set', inside, 'up');
  }
  // Webhook deliveries leave over the client link (never the database one, so a partition leaves them alone).
  await ip('netns', 'exec', name, 'ip', 'route', 'add', `${webhookAddress(net)}/32`, 'via', `10.${net}.${2 * i}.1`);
  return {
    name,
    clientIp: `10.${net}.${2 * i}.2`,
    databaseHost: `10.${net}.${2 * i + 1}.1`,
    databaseLink: dbHost!,
  };
}

async function deleteNamespace(ns: Namespace): Promise<void> {
  await run('ip', ['netns', 'del', ns.name]).catch(() => undefined);
  for (const side of ['ch', 'dh']) {
    await run('ip', ['link', 'del', ns.databaseLink.replace(/dh$/, side)]).catch(() => undefined);
  }
}

/** Why network namespaces cannot be used here, or undefined. */
async function partitionsUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'network partitions need root (ip netns)';
  try {
    await run('ip', ['netns', 'list']);
  } catch {
    return 'network partitions need the `ip` command (iproute2)';
  }
  return undefined;
}

export async function startBankCluster(options: {
  servers: number;
  logger: Logger;
  network: boolean;
  env?: Record<string, string>;
}): Promise<BankCluster> {
  const { logger } = options;
  const noPartitions = options.network ? await partitionsUnavailable() : 'disabled';
  const dataDir = await mkdtemp(path.join(tmpdir(), 'balance-bank-'));
  const settings: Record<string, string> = {
    // Loopback only; with partitions also the host side of each namespace's database link (set below).
    listen_addresses: '127.0.0.1',
    max_connections: '200',
    // The checker tells when each ledger entry was committed (to check the states refusals claim).
    track_commit_timestamp: 'on',
    // A server cut off mid-transaction must not hold its row locks for ever.
    idle_in_transaction_session_timeout: '10s',
    tcp_keepalives_idle: '5',
    tcp_keepalives_interval: '2',
    tcp_keepalives_count: '3',
  };
  let database: EmbeddedDatabase = await startEmbeddedDatabase({ dataDir, database: 'balance', logger, settings });
  const port = database.port;
  const tag = randomInt(36 ** 3)
    .toString(36)
    .padStart(3, '0');
  const net = 100 + randomInt(100);
  const namespaces: (Namespace | undefined)[] = [];
  const webhookHost = noPartitions ? '127.0.0.1' : webhookAddress(net);
  try {
    if (!noPartitions) await ip('addr', 'add', `${webhookHost}/32`, 'dev', 'lo');
    for (let i = 0; i < options.servers; i++) {
      namespaces.push(noPartitions ? undefined : await createNamespace(tag, net, i));
    }
    if (!noPartitions) {
      // The servers reach PostgreSQL over their namespaces' links: it listens there too (and on loopback, not on
      // every address of the machine), and allows those addresses (with the password).
      await database.stop();
      settings['listen_addresses'] = ['127.0.0.1', ...namespaces.map((ns) => ns!.databaseHost)].join(',');
      const subnet = `10.${net}.0.0/16`;
      await appendFile(path.join(dataDir, 'postgres', 'pg_hba.conf'), `\nhost all all ${subnet} scram-sha-256\n`);
      database = await startEmbeddedDatabase({ dataDir, database: 'balance', logger, settings, port });
    }
  } catch (error) {
    await Promise.all(namespaces.map((ns) => ns && deleteNamespace(ns)));
    if (!noPartitions) await ip('addr', 'del', `${webhookHost}/32`, 'dev', 'lo').catch(() => undefined);
    await database.stop();
    throw error;
  }
  const servers: (SpawnedServer | undefined)[] = namespaces.map(() => undefined);

  const start = async (i: number): Promise<void> => {
    const ns = namespaces[i];
    const url = new URL(database.url);
    if (ns) url.hostname = ns.databaseHost;
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      AUTH_MODE: 'off',
      GRANT_ENABLED: 'false',
      PORT: '0',
      HOST: ns ? '0.0.0.0' : '127.0.0.1',
      DATABASE_URL: url.toString(),
      DB_POOL_SIZE: '12',
      // Receivers on this machine: in namespaces at an address of the private range, so it is allowed by name.
      WEBHOOK_HTTP_HOSTS: webhookHost,
      WEBHOOK_PRIVATE_NETWORKS: noPartitions ? 'false' : 'true',
      ...options.env,
    };
    const node = [process.execPath, '--import', 'tsx', 'src/main.ts'];
    const [command, ...args] = ns ? ['ip', 'netns', 'exec', ns.name, ...node] : node;
    const server = await spawnServer(command!, args, { cwd: root, env });
    // Keep only the count of log lines: a long run would otherwise keep every line.
    server.logs.length = 0;
    servers[i] = server;
  };

  await Promise.all(namespaces.map((_, i) => start(i)));
  let closed = false;
  return {
    size: options.servers,
    noPartitions,
    url: (i) => `http://${namespaces[i]?.clientIp ?? '127.0.0.1'}:${servers[i]?.port ?? 1}/graphql`,
    get databaseUrl() {
      return database.url;
    },
    webhookHost,
    kill(i) {
      servers[i]?.child.kill('SIGKILL');
      servers[i] = undefined;
    },
    start,
    isUp: (i) => servers[i] !== undefined,
    async stopDatabase() {
      await database.stop();
    },
    async startDatabase() {
      database = await startEmbeddedDatabase({ dataDir, database: 'balance', logger, settings, port });
    },
    async partition(i) {
      await ip('link', 'set', namespaces[i]!.databaseLink, 'down');
    },
    async heal(i) {
      await ip('link', 'set', namespaces[i]!.databaseLink, 'up');
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(servers.map((server) => server?.stop()));
      await database.stop();
      await Promise.all(namespaces.map((ns) => ns && deleteNamespace(ns)));
      if (!noPartitions) await ip('addr', 'del', `${webhookHost}/32`, 'dev', 'lo').catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
