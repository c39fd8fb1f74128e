/**
 * Test helpers until `tornado-ts/testing` lands: a fresh IOLoop per test, closed after it,
 * and a way to capture what a logger prints.
 */
import { IOLoop, type IOLoopOptions } from "../../src/ioloop";
import { appLog, type LogRecord, type Logger } from "../../src/log";

/** Gives each test of the enclosing `describe` a new current loop, closed afterwards. */
export function useFreshLoop(options: IOLoopOptions = {}): { readonly loop: IOLoop } {
  const holder = { loop: null as unknown as IOLoop };
  beforeEach(() => {
    holder.loop = new IOLoop(options);
  });
  afterEach(() => {
    if (holder.loop.isRunning()) holder.loop.stop();
    else holder.loop.close();
    IOLoop.clearCurrent();
  });
  return holder;
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
