/**
 * tornado-ts `ioloop`: the event loop and its timers (mirrors `tornado.ioloop`).
 *
 * @module
 */
export {
  IOLoop,
  type Callback,
  type Closeable,
  type IOLoopOptions,
  type RunSyncOptions,
} from "./ioloop";
export { PeriodicCallback } from "./periodic_callback";
export { TimeoutHandle } from "./_timer_heap";
export { VirtualClock, monotonicClock, type Clock } from "./clock";
export { TimeoutError } from "../util";
