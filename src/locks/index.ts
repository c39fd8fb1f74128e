/**
 * tornado-ts `locks`: synchronization primitives for tasks on one `IOLoop` (mirrors
 * `tornado.locks`): `Condition`, `Event`, `Semaphore`, `BoundedSemaphore`, `Lock`.
 *
 * They coordinate tasks of one thread; they are not thread-safe (neither are Tornado's).
 * Every wait returns a `Future`, so it can be awaited, given done-callbacks, or cancelled
 * (a cancelled waiter leaves the line). Waiters are served first come, first served.
 * Timeouts are deadlines as in Tornado: a number is an absolute `IOLoop.time()`, a
 * `TimeDelta` (`{ seconds }`) is relative. Python's `async with lock:` is
 * `await lock.with(async () => ...)`, or `await using _ = await lock.acquire()`.
 *
 * Differences from Tornado: a zero timeout is a deadline (Tornado treats a falsy timeout
 * as none); timed-out waiters leave at once instead of being swept every 100 timeouts;
 * the `Releaser` that `acquire()` resolves to releases only once.
 *
 * @module
 */
export { Condition } from "./condition";
export { Event } from "./event";
export { Semaphore, BoundedSemaphore } from "./semaphore";
export { Lock } from "./lock";
export { Releaser, type Releasable, type WithOptions } from "./releaser";
export { type Deadline } from "./_waiters";
