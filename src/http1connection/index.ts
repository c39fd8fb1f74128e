/**
 * tornado-ts `http1connection`: HTTP/1.1 on an `IOStream` (mirrors
 * `tornado.http1connection`), both sides. `HTTP1Connection` writes requests and reads
 * responses (client), or reads requests and writes responses (server), through
 * `httputil`'s sans-I/O `HTTP1Parser`, with optional content decoding;
 * `HTTP1ServerConnection` serves the requests of one accepted connection in turn.
 *
 * @module
 */
export { HTTP1ConnectionParameters, type HTTP1ConnectionParametersInit } from "./parameters";
export { HTTP1Connection, type HTTP1ReadOptions } from "./http1connection";
export { HTTP1ServerConnection, type HTTPServerConnectionDelegate } from "./server_connection";
