/**
 * The first line of an HTTP/1.x message: `RequestStartLine` and `ResponseStartLine`, and
 * the functions that parse them (mirrors Tornado's named tuples and
 * `parse_request_start_line` / `parse_response_start_line`).
 *
 * Difference from Tornado: a status line without the space after the code
 * (`HTTP/1.1 200`) is accepted with an empty reason. RFC 9112 §4 tells servers to send
 * the space but tells clients to ignore the reason phrase, and such responses exist in
 * the wild; Tornado refuses them (its issue #857).
 */
import { quote } from "./_abnf";
import { HTTPInputError } from "./errors";

/**
 * The request line: method, request target and version, as in `GET /foo HTTP/1.1`.
 * Tornado's `RequestStartLine(method, path, version)` named tuple.
 *
 * @example
 * const line = new RequestStartLine("GET", "/index.html", "HTTP/1.1");
 * String(line); // "GET /index.html HTTP/1.1"
 */
export class RequestStartLine {
  constructor(
    /** The method, case preserved (`GET`). */
    readonly method: string,
    /** The request target as sent: a path with its query, or an absolute URL. */
    readonly path: string,
    /** `HTTP/1.1` or `HTTP/1.0`. */
    readonly version: string,
  ) {}

  /** The line as it is sent, without its CRLF. */
  toString(): string {
    return `${this.method} ${this.path} ${this.version}`;
  }
}

/**
 * The status line: version, status code and reason phrase, as in `HTTP/1.1 200 OK`.
 * Tornado's `ResponseStartLine(version, code, reason)` named tuple.
 *
 * @example
 * const line = new ResponseStartLine("HTTP/1.1", 404, "Not Found");
 * line.code;    // 404
 * String(line); // "HTTP/1.1 404 Not Found"
 */
export class ResponseStartLine {
  constructor(
    /** `HTTP/1.1` or `HTTP/1.0`. */
    readonly version: string,
    /** The three-digit status code. */
    readonly code: number,
    /** The reason phrase; empty when the server sent none. */
    readonly reason: string,
  ) {}

  /** The line as it is sent, without its CRLF. */
  toString(): string {
    return `${this.version} ${this.code} ${this.reason}`;
  }
}

/** RFC 9112 §3: `method SP request-target SP HTTP-version`; the target has no whitespace. */
const REQUEST_LINE =
  /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e\x80-\xff]+) (HTTP\/[0-9]\.[0-9])$/;

/**
 * Parses an HTTP/1.x request line (without its line ending).
 *
 * @throws {HTTPInputError} "Malformed HTTP request line" unless the line is a token
 *   method, one space, a target without whitespace or control characters, one space and
 *   `HTTP/d.d`; "Unexpected HTTP version" for a version other than 1.x.
 * @example
 * parseRequestStartLine("GET /foo HTTP/1.1");
 * // RequestStartLine { method: "GET", path: "/foo", version: "HTTP/1.1" }
 */
export function parseRequestStartLine(line: string): RequestStartLine {
  const match = REQUEST_LINE.exec(line);
  if (match === null) {
    // RFC 9112 §3: an invalid request-line gets 400 (Bad Request).
    throw new HTTPInputError(`Malformed HTTP request line: ${quote(line)}`);
  }
  const version = match[3]!;
  if (!version.startsWith("HTTP/1.")) {
    throw new HTTPInputError(`Unexpected HTTP version ${quote(version)}`);
  }
  return new RequestStartLine(match[1]!, match[2]!, version);
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/**
 * Parses an HTTP/1.x status line (without its line ending): `HTTP/d.d SP 3DIGIT`,
 * then either nothing or one space and a reason phrase, which may be empty.
 *
 * @throws {HTTPInputError} "Error parsing response start line" for anything else
 *   (a two- or four-digit code, two spaces, control characters in the reason, a missing
 *   version); "Unexpected HTTP version" for a version other than 1.x.
 * @example
 * parseResponseStartLine("HTTP/1.1 200 OK"); // ResponseStartLine { version: "HTTP/1.1", code: 200, reason: "OK" }
 * parseResponseStartLine("HTTP/1.1 204").reason; // ""
 */
export function parseResponseStartLine(line: string): ResponseStartLine {
  return parseStatusLine(line, line.length);
}

/** True if `text[start, end)` is a valid reason phrase (RFC 9112 §4). */
function isReasonPhrase(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 ? code !== 0x09 : code === 0x7f || code > 0xff) return false;
  }
  return true;
}

/**
 * {@link parseResponseStartLine} for the line `text[0, end)`, so the parser need not cut
 * it out of the head first. Checked character by character: it runs once per response.
 *
 * @internal
 */
export function parseStatusLine(text: string, end: number): ResponseStartLine {
  if (
    end < 12 ||
    !text.startsWith("HTTP/") ||
    !isDigit(text.charCodeAt(5)) ||
    text.charCodeAt(6) !== 0x2e ||
    !isDigit(text.charCodeAt(7)) ||
    text.charCodeAt(8) !== 0x20 ||
    !isDigit(text.charCodeAt(9)) ||
    !isDigit(text.charCodeAt(10)) ||
    !isDigit(text.charCodeAt(11)) ||
    (end > 12 && text.charCodeAt(12) !== 0x20) ||
    !isReasonPhrase(text, 13, end)
  ) {
    throw new HTTPInputError(`Error parsing response start line: ${quote(text.slice(0, end))}`);
  }
  if (text.charCodeAt(5) !== 0x31) {
    throw new HTTPInputError(`Unexpected HTTP version ${quote(text.slice(0, 8))}`);
  }
  const version = text.charCodeAt(7) === 0x31 ? "HTTP/1.1" : text.slice(0, 8);
  const code =
    (text.charCodeAt(9) - 0x30) * 100 +
    (text.charCodeAt(10) - 0x30) * 10 +
    (text.charCodeAt(11) - 0x30);
  return new ResponseStartLine(version, code, end > 13 ? text.slice(13, end) : "");
}
