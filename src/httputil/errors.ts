/**
 * Errors of `httputil` (mirrors `tornado.httputil.HTTPInputError` and `HTTPOutputError`).
 *
 * Both are plain `Error` subclasses, as in Tornado, where they derive from `Exception`.
 * Their messages name what was wrong and quote the offending text, so a log line alone
 * says why a message was refused.
 */

/**
 * Malformed HTTP input: a start line, a header field, a chunk size or a body length that
 * breaks RFC 9112, or a message over a size limit. The parser and `HTTPHeaders.parse`
 * throw it; the connection that reads the message closes instead of reusing a stream
 * whose framing it can no longer trust.
 *
 * @example
 * try {
 *   HTTPHeaders.parse("no colon here\r\n");
 * } catch (e) {
 *   if (e instanceof HTTPInputError) console.log(e.message); // "no colon in header line"
 * }
 */
export class HTTPInputError extends Error {
  override name = "HTTPInputError";
}

/**
 * Invalid HTTP output: the caller tried to write something that is not a valid message,
 * such as more body bytes than the declared `Content-Length`, or a header containing
 * CR or LF.
 *
 * @example
 * throw new HTTPOutputError("Tried to write more data than Content-Length");
 */
export class HTTPOutputError extends Error {
  override name = "HTTPOutputError";
}
