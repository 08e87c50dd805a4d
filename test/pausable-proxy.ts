import { createConnection, createServer, type Socket } from 'node:net';

/** A TCP proxy to a database whose traffic can be held (both ways) and let go: a process cut off, then healed. */
export interface PausableProxy {
  /** The database URL with the proxy's host and port in place of the database's. */
  readonly url: string;
  /** Holds every byte, both ways, on open and new connections, until `resume`. */
  pause(): void;
  /** Lets the held bytes go, in order, and every later one at once. */
  resume(): void;
  close(): Promise<void>;
}

export async function startPausableProxy(databaseUrl: string): Promise<PausableProxy> {
  const target = new URL(databaseUrl);
  let paused = false;
  const flushes = new Set<() => void>();
  const sockets = new Set<Socket>();
  /** Forwards `from` to `to`, holding chunks while paused. */
  const forward = (from: Socket, to: Socket) => {
    const held: Buffer[] = [];
    const flush = () => {
      for (const chunk of held.splice(0)) to.write(chunk);
    };
    flushes.add(flush);
    from.on('data', (chunk: Buffer) => (paused ? held.push(chunk) : to.write(chunk)));
    from.on('close', () => {
      flushes.delete(flush);
      to.destroy();
    });
    from.on('error', () => to.destroy());
  };
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(address.port);
  return {
    url: url.toString(),
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      for (const flush of flushes) flush();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
