/**
 * How an HTTP/1.1 message body is delimited, and whether the connection may carry
 * another message afterwards: the rules of RFC 9112 §6 and §9.3, applied to a parsed head.
 */
import { quote } from "./_abnf";
import { HTTPInputError } from "./errors";
import type { FramingFields } from "./_head";
import type { HTTP1BodyFraming } from "./http1_events";
import type { RequestStartLine, ResponseStartLine } from "./start_line";

/** The framing decision for one message. */
export interface Framing {
  readonly framing: HTTP1BodyFraming;
  /** The body length for `"length"`, else 0. */
  readonly length: number;
  /** Whether the connection may carry another message after this one. */
  readonly keepAlive: boolean;
}

const DIGITS = /^[0-9]+$/;

/**
 * The body length that `Content-Length` declares (RFC 9110 §8.6, RFC 9112 §6.3 rule 5).
 * Several values, in one line or several, are accepted only when they are all the same.
 *
 * @throws {HTTPInputError} for a value that is not all digits, differing values, or a
 *   length beyond `Number.MAX_SAFE_INTEGER`.
 */
export function parseContentLength(text: string): number {
  // The usual case, one plain number, without splitting and trimming.
  if (text.length <= 15) {
    let length = 0;
    let i = 0;
    for (; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x30 || code > 0x39) break;
      length = length * 10 + (code - 0x30);
    }
    if (i === text.length && i > 0) return length;
  }
  let single: string | undefined;
  for (const part of text.split(",")) {
    const trimmed = part.trim();
    if (!DIGITS.test(trimmed)) {
      throw new HTTPInputError(`Only integer Content-Length is allowed: ${quote(text)}`);
    }
    if (single === undefined) single = trimmed;
    else if (trimmed !== single) {
      throw new HTTPInputError(`Multiple unequal Content-Lengths: ${quote(text)}`);
    }
  }
  const digits = single!.replace(/^0+(?=.)/, "");
  const length = digits.length > 16 ? Infinity : Number(digits);
  if (!Number.isSafeInteger(length)) {
    throw new HTTPInputError(`Content-Length too large: ${quote(text)}`);
  }
  return length;
}

/**
 * Checks `Transfer-Encoding` and returns true (the body is chunked).
 *
 * Only `chunked`, alone, is accepted. RFC 9112 §6.3 rule 4 would read a response whose
 * final coding is not chunked until the connection closes, and would frame `gzip,
 * chunked` by its chunks; either way the body would then reach the user still in a
 * transfer coding that nothing decodes, which is silent corruption. So any other coding
 * is an error, for responses as for requests (where rule 4 requires one), as in Tornado.
 *
 * @throws {HTTPInputError} "Unsupported Transfer-Encoding ...".
 */
function checkTransferEncoding(text: string): true {
  if (text === "chunked") return true;
  const codings = text
    .split(",")
    .map((coding) => coding.trim())
    .filter((coding) => coding !== "");
  if (codings.length !== 1 || codings[0]!.toLowerCase() !== "chunked") {
    throw new HTTPInputError(`Unsupported Transfer-Encoding ${quote(text)}`);
  }
  return true;
}

/** True if the comma-separated `Connection` value lists `option` (lower case). */
export function hasConnectionOption(connection: string | undefined, option: string): boolean {
  if (connection === undefined) return false;
  if (connection === option) return true;
  if (!connection.includes(",")) {
    const single = connection.trim();
    return single.length === option.length && single.toLowerCase() === option;
  }
  for (const part of connection.split(",")) {
    if (part.trim().toLowerCase() === option) return true;
  }
  return false;
}

/**
 * RFC 9112 §9.3: HTTP/1.1 connections persist unless `Connection: close`; HTTP/1.0 ones
 * only with `Connection: keep-alive`.
 */
function persistent(version: string, fields: FramingFields): boolean {
  if (version === "HTTP/1.0") return hasConnectionOption(fields.connection, "keep-alive");
  return !hasConnectionOption(fields.connection, "close");
}

