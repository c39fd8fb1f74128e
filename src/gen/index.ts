/**
 * tornado-ts `gen`: coroutines and the tools to wait on many things (mirrors
 * `tornado.gen`).
 *
 * @module
 */
export { BadYieldError, Return } from "./errors";
export { coroutine, isCoroutineFunction } from "./coroutine";
export {
  convertYielded,
  multi,
  multiFuture,
  type MultiResult,
  type QuietExceptionsOptions,
  type Yieldable,
} from "./multi";
export { moment, sleep } from "./sleep";
export { withTimeout } from "./with_timeout";
export { WaitIterator } from "./wait_iterator";
export { TimeoutError } from "../util";
