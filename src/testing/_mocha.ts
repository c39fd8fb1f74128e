/**
 * The little of mocha that `testing` relies on, typed here so that the package builds
 * without `@types/mocha` and never loads mocha itself: the global `beforeEach` and
 * `afterEach`, the `this` of tests and hooks, and `Hook#error`, mocha's public way for an
 * `afterEach` hook to fail the test it ran after.
 */
import { RuntimeError } from "../util";

/** A mocha test or hook, as `this.test` and `this.currentTest` show it. */
export interface MochaRunnable {
  /** The title given to `it`, or the hook's generated title. */
  readonly title?: string;
  /** Set once a test has run: "passed", "failed" or "pending". */
  readonly state?: string;
  /** On a hook: fails the current test with `error` instead of failing the hook. */
  error?(error: unknown): unknown;
}

/** The `this` mocha gives tests and hooks (its `Context`). */
export interface MochaContext {
  /** The runnable being executed: the test itself, or the hook. */
  readonly test?: MochaRunnable;
  /** In `beforeEach`/`afterEach`: the test the hook runs for. */
  readonly currentTest?: MochaRunnable;
  /** Reads (no argument) or sets the runnable's timeout in milliseconds; 0 is none. */
  timeout?(ms?: number): unknown;
}

/** A hook body: may return a promise, which mocha waits for. */
export type MochaHook = (this: MochaContext) => unknown;

interface MochaGlobals {
  beforeEach?: (fn: MochaHook) => void;
  afterEach?: (fn: MochaHook) => void;
}

/**
 * Registers `setUp` and `tearDown` as `beforeEach`/`afterEach` of the enclosing
 * `describe`.
 *
 * @throws `RuntimeError` when mocha's globals are missing (not run under mocha).
 */
export function registerHooks(caller: string, setUp: MochaHook, tearDown: MochaHook): void {
  const globals = globalThis as MochaGlobals;
  if (typeof globals.beforeEach !== "function" || typeof globals.afterEach !== "function") {
    throw new RuntimeError(
      `${caller} registers mocha hooks: call it inside describe() of a file that mocha runs`,
    );
  }
  globals.beforeEach(setUp);
  globals.afterEach(tearDown);
}

/**
 * Fails the test an `afterEach` hook ran for, without failing the hook: a failed hook
 * would make mocha skip every remaining test of the describe. Mocha has already reported
 * the test as passed by then, so reporters list it under both (mocha's own `--check-leaks`
 * behaves the same). Falls back to throwing where `Hook#error` is missing.
 */
export function failCurrentTest(hookContext: MochaContext, error: Error): void {
  const hook = hookContext.test;
  if (hook !== undefined && typeof hook.error === "function") hook.error(error);
  else throw error;
}

/** The title of the running test (or hook), if mocha is running one. */
export function runnableTitle(context: unknown): string | undefined {
  const title = (context as MochaContext | undefined)?.test?.title;
  return typeof title === "string" ? title : undefined;
}
