/**
 * The two interfaces between an HTTP connection and the code that uses it (mirrors
 * `tornado.httputil.HTTPMessageDelegate` and `HTTPConnection`). `http1connection`
 * implements `HTTPConnection` and drives an `HTTPMessageDelegate`; the HTTP client and
 * servers implement delegates.
 *
 * Difference from Tornado: these are TypeScript interfaces rather than base classes with
 * empty methods, so a delegate writes all four methods (empty ones where it has nothing
 * to do).
 */
import type { HTTPHeaders } from "./headers";
import type { RequestStartLine, ResponseStartLine } from "./start_line";

/**
 * Receives one HTTP message as it is read: its head, its body in pieces, and its end (or
 * the loss of the connection before the end).
 *
 * Order: `headersReceived` once, then `dataReceived` zero or more times, then exactly one
 * of `finish` or `onConnectionClose`. A promise returned by `headersReceived` or
 * `dataReceived` holds back the next call until it settles (flow control).
 *
 * @example
 * class Collect implements HTTPMessageDelegate {
 *   chunks: Buffer[] = [];
 *   code = 0;
 *   headersReceived(startLine: RequestStartLine | ResponseStartLine) {
 *     if (startLine instanceof ResponseStartLine) this.code = startLine.code;
 *   }
 *   dataReceived(chunk: Buffer) { this.chunks.push(chunk); }
 *   finish() { console.log(this.code, Buffer.concat(this.chunks).toString()); }
 *   onConnectionClose() { console.log("connection lost"); }
 * }
 */
export interface HTTPMessageDelegate {
  /**
   * Called when the start line and header fields have been read: a `ResponseStartLine`
   * on the client side, a `RequestStartLine` on the server side. Some `HTTPConnection`
   * methods may only be called from here. A returned promise delays reading the body
   * until it settles.
   */
  headersReceived(
    startLine: RequestStartLine | ResponseStartLine,
    headers: HTTPHeaders,
  ): void | PromiseLike<void>;
  /**
   * Called with each piece of the body, after any transfer coding (and, if asked for,
   * content decoding) is undone. A returned promise delays the next piece until it
   * settles. The Buffer may share memory with the connection's read buffer: copy it to
   * keep it past the call.
   */
  dataReceived(chunk: Buffer): void | PromiseLike<void>;
  /** Called after the last piece of the body. */
  finish(): void;
  /** Called if the connection closes before the message is complete. */
  onConnectionClose(): void;
}

/**
 * What a delegate or a client uses to write a message on a connection: the head, body
 * pieces, then `finish`.
 *
 * @example
 * async function respond(conn: HTTPConnection): Promise<void> {
 *   const body = Buffer.from("hello");
 *   const headers = new HTTPHeaders({ "Content-Length": String(body.length) });
 *   await conn.writeHeaders(new ResponseStartLine("HTTP/1.1", 200, "OK"), headers, body);
 *   conn.finish();
 * }
 */
export interface HTTPConnection {
  /**
   * Writes the start line and header fields, and optionally the first piece of the body
   * in the same write. The version of `startLine` is ignored (the connection writes its
   * own). The returned promise settles when the bytes are handed to the stream (flow
   * control).
   */
  writeHeaders(
    startLine: RequestStartLine | ResponseStartLine,
    headers: HTTPHeaders,
    chunk?: Buffer,
  ): PromiseLike<void>;
  /** Writes a piece of the body; the promise settles when it is handed to the stream. */
  write(chunk: Buffer): PromiseLike<void>;
  /** Ends the message: no more body follows. */
  finish(): void;
}