/** `Content-Length` and `Transfer-Encoding` as framing sees them. */
function lengthAndChunked(
  version: string,
  fields: FramingFields,
): { length: number | null; chunked: boolean; reusable: boolean } {
  const te = fields.transferEncoding;
  const cl = fields.contentLength;
  if (te === undefined) {
    return {
      length: cl === undefined ? null : parseContentLength(cl),
      chunked: false,
      reusable: true,
    };
  }
  checkTransferEncoding(te);
  // RFC 9112 §6.1: with both headers, Transfer-Encoding wins, but the message may be a
  // smuggling attempt, so the connection must close after it. §6.1 also says an HTTP/1.0
  // message with Transfer-Encoding has faulty framing: read it, then close.
  return { length: null, chunked: true, reusable: cl === undefined && version !== "HTTP/1.0" };
}

/**
 * Framing of a request (RFC 9112 §6.3 rules 3, 4, 5 and 7): chunked, `Content-Length`,
 * or no body at all.
 *
 * @throws {HTTPInputError} for invalid `Content-Length` or `Transfer-Encoding`.
 */
export function requestFraming(startLine: RequestStartLine, fields: FramingFields): Framing {
  const { length, chunked, reusable } = lengthAndChunked(startLine.version, fields);
  const keepAlive = reusable && persistent(startLine.version, fields);
  if (chunked) return { framing: "chunked", length: 0, keepAlive };
  // Rule 7: a request with neither header has no body.
  if (length === null || length === 0) return { framing: "none", length: 0, keepAlive };
  return { framing: "length", length, keepAlive };
}

/**
 * Framing of a final (non-1xx, or 101) response to a request made with `requestMethod`,
 * by RFC 9112 §6.3 rules 1 to 8.
 *
 * @throws {HTTPInputError} for invalid `Content-Length` or `Transfer-Encoding`, a 204 that
 *   declares a body, or a 101 that nobody asked for.
 */
export function responseFraming(
  startLine: ResponseStartLine,
  fields: FramingFields,
  requestMethod: string,
  upgradeRequested: boolean,
): Framing {
  const { code, version } = startLine;
  if (code === 101) {
    // RFC 9110 §15.2.2: a server switches protocols only when the request asked to.
    if (!upgradeRequested) {
      throw new HTTPInputError("101 Switching Protocols received without an upgrade request");
    }
    return { framing: "tunnel", length: 0, keepAlive: false };
  }
  if (requestMethod === "CONNECT" && code >= 200 && code < 300) {
    // Rule 2: a 2xx response to CONNECT turns the connection into a tunnel.
    return { framing: "tunnel", length: 0, keepAlive: false };
  }
  if (code === 204) checkNoBodyDeclared(code, fields);
  if (requestMethod === "HEAD" || code === 204 || code === 304) {
    // Rule 1: no body, whatever Content-Length or Transfer-Encoding say (for HEAD and
    // 304 they describe the representation a GET would have returned).
    return { framing: "none", length: 0, keepAlive: persistent(version, fields) };
  }
  const { length, chunked, reusable } = lengthAndChunked(version, fields);
  if (chunked) {
    return { framing: "chunked", length: 0, keepAlive: reusable && persistent(version, fields) };
  }
  if (length !== null) {
    return { framing: "length", length, keepAlive: persistent(version, fields) };
  }
  // Rule 8: the body runs until the server closes the connection.
  return { framing: "close", length: 0, keepAlive: false };
}

/**
 * RFC 9110 §8.6 and §15.3.5: a 1xx or 204 response has no content, and a server must not
 * send `Content-Length` (other than 0) or `Transfer-Encoding` in one. Bytes sent anyway
 * would be read as the start of the next response, so such a response is refused, as
 * Tornado refuses it ("Response with code 204 should not have body").
 *
 * @throws {HTTPInputError} if the response declares a body.
 */
export function checkNoBodyDeclared(code: number, fields: FramingFields): void {
  const cl = fields.contentLength;
  if (fields.transferEncoding !== undefined || (cl !== undefined && parseContentLength(cl) !== 0)) {
    throw new HTTPInputError(`Response with code ${code} should not have body`);
  }
}
