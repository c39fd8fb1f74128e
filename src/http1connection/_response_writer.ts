/**
 * `ResponseWriter`: the server side of an `HTTP1Connection` writing its response (the
 * server half of Tornado's `write_headers`, `write`, `finish` and `_finish_request`), and
 * the keep-alive verdict that goes with it.
 *
 * Framing (RFC 9112 §6): a response to HEAD, and 1xx, 204 and 304 responses, carry no
 * body; otherwise Content-Length if the application gave one, else chunked for an
 * HTTP/1.1 request, else (HTTP/1.0) the body runs to the close of the connection.
 */
import { Future } from "../concurrent";
import {
  HTTPOutputError,
  type HTTP1MessageHead,
  type HTTPHeaders,
  type RequestStartLine,
  type ResponseStartLine,
} from "../httputil";
import { hasConnectionOption } from "../httputil/_framing";
import type { IOStream } from "../iostream";
import { RuntimeError } from "../util";
import { LAST_CHUNK, encodeResponseHead } from "./_encode";
import { OutgoingBody, writePieces } from "./_outgoing_body";

/** The response to one request, as a server writes it. */
export class ResponseWriter {
  /**
   * Close the connection once the response is written (Tornado's `_disconnect_on_finish`):
   * the request or `noKeepAlive` said so, the body is delimited by the close, or the
   * response finished before the request body was read.
   */
  disconnectOnFinish = false;
  /** Set once the request has been read to its end. */
  readFinished = false;
  /** True once any byte of a response (an interim one included) was written. */
  started = false;
  private _request: RequestStartLine | null = null;
  private _requestHeaders: HTTPHeaders | null = null;
  private _response: ResponseStartLine | null = null;
  private readonly _body = new OutgoingBody();
  /** The Future of the last write (Tornado's `_pending_write`). */
  private _lastWrite: Future<void> | null = null;
  /** Resolves once the response is finished and flushed, or the connection is given up. */
  readonly finished = new Future<void>();

  /** Whether `finish()` was called. */
  get writeFinished(): boolean {
    return this._body.finished;
  }

  /** The request head has been read; `keepAlive` is the parser's RFC 9112 §9.3 verdict. */
  requestRead(head: HTTP1MessageHead, noKeepAlive: boolean): void {
    this._request = head.startLine as RequestStartLine;
    this._requestHeaders = head.headers;
    this.disconnectOnFinish = noKeepAlive || !head.keepAlive;
  }

  /**
   * Writes the status line and header fields (and a first piece of body). A 1xx status
   * other than 101 is an interim response: the final one follows with another call.
   *
   * @throws {HTTPOutputError} for a head that cannot be written, or a Content-Length or
   *   Transfer-Encoding on a 1xx or 204 response, before any byte is written.
   * @throws {RuntimeError} before the request head was read, or after the final head.
   */
  writeHeaders(
    stream: IOStream,
    startLine: ResponseStartLine,
    headers: HTTPHeaders,
    chunk?: Buffer,
  ): Future<void> {
    const request = this._request;
    if (request === null) {
      throw new RuntimeError("Cannot write a response before the request head was read");
    }
    if (this._response !== null) {
      throw new RuntimeError("The response headers were already written");
    }
    const code = startLine.code;
    const contentLength = headers.get("Content-Length");
    if (contentLength !== undefined && !/^\d+$/.test(contentLength)) {
      throw new HTTPOutputError(
        `Cannot write the response: invalid Content-Length "${contentLength}"`,
      );
    }
    if (
      (code < 200 || code === 204) &&
      (headers.has("Transfer-Encoding") ||
        (contentLength !== undefined && Number(contentLength) > 0))
    ) {
      // RFC 9110 §8.6, §15.3.5: no Content-Length or Transfer-Encoding in 1xx and 204.
      throw new HTTPOutputError(`Cannot write the response: a ${code} response has no body`);
    }
    if (code < 200 && code !== 101) {
      // RFC 9110 §15.2: an interim response, then the final one.
      const head = encodeResponseHead(startLine, headers);
      if (chunk !== undefined && chunk.length > 0) {
        throw new HTTPOutputError(`Cannot write a body: a ${code} response has none`);
      }
      this.started = true;
      return this._write(stream, [head]);
    }
    const noBody =
      request.method === "HEAD"
        ? "a response to HEAD"
        : code < 200 || code === 204 || code === 304
          ? `a ${code} response`
          : null;
    const http11 = request.version === "HTTP/1.1";
    const framed = contentLength !== undefined || headers.has("Transfer-Encoding");
    const chunking = http11 && noBody === null && !framed;
    // RFC 9112 §6.3 rule 8: without a length, an HTTP/1.0 client reads to the close.
    const closeDelimited = noBody === null && !framed && !chunking;
    // RFC 9112 §9.6: `Connection: close` from the application ends the connection too.
    const disconnect =
      this.disconnectOnFinish ||
      closeDelimited ||
      hasConnectionOption(headers.get("Connection"), "close");
    if (chunking) headers.set("Transfer-Encoding", "chunked");
    if (http11 && disconnect) {
      headers.set("Connection", "close");
    } else if (
      !http11 &&
      !disconnect &&
      hasConnectionOption(this._requestHeaders!.get("Connection"), "keep-alive")
    ) {
      // An HTTP/1.0 client that asked for keep-alive is told it is granted.
      headers.set("Connection", "Keep-Alive");
    }
    const head = encodeResponseHead(startLine, headers);
    this.disconnectOnFinish = disconnect;
    this._response = startLine;
    this.started = true;
    const body = this._body;
    body.reset(
      noBody !== null ? 0 : contentLength !== undefined ? Number(contentLength) : null,
      chunking,
    );
    body.noBody = noBody;
    body.closeDelimited = closeDelimited;
    if (chunk === undefined || chunk.length === 0) return this._write(stream, [head]);
    body.check(chunk.length, stream, "response");
    return this._write(stream, [head, ...body.frame(chunk)]);
  }

