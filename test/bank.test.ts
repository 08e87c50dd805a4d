import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const projectRoot = path.resolve(import.meta.dirname, '..');

describe('npm run bank (a shorter run)', () => {
  it('every fault kind, one at a time and together, ends with zero violations', { timeout: 240_000 }, async () => {
    // Partitions need root and iproute2 (network namespaces), as on the CI machines; elsewhere they are left out.
    const root = process.getuid?.() === 0;
    const faults = root ? 'kill,pg-restart,partition,all' : 'kill,pg-restart,all';
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'scripts/bank.ts', '--seconds', '5', '--workers', '12', '--faults', faults],
      { cwd: projectRoot, maxBuffer: 16 * 1024 * 1024 },
    ).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`bank failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    });
    process.stdout.write(stdout);
    expect(stdout).toContain('verdict: ok (0 violations)');
    // Every event reached the three receivers (failing, hanging and down in turn) through every fault.
    expect(stdout).toMatch(/webhooks: \d+ events x 3 endpoints, \d+ deliveries .*: no violations/);
    const table = stdout.slice(stdout.lastIndexOf('fault    attempted'));
    for (const fault of ['kill', 'pg-restart', 'all']) {
      const row = table.split('\n').find((line) => line.trim().startsWith(`${fault} `))!;
      const [attempted, acknowledged, applied] = row.trim().split(/\s+/).slice(1, 4).map(Number);
      expect(attempted).toBeGreaterThan(100);
      expect(acknowledged).toBe(attempted);
      expect(applied).toBeGreaterThan(0);
    }
    if (root) expect(table).toMatch(/\n\s+partition\s+\d+/);
  });
});
