/**
 * tornado-ts `util`: small helpers and errors used by every layer (mirrors `tornado.util`).
 *
 * @module
 */
export { TimeoutError, RuntimeError } from "./errors";
export { timedelta, isTimeDelta, type TimeDelta } from "./timedelta";
