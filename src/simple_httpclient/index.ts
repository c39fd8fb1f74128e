/**
 * tornado-ts `simple_httpclient`: the HTTP/1.1 client on this library's own streams
 * (mirrors `tornado.simple_httpclient`), with a keep-alive connection pool and HTTP
 * proxy support that Tornado's lacks.
 *
 * @module
 */
export { SimpleAsyncHTTPClient, type SimpleAsyncHTTPClientOptions } from "./simple_httpclient";
export { HTTPStreamClosedError, HTTPTimeoutError, type HTTPTimeoutPhase } from "./errors";
export type { PoolStats } from "./_pool";
