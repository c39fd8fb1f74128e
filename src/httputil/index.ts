/**
 * tornado-ts `httputil`: HTTP utilities shared by clients and servers (mirrors
 * `tornado.httputil`), plus `HTTP1Parser`, the sans-I/O HTTP/1.1 message parser that
 * `http1connection` drives.
 *
 * Everything here is pure parsing and formatting: functions and classes over strings and
 * Buffers that return values or throw `HTTPInputError`. Nothing reads a socket.
 *
 * Not ported: `HTTPServerRequest`, `HTTPFile` and the multipart and body-argument parsers
 * (they belong with a server), and the `Range` helpers.
 *
 * @module
 */
export { HTTPInputError, HTTPOutputError } from "./errors";
export { HTTPHeaders, type HTTPHeadersInit } from "./headers";
export {
  RequestStartLine,
  ResponseStartLine,
  parseRequestStartLine,
  parseResponseStartLine,
} from "./start_line";
export { urlConcat, splitHostAndPort, qsToQsl, type UrlConcatArgs } from "./url";
export { encodeUsernamePassword } from "./auth";
export { formatTimestamp } from "./timestamp";
export { parseCookie } from "./cookies";
export { responses } from "./responses";
export type { HTTPMessageDelegate, HTTPConnection } from "./interfaces";
export { HTTP1Parser } from "./http1_parser";
export type {
  HTTP1MessageHead,
  HTTP1MessageEnd,
  HTTP1ParserHandler,
  HTTP1ParserOptions,
  HTTP1ParserState,
  ReadResponseOptions,
  HTTP1BodyFraming,
} from "./http1_events";
