/**
 * `multi` and `convertYielded`: waiting on many things at once, and turning whatever a
 * coroutine yields into one Future (mirrors `tornado.gen.multi`, `multi_future` and
 * `convert_yielded`). The two live together because each needs the other: a list inside
 * a list is converted by `multi`, and `multi` converts each child.
 */
import { Future, futureAddDoneCallback, isThenable } from "../concurrent";
import { appLog } from "../log";
import { BadYieldError } from "./errors";
import { moment, momentFuture } from "./sleep";

/** Something `convertYielded` accepts: an awaitable, or an array or object of them. */
export type Yieldable =
  PromiseLike<unknown> | readonly unknown[] | { [key: string]: unknown } | null | undefined;

/** The resolved shape of `multi(children)`: same array or object, values awaited. */
export type MultiResult<C> = { -readonly [K in keyof C]: Awaited<C[K]> };

/** Options of {@link multi} and {@link withTimeout}. */
export interface QuietExceptionsOptions {
  /**
   * Error classes not to log when they arrive after the result is already decided (a
   * second failure in `multi`, or a failure after `withTimeout` gave up).
   */
  quietExceptions?: readonly (abstract new (...args: any[]) => unknown)[];
}

/**
 * Waits for every child (an array or an object of awaitables) and resolves with the
 * results in the same shape.
 *
 * All children are waited for even when one fails. Then the first failure, in the
 * children's order, rejects the result and later failures are logged ("Multiple
 * exceptions in yield list") unless their class is in `quietExceptions`. Cancelling the
 * result does not cancel the children.
 *
 * @example
 * const [a, b] = await multi([fetchA(), fetchB()]);
 * const { user, posts } = await multi({ user: getUser(), posts: getPosts() });
 */
export function multi<C extends readonly unknown[] | { [key: string]: unknown }>(
  children: C,
  options: QuietExceptionsOptions = {},
): Future<MultiResult<C>> {
  return multiFuture(children, options);
}

/** The same as {@link multi} (Tornado keeps both names). */
export function multiFuture<C extends readonly unknown[] | { [key: string]: unknown }>(
  children: C,
  options: QuietExceptionsOptions = {},
): Future<MultiResult<C>> {
  const keys = Array.isArray(children) ? null : Object.keys(children);
  const values: unknown[] =
    keys === null ? [...(children as readonly unknown[])] : Object.values(children);
  const futures = values.map((child) => convertYielded(child as Yieldable));
  const result = new Future<MultiResult<C>>();
  const unfinished = new Set(futures);
  if (unfinished.size === 0) {
    result.setResult((keys === null ? [] : {}) as MultiResult<C>);
    return result;
  }
  const quiet = options.quietExceptions ?? [];
  const onChildDone = (child: Future<unknown>): void => {
    unfinished.delete(child);
    if (unfinished.size > 0) return;
    const results: unknown[] = [];
    for (const future of futures) {
      try {
        results.push(future.result());
      } catch (error) {
        if (result.done()) {
          if (!quiet.some((cls) => error instanceof cls)) {
            appLog.error("Multiple exceptions in yield list", error);
          }
        } else {
          result.setException(error);
        }
      }
    }
    if (result.done()) return;
    if (keys === null) result.setResult(results as MultiResult<C>);
    else
      result.setResult(Object.fromEntries(keys.map((k, i) => [k, results[i]])) as MultiResult<C>);
  };
  // A future listed twice is waited for once.
  for (const future of unfinished) futureAddDoneCallback(future, onChildDone);
  return result;
}

/**
 * Turns what a coroutine yields into a Future: a Future as it is, a promise wrapped,
 * an array or plain object through {@link multi}, `null`/`undefined`/`moment` into a
 * future that resolves on the loop's next turn.
 *
 * @throws `BadYieldError` ("yielded unknown object …") for anything else.
 */
export function convertYielded(yielded: Yieldable): Future<unknown> {
  if (yielded === null || yielded === undefined || yielded === moment) return momentFuture();
  if (yielded instanceof Future) return yielded;
  if (isThenable(yielded)) return Future.fromPromise(yielded);
  if (Array.isArray(yielded) || isPlainObject(yielded)) {
    return multi(yielded as { [key: string]: unknown });
  }
  throw new BadYieldError(`yielded unknown object ${describe(yielded)}`);
}

function isPlainObject(value: unknown): value is { [key: string]: unknown } {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return `function ${value.name || "<anonymous>"}`;
  if (typeof value === "object" && value !== null) {
    return `<${value.constructor?.name ?? "object"}>`;
  }
  return String(value);
}
