/**
 * Benchmarks of `queues` and `locks` against the npm packages people use for the same
 * jobs: fastq and p-queue for queues, async-mutex for locks and semaphores.
 *
 * Which peer is the closest equivalent, case by case:
 * - A `Queue` drained by K workers (`await q.get()`, `taskDone()`, `await q.join()`) does
 *   what a job queue with concurrency K does: fastq's promise API (`push`, `drained()`)
 *   and p-queue (`add`, `onIdle()`). Both peers run an async worker per item, as our
 *   workers await a `get()` per item.
 * - A bounded `Queue` between one producer (`await q.put()`) and one consumer is
 *   p-queue's documented back-pressure recipe: `await onSizeLessThan(n)` before `add`.
 * - `putNowait` + `getNowait` (no waiting at all) is compared with fastq's callback API
 *   and a synchronous worker, its fastest path, which also never touches a promise.
 * - `Lock`/`Semaphore` acquire and release are compared with async-mutex's `Mutex` and
 *   `Semaphore`, uncontended (a loop of acquire/release) and contended (16 tasks that
 *   each hold the lock across an `await`).
 *
 * Our sides run inside `runSync` on a fresh IOLoop, as real code does, and time only
 * their own work. Run alone: `node -r ts-node/register/transpile-only
 * bench/locks_queues.bench.ts [--quick] [--filter text]`.
 */
import { Mutex, Semaphore as MutexSemaphore } from "async-mutex";
import fastq from "fastq";
import { Lock, Semaphore } from "../src/locks";
import { Queue } from "../src/queues";
import {
  parseOptions,
  runSuites,
  timeAsync,
  type BenchCase,
  type Suite,
  type Target,
} from "./_harness";
import { inLoop } from "./_in_loop";

/** Issue target: at least as fast as each npm peer. */
const AT_LEAST_PEER: Target = { minRatio: 1.0, label: ">= 1.00x" };

/** Tasks that compete for the lock in the contended cases. */
const CONTENDERS = 16;

/** The p-queue class; the package is ESM-only, so it is loaded once with `import()`. */
type PQueueClass = typeof import("p-queue").default;
let pQueueClass: PQueueClass | null = null;
async function loadPQueue(): Promise<PQueueClass> {
  if (pQueueClass === null) pQueueClass = (await import("p-queue")).default;
  return pQueueClass;
}

/** Keeps results observable so the engine cannot drop the work. */
const sink = { total: 0 };

/** Our job queue: `ops` items through `workers` workers; `join()` waits for them all. */
function queueJobs(ops: number, workers: number): Promise<number> {
  return inLoop(async () => {
    const q = new Queue<number>();
    for (let i = 0; i < ops; i++) q.putNowait(i);
    const worker = async (): Promise<void> => {
      for (;;) {
        const item = await q.get();
        if (item < 0) return;
        sink.total += item;
        q.taskDone();
      }
    };
    const running: Promise<void>[] = [];
    for (let w = 0; w < workers; w++) running.push(worker());
    await q.join();
    for (let w = 0; w < workers; w++) q.putNowait(-1);
    await Promise.all(running);
  });
}

function fastqJobs(ops: number, workers: number): Promise<number> {
  return timeAsync(async () => {
    const q = fastq.promise(async (item: number) => {
      sink.total += item;
    }, workers);
    for (let i = 0; i < ops; i++) void q.push(i);
    await q.drained();
  });
}

async function pQueueJobs(ops: number, workers: number): Promise<number> {
  const PQueue = await loadPQueue();
  return timeAsync(async () => {
    const q = new PQueue({ concurrency: workers });
    for (let i = 0; i < ops; i++) {
      void q.add(async () => {
        sink.total += i;
      });
    }
    await q.onIdle();
  });
}

/** Queue with `workers` consumers against a peer job queue of the same concurrency. */
function jobsCase(
  workers: number,
  peerLabel: string,
  peer: (ops: number, workers: number) => Promise<number>,
): BenchCase {
  return {
    name: `Queue jobs, ${workers} worker${workers === 1 ? "" : "s"}`,
    peerLabel,
    ops: 100_000,
    target: AT_LEAST_PEER,
    ours: (ops) => queueJobs(ops, workers),
    peer: (ops) => peer(ops, workers),
  };
}

const jobsFastq1 = jobsCase(1, "fastq.promise", fastqJobs);
const jobsFastq8 = jobsCase(8, "fastq.promise", fastqJobs);
const jobsPQueue1 = jobsCase(1, "p-queue", pQueueJobs);
const jobsPQueue8 = jobsCase(8, "p-queue", pQueueJobs);

const BOUND = 64;

