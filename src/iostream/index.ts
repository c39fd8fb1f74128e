/**
 * tornado-ts `iostream`: buffered, Future-based streams over TCP and TLS sockets (mirrors
 * `tornado.iostream`).
 *
 * @module
 */
export { BaseIOStream, type IOStreamOptions } from "./base_iostream";
export { IOStream, SSLIOStream, type ConnectAddress, type SSLIOStreamOptions } from "./iostream";
export { StreamBufferFullError, StreamClosedError, UnsatisfiableReadError } from "./errors";
