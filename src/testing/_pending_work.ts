/**
 * What a test left on its `IOLoop`: the check behind `setupAsyncTest` and `genTest`.
 *
 * Pending work is whatever the loop would still run if it kept going: live timeouts (a
 * timeout that fired or was removed with `removeTimeout` is not live) and ready callbacks
 * (added with `addCallback`, or scheduled by a Future that settled, but not run yet).
 * The loop of a test is closed once the test ends, so all of that would silently never
 * run; the check turns it into a failure that names each piece.
 */
import type { IOLoop } from "../ioloop";
import { PendingWorkError, type PendingTimeout } from "./errors";

/** Everything the loop still holds. */
export interface PendingWork {
  /** Live timeouts, earliest deadline first. */
  readonly timeouts: PendingTimeout[];
  /** Function names of the ready callbacks, in queue order. */
  readonly callbacks: string[];
}

/** Listing more than this many lines of each kind helps no one. */
const MAX_LISTED = 10;

/** Reads what `loop` still holds; deadlines are reported relative to `loop.time()`. */
export function findPendingWork(loop: IOLoop): PendingWork {
  const work = loop._pendingWork();
  const now = loop.time();
  const timeouts = work.handles
    .map((handle) => ({
      name: functionName(handle._callback),
      deadline: handle.deadline,
      delay: handle.deadline - now,
    }))
    .sort((a, b) => a.deadline - b.deadline);
  return { timeouts, callbacks: work.callbacks.map(functionName) };
}

/**
 * The error to fail a test with when `loop` still holds work, or null when it holds none.
 *
 * @example
 * const error = pendingWorkError(loop, "polls the server");
 * if (error !== null) throw error;
 */
export function pendingWorkError(loop: IOLoop, testTitle: string): PendingWorkError | null {
  const work = findPendingWork(loop);
  if (work.timeouts.length === 0 && work.callbacks.length === 0) return null;
  const message =
    `Test "${testTitle}" left ${plural(work.timeouts.length, "timeout")} and ` +
    `${plural(work.callbacks.length, "callback")} pending on its IOLoop, ` +
    `which is closed after every test:\n` +
    describePendingWork(work) +
    `\nRemove timeouts that are no longer needed (removeTimeout, PeriodicCallback.stop) ` +
    `and let callbacks run before the test ends.`;
  return new PendingWorkError(message, work.timeouts, work.callbacks);
}

/** One indented line per timeout and callback, the earliest timeouts first. */
export function describePendingWork(work: PendingWork): string {
  const lines = work.timeouts.slice(0, MAX_LISTED).map((t) => {
    const when =
      t.delay >= 0 ? `due in ${t.delay.toFixed(3)} s` : `overdue by ${(-t.delay).toFixed(3)} s`;
    return `  timeout ${t.name}, ${when} (deadline ${t.deadline.toFixed(3)})`;
  });
  if (work.timeouts.length > MAX_LISTED) {
    lines.push(`  ... and ${work.timeouts.length - MAX_LISTED} more timeouts`);
  }
  for (const name of work.callbacks.slice(0, MAX_LISTED)) lines.push(`  callback ${name}`);
  if (work.callbacks.length > MAX_LISTED) {
    lines.push(`  ... and ${work.callbacks.length - MAX_LISTED} more callbacks`);
  }
  return lines.join("\n");
}

function functionName(fn: unknown): string {
  return typeof fn === "function" && fn.name !== "" ? fn.name : "<anonymous function>";
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
