/**
 * The TLS test certificates of `test/fixtures/tls/` (made by `make-certs.sh` there), and
 * connected stream pairs over TCP or TLS, for the iostream and tcpclient suites.
 *
 * One CA signs the good server certificate (127.0.0.1, ::1, localhost), a certificate for
 * the wrong host (wrong.example.com), an expired one (2000-2001) and a client certificate;
 * a self-signed certificate stands apart. The keys are public test material.
 *
 * @example
 * const certs = loadTestCerts();
 * const server = tls.createServer({ cert: certs.serverCert, key: certs.serverKey });
 * const stream = new SSLIOStream(undefined, { sslOptions: { caCerts: certs.paths.ca } });
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import * as tls from "node:tls";
import { expect } from "chai";
import {
  IOStream,
  SSLIOStream,
  StreamBufferFullError,
  StreamClosedError,
  type IOStreamOptions,
} from "../../src/iostream";
import { genLog } from "../../src/log";
import { ExpectLog } from "../../src/testing";
import { rejection } from "./assertions";
import { perTest } from "./per_test";

/** The folder that holds the certificates. */
export const TLS_FIXTURES = path.resolve(__dirname, "..", "fixtures", "tls");

/** PEM contents of the fixtures, plus their paths. */
export interface TestCerts {
  /** The test CA; trust it with `caCerts` (or Node's `ca`). */
  readonly ca: string;
  /** Signed by the CA for 127.0.0.1, ::1 and localhost; valid 2000-2100. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** Signed by the CA for wrong.example.com only. */
  readonly wrongHostCert: string;
  readonly wrongHostKey: string;
  /** Signed by the CA for 127.0.0.1, ::1 and localhost; expired in 2001. */
  readonly expiredCert: string;
  readonly expiredKey: string;
  /** Self-signed for 127.0.0.1, ::1 and localhost (not signed by the CA). */
  readonly selfSignedCert: string;
  readonly selfSignedKey: string;
  /** Signed by the CA for client authentication (CN "tornado-ts test client"). */
  readonly clientCert: string;
  readonly clientKey: string;
  readonly paths: TestCertPaths;
}

/** Paths of the fixture files (for options that take paths, like `certfile`/`caCerts`). */
export type TestCertPaths = { readonly [K in Exclude<keyof TestCerts, "paths">]: string };

const FILES: Record<keyof TestCertPaths, string> = {
  ca: "ca.pem",
  serverCert: "server.pem",
  serverKey: "server.key",
  wrongHostCert: "wrong-host.pem",
  wrongHostKey: "wrong-host.key",
  expiredCert: "expired.pem",
  expiredKey: "expired.key",
  selfSignedCert: "self-signed.pem",
  selfSignedKey: "self-signed.key",
  clientCert: "client.pem",
  clientKey: "client.key",
};

let cached: TestCerts | null = null;

/** Reads every fixture once (synchronously) and returns the PEM texts and paths. */
export function loadTestCerts(): TestCerts {
  if (cached !== null) return cached;
  const paths = {} as Record<keyof TestCertPaths, string>;
  const pems = {} as Record<keyof TestCertPaths, string>;
  for (const [name, file] of Object.entries(FILES) as [keyof TestCertPaths, string][]) {
    paths[name] = path.join(TLS_FIXTURES, file);
    pems[name] = fs.readFileSync(paths[name], "utf8");
  }
  cached = { ...pems, paths };
  return cached;
}

/** Bytes a stream holds unread (its private buffer, as Tornado's tests read `_read_buffer`). */
export function bufferedBytes(stream: IOStream): number {
  return (stream as unknown as { _buffer: { length: number } })._buffer.length;
}

/**
 * Checks that the read `start` begins fails because `stream` outgrew its `maxBufferSize`:
 * Tornado's log line, `StreamClosedError` with a `StreamBufferFullError` as `realError`,
 * and the stream closed with that error.
 */
export async function expectBufferFull(
  stream: IOStream,
  start: () => PromiseLike<unknown>,
): Promise<void> {
  await new ExpectLog(genLog, /Reached maximum read buffer size/).run(async () => {
    const error = (await rejection(start())) as StreamClosedError;
    expect(error).to.be.instanceOf(StreamClosedError);
    expect(error.realError).to.be.instanceOf(StreamBufferFullError);
    expect(error.realError?.message).to.equal("Reached maximum read buffer size");
  });
  expect(stream.closed()).to.equal(true);
  expect(stream.error).to.be.instanceOf(StreamBufferFullError);
}