  /**
   * Writes a piece of the body.
   *
   * @throws {HTTPOutputError} as `OutgoingBody.check`.
   * @throws {RuntimeError} before `writeHeaders` or after `finish`.
   */
  write(stream: IOStream, chunk: Buffer): Future<void> {
    if (this._response === null) {
      if (this.started && chunk.length > 0) {
        throw new HTTPOutputError("Cannot write a body: an interim (1xx) response has none");
      }
      throw new RuntimeError("write() before writeHeaders()");
    }
    if (this._body.finished) throw new RuntimeError("write() after finish()");
    if (chunk.length === 0) return this._write(stream, []);
    this._body.check(chunk.length, stream, "response");
    return this._write(stream, this._body.frame(chunk));
  }

  /**
   * Ends the response: writes the last chunk of a chunked body; once everything is
   * flushed, closes the connection if it is not kept alive and resolves `finished`.
   *
   * @throws {HTTPOutputError} when fewer bytes than Content-Length were written.
   * @throws {RuntimeError} before `writeHeaders`.
   */
  finish(stream: IOStream): void {
    if (this._response === null) throw new RuntimeError("finish() before writeHeaders()");
    const body = this._body;
    if (body.finished) return;
    if (!stream.closed()) body.checkComplete(stream);
    if (body.chunking && !stream.closed()) this._lastWrite = writePieces(stream, [LAST_CHUNK]);
    body.finished = true;
    // The application answered before the whole request was read: closing is the only
    // way not to read the rest of its body (as Tornado does).
    if (!this.readFinished) this.disconnectOnFinish = true;
    // Nothing more is coming: send what is buffered now rather than wait for an ack.
    stream.setNodelay(true);
    const last = this._lastWrite;
    if (last === null || last.done()) this._finishRequest(stream);
    else last.addDoneCallback(() => this._finishRequest(stream));
  }

  /** The connection is closed or detached: nothing more will be written. */
  release(): void {
    if (!this.finished.done()) this.finished.setResult(undefined);
  }

  private _write(stream: IOStream, pieces: Buffer[]): Future<void> {
    const future = writePieces(stream, pieces);
    // A write on a closed stream fails its Future, which the application may ignore, as
    // Tornado lets it (it marks it retrieved): a lost peer is no programming error.
    future.catch(() => undefined);
    this._lastWrite = future;
    return future;
  }

  /** Everything is written (Tornado's `_finish_request`). */
  private _finishRequest(stream: IOStream): void {
    if (this.disconnectOnFinish) {
      stream.close();
    } else {
      stream.setNodelay(false);
    }
    this.release();
  }
}
