import { Cron } from 'croner';

// Reading one environment variable each: the value, or a ConfigError whose message an operator can act on (it
// names the variable and what it takes, never repeats a secret).

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Record<string, string | undefined>;

export function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

export function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return Number(raw);
}

export function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false (got "${raw}")`);
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration: milliseconds, or a number with a unit (`500ms`, `30s`, `15m`, `6h`, `3d`). */
export function duration(env: Env, name: string, fallbackMs: number, minMs: number, maxMs: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallbackMs;
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(raw);
  const ms = match ? Number(match[1]) * UNITS[match[2] ?? 'ms']! : NaN;
  if (!(ms >= minMs && ms <= maxMs)) {
    throw new ConfigError(
      `${name} must be a duration from ${minMs} ms to ${maxMs} ms, as milliseconds or with a unit (30s, 15m, 6h, 3d) (got "${raw}")`,
    );
  }
  return ms;
}

export function hostList(env: Env, name: string, fallback: readonly string[]): readonly string[] {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const hosts = raw
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean);
  for (const host of hosts) {
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/.test(host)) {
      throw new ConfigError(`${name} entries must be host names or addresses, IPv6 in brackets (got "${host}")`);
    }
  }
  return Object.freeze(hosts);
}

export function cronPattern(env: Env, name: string, fallback: string): string {
  const raw = read(env, name) ?? fallback;
  try {
    new Cron(raw, { paused: true, timezone: 'UTC' }).stop();
  } catch (error) {
    throw new ConfigError(`${name} is not a cron pattern (got "${raw}"): ${(error as Error).message}`);
  }
  return raw;
}

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
  }
  return raw as T;
}
