/**
 * A fresh `IOLoop` for every test of a mocha `describe` (mirrors
 * `tornado.testing.AsyncTestCase`).
 *
 * Tornado's `AsyncTestCase.setUp` makes a new loop current and `tearDown` closes it with
 * `all_fds=True`, so that no test sees another's callbacks, timeouts or streams. Mocha has
 * no test-case classes; `setupAsyncTest()` registers the same `beforeEach`/`afterEach`
 * pair in the `describe` that calls it and returns a handle whose `ioLoop` is the loop of
 * the running test.
 *
 * Differences from Tornado:
 * - The test fails when it leaves work on its loop (live timeouts, ready callbacks) or
 *   leaves the loop running; Tornado drops such work silently when it closes the loop.
 * - There is no `stop()`/`wait()` pair: JavaScript cannot block, and `genTest` or
 *   `await ctx.ioLoop.runSync(...)` cover what `wait()` did.
 */
import { IOLoop, type Clock } from "../ioloop";
import { RuntimeError } from "../util";
import { failCurrentTest, registerHooks, type MochaContext } from "./_mocha";
import { describePendingWork, findPendingWork, pendingWorkError } from "./_pending_work";

/** Options of {@link setupAsyncTest}. */
export interface AsyncTestOptions {
  /**
   * Clock of each test's loop; default the monotonic clock. Give a `VirtualClock` to
   * test long timeouts without waiting (a new one per test, or advance a shared one).
   */
  clock?: Clock | (() => Clock);
  /**
   * Fail a test that leaves timeouts or callbacks on its loop (default true). Turn it off
   * for a describe whose tests deliberately leave work behind.
   */
  checkPendingWork?: boolean;
}

/** What {@link setupAsyncTest} gives the tests of its describe. */
export interface AsyncTestContext {
  /**
   * The running test's loop: new and current in `beforeEach`, closed after the test.
   *
   * @throws `RuntimeError` outside a test (or hook) of the describe.
   */
  readonly ioLoop: IOLoop;
}

/** @internal What `genTest` needs to know about the running test's loop. */
export interface AsyncTestState {
  readonly loop: IOLoop;
  readonly checkPendingWork: boolean;
  /** Set by `genTest` once it has dealt with the loop's leftovers itself. */
  pendingWorkChecked: boolean;
}

/** Where the per-test state hangs on mocha's context (nested describes inherit it). */
const STATE_KEY = Symbol("tornado-ts testing: the test's IOLoop");

/** Turns of `setImmediate` to wait for a loop left running to stop (it needs one). */
const STOP_WAIT_TURNS = 100;

/**
 * Gives every test of the enclosing `describe` (and of the describes nested in it) a new
 * current `IOLoop`, and closes it after the test with `close({ allFds: true })`.
 *
 * After a test that passed, the loop must be stopped and empty. A test fails, naming
 * what it left, when the loop
 * - still holds live timeouts (removed or fired timeouts do not count): each is listed
 *   with its callback's name and deadline;
 * - still holds ready callbacks, listed by function name, that were added but never ran;
 * - is still running: it is stopped so that the next test can run a loop.
 *
 * Tests that used `genTest` are checked by `genTest` as soon as their body is done;
 * the `afterEach` check covers the others. A test that already failed is not checked,
 * since what it left is a consequence of the failure. The failure is attached to the
 * test through mocha's `Hook#error`, so the remaining tests of the describe still run
 * (a throwing `afterEach` would skip them); reporters may list the test as passed, then
 * failed.
 *
 * Call it inside `describe`, never at the top level of a file: mocha would apply
 * top-level hooks to every test of the run.
 *
 * @throws `RuntimeError` when not run under mocha (no global `beforeEach`).
 * @example
 * describe("Poller", () => {
 *   const ctx = setupAsyncTest();
 *   it("polls", genTest(async () => {
 *     const loop = ctx.ioLoop;
 *     await new Promise((resolve) => loop.callLater(0.01, resolve));
 *   }));
 * });
 */
export function setupAsyncTest(options: AsyncTestOptions = {}): AsyncTestContext {
  const lifecycle = new AsyncTestLifecycle(options);
  registerHooks(
    "setupAsyncTest",
    function setUpAsyncTest(this: MochaContext) {
      lifecycle.setUp(this);
    },
    function tearDownAsyncTest(this: MochaContext) {
      return lifecycle.tearDown(this);
    },
  );
  return {
    get ioLoop(): IOLoop {
      return lifecycle.ioLoop;
    },
  };
}

/** @internal The state `setupAsyncTest` attached to a test's mocha context, if any. */
export function asyncTestStateOf(context: unknown): AsyncTestState | undefined {
  if (typeof context !== "object" || context === null) return undefined;
  return (context as { [STATE_KEY]?: AsyncTestState })[STATE_KEY];
}

/**
 * @internal The setUp/tearDown pair behind `setupAsyncTest`, reused by the HTTP helpers
 * so they can order their own steps around it, as Tornado's subclasses call `super()`.
 */
export class AsyncTestLifecycle {
  private _state: AsyncTestState | null = null;

  constructor(private readonly _options: AsyncTestOptions) {}

  /** The loop of the running test. */
  get ioLoop(): IOLoop {
    if (this._state === null) {
      throw new RuntimeError(
        "ioLoop is only available inside a test or hook of the describe that called " +
          "setupAsyncTest (or setupAsyncHTTPTest)",
      );
    }
    return this._state.loop;
  }

  /** Makes the test's loop current and attaches it to mocha's context for `genTest`. */
  setUp(context: MochaContext): void {
    const clock = this._options.clock;
    const loop = new IOLoop({ clock: typeof clock === "function" ? clock() : clock });
    this._state = {
      loop,
      checkPendingWork: this._options.checkPendingWork ?? true,
      pendingWorkChecked: false,
    };
    (context as { [STATE_KEY]?: AsyncTestState })[STATE_KEY] = this._state;
  }

  /**
   * Stops the loop if the test left it running, checks what it left (only after a test
   * that passed), closes it and forgets it.
   *
   * @throws `RuntimeError` if the loop cannot be stopped; the next test could not run.
   */
  async tearDown(context: MochaContext): Promise<void> {
    const state = this._state;
    this._state = null;
    if (Object.prototype.hasOwnProperty.call(context, STATE_KEY)) {
      delete (context as { [STATE_KEY]?: AsyncTestState })[STATE_KEY];
    }
    if (state === null) return;
    const { loop } = state;
    const leftRunning = loop.isRunning();
    if (leftRunning) {
      loop.stop();
      for (let i = 0; i < STOP_WAIT_TURNS && loop.isRunning(); i++) await nextImmediate();
      if (loop.isRunning()) {
        throw new RuntimeError("The test's IOLoop did not stop; later tests cannot run a loop");
      }
    }
    let failure: Error | null = null;
    const test = context.currentTest;
    if (test?.state === "passed") {
      const title = test.title ?? "<untitled test>";
      if (leftRunning) {
        const work = findPendingWork(loop);
        const leftovers =
          work.timeouts.length + work.callbacks.length > 0
            ? ` It also left:\n${describePendingWork(work)}`
            : "";
        failure = new RuntimeError(
          `Test "${title}" ended with its IOLoop still running; it was stopped and ` +
            `closed. Await the runSync() or start() promise before the test ends.${leftovers}`,
        );
      } else if (state.checkPendingWork && !state.pendingWorkChecked) {
        failure = pendingWorkError(loop, title);
      }
    }
    loop.close({ allFds: true });
    IOLoop.clearCurrent();
    if (failure !== null) failCurrentTest(context, failure);
  }
}

function nextImmediate(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
