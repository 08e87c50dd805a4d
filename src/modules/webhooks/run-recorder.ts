import type { RecordedRun } from './delivery.store.js';

/**
 * Records runs of webhook streams in groups: a run that ends while a group is being written waits for it and
 * goes with the next one, so runs ending together cost one statement (like a group commit).
 */
export class RunRecorder {
  private queue: { run: RecordedRun; resolve(recorded: boolean): void; reject(error: unknown): void }[] = [];
  private flushing = false;

  constructor(private readonly write: (runs: readonly RecordedRun[]) => Promise<Set<RecordedRun>>) {}

  /** Resolves true once the run is recorded, false when its lease was lost (nothing of it written). */
  record(run: RecordedRun): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ run, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      try {
        const recorded = await this.write(group.map((item) => item.run));
        for (const item of group) item.resolve(recorded.has(item.run));
      } catch (error) {
        for (const item of group) item.reject(error);
      }
    }
    this.flushing = false;
  }
}
