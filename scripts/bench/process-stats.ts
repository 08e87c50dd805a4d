import { readdirSync, readFileSync } from 'node:fs';

// CPU and memory of a server process and its children (cluster workers), from /proc.
const CLOCK_TICKS_PER_SECOND = 100;

function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]!) ?? []));
  return tree;
}

/** CPU time (user + system, all threads) of a server process and its children (cluster workers), in ms. */
export function cpuMs(pid: number): number {
  return processTree(pid).reduce((sum, p) => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return sum + ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
    } catch {
      return sum;
    }
  }, 0);
}

export function rssMb(pid: number): number {
  return processTree(pid).reduce((sum, p) => {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      return sum + Number(match?.[1] ?? 0) / 1024;
    } catch {
      return sum;
    }
  }, 0);
}
