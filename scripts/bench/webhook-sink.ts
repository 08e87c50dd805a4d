// A webhook receiver for `npm run bench` in a process of its own (so its work is neither the service's nor the
// load generator's): answers every POST 204 at once and counts them per path and distinct webhook-id;
// GET /counts answers the counts. Prints its port on the first line of stdout.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const seen = new Map<string, Set<string>>();
let posts = 0;
const server = http.createServer((request, response) => {
  if (request.method === 'GET') {
    const counts = Object.fromEntries([...seen].map(([path, ids]) => [path, ids.size]));
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ posts, counts }));
    return;
  }
  request.resume();
  request.on('end', () => {
    posts++;
    const path = request.url ?? '/';
    let ids = seen.get(path);
    if (!ids) seen.set(path, (ids = new Set()));
    ids.add(String(request.headers['webhook-id']));
    response.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
