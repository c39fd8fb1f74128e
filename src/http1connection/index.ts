/**
 * tornado-ts `http1connection`: HTTP/1.1 on an `IOStream` (mirrors
 * `tornado.http1connection`), client side: `HTTP1Connection` writes requests and reads
 * responses through `httputil`'s sans-I/O `HTTP1Parser`, with optional content decoding.
 *
 * Not yet ported: the server side (`readRequest`, response writing) and
 * `HTTP1ServerConnection`.
 *
 * @module
 */
export { HTTP1ConnectionParameters, type HTTP1ConnectionParametersInit } from "./parameters";
export { HTTP1Connection } from "./http1connection";
