/**
 * Error classes shared by every layer (mirrors the exceptions that `tornado.util` and
 * Python's built-ins give Tornado).
 *
 * Python raises a handful of built-in exceptions that JavaScript lacks; each gets one small
 * class here so that ported code can `catch` it by name.
 */

/**
 * An operation did not finish before its deadline.
 *
 * Tornado's `tornado.util.TimeoutError` (an alias of `asyncio.TimeoutError`); `gen` and
 * `ioloop` re-export this same class, so one `instanceof` check catches all of them.
 *
 * @example
 * try { await loop.runSync(work, { timeout: 1 }); }
 * catch (e) { if (e instanceof TimeoutError) console.log("too slow"); }
 */
export class TimeoutError extends Error {
  override name = "TimeoutError";
  constructor(message = "Timeout", options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * An operation was called in a state that does not allow it, such as starting a loop that
 * is already running. Python's `RuntimeError`.
 */
export class RuntimeError extends Error {
  override name = "RuntimeError";
}
