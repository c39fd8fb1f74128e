/**
 * Serialising what a connection writes: the request head (client) or response head
 * (server), checked before a byte of it goes out, and chunked-coding frames (RFC 9112 §7.1).
 */
import {
  HTTPOutputError,
  type HTTPHeaders,
  type RequestStartLine,
  type ResponseStartLine,
} from "../httputil";

/** RFC 9110 §5.6.2 token: a method or a field name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A request target has no whitespace, controls or characters beyond Latin-1. */
// eslint-disable-next-line no-control-regex -- control characters are the point here
const BAD_TARGET = /[\x00-\x20\x7f]|[^\x00-\xff]/;
/** RFC 9110 §5.5: CR, LF and NUL never appear in a field value (they would split the head). */
// eslint-disable-next-line no-control-regex -- control characters are the point here
const BAD_VALUE = /[\r\n\0]|[^\x00-\xff]/;
/** RFC 9112 §4: reason-phrase = *( HTAB / SP / VCHAR / obs-text ). */
// eslint-disable-next-line no-control-regex -- control characters are the point here
const BAD_REASON = /[\x00-\x08\x0a-\x1f\x7f]|[^\x00-\xff]/;

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
  return encodeFields(`${method} ${path} HTTP/1.1\r\n`, headers, "request");
}

/**
 * The bytes of a response head: `HTTP/1.1 code reason` (always 1.1, as Tornado writes),
 * the fields, the empty line.
 *
 * @throws {HTTPOutputError} for a status code outside 100-599, a reason phrase with
 *   control characters, or a field as {@link encodeRequestHead} refuses.
 */
export function encodeResponseHead(startLine: ResponseStartLine, headers: HTTPHeaders): Buffer {
  const { code, reason } = startLine;
  if (!Number.isInteger(code) || code < 100 || code > 599) {
    throw new HTTPOutputError(`Cannot write the response: invalid status code ${code}`);
  }
  if (BAD_REASON.test(reason)) {
    throw new HTTPOutputError(`Cannot write the response: invalid reason phrase ${quote(reason)}`);
  }
  return encodeFields(`HTTP/1.1 ${code} ${reason}\r\n`, headers, "response");
}

/**
 * `startLine` followed by the checked field lines and the empty line, as Latin-1 bytes
 * (every character is one: `BAD_VALUE` refuses the others). A first pass checks the fields
 * and adds up the size, a second writes them into one buffer: joining strings made
 * several intermediate strings per field, for every request.
 */
function encodeFields(startLine: string, headers: HTTPHeaders, what: string): Buffer {
  let size = startLine.length + 2;
  headers.forEachStored((value, name) => {
    if (!TOKEN.test(name)) {
      throw new HTTPOutputError(`Cannot write the ${what}: invalid header name ${quote(name)}`);
    }
    if (typeof value === "string") size += fieldSize(what, name, value);
    else for (let i = 0; i < value.length; i++) size += fieldSize(what, name, value[i]!);
  });
  const out = Buffer.allocUnsafe(size);
  let at = out.write(startLine, 0, "latin1");
  headers.forEachStored((value, name) => {
    if (typeof value === "string") at = writeField(out, at, name, value);
    else for (let i = 0; i < value.length; i++) at = writeField(out, at, name, value[i]!);
  });
  out[at] = 0x0d;
  out[at + 1] = 0x0a;
  return out;
}

/** The bytes of the line `name: value` with its CRLF, once the value is checked. */
function fieldSize(what: string, name: string, value: string): number {
  if (BAD_VALUE.test(value)) {
    throw new HTTPOutputError(
      `Cannot write the ${what}: illegal characters in header ${name}: ${quote(value)}`,
    );
  }
  return name.length + value.length + 4;
}

/** Writes `name: value` and CRLF into `out` at `at`; returns where it ended. */
function writeField(out: Buffer, at: number, name: string, value: string): number {
  at += out.write(name, at, "latin1");
  out[at++] = 0x3a; // ":"
  out[at++] = 0x20;
  at += out.write(value, at, "latin1");
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  return at;
}

/** The size line that opens a chunk of `size` bytes. */
export function chunkSizeLine(size: number): Buffer {
  return Buffer.from(`${size.toString(16)}\r\n`, "latin1");
}

/** The CRLF after chunk data. */
export const CHUNK_END = CRLF;

/** The last chunk and the empty trailer section. */
export const LAST_CHUNK = Buffer.from("0\r\n\r\n", "latin1");

/** What a server writes before reading a body the client holds back (Tornado's exact bytes). */
export const CONTINUE_RESPONSE = Buffer.from("HTTP/1.1 100 (Continue)\r\n\r\n", "latin1");

/** What a server writes for a malformed request before closing (Tornado's exact bytes). */
export const BAD_REQUEST_RESPONSE = Buffer.from("HTTP/1.1 400 Bad Request\r\n\r\n", "latin1");
