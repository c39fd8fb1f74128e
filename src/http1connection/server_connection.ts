/**
 * `HTTP1ServerConnection`: serves the requests of one accepted connection, one after
 * another, each on a fresh server-side `HTTP1Connection` (mirrors
 * `tornado.http1connection.HTTP1ServerConnection`), and `HTTPServerConnectionDelegate`,
 * what it hands each request to (`tornado.httputil.HTTPServerConnectionDelegate`, kept
 * here because nothing below this module needs it).
 *
 * Differences from Tornado: bytes a request's connection read past its request (a
 * pipelined one) are handed to the next through `IOStream.unread`; the errors of the
 * request delegate and of the connection itself are both logged by `appLog`
 * ("Uncaught exception"), as Tornado logs only the delegate's there.
 */
import { Future } from "../concurrent";
import { moment } from "../gen";
import type { HTTPConnection, HTTPMessageDelegate } from "../httputil";
import { IOLoop } from "../ioloop";
import { StreamClosedError, UnsatisfiableReadError, type IOStream } from "../iostream";
import { appLog } from "../log";
import { RuntimeError } from "../util";
import { HTTP1Connection } from "./http1connection";
import { HTTP1ConnectionParameters } from "./parameters";

/**
 * What an `HTTP1ServerConnection` serves with: a delegate for each request, and word of
 * the connection's end. Implementations may declare narrower parameter types
 * (`HTTP1ServerConnection`, `HTTP1Connection`).
 *
 * @example
 * const app: HTTPServerConnectionDelegate = {
 *   startRequest: (server, conn) => new HelloDelegate(conn as HTTP1Connection),
 *   onClose: () => console.log("connection closed"),
 * };
 */
export interface HTTPServerConnectionDelegate {
  /**
   * A new request is about to be read on `requestConn`, which the returned delegate
   * receives; it answers through `requestConn` (`writeHeaders`, `write`, `finish`).
   */
  startRequest(serverConn: object, requestConn: HTTPConnection): HTTPMessageDelegate;
  /** The connection is closed, or will serve no more requests. */
  onClose(serverConn: object): void;
}

/**
 * One server-side HTTP/1.1 connection: reads requests from `stream` and hands each to
 * the delegate given to `startServing`, for as long as the connection is kept alive.
 *
 * @example
 * net.createServer((socket) => {
 *   const conn = new HTTP1ServerConnection(new IOStream(socket));
 *   conn.startServing(app);
 * }).listen(8888, "127.0.0.1");
 */
export class HTTP1ServerConnection {
  /** The accepted connection's stream, which this object owns. */
  readonly stream: IOStream;
  /** The settings of each request's connection. */
  readonly params: HTTP1ConnectionParameters;
  private _serving: Future<void> | null = null;

  constructor(
    stream: IOStream,
    params: HTTP1ConnectionParameters = new HTTP1ConnectionParameters(),
  ) {
    this.stream = stream;
    this.params = params;
  }

  /**
   * Starts serving requests. Serving ends when the connection closes or is not kept
   * alive, or when a request's delegate throws (logged, and the connection closed); the
   * delegate's `onClose` is called then.
   *
   * @throws {RuntimeError} when already serving.
   * @example
   * conn.startServing(app);
   */
  startServing(delegate: HTTPServerConnectionDelegate): void {
    if (this._serving !== null) throw new RuntimeError("Already serving this connection");
    const serving = Future.fromPromise(this._serve(delegate));
    this._serving = serving;
    // Its errors (from the delegate's own methods) are logged there, as in Tornado.
    IOLoop.current().addFuture(serving, (done) => done.result());
  }

  /**
   * Closes the stream and resolves once serving has stopped (its errors are logged, not
   * passed on).
   *
   * @example
   * await conn.close();
   */
  close(): Future<void> {
    this.stream.close();
    const serving = this._serving;
    const done = new Future<void>();
    if (serving === null) {
      done.setResult(undefined);
    } else {
      serving.addDoneCallback(() => done.setResult(undefined));
    }
    return done;
  }

  private async _serve(delegate: HTTPServerConnectionDelegate): Promise<void> {
    try {
      for (;;) {
        const conn = new HTTP1Connection(this.stream, false, this.params);
        const requestDelegate = delegate.startRequest(this, conn);
        let again: boolean;
        try {
          again = await conn.readRequest(requestDelegate);
        } catch (error) {
          if (error instanceof StreamClosedError || error instanceof UnsatisfiableReadError) return;
          appLog.error("Uncaught exception", error);
          conn.close();
          return;
        }
        if (!again) return;
        await moment;
      }
    } finally {
      delegate.onClose(this);
    }
  }
}
