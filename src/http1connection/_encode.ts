/**
 * Serialising what a client writes: the request head, checked before a byte of it goes
 * out, and chunked-coding frames (RFC 9112 §7.1).
 */
import { HTTPOutputError, type HTTPHeaders, type RequestStartLine } from "../httputil";

/** RFC 9110 §5.6.2 token: a method or a field name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A request target has no whitespace, controls or characters beyond Latin-1. */
// eslint-disable-next-line no-control-regex -- control characters are the point here
const BAD_TARGET = /[\x00-\x20\x7f]|[^\x00-\xff]/;
/** RFC 9110 §5.5: CR, LF and NUL never appear in a field value (they would split the head). */
// eslint-disable-next-line no-control-regex -- control characters are the point here
const BAD_VALUE = /[\r\n\0]|[^\x00-\xff]/;

const CRLF = Buffer.from("\r\n", "latin1");

function quote(text: string): string {
  return JSON.stringify(text);
}

/**
 * The bytes of a request head: `METHOD target HTTP/1.1`, the fields, the empty line.
 *
 * @throws {HTTPOutputError} for a method or field name that is not a token, a target with
 *   whitespace or controls, or a field value with CR, LF or NUL.
 */
export function encodeRequestHead(startLine: RequestStartLine, headers: HTTPHeaders): Buffer {
  const { method, path } = startLine;
  if (!TOKEN.test(method)) {
    throw new HTTPOutputError(`Cannot write the request: invalid method ${quote(method)}`);
  }
  if (path === "" || BAD_TARGET.test(path)) {
    throw new HTTPOutputError(`Cannot write the request: invalid target ${quote(path)}`);
  }
  let text = `${method} ${path} HTTP/1.1\r\n`;
  for (const [name, value] of headers) {
    if (!TOKEN.test(name)) {
      throw new HTTPOutputError(`Cannot write the request: invalid header name ${quote(name)}`);
    }
    if (BAD_VALUE.test(value)) {
      throw new HTTPOutputError(
        `Cannot write the request: illegal characters in header ${name}: ${quote(value)}`,
      );
    }
    text += `${name}: ${value}\r\n`;
  }
  return Buffer.from(text + "\r\n", "latin1");
}

/** The size line that opens a chunk of `size` bytes. */
export function chunkSizeLine(size: number): Buffer {
  return Buffer.from(`${size.toString(16)}\r\n`, "latin1");
}

/** The CRLF after chunk data. */
export const CHUNK_END = CRLF;

/** The last chunk and the empty trailer section. */
export const LAST_CHUNK = Buffer.from("0\r\n\r\n", "latin1");
