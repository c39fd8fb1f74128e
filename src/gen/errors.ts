/**
 * Errors of `gen` (mirrors `tornado.gen.BadYieldError` and `tornado.gen.Return`).
 */

/**
 * A coroutine yielded something that is neither awaitable nor a list or object of
 * awaitables, or a `WaitIterator` was given something it cannot wait on.
 */
export class BadYieldError extends Error {
  override name = "BadYieldError";
}

/**
 * Ends a generator coroutine with a value, as Python 2's `raise gen.Return(value)` did.
 * In a generator, `return value` does the same and reads better; `Return` exists so that
 * old Tornado code ports line for line.
 *
 * @example
 * const answer = coroutine(function* () { yield sleep(0.1); throw new Return(42); });
 */
export class Return extends Error {
  override name = "Return";
  constructor(readonly value?: unknown) {
    super("gen.Return used outside a coroutine");
  }
}
