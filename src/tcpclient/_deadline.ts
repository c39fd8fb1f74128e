/**
 * `untilDeadline`: a step of connection setup raced against an absolute deadline, for
 * `TCPClient.connect` and the simple HTTP client's own TLS and proxy steps.
 *
 * Internal to `tcpclient` (and `simple_httpclient`, which sets up connections the same way).
 */
import type { IOLoop, TimeoutHandle } from "../ioloop";
import { TimeoutError } from "../util";

/** What to do with work that outlived its deadline. */
export interface DeadlineHooks<T> {
  /** Called once when the deadline passes first (to abort the work). */
  onTimeout?: () => void;
  /** Called with a result that arrives after the deadline (to close it). */
  onLate?: (value: T) => void;
}

/**
 * `work`'s outcome, or `TimeoutError(message)` at `deadline` (absolute loop time; null for
 * none). Unlike `withTimeout`, a late failure is read and dropped silently (the caller
 * aborted the work on timeout, so it is expected) and a late result goes to `onLate`.
 */
export function untilDeadline<T>(
  loop: IOLoop,
  deadline: number | null,
  work: PromiseLike<T>,
  message: string,
  hooks: DeadlineHooks<T> = {},
): Promise<T> {
  if (deadline === null) return Promise.resolve(work);
  return new Promise<T>((resolve, reject) => {
    let timedOut = false;
    const handle: TimeoutHandle = loop.callAt(deadline, () => {
      timedOut = true;
      reject(new TimeoutError(message));
      hooks.onTimeout?.();
    });
    work.then(
      (value) => {
        loop.removeTimeout(handle);
        if (timedOut) hooks.onLate?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        loop.removeTimeout(handle);
        if (!timedOut) reject(error);
      },
    );
  });
}
