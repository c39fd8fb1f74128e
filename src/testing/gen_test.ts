/**
 * `genTest`: run an asynchronous test body on the test's `IOLoop` with a time limit
 * (mirrors `tornado.testing.gen_test`).
 *
 * Tornado's decorator turns a coroutine test method into a plain one that calls
 * `self.io_loop.run_sync(coro, timeout=...)`. Here `genTest(body)` returns the function
 * to give `it`: it runs `body` through `runSync` on the loop of `setupAsyncTest`, or,
 * without one, on a loop of its own that it closes afterwards.
 */
import { Future, isThenable } from "../concurrent";
import { IOLoop } from "../ioloop";
import { TimeoutError } from "../util";
import { runnableTitle, type MochaContext } from "./_mocha";
import { pendingWorkError } from "./_pending_work";
import { asyncTestStateOf } from "./async_test_case";
import { getAsyncTestTimeout } from "./async_test_timeout";
import { AsyncTestTimeoutError } from "./errors";

/** Options of {@link genTest}. */
export interface GenTestOptions {
  /**
   * Relative seconds the body may take; default {@link getAsyncTestTimeout} (the
   * `ASYNC_TEST_TIMEOUT` environment variable, else 5), read when the test runs.
   */
  timeout?: number;
  /**
   * Fail when the body leaves timeouts or callbacks on the loop. Default: the setting of
   * `setupAsyncTest` when the test has its loop, otherwise true.
   */
  checkPendingWork?: boolean;
}

/**
 * A test body: an async function (or one returning a Future or a plain value). `this`
 * is mocha's context when mocha runs the test.
 */
export type GenTestBody<A extends unknown[], R> = (this: any, ...args: A) => R | PromiseLike<R>;

/** What `genTest` returns: give it to `it`, or call it yourself. */
export type GenTestFunction<A extends unknown[], R> = (
  this: any,
  ...args: A
) => Promise<Awaited<R>>;

/** Mocha's timeout is kept this much longer than the body's, so ours reports first. */
const MOCHA_TIMEOUT_MARGIN_MS = 1000;
/** Mocha treats larger timeouts as none. */
const MAX_MOCHA_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Wraps an async test body so that it runs on the test's `IOLoop` through `runSync`,
 * failing with {@link AsyncTestTimeoutError} (`Test "<title>" timed out after N seconds`)
 * when it takes longer than `timeout`.
 *
 * - Inside a describe that called `setupAsyncTest`, the body runs on that test's loop;
 *   anywhere else on a new loop, closed once the body is done.
 * - On success, the loop must hold no live timeouts or ready callbacks (see
 *   `setupAsyncTest`), otherwise the test fails with `PendingWorkError`.
 * - Mocha's own timeout is raised, if needed, to a second more than `timeout`, so that
 *   the failure comes from here and names the test.
 * - Arguments given to the returned function reach the body, with `this` kept, so it
 *   can be called from another test (`await wrapped.call(this, "arg")`).
 *
 * Accepts `genTest(body)`, `genTest(body, options)` and `genTest(options, body)`.
 *
 * @throws `RangeError` when `timeout` is not a positive number; `TypeError` when no body
 *   is given, or (when run) when the body returns a generator: wrap generator functions
 *   with `gen.coroutine`.
 * @example
 * describe("Cache", () => {
 *   const ctx = setupAsyncTest();
 *   it("expires entries (test_expiry)", genTest({ timeout: 2 }, async () => {
 *     const cache = new Cache({ ttl: 0.05 });
 *     cache.set("k", 1);
 *     await new Promise((resolve) => ctx.ioLoop.callLater(0.1, resolve));
 *     expect(cache.get("k")).to.equal(undefined);
 *   }));
 * });
 */
export function genTest<A extends unknown[], R>(
  body: GenTestBody<A, R>,
  options?: GenTestOptions,
): GenTestFunction<A, R>;
export function genTest<A extends unknown[], R>(
  options: GenTestOptions,
  body: GenTestBody<A, R>,
): GenTestFunction<A, R>;
export function genTest<A extends unknown[], R>(
  first: GenTestBody<A, R> | GenTestOptions,
  second?: GenTestBody<A, R> | GenTestOptions,
): GenTestFunction<A, R> {
  const [body, options] =
    typeof first === "function"
      ? [first, (second ?? {}) as GenTestOptions]
      : [second as GenTestBody<A, R> | undefined, first ?? {}];
  if (typeof body !== "function") {
    throw new TypeError(`genTest needs a test body function; got ${String(body)}`);
  }
  const timeout = options.timeout;
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    throw new RangeError(`genTest needs a timeout of positive seconds; got ${String(timeout)}`);
  }
  // A rest parameter keeps `length` at 0: mocha must not take the test for a
  // callback-style one expecting `done`.
  return function genTestWrapper(this: any, ...args: A): Promise<Awaited<R>> {
    return runGenTest(this, body, args, options);
  };
}

async function runGenTest<A extends unknown[], R>(
  context: unknown,
  body: GenTestBody<A, R>,
  args: A,
  options: GenTestOptions,
): Promise<Awaited<R>> {
  const timeout = options.timeout ?? getAsyncTestTimeout();
  const title = runnableTitle(context) ?? (body.name || "genTest body");
  extendMochaTimeout(context, timeout);
  const state = asyncTestStateOf(context);
  const loop = state?.loop ?? new IOLoop({ makeCurrent: false });
  const checkPendingWork = options.checkPendingWork ?? state?.checkPendingWork ?? true;
  // runSync cancels the Future it waits on when the time is up: that Future being
  // cancelled tells a timeout apart from a TimeoutError thrown by the body itself.
  const run: { future: Future<Awaited<R>> | null } = { future: null };
  try {
    const result = await loop.runSync(
      () => {
        const value = body.apply(context, args);
        if (isGenerator(value)) {
          throw new TypeError(
            `genTest body of "${title}" returned a generator: wrap generator functions with ` +
              `gen.coroutine, or write an async function`,
          );
        }
        run.future = Future.fromPromise(value) as Future<Awaited<R>>;
        return run.future;
      },
      { timeout },
    );
    if (checkPendingWork) {
      const leftover = pendingWorkError(loop, title);
      if (leftover !== null) throw leftover;
    }
    return result;
  } catch (error) {
    if (error instanceof TimeoutError && run.future?.cancelled()) {
      throw new AsyncTestTimeoutError(title, timeout, { cause: error });
    }
    throw error;
  } finally {
    // Whatever the outcome, genTest has dealt with the loop: the afterEach check of
    // setupAsyncTest would only find what a late I/O event added after the run.
    if (state !== undefined) state.pendingWorkChecked = true;
    else loop.close({ allFds: true });
  }
}

/** Gives mocha's timer room enough for ours to fire first. Mocha's 0 means "none". */
function extendMochaTimeout(context: unknown, timeout: number): void {
  const mocha = context as MochaContext | undefined;
  if (mocha?.test === undefined || typeof mocha.timeout !== "function") return;
  const current = mocha.timeout();
  const wanted = Math.min(timeout * 1000 + MOCHA_TIMEOUT_MARGIN_MS, MAX_MOCHA_TIMEOUT_MS);
  if (typeof current === "number" && current > 0 && current < wanted) mocha.timeout(wanted);
}

function isGenerator(value: unknown): boolean {
  if (typeof value !== "object" || value === null || isThenable(value)) return false;
  const candidate = value as { next?: unknown; throw?: unknown; [Symbol.iterator]?: unknown };
  return (
    typeof candidate.next === "function" &&
    typeof candidate.throw === "function" &&
    typeof candidate[Symbol.iterator] === "function"
  );
}
