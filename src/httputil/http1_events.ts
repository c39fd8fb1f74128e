/**
 * What an `HTTP1Parser` reports and the options it takes: the head and end of each
 * message, the handler interface that receives them, and the parser's states.
 */
import type { HTTPHeaders } from "./headers";
import type { RequestStartLine, ResponseStartLine } from "./start_line";

/**
 * How a message body is delimited (RFC 9112 §6.3):
 * - `"none"`: no body (a response to HEAD; 1xx, 204 and 304 responses);
 * - `"length"`: `Content-Length` bytes;
 * - `"chunked"`: the chunked transfer coding, ended by its last chunk and trailers;
 * - `"close"`: everything until the connection closes (a response with neither header);
 * - `"tunnel"`: no body; the connection leaves HTTP (a 101 response to an upgrade, or a
 *   2xx response to CONNECT), and the bytes after the head belong to the new protocol.
 *
 * @example
 * if (head.framing === "tunnel") socket.unshift(parser.takeRemaining());
 */
export type HTTP1BodyFraming = "none" | "length" | "chunked" | "close" | "tunnel";

/**
 * The head of a message, as `HTTP1ParserHandler.onHeaders` receives it.
 *
 * @example
 * onHeaders(head) {
 *   if (head.framing === "length") console.log(`expecting ${head.contentLength} bytes`);
 *   console.log(head.headers.get("Content-Type"), head.keepAlive);
 * }
 */
export interface HTTP1MessageHead {
  /** A `ResponseStartLine` for `readResponse`, a `RequestStartLine` for `readRequest`. */
  readonly startLine: RequestStartLine | ResponseStartLine;
  readonly headers: HTTPHeaders;
  /** How the body is delimited (RFC 9112 §6.3). */
  readonly framing: HTTP1BodyFraming;
  /** The declared body length when `framing` is `"length"`, else `null`. */
  readonly contentLength: number | null;
  /**
   * Whether the connection may carry another message after this one: RFC 9112 §9.3
   * (HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`),
   * and false for close-delimited bodies, tunnels, and messages with both
   * `Transfer-Encoding` and `Content-Length` or with `Transfer-Encoding` in HTTP/1.0
   * (RFC 9112 §6.1). A response parser cannot see the request: a connection that sent
   * `Connection: close` must close whatever this says.
   */
  readonly keepAlive: boolean;
}

/**
 * The end of a message, as `HTTP1ParserHandler.onComplete` receives it.
 *
 * @example
 * onComplete(end) {
 *   const checksum = end.trailers?.get("X-Checksum");
 *   if (!end.keepAlive) stream.close();
 * }
 */
export interface HTTP1MessageEnd {
  /** The trailer fields of a chunked body (RFC 9112 §7.1.2), or `null` if there were none. */
  readonly trailers: HTTPHeaders | null;
  /** The same verdict as `HTTP1MessageHead.keepAlive`. */
  readonly keepAlive: boolean;
}

/**
 * Receives what an `HTTP1Parser` reads, in order: for each message, any number of
 * `onInformational` (responses only), then `onHeaders`, `onData` zero or more times,
 * and `onComplete`. Any of them may call the parser's `pause`, `readResponse`,
 * `readRequest` and `feed`.
 *
 * @example
 * const handler: HTTP1ParserHandler = {
 *   onInformational: (line) => console.log("interim", line.code),
 *   onHeaders: (head) => console.log(String(head.startLine)),
 *   onData: (chunk) => file.write(Buffer.from(chunk)),
 *   onComplete: () => file.end(),
 * };
 */
export interface HTTP1ParserHandler {
  /**
   * A 1xx interim response other than 101 (such as 100 Continue or 103 Early Hints),
   * read before the final response (RFC 9110 §15.2). Ignored if absent.
   */
  onInformational?(startLine: ResponseStartLine, headers: HTTPHeaders): void;
  /** The start line and header fields of a message. */
  onHeaders(head: HTTP1MessageHead): void;
  /**
   * A piece of the body, transfer coding removed. It usually shares memory with a Buffer
   * that was fed: copy it to keep it past the call if that Buffer will be reused.
   */
  onData(chunk: Buffer): void;
  /** The message is complete. */
  onComplete(end: HTTP1MessageEnd): void;
}

/**
 * Options of {@link HTTP1Parser}.
 *
 * @example
 * new HTTP1Parser(handler, { maxHeaderSize: 16384, maxBodySize: 10 * 1024 * 1024 });
 */
export interface HTTP1ParserOptions {
  /**
   * Most bytes a head may take, from the start line to the empty line that ends it;
   * also the limit of a trailer section. Default 65536 (Tornado's `max_header_size`).
   */
  maxHeaderSize?: number;
  /**
   * Most body bytes one message may have (after removing chunked framing). Default
   * 104857600, Tornado's default `max_buffer_size`, which its `max_body_size` falls back to.
   */
  maxBodySize?: number;
  /**
   * Most bytes of one body piece handed to `onData`: a longer run of body bytes in what
   * was fed comes in pieces of this size (the last one shorter). Default: no limit, one
   * piece per run. `HTTP1Connection` sets its `chunkSize`, so that it can feed a whole
   * socket read at once and still hand the delegate Tornado's 64 KiB pieces.
   */
  maxChunk?: number;
}

/**
 * Options of {@link HTTP1Parser.readResponse}.
 *
 * @example
 * parser.readResponse({ requestMethod: "HEAD" });
 * parser.readResponse({ requestMethod: "GET", upgradeRequested: true }); // may get a 101
 */
export interface ReadResponseOptions {
  /** The method of the request this response answers; `HEAD` and `CONNECT` matter. Default `GET`. */
  requestMethod?: string;
  /** Whether the request asked for a protocol upgrade, which allows a 101. Default false. */
  upgradeRequested?: boolean;
}

/**
 * Where an {@link HTTP1Parser} is: `"idle"` (no message expected), `"head"` (a message is
 * expected or its head is arriving), `"body"`, `"upgraded"` (a tunnel or 101: the
 * remaining bytes belong to another protocol), `"closed"` (end of input, or after a
 * message that does not keep the connection alive), `"failed"`.
 *
 * @example
 * parser.feedEof();
 * if (parser.state === "closed" && !sawHeaders) throw new Error("Stream closed");
 */
export type HTTP1ParserState = "idle" | "head" | "body" | "upgraded" | "closed" | "failed";
