/**
 * executor_offload: CPU-bound work on the default executor (worker threads) while the
 * loop stays responsive, compared with the same work run on the loop itself.
 *
 * Run it: `npx ts-node examples/executor_offload.ts`.
 */
import { IOLoop, PeriodicCallback } from "../src/ioloop";

/** Counts primes below `limit`: self-contained, so it can travel to a worker. */
function countPrimes(limit: number): number {
  let count = 0;
  for (let n = 2; n < limit; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

/** Runs the work twice, on the loop and on a worker; returns the ticks seen each time. */
export async function main(): Promise<{ onLoop: number; onWorker: number }> {
  const loop = IOLoop.current();
  let ticks = 0;
  const ticker = new PeriodicCallback(() => ticks++, 10);
  ticker.start();

  ticks = 0;
  const blocking = countPrimes(2_000_000);
  await new Promise<void>((resolve) => loop.addCallback(resolve));
  const onLoop = ticks;
  console.log(`on the loop:   ${blocking} primes, ${onLoop} ticks while computing`);

  ticks = 0;
  const offloaded = await loop.runInExecutor(null, countPrimes, 2_000_000);
  const onWorker = ticks;
  console.log(`on a worker:   ${offloaded} primes, ${onWorker} ticks while computing`);

  ticker.stop();
  return { onLoop, onWorker };
}

if (require.main === module) IOLoop.current().runSync(main);