/** A secure context serving `server.pem` (127.0.0.1, ::1, localhost; signed by the CA). */
export function serverContext(certs: TestCerts = loadTestCerts()): tls.SecureContext {
  return tls.createSecureContext({ cert: certs.serverCert, key: certs.serverKey });
}

/** Options of {@link StreamFixtures.pair}. */
export interface PairOptions extends IOStreamOptions {
  /** "tcp" (default) for two `IOStream`s, "tls" for two `SSLIOStream`s. */
  kind?: "tcp" | "tls";
}

/** How long `closeAll` waits for the servers' connections to go away. */
const CLOSE_WAIT_MS = 1000;

/**
 * The servers, raw sockets and streams of one test, and their cleanup: `closeAll` closes
 * the streams, then fails if a server still has a connection a moment later (a socket left
 * open), and closes the servers. Use through {@link useStreamFixtures}.
 */
export class StreamFixtures {
  /** Each server with a promise of its `close` event. */
  private readonly _servers = new Map<net.Server, Promise<void>>();
  private readonly _sockets = new Set<net.Socket>();
  private readonly _streams = new Set<IOStream>();

  /**
   * Listens on `host` (default 127.0.0.1, a free port); every accepted socket goes to
   * `onConnection`.
   *
   * @throws (rejects) the listen error, e.g. `EADDRNOTAVAIL` for `::1` without IPv6.
   */
  async listen(
    onConnection?: (socket: net.Socket) => void,
    host = "127.0.0.1",
  ): Promise<{ server: net.Server; port: number }> {
    const server = net.createServer((socket) => {
      // A reset from the stream under test (closing with unread data sends RST) is expected.
      socket.on("error", () => {});
      this._sockets.add(socket);
      socket.once("close", () => this._sockets.delete(socket));
      onConnection?.(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, host, () => resolve());
    });
    this._servers.set(server, new Promise((resolve) => server.once("close", () => resolve())));
    return { server, port: (server.address() as net.AddressInfo).port };
  }

  /** Remembers `stream` so that `closeAll` closes it. */
  track<S extends IOStream>(stream: S): S {
    this._streams.add(stream);
    return stream;
  }

  /**
   * Two connected streams, `[server, client]` (Tornado's `make_iostream_pair`): the server
   * stream wraps the accepted socket, the client stream connected to it. With TLS the
   * server uses `server.pem` and the client does not verify it; both handshakes are done.
   * Must run on the test's IOLoop (inside `genTest`).
   */
  async pair(options: PairOptions = {}): Promise<[IOStream, IOStream]> {
    const { kind = "tcp", ...streamOptions } = options;
    let accept!: (socket: net.Socket) => void;
    const accepted = new Promise<net.Socket>((resolve) => (accept = resolve));
    const { server, port } = await this.listen((socket) => accept(socket));
    const client = this.track(
      kind === "tls"
        ? new SSLIOStream(undefined, { ...streamOptions, sslOptions: { verifyMode: "CERT_NONE" } })
        : new IOStream(undefined, streamOptions),
    );
    const connected = client.connect({ host: "127.0.0.1", port });
    const raw = await accepted;
    server.close();
    const serverStream = this.track(
      kind === "tls"
        ? new SSLIOStream(
            new tls.TLSSocket(raw, { isServer: true, secureContext: serverContext() }),
            streamOptions,
          )
        : new IOStream(raw, streamOptions),
    );
    await connected;
    if (serverStream instanceof SSLIOStream) await serverStream.waitForHandshake();
    return [serverStream, client];
  }

  /** Closes the streams, checks that no connection stays open, closes the servers. */
  async closeAll(): Promise<void> {
    for (const stream of this._streams) stream.close();
    this._streams.clear();
    // Raw sockets the test left paused must read on to see the streams' FIN (or RST).
    for (const socket of this._sockets) socket.resume();
    const deadline = Date.now() + CLOSE_WAIT_MS;
    let open = 0;
    for (;;) {
      open = 0;
      for (const server of this._servers.keys()) open += await connectionCount(server);
      if (open === 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    for (const socket of this._sockets) socket.destroy();
    this._sockets.clear();
    for (const server of this._servers.keys()) if (server.listening) server.close();
    await Promise.all(this._servers.values());
    this._servers.clear();
    if (open > 0)
      throw new Error(`${open} connection(s) still open after the test closed its streams`);
  }
}

function connectionCount(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.getConnections((error, count) => resolve(error ? 0 : count)),
  );
}

/** A {@link StreamFixtures} per test of the enclosing describe, cleaned up after each. */
export function useStreamFixtures(): { readonly current: StreamFixtures } {
  return perTest("StreamFixtures", () => new StreamFixtures());
}
