/**
 * http1_server: the server side of `HTTP1Connection`, the way Tornado's `HTTPServer`
 * stands on `HTTP1ServerConnection`. A `net` server hands each socket to an
 * `HTTP1ServerConnection`, whose delegate answers every request; our own
 * `AsyncHTTPClient` then talks to it: two GETs on one kept-alive connection, and a POST.
 *
 * Run it: `npx ts-node examples/http1_server.ts`. Nothing leaves 127.0.0.1.
 */
import * as net from "node:net";
import { HTTP1ServerConnection, type HTTPServerConnectionDelegate } from "../src/http1connection";
import { AsyncHTTPClient } from "../src/httpclient";
import {
  HTTPHeaders,
  ResponseStartLine,
  type HTTPConnection,
  type HTTPMessageDelegate,
  type RequestStartLine,
} from "../src/httputil";
import { IOLoop } from "../src/ioloop";
import { IOStream } from "../src/iostream";

/** Reads one request and answers it once its body is complete. */
class Hello implements HTTPMessageDelegate {
  private _request: RequestStartLine | null = null;
  private readonly _body: Buffer[] = [];

  constructor(private readonly _conn: HTTPConnection) {}

  headersReceived(startLine: RequestStartLine): void {
    this._request = startLine;
  }

  dataReceived(chunk: Buffer): void {
    // The chunk may be a view of the connection's read buffer: keep a copy.
    this._body.push(Buffer.from(chunk));
  }

  finish(): void {
    const { method, path } = this._request!;
    const body = Buffer.concat(this._body).toString();
    const text = method === "POST" ? `got ${body.length} bytes: ${body}` : `Hello, ${path}`;
    const payload = Buffer.from(text);
    // No Content-Length would make the response chunked, as HTTP/1.1 allows; here the
    // length is known, so the connection can stay open for the next request.
    const headers = new HTTPHeaders({ "Content-Length": String(payload.length) });
    void this._conn.writeHeaders(new ResponseStartLine("HTTP/1.1", 200, "OK"), headers, payload);
    this._conn.finish();
  }

  onConnectionClose(): void {}
}

/** Starts the server, fetches from it, stops it. */
export async function main(): Promise<void> {
  let connections = 0;
  const app: HTTPServerConnectionDelegate = {
    startRequest: (_serverConn, requestConn) => new Hello(requestConn),
    onClose: () => undefined,
  };
  const server = net.createServer((socket) => {
    connections++;
    new HTTP1ServerConnection(new IOStream(socket)).startServing(app);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const client = new AsyncHTTPClient({ forceInstance: true });
  try {
    for (const path of ["/first", "/second"]) {
      console.log((await client.fetch(base + path)).body.toString());
    }
    const posted = await client.fetch(`${base}/form`, { method: "POST", body: "a=1&b=2" });
    console.log(posted.body.toString());
    console.log(`connections accepted: ${connections}`);
  } finally {
    client.close();
    server.close();
  }
}

if (require.main === module) IOLoop.current().runSync(main);
