/**
 * periodic_ticker: a PeriodicCallback that keeps a fixed schedule and skips the runs a
 * slow tick missed, instead of bursting to catch up.
 *
 * Run it: `npx ts-node examples/periodic_ticker.ts`.
 */
import { IOLoop, PeriodicCallback } from "../src/ioloop";

/** Ticks every 50 ms for half a second; tick 3 is slow. Returns the tick times. */
export async function main(): Promise<number[]> {
  const loop = IOLoop.current();
  const start = loop.time();
  const times: number[] = [];
  let ticks = 0;
  const ticker = new PeriodicCallback(async () => {
    ticks++;
    const at = loop.time() - start;
    times.push(at);
    console.log(`tick ${ticks} at ${(at * 1000).toFixed(0)} ms`);
    if (ticks === 3) {
      console.log("  tick 3 takes 120 ms: the runs due at 200 and 250 ms are skipped");
      await new Promise<void>((resolve) => loop.callLater(0.12, resolve));
    }
  }, 50);
  ticker.start();
  await new Promise<void>((resolve) => loop.callLater(0.52, resolve));
  ticker.stop();
  return times;
}

if (require.main === module) IOLoop.current().runSync(main);
