import { spawn, type ChildProcess } from 'node:child_process';

export interface LogLine {
  msg: string;
  [field: string]: unknown;
}

export interface SpawnedServer {
  readonly child: ChildProcess;
  readonly port: number;
  /** Every JSON line the process printed so far. */
  readonly logs: LogLine[];
  /** Sends SIGTERM (once) and resolves with the exit code when the process has exited. */
  stop(): Promise<number | null>;
}

/**
 * Starts a server process and resolves once it prints the JSON log line `{"msg":"listening","port":N}`;
 * rejects with everything it printed if it exits first.
 */
export function spawnServer(
  command: string,
  args: string[],
  /** `detached`: lead a process group of its own, as a job started from a terminal does. */
  options: { cwd: string; env: NodeJS.ProcessEnv; detached?: boolean },
): Promise<SpawnedServer> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: options.detached,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const printed: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        printed.push(line);
        let entry: LogLine;
        try {
          entry = JSON.parse(line) as LogLine;
        } catch {
          continue;
        }
        logs.push(entry);
        if (entry.msg !== 'listening') continue;
        resolve({
          child,
          port: entry.port as number,
          logs,
          stop: () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => printed.push(chunk));
    void exited.then((code) =>
      reject(new Error(`${command} ${args.join(' ')} exited with ${code} before listening:\n${printed.join('\n')}`)),
    );
  });
}
