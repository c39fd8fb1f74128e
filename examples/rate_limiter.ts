/**
 * rate_limiter: at most K tasks at once, with a `Semaphore`.
 *
 * Twelve jobs start together, but `sem.with(...)` lets only three run at a time: the
 * others wait in line and start, in the order they asked, as running ones finish. The
 * program tracks how many run at once and prints the highest count it saw. A last,
 * impatient job gives up waiting after 10 ms (`timeout`), as `with` allows.
 *
 * Run it: `npx ts-node examples/rate_limiter.ts`.
 */
import { sleep } from "../src/gen";
import { IOLoop } from "../src/ioloop";
import { Semaphore } from "../src/locks";
import { TimeoutError } from "../src/util";

const LIMIT = 3;
const JOBS = 12;

/** What the run observed. */
export interface RateLimitSummary {
  limit: number;
  done: number;
  maxConcurrent: number;
  startOrder: number[];
}

/** Runs `jobs` jobs through a semaphore of `limit` and prints what happened. */
export async function main(limit = LIMIT, jobs = JOBS): Promise<RateLimitSummary> {
  const loop = IOLoop.current();
  const sem = new Semaphore(limit);
  const t0 = loop.time();
  const ms = (): string => `${Math.round((loop.time() - t0) * 1000)}`.padStart(4) + " ms";
  let running = 0;
  let maxConcurrent = 0;
  let done = 0;
  const startOrder: number[] = [];

  async function job(id: number): Promise<void> {
    await sem.with(async () => {
      running++;
      maxConcurrent = Math.max(maxConcurrent, running);
      startOrder.push(id);
      console.log(`${ms()}  job ${String(id).padStart(2)} starts (${running} running)`);
      await sleep(0.02 + (id % 4) * 0.01);
      running--;
      done++;
    });
  }

  const all = Array.from({ length: jobs }, (_, id) => job(id));
  try {
    await sem.with(() => console.log("the impatient job ran"), { timeout: { seconds: 0.01 } });
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    console.log(`${ms()}  the impatient job gave up waiting: ${error.message}`);
  }
  await Promise.all(all);
  console.log(
    `${done} jobs done in ${ms().trim()}; max concurrency observed: ${maxConcurrent} (limit ${limit})`,
  );
  return { limit, done, maxConcurrent, startOrder };
}

if (require.main === module) IOLoop.current().runSync(main);