const boundedPair: BenchCase = {
  name: `Queue(${BOUND}) put/get pair`,
  peerLabel: "p-queue+onSizeLessThan",
  ops: 100_000,
  target: AT_LEAST_PEER,
  ours: (ops) =>
    inLoop(async () => {
      const q = new Queue<number>(BOUND);
      const consumer = (async () => {
        for (let i = 0; i < ops; i++) sink.total += await q.get();
      })();
      for (let i = 0; i < ops; i++) await q.put(i);
      await consumer;
    }),
  peer: async (ops) => {
    const PQueue = await loadPQueue();
    return timeAsync(async () => {
      const q = new PQueue({ concurrency: 1 });
      for (let i = 0; i < ops; i++) {
        if (q.size >= BOUND) await q.onSizeLessThan(BOUND);
        void q.add(async () => {
          sink.total += i;
        });
      }
      await q.onIdle();
    });
  },
};

const nowaitPair: BenchCase = {
  name: "putNowait+getNowait",
  peerLabel: "fastq sync worker",
  ops: 1_000_000,
  target: AT_LEAST_PEER,
  ours: (ops) =>
    inLoop(async () => {
      const q = new Queue<number>();
      for (let i = 0; i < ops; i++) {
        q.putNowait(i);
        sink.total += q.getNowait();
        q.taskDone();
      }
    }),
  peer: (ops) =>
    timeAsync(async () => {
      const q = fastq((item: number, done: (error: Error | null) => void) => {
        sink.total += item;
        done(null);
      }, 1);
      for (let i = 0; i < ops; i++) q.push(i);
    }),
};

const lockUncontended: BenchCase = {
  name: "Lock acquire/release",
  peerLabel: "async-mutex Mutex",
  ops: 300_000,
  target: AT_LEAST_PEER,
  ours: (ops) =>
    inLoop(async () => {
      const lock = new Lock();
      for (let i = 0; i < ops; i++) (await lock.acquire()).release();
    }),
  peer: (ops) =>
    timeAsync(async () => {
      const mutex = new Mutex();
      for (let i = 0; i < ops; i++) (await mutex.acquire())();
    }),
};

const lockWith: BenchCase = {
  name: "Lock.with",
  peerLabel: "Mutex.runExclusive",
  ops: 300_000,
  target: AT_LEAST_PEER,
  ours: (ops) =>
    inLoop(async () => {
      const lock = new Lock();
      for (let i = 0; i < ops; i++) sink.total += await lock.with(() => i);
    }),
  peer: (ops) =>
    timeAsync(async () => {
      const mutex = new Mutex();
      for (let i = 0; i < ops; i++) sink.total += await mutex.runExclusive(() => i);
    }),
};

/** `CONTENDERS` tasks share `ops` acquisitions; each holds across one `await`. */
function contended(acquireRelease: () => Promise<void>, ops: number): Promise<void> {
  const perTask = Math.ceil(ops / CONTENDERS);
  const tasks: Promise<void>[] = [];
  for (let t = 0; t < CONTENDERS; t++) {
    tasks.push(
      (async () => {
        for (let i = 0; i < perTask; i++) await acquireRelease();
      })(),
    );
  }
  return Promise.all(tasks).then(() => undefined);
}

const lockContended: BenchCase = {
  name: `Lock, ${CONTENDERS} contenders`,
  peerLabel: "async-mutex Mutex",
  ops: 200_000,
  target: AT_LEAST_PEER,
  ours: (ops) =>
    inLoop(() => {
      const lock = new Lock();
      return contended(async () => {
        const held = await lock.acquire();
        await null;
        sink.total++;
        held.release();
      }, ops);
    }),
  peer: (ops) =>
    timeAsync(() => {
      const mutex = new Mutex();
      return contended(async () => {
        const release = await mutex.acquire();
        await null;
        sink.total++;
        release();
      }, ops);
    }),
};

const semaphoreContended: BenchCase = {
  name: `Semaphore(4), ${CONTENDERS} contenders`,
  peerLabel: "async-mutex Semaphore",
  ops: 200_000,
  target: AT_LEAST_PEER,
  ours: (ops) =>
    inLoop(() => {
      const sem = new Semaphore(4);
      return contended(async () => {
        const held = await sem.acquire();
        await null;
        sink.total++;
        held.release();
      }, ops);
    }),
  peer: (ops) =>
    timeAsync(() => {
      const sem = new MutexSemaphore(4);
      return contended(async () => {
        const [, release] = await sem.acquire();
        await null;
        sink.total++;
        release();
      }, ops);
    }),
};

/** The queue and lock cases, queues first. */
export const locksQueuesSuite: Suite = {
  name: "locks/queues",
  cases: [
    jobsFastq1,
    jobsFastq8,
    jobsPQueue1,
    jobsPQueue8,
    boundedPair,
    nowaitPair,
    lockUncontended,
    lockWith,
    lockContended,
    semaphoreContended,
  ],
};

if (require.main === module) {
  runSuites([locksQueuesSuite], parseOptions(process.argv.slice(2))).catch((error: unknown) => {
    console.error("benchmark failed:", error);
    process.exitCode = 1;
  });
}
