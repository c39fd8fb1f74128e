/**
 * Errors of `concurrent` (mirrors `asyncio.InvalidStateError` and `asyncio.CancelledError`,
 * which Tornado's futures raise).
 */

/**
 * A {@link Future} method was called in a state that does not allow it: reading the
 * result of a pending future, or settling one that is already done.
 */
export class InvalidStateError extends Error {
  override name = "InvalidStateError";
}

/**
 * The future was cancelled: thrown by `result()`, `exception()` and `await` of a
 * cancelled future.
 *
 * @example
 * const f = new Future<number>();
 * f.cancel("no longer needed");
 * await f; // throws CancelledError: no longer needed
 */
export class CancelledError extends Error {
  override name = "CancelledError";
  constructor(message = "Future was cancelled", options?: ErrorOptions) {
    super(message, options);
  }
}
