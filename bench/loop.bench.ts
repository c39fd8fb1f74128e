/**
 * Benchmarks of the event-loop core against what it wraps: `IOLoop.addCallback` against
 * raw `setImmediate` (a batch, and a chain where each callback schedules the next),
 * `callLater` against raw `setTimeout` (100,000 timers scheduled and fired, with one
 * delay and with random ones; and scheduled then cancelled), `await future` against
 * `await promise` (already done, and pending until `setResult`), and `setResult` with a
 * done-callback against `promise.then`.
 *
 * Every IOLoop side runs on a fresh loop inside `runSync` (callbacks and timeouts only run
 * while the loop runs) and times only its own work, not the loop's start and stop.
 */
import { Future } from "../src/concurrent";
import { type IOLoop } from "../src/ioloop";
import { timeAsync, type BenchCase, type Suite, type Target } from "./_harness";
import { inLoop } from "./_in_loop";

/** Issue target: batching should make `addCallback` at least as fast as `setImmediate`. */
const AT_LEAST_RAW: Target = { minRatio: 1.0, label: ">= 1.00x" };
/** Issue target: loop timers keep at least 80% of raw `setTimeout` throughput. */
const TIMERS: Target = { minRatio: 0.8, label: ">= 0.80x" };
/** Issue target: `await future` costs at most 1.5 times `await promise`. */
const AWAIT: Target = { minRatio: 1 / 1.5, label: "cost<=1.5x" };

/**
 * A promise resolved by the `ops`-th call of the counter passed to `schedule`, which must
 * arrange for that many calls.
 */
function countTo(ops: number, schedule: (tick: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let count = 0;
    schedule(() => {
      if (++count === ops) resolve();
    });
  });
}

/** `count` delays of 1 to 10 whole milliseconds from a fixed seed (Node clamps 0 to 1). */
function randomDelaysMs(count: number): number[] {
  // mulberry32: a tiny seeded PRNG, so every run and both sides see the same delays.
  let state = 0x9e3779b9;
  const delays = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    delays[i] = 1 + Math.floor(unit * 10);
  }
  return delays;
}

/** Delays for both sides: milliseconds for `setTimeout`, the same in seconds for the loop. */
const delayCache = new Map<number, { ms: number[]; seconds: number[] }>();
function delaysFor(count: number): { ms: number[]; seconds: number[] } {
  let delays = delayCache.get(count);
  if (delays === undefined) {
    const ms = randomDelaysMs(count);
    delays = { ms, seconds: ms.map((d) => d / 1000) };
    delayCache.set(count, delays);
  }
  return delays;
}

function noop(): void {}

/** Resolves with what `awaitable` gives: one `await` of a value that may still be pending. */
async function consume(awaitable: PromiseLike<number>): Promise<number> {
  return await awaitable;
}

/**
 * Throws unless a side's awaited values add up to `expected`: it proves every await
 * delivered its value, and using the sum keeps the engine from dropping the work.
 */
function checkSum(what: string, actual: number, expected: number): void {
  if (actual !== expected) {
    throw new Error(`${what}: awaited values sum to ${actual}, expected ${expected}`);
  }
}

const addCallbackBatch: BenchCase = {
  name: "addCallback batch",
  peerLabel: "setImmediate",
  ops: 500_000,
  target: AT_LEAST_RAW,
  ours: (ops) =>
    inLoop((loop) =>
      countTo(ops, (tick) => {
        for (let i = 0; i < ops; i++) loop.addCallback(tick);
      }),
    ),
  peer: (ops) =>
    timeAsync(() =>
      countTo(ops, (tick) => {
        for (let i = 0; i < ops; i++) setImmediate(tick);
      }),
    ),
};

const addCallbackChain: BenchCase = {
  name: "addCallback chain",
  peerLabel: "setImmediate",
  ops: 100_000,
  ours: (ops) =>
    inLoop(
      (loop) =>
        new Promise<void>((resolve) => {
          let count = 0;
          const tick = (): void => {
            if (++count === ops) resolve();
            else loop.addCallback(tick);
          };
          loop.addCallback(tick);
        }),
    ),
  peer: (ops) =>
    timeAsync(
      () =>
        new Promise<void>((resolve) => {
          let count = 0;
          const tick = (): void => {
            if (++count === ops) resolve();
            else setImmediate(tick);
          };
          setImmediate(tick);
        }),
    ),
};

