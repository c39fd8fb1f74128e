/**
 * Errors of `testing`: a test that ran out of time, a test that left work on its loop,
 * and an `ExpectLog` whose required message never came.
 *
 * Tornado raises `TimeoutError` from `gen_test` and a bare `Exception` from `ExpectLog`;
 * here each failure has a class of its own so that a test of a test can catch it by name.
 */
import { TimeoutError } from "../util";

/**
 * A `genTest` body did not finish within its timeout.
 *
 * A subclass of `TimeoutError` (the class `ioloop` and `gen` raise), so code written
 * against Tornado's `gen_test`, which lets `run_sync`'s `TimeoutError` through, still
 * catches it. The original `runSync` error is the `cause`.
 *
 * @example
 * try { await genTest({ timeout: 0.1 }, slowBody)(); }
 * catch (e) { if (e instanceof AsyncTestTimeoutError) console.log(e.testTitle, e.timeout); }
 */
export class AsyncTestTimeoutError extends TimeoutError {
  override name = "AsyncTestTimeoutError";

  constructor(
    /** The mocha title of the test, or the body's function name outside mocha. */
    readonly testTitle: string,
    /** The timeout that expired, in relative seconds. */
    readonly timeout: number,
    options?: ErrorOptions,
  ) {
    super(
      `Test "${testTitle}" timed out after ${timeout} seconds ` +
        `(raise it with genTest({ timeout }) or the ASYNC_TEST_TIMEOUT environment variable)`,
      options,
    );
  }
}

/** One timeout that a test left on its loop. */
export interface PendingTimeout {
  /** The callback's function name, or `<anonymous function>`. */
  readonly name: string;
  /** Absolute loop time, in seconds, at which it was due. */
  readonly deadline: number;
  /** Seconds from the end of the test to the deadline; negative when already overdue. */
  readonly delay: number;
}

/**
 * A test finished while its `IOLoop` still held timeouts or ready callbacks that would
 * never run, because the loop is closed after every test.
 *
 * Tornado's `AsyncTestCase` quietly drops such work when it closes the loop; tornado-ts
 * fails the test instead, as Twisted's trial does for a "dirty reactor", because a
 * forgotten timer or a callback holding an assertion that never ran is a bug in the
 * test or in the code it tests.
 *
 * @example
 * // Test "polls" left 1 timeout and 0 callbacks pending on its IOLoop:
 * //   timeout poll, due in 0.950 s (deadline 12.345)
 */
export class PendingWorkError extends Error {
  override name = "PendingWorkError";

  constructor(
    message: string,
    /** The live timeouts, earliest first. */
    readonly timeouts: readonly PendingTimeout[],
    /** Function names of the ready callbacks, in the order they would have run. */
    readonly callbacks: readonly string[],
  ) {
    super(message);
  }
}

/**
 * A required `ExpectLog` saw no matching record. Tornado raises a bare `Exception` with
 * the message "did not get expected log message"; this message starts the same way.
 *
 * @example
 * // did not get expected log message: no record of logger "tornado.application"
 * // matched /Uncaught exception/
 */
export class ExpectLogError extends Error {
  override name = "ExpectLogError";

  constructor(
    /** Name of the logger that was watched. */
    readonly loggerName: string,
    /** The pattern that no record matched. */
    readonly pattern: RegExp,
  ) {
    super(
      `did not get expected log message: no record of logger "${loggerName}" ` +
        `matched ${String(pattern)}`,
    );
  }
}
