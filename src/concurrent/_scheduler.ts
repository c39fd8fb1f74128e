/**
 * The hook through which a `Future` schedules its done-callbacks.
 *
 * `concurrent` sits below `ioloop` in the layering (DESIGN.md), so it cannot ask the
 * current `IOLoop` directly. Instead `ioloop` installs a provider here when it loads, and
 * every future asks the provider for "the loop that is current now" at the moment its
 * callbacks are due. Before `ioloop` is loaded (a program that only uses futures), a
 * fallback runs callbacks on Node's check phase through `setImmediate`.
 */

/** Something that runs `callback(arg)` on a later turn of an event loop, never inline. */
export interface CallbackScheduler {
  /** Queues `callback(arg)` to run on a later turn; must not call it before returning. */
  scheduleCallback<A>(callback: (arg: A) => unknown, arg: A): void;
}

const fallbackScheduler: CallbackScheduler = {
  scheduleCallback(callback, arg) {
    setImmediate(callback, arg);
  },
};

let provider: () => CallbackScheduler = () => fallbackScheduler;

/**
 * Installs the function that names the current scheduler (`ioloop` installs
 * `() => IOLoop.current()`). Internal: not exported from the package.
 */
export function setSchedulerProvider(newProvider: () => CallbackScheduler): void {
  provider = newProvider;
}

/** The scheduler that done-callbacks settled now should run on. */
export function currentScheduler(): CallbackScheduler {
  return provider();
}
