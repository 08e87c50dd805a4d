import { describe, expect, it } from 'vitest';
import { KeyedBatchQueue } from '../src/modules/balance/keyed-batch-queue.js';

/** A processor whose batches complete only when the test releases them. */
function controlledProcessor() {
  const batches: { key: string; ops: number[]; release: (error?: Error) => void }[] = [];
  const waiters: (() => void)[] = [];
  const processor = (key: string, ops: readonly number[]) =>
    new Promise<number[]>((resolve, reject) => {
      batches.push({
        key,
        ops: [...ops],
        release: (error) => (error ? reject(error) : resolve(ops.map((op) => op * 10))),
      });
      waiters.splice(0).forEach((wake) => wake());
    });
  const nextBatch = async (index: number) => {
    while (batches.length <= index) await new Promise<void>((resolve) => waiters.push(resolve));
    return batches[index]!;
  };
  return { processor, batches, nextBatch };
}

describe('KeyedBatchQueue', () => {
  it('runs one batch at a time per key, in arrival order, and batches what arrives meanwhile', async () => {
    const { processor, nextBatch } = controlledProcessor();
    const queue = new KeyedBatchQueue(processor, 100);
    const results = [1, 2, 3, 4].map((op) => queue.submit('a', op));
    const first = await nextBatch(0);
    expect(first.ops).toEqual([1]);
    first.release();
    const second = await nextBatch(1);
    expect(second.ops).toEqual([2, 3, 4]);
    second.release();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40]);
  });

  it('respects the batch size cap', async () => {
    const { processor, nextBatch } = controlledProcessor();
    const queue = new KeyedBatchQueue(processor, 2);
    const results = [1, 2, 3, 4, 5, 6].map((op) => queue.submit('a', op));
    const sizes: number[][] = [];
    for (let i = 0; i < 4; i++) {
      const batch = await nextBatch(i);
      sizes.push(batch.ops);
      batch.release();
    }
    expect(sizes).toEqual([[1], [2, 3], [4, 5], [6]]);
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('keeps keys independent', async () => {
    const { processor, nextBatch } = controlledProcessor();
    const queue = new KeyedBatchQueue(processor, 10);
    const a = queue.submit('a', 1);
    const b = queue.submit('b', 2);
    const [first, second] = [await nextBatch(0), await nextBatch(1)];
    expect([first.key, second.key]).toEqual(['a', 'b']);
    second.release();
    expect(await b).toBe(20);
    first.release();
    expect(await a).toBe(10);
  });

  it('answers every waiting operation when a batch fails, and goes on with the next batch', async () => {
    const { processor, nextBatch } = controlledProcessor();
    const queue = new KeyedBatchQueue(processor, 10);
    const first = queue.submit('a', 1);
    const firstBatch = await nextBatch(0);
    const later = [queue.submit('a', 2), queue.submit('a', 3)];
    firstBatch.release(new Error('database down'));
    await expect(first).rejects.toThrow('database down');
    const secondBatch = await nextBatch(1);
    secondBatch.release(new Error('still down'));
    await expect(Promise.all(later)).rejects.toThrow('still down');
    const recovered = queue.submit('a', 4);
    (await nextBatch(2)).release();
    expect(await recovered).toBe(40);
  });

  it('removes idle lanes, so many distinct keys leave nothing behind', async () => {
    const queue = new KeyedBatchQueue(async (_key: number, ops: readonly number[]) => ops.map((op) => op + 1), 10);
    const results = await Promise.all(Array.from({ length: 200_000 }, (_, key) => queue.submit(key, key)));
    expect(results[199_999]).toBe(200_000);
    expect(queue.activeLanes).toBe(0);
    await queue.whenIdle();
  });

  it('rejects a processor that returns the wrong number of results', async () => {
    const queue = new KeyedBatchQueue(async () => [], 10);
    await expect(queue.submit('a', 1)).rejects.toThrow('returned 0 results for 1 operations');
  });
});