const callLaterFixed: BenchCase = {
  name: "callLater 1ms fire",
  peerLabel: "setTimeout",
  ops: 100_000,
  target: TIMERS,
  ours: (ops) =>
    inLoop((loop) =>
      countTo(ops, (tick) => {
        for (let i = 0; i < ops; i++) loop.callLater(0.001, tick);
      }),
    ),
  peer: (ops) =>
    timeAsync(() =>
      countTo(ops, (tick) => {
        for (let i = 0; i < ops; i++) setTimeout(tick, 1);
      }),
    ),
};

const callLaterRandom: BenchCase = {
  name: "callLater 1-10ms fire",
  peerLabel: "setTimeout",
  ops: 100_000,
  target: TIMERS,
  ours: (ops) => {
    const delays = delaysFor(ops).seconds;
    return inLoop((loop) =>
      countTo(ops, (tick) => {
        for (let i = 0; i < ops; i++) loop.callLater(delays[i], tick);
      }),
    );
  },
  peer: (ops) => {
    const delays = delaysFor(ops).ms;
    return timeAsync(() =>
      countTo(ops, (tick) => {
        for (let i = 0; i < ops; i++) setTimeout(tick, delays[i]);
      }),
    );
  },
};

const callLaterCancel: BenchCase = {
  name: "callLater+removeTimeout",
  peerLabel: "clearTimeout",
  ops: 100_000,
  target: TIMERS,
  ours: (ops) =>
    inLoop(async (loop) => {
      const handles = new Array<ReturnType<IOLoop["callLater"]>>(ops);
      for (let i = 0; i < ops; i++) handles[i] = loop.callLater(1, noop);
      for (let i = 0; i < ops; i++) loop.removeTimeout(handles[i]);
    }),
  peer: (ops) =>
    timeAsync(async () => {
      const handles = new Array<NodeJS.Timeout>(ops);
      for (let i = 0; i < ops; i++) handles[i] = setTimeout(noop, 1000);
      for (let i = 0; i < ops; i++) clearTimeout(handles[i]);
    }),
};

const awaitDone: BenchCase = {
  name: "await done future",
  peerLabel: "await promise",
  ops: 1_000_000,
  target: AWAIT,
  ours: (ops) => {
    const future = new Future<number>();
    future.setResult(1);
    return timeAsync(async () => {
      let sum = 0;
      for (let i = 0; i < ops; i++) sum += await future;
      checkSum("await done future", sum, ops);
    });
  },
  peer: (ops) => {
    const promise = Promise.resolve(1);
    return timeAsync(async () => {
      let sum = 0;
      for (let i = 0; i < ops; i++) sum += await promise;
      checkSum("await done promise", sum, ops);
    });
  },
};

// `await future` in `consume` queues the job that calls `future.then` ahead of the loop's
// own `await null`, so the waiter subscribes while the future is still pending and
// `setResult` is what wakes it (the path this case is about).
const awaitPending: BenchCase = {
  name: "await pending future",
  peerLabel: "await promise",
  ops: 300_000,
  target: AWAIT,
  ours: (ops) =>
    timeAsync(async () => {
      let sum = 0;
      for (let i = 0; i < ops; i++) {
        const future = new Future<number>();
        const done = consume(future);
        await null;
        future.setResult(i);
        sum += await done;
      }
      checkSum("await pending future", sum, (ops * (ops - 1)) / 2);
    }),
  peer: (ops) =>
    timeAsync(async () => {
      let sum = 0;
      for (let i = 0; i < ops; i++) {
        let resolve!: (value: number) => void;
        const promise = new Promise<number>((r) => (resolve = r));
        const done = consume(promise);
        await null;
        resolve(i);
        sum += await done;
      }
      checkSum("await pending promise", sum, (ops * (ops - 1)) / 2);
    }),
};

const setResultCallback: BenchCase = {
  name: "setResult+done-callback",
  peerLabel: "promise.then",
  ops: 300_000,
  ours: (ops) =>
    inLoop(() =>
      countTo(ops, (tick) => {
        for (let i = 0; i < ops; i++) {
          const future = new Future<number>();
          future.addDoneCallback(tick);
          future.setResult(i);
        }
      }),
    ),
  peer: (ops) =>
    timeAsync(() =>
      countTo(ops, (tick) => {
        for (let i = 0; i < ops; i++) Promise.resolve(i).then(tick);
      }),
    ),
};

/** The IOLoop and Future cases, in the order of the issue. */
export const loopSuite: Suite = {
  name: "ioloop/future",
  cases: [
    addCallbackBatch,
    addCallbackChain,
    callLaterFixed,
    callLaterRandom,
    callLaterCancel,
    awaitDone,
    awaitPending,
    setResultCallback,
  ],
};
