/**
 * Test helpers shared by the suites: a fresh IOLoop per test (through
 * `tornado-ts/testing`, so a test that leaves work on its loop fails), and a way to
 * capture what a logger prints.
 */
import { VirtualClock, type IOLoop } from "../../src/ioloop";
import { appLog, type LogRecord, type Logger } from "../../src/log";
import { setupAsyncTest, type AsyncTestOptions } from "../../src/testing";

/**
 * Gives each test of the enclosing `describe` a new current loop, closed afterwards
 * (`setupAsyncTest` under a shorter name: `ctx.loop` is the running test's loop).
 */
export function useFreshLoop(options: AsyncTestOptions = {}): { readonly loop: IOLoop } {
  const ctx = setupAsyncTest(options);
  return {
    get loop(): IOLoop {
      return ctx.ioLoop;
    },
  };
}

/** Records what `logger` emits while `fn` runs (and until the returned promise settles). */
export async function captureLogs<T>(
  fn: () => T | Promise<T>,
  logger: Logger = appLog,
): Promise<{ result: T; records: LogRecord[] }> {
  const records: LogRecord[] = [];
  const handler = (record: LogRecord): void => {
    records.push(record);
  };
  logger.addHandler(handler);
  try {
    const result = await fn();
    return { result, records };
  } finally {
    logger.removeHandler(handler);
  }
}

/** Resolves after `seconds` of real time, outside any IOLoop. */
export function realSleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/** Resolves on a later turn of `loop` (the loop must be running for it to settle). */
export function nextTurn(loop: IOLoop): Promise<void> {
  return new Promise((resolve) => loop.addCallback(() => resolve()));
}

/** What {@link useVirtualLoop} gives the tests of its describe. */
export interface VirtualLoop {
  /** The running test's loop. */
  readonly loop: IOLoop;
  /** The loop's clock; it only moves when told to. */
  readonly clock: VirtualClock;
  /** `loop.runSync(fn)`. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs every callback queued now (Tornado's `loop_briefly`). */
  turn(): Promise<void>;
  /** Moves the clock; due timeouts fire and their done-callbacks run. */
  sleep(seconds: number): Promise<void>;
}

/** A fresh loop per test on a virtual clock, and ways to let time and turns pass. */
export function useVirtualLoop(start = 1000): VirtualLoop {
  const clock = new VirtualClock(start);
  const ctx = useFreshLoop({ clock });
  return {
    get loop(): IOLoop {
      return ctx.loop;
    },
    clock,
    run: (fn) => ctx.loop.runSync(fn),
    turn: () => nextTurn(ctx.loop),
    async sleep(seconds: number): Promise<void> {
      clock.advance(seconds);
      await nextTurn(ctx.loop);
      await nextTurn(ctx.loop);
    },
  };
}
