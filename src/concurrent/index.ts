/**
 * tornado-ts `concurrent`: `Future` and the tools around it (mirrors `tornado.concurrent`).
 *
 * `concurrent` sits below `ioloop`: futures schedule their done-callbacks through a hook
 * that `ioloop` installs, so this module never imports the loop.
 *
 * @module
 */
export { Future, isThenable, type DoneCallback } from "./future";
export { CancelledError, InvalidStateError } from "./errors";
export {
  chainFuture,
  futureAddDoneCallback,
  futureSetExceptionUnlessCancelled,
  futureSetResultUnlessCancelled,
  isFuture,
} from "./future_tools";
export {
  DummyExecutor,
  dummyExecutor,
  runOnExecutor,
  type Executor,
  type RunOnExecutorOptions,
} from "./executor";
export { WorkerPoolExecutor, type WorkerPoolExecutorOptions } from "./worker_executor";
export { type CallbackScheduler } from "./_scheduler";
