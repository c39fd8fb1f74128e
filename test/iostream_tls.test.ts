/**
 * Tests of TLS in `iostream`: certificate and hostname checks, SNI, `startTls` on both
 * sides, `waitForHandshake`. Named after Tornado's `TestIOStreamStartTLS`,
 * `WaitForHandshakeTest`, `TestIOStreamCheckHostname` and `TestIOStreamWebHTTPS`.
 *
 * Certificates come from test/fixtures/tls (see make-certs.sh there): a test CA, a server
 * certificate for 127.0.0.1/localhost signed by it, an expired one, one for the wrong
 * host, and a self-signed one.
 */
import { expect } from "chai";
import * as https from "node:https";
import type * as net from "node:net";
import * as tls from "node:tls";
import { Future } from "../src/concurrent";
import { sleep } from "../src/gen";
import { IOStream, SSLIOStream, type SSLIOStreamOptions, StreamClosedError } from "../src/iostream";
import { genLog } from "../src/log";
import { ExpectLog, genTest, setupAsyncTest } from "../src/testing";
import { RuntimeError } from "../src/util";
import { bufferedBytes, loadTestCerts, serverContext, useStreamFixtures } from "./helpers/tls";
import { rejection } from "./helpers/assertions";

const certs = loadTestCerts();

describe("TestIOStreamStartTLS", () => {
  setupAsyncTest();
  const fixtures = useStreamFixtures();

  /** A connected plain pair: `[server, client]`. */
  async function plainPair(): Promise<[IOStream, IOStream]> {
    return fixtures.current.pair({ kind: "tcp" });
  }

  async function sendLine(from: IOStream, to: IOStream, line: string): Promise<void> {
    void from.write(line);
    expect((await to.readUntil("\r\n")).toString()).to.equal(line);
  }

  it(
    "upgrades both sides after an SMTP-like exchange (test_start_tls_smtp)",
    genTest(async () => {
      let [server, client] = await plainPair();
      await sendLine(server, client, "220 mail.example.com ready\r\n");
      await sendLine(client, server, "EHLO mail.example.com\r\n");
      await sendLine(server, client, "250-mail.example.com welcome\r\n");
      await sendLine(server, client, "250 STARTTLS\r\n");
      await sendLine(client, server, "STARTTLS\r\n");
      await sendLine(server, client, "220 Go ahead\r\n");
      const clientFuture = client.startTls(false, { verifyMode: "CERT_NONE" });
      const serverFuture = server.startTls(true, {
        certfile: certs.paths.serverCert,
        keyfile: certs.paths.serverKey,
      });
      const [secureClient, secureServer] = [
        fixtures.current.track(await clientFuture),
        fixtures.current.track(await serverFuture),
      ];
      expect(secureClient).to.be.instanceOf(SSLIOStream);
      expect(secureServer).to.be.instanceOf(SSLIOStream);
      expect(client.closed()).to.equal(true);
      expect(() => client.write("x")).to.throw(StreamClosedError);
      [server, client] = [secureServer, secureClient];
      await sendLine(client, server, "EHLO mail.example.com\r\n");
      await sendLine(server, client, "250 mail.example.com welcome\r\n");
      expect((client.socket as tls.TLSSocket).encrypted).to.equal(true);
    }),
  );

  it(
    "fails the client with the TLS error under default verification (test_handshake_fail)",
    genTest(async () => {
      const [server, client] = await plainPair();
      await new ExpectLog(genLog, /SSL Error/).run(async () => {
        const serverFuture = server.startTls(true, {
          cert: certs.serverCert,
          key: certs.serverKey,
        });
        const clientFuture = client.startTls(false, null, "localhost");
        const error = (await rejection(clientFuture)) as NodeJS.ErrnoException;
        expect(error).not.to.be.instanceOf(StreamClosedError);
        expect(error.code).to.equal("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
        expect(await rejection(serverFuture)).to.be.instanceOf(Error);
      });
    }),
  );

  it(
    "checks the hostname given to startTls (test_check_hostname)",
    genTest(async () => {
      const [server, client] = await plainPair();
      await new ExpectLog(genLog, /SSL Error/).run(async () => {
        const serverFuture = server.startTls(true, {
          cert: certs.serverCert,
          key: certs.serverKey,
        });
        const clientFuture = client.startTls(false, { caCerts: certs.ca }, "foo.example.com");
        const error = (await rejection(clientFuture)) as NodeJS.ErrnoException;
        expect(error.code).to.equal("ERR_TLS_CERT_ALTNAME_INVALID");
        expect(await rejection(serverFuture)).to.be.instanceOf(Error);
      });
    }),
  );

  it(
    "verifies against the peer address when no hostname is given",
    genTest(async () => {
      const [server, client] = await plainPair();
      const serverFuture = server.startTls(true, { cert: certs.serverCert, key: certs.serverKey });
      const secure = fixtures.current.track(await client.startTls(false, { caCerts: certs.ca }));
      fixtures.current.track(await serverFuture);
      expect((secure.socket as tls.TLSSocket).authorized).to.equal(true);
    }),
  );

  it(
    "carries a write of a wide typed array (test_typed_memoryview)",
    genTest(async () => {
      const [server, client] = await plainPair();
      const words = new Uint32Array(20).fill(0x01020304);
      await server.write(words);
      const received = await client.readBytes(words.byteLength);
      expect(received.equals(Buffer.from(words.buffer))).to.equal(true);
    }),
  );

  it(
    "hands bytes that arrived before startTls to TLS",
    genTest(async () => {
      const [server, client] = await plainPair();
      const clientFuture = client.startTls(false, { verifyMode: "CERT_NONE" });
      // The ClientHello is already in the server stream's buffer when it upgrades.
      while (bufferedBytes(server) === 0) await sleep(0.002);
      const serverFuture = server.startTls(true, { cert: certs.serverCert, key: certs.serverKey });
      const secureClient = fixtures.current.track(await clientFuture);
      const secureServer = fixtures.current.track(await serverFuture);
      await sendLine(secureClient, secureServer, "hello over TLS\r\n");
    }),
  );

  it(
    "refuses to upgrade a stream that is not idle",
    genTest(async () => {
      const [server, client] = await plainPair();
      const read = client.readBytes(1);
      expect(() => client.startTls(false)).to.throw(
        TypeError,
        "IOStream is not idle; cannot convert to SSL",
      );
      void server.write("x");
      expect((await read).toString()).to.equal("x");
      client.close();
      expect(() => client.startTls(false)).to.throw(TypeError, "IOStream is not idle");
    }),
  );

  it(
    "moves the close callback to the new stream",
    genTest(async () => {
      const [server, client] = await plainPair();
      let closes = 0;
      client.setCloseCallback(() => closes++);
      const serverFuture = server.startTls(true, { cert: certs.serverCert, key: certs.serverKey });
      const secure = fixtures.current.track(
        await client.startTls(false, { verifyMode: "CERT_NONE" }),
      );
      const secureServer = fixtures.current.track(await serverFuture);
      await sleep(0.01);
      expect(closes).to.equal(0);
      secureServer.close();
      while (!secure.closed()) await sleep(0.002);
      await sleep(0.001);
      expect(closes).to.equal(1);
    }),
  );
});

describe("WaitForHandshakeTest", () => {
  setupAsyncTest();
  const fixtures = useStreamFixtures();

  /**
   * Runs a TLS server that wraps each accepted socket in an SSLIOStream (before its
   * handshake) and hands it to `handle`; connects a client that does not verify.
   */
  async function connectToServer(handle: (stream: SSLIOStream) => Promise<void>): Promise<void> {
    const handled = new Future<void>();
    const { port } = await fixtures.current.listen((raw) => {
      const stream = fixtures.current.track(
        new SSLIOStream(new tls.TLSSocket(raw, { isServer: true, secureContext: serverContext() })),
      );
      // The handshake has not happened yet.
      expect((stream.socket as tls.TLSSocket).getCipher()).to.equal(undefined);
      handle(stream).then(
        () => handled.setResult(),
        (error: unknown) => handled.setException(error),
      );
    });
    const client = fixtures.current.track(
      new SSLIOStream(undefined, { sslOptions: { verifyMode: "CERT_NONE" } }),
    );
    await client.connect({ host: "127.0.0.1", port });
    expect((client.socket as tls.TLSSocket).getCipher()).not.to.equal(undefined);
    await handled;
    client.close();
  }

  it(
    "resolves once the server handshake is done (test_wait_for_handshake_future)",
    genTest(async () => {
      await connectToServer(async (stream) => {
        expect(await stream.waitForHandshake()).to.equal(stream);
        expect((stream.socket as tls.TLSSocket).getCipher()?.name).to.be.a("string");
      });
    }),
  );

  it(
    "refuses a second wait while one is pending (test_wait_for_handshake_already_waiting_error)",
    genTest(async () => {
      await connectToServer(async (stream) => {
        const first = stream.waitForHandshake();
        expect(() => stream.waitForHandshake()).to.throw(RuntimeError, "Already waiting");
        await first;
      });
    }),
  );

  it(
    "resolves again once connected (test_wait_for_handshake_already_connected)",
    genTest(async () => {
      await connectToServer(async (stream) => {
        await stream.waitForHandshake();
        const again = stream.waitForHandshake();
        expect(again.done()).to.equal(true);
        await again;
      });
    }),
  );
});

describe("TestIOStreamCheckHostname", () => {
  setupAsyncTest();
  const fixtures = useStreamFixtures();

  /**
   * A TLS server on the fixtures' listener serving `cert`/`key`; records the SNI name each
   * connection sent and answers "hi" once its handshake is done.
   */
  async function tlsServer(
    cert = certs.serverCert,
    key = certs.serverKey,
    host = "127.0.0.1",
  ): Promise<{ port: number; names: (string | false | null)[] }> {
    const names: (string | false | null)[] = [];
    const secureContext = tls.createSecureContext({ cert, key });
    const { port } = await fixtures.current.listen((raw) => {
      const socket = new tls.TLSSocket(raw, { isServer: true, secureContext });
      socket.on("error", () => {});
      socket.on("secure", () => {
        names.push(socket.servername);
        socket.end("hi");
      });
    }, host);
    return { port, names };
  }

  async function connect(
    port: number,
    options: SSLIOStreamOptions,
    hostname?: string,
  ): Promise<SSLIOStream> {
    const stream = fixtures.current.track(new SSLIOStream(undefined, options));
    await stream.connect({ host: "127.0.0.1", port }, hostname);
    return stream;
  }

  it(
    "accepts a certificate that names the host (test_match)",
    genTest(async () => {
      const { port, names } = await tlsServer();
      const stream = await connect(port, { sslOptions: { caCerts: certs.paths.ca } }, "localhost");
      expect((await stream.readUntilClose()).toString()).to.equal("hi");
      expect(names).to.deep.equal(["localhost"]);
    }),
  );

  it(
    "rejects a certificate for another name (test_no_match)",
    genTest(async () => {
      const { port } = await tlsServer();
      await new ExpectLog(genLog, /SSL Error on 127\.0\.0\.1:\d+: .*bar\.example\.com/).run(
        async () => {
          const stream = new SSLIOStream(undefined, { sslOptions: { caCerts: certs.ca } });
          const error = (await rejection(
            stream.connect({ host: "127.0.0.1", port }, "bar.example.com"),
          )) as NodeJS.ErrnoException;
          expect(error.code).to.equal("ERR_TLS_CERT_ALTNAME_INVALID");
          expect(stream.error).to.equal(error);
          expect(stream.closed()).to.equal(true);
        },
      );
    }),
  );

  it(
    "connects to another name with checkHostname off (test_check_disabled)",
    genTest(async () => {
      const { port } = await tlsServer();
      const stream = await connect(
        port,
        { sslOptions: { caCerts: certs.ca, checkHostname: false } },
        "bar.example.com",
      );
      expect((await stream.readUntilClose()).toString()).to.equal("hi");
    }),
  );

  const rejections: [string, string, string, string][] = [
    [
      "a self-signed certificate",
      certs.selfSignedCert,
      certs.selfSignedKey,
      "DEPTH_ZERO_SELF_SIGNED_CERT",
    ],
    ["an expired certificate", certs.expiredCert, certs.expiredKey, "CERT_HAS_EXPIRED"],
    [
      "a certificate for the wrong host",
      certs.wrongHostCert,
      certs.wrongHostKey,
      "ERR_TLS_CERT_ALTNAME_INVALID",
    ],
  ];
  for (const [what, cert, key, code] of rejections) {
    it(
      `rejects ${what} with ${code}, and accepts it with verifyMode CERT_NONE`,
      genTest(async () => {
        const { port } = await tlsServer(cert, key);
        await new ExpectLog(genLog, /SSL Error/).run(async () => {
          const stream = new SSLIOStream(undefined, { sslOptions: { caCerts: certs.ca } });
          const error = (await rejection(
            stream.connect({ host: "127.0.0.1", port }, "localhost"),
          )) as NodeJS.ErrnoException;
          expect(error.code).to.equal(code);
        });
        const lax = await connect(port, { sslOptions: { verifyMode: "CERT_NONE" } }, "localhost");
        expect((await lax.readUntilClose()).toString()).to.equal("hi");
      }),
    );
  }

  it(
    "rejects a certificate from an unknown CA by default",
    genTest(async () => {
      const { port } = await tlsServer();
      await new ExpectLog(genLog, /SSL Error/).run(async () => {
        const stream = new SSLIOStream();
        const error = (await rejection(
          stream.connect({ host: "127.0.0.1", port }, "localhost"),
        )) as NodeJS.ErrnoException;
        expect(error.code).to.equal("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
      });
    }),
  );

  it(
    "accepts the CA as PEM contents and as a SecureContext",
    genTest(async () => {
      const { port } = await tlsServer();
      const byContent = await connect(port, { sslOptions: { caCerts: certs.ca } }, "localhost");
      expect((await byContent.readUntilClose()).toString()).to.equal("hi");
      const context = tls.createSecureContext({ ca: certs.ca });
      const byContext = await connect(port, { sslOptions: context }, "localhost");
      expect((await byContext.readUntilClose()).toString()).to.equal("hi");
    }),
  );

  it(
    "sends SNI for a name and none for an IP address",
    genTest(async () => {
      const { port, names } = await tlsServer();
      await (
        await connect(port, { sslOptions: { caCerts: certs.ca } }, "localhost")
      ).readUntilClose();
      await (
        await connect(port, { sslOptions: { caCerts: certs.ca } }, "127.0.0.1")
      ).readUntilClose();
      await (
        await connect(port, { sslOptions: { caCerts: certs.ca }, serverHostname: "localhost" })
      ).readUntilClose();
      expect(names).to.deep.equal(["localhost", false, "localhost"]);
    }),
  );

  it("verifies an IPv6 address against the certificate's names", async function () {
    let server: { port: number; names: (string | false | null)[] };
    try {
      server = await tlsServer(certs.serverCert, certs.serverKey, "::1");
    } catch (error) {
      // The machine has no IPv6 loopback: nothing to test here.
      this.skip();
      throw error;
    }
    await genTest(async () => {
      const stream = fixtures.current.track(
        new SSLIOStream(undefined, { sslOptions: { caCerts: certs.ca } }),
      );
      await stream.connect({ host: "::1", port: server.port });
      expect((await stream.readUntilClose()).toString()).to.equal("hi");
      expect(server.names).to.deep.equal([false]);
    }).call(this);
  });

  it(
    "fails connect with the connection error itself when refused",
    genTest(async () => {
      const { server, port } = await fixtures.current.listen();
      await new Promise((resolve) => server.close(resolve));
      const stream = new SSLIOStream(undefined, { sslOptions: { caCerts: certs.ca } });
      const error = (await rejection(
        stream.connect({ host: "127.0.0.1", port }),
      )) as NodeJS.ErrnoException;
      expect(error.code).to.equal("ECONNREFUSED");
      expect(stream.error).to.equal(error);
    }),
  );

  it(
    "upgrades a server-side stream for a client certificate check",
    genTest(async () => {
      let accept!: (socket: net.Socket) => void;
      const accepted = new Promise<net.Socket>((resolve) => (accept = resolve));
      const { port } = await fixtures.current.listen((raw) => accept(raw));
      const client = fixtures.current.track(
        new SSLIOStream(undefined, {
          sslOptions: {
            caCerts: certs.ca,
            certfile: certs.paths.clientCert,
            keyfile: certs.paths.clientKey,
          },
        }),
      );
      const connected = client.connect({ host: "127.0.0.1", port }, "localhost");
      const server = fixtures.current.track(new IOStream(await accepted));
      const secure = fixtures.current.track(
        await server.startTls(true, {
          cert: certs.serverCert,
          key: certs.serverKey,
          caCerts: certs.ca,
          verifyMode: "CERT_REQUIRED",
        }),
      );
      await connected;
      const peer = (secure.socket as tls.TLSSocket).getPeerCertificate();
      expect(peer.subject.CN).to.equal("tornado-ts test client");
    }),
  );
});

describe("TestIOStreamWebHTTPS", () => {
  setupAsyncTest();
  const fixtures = useStreamFixtures();
  let server: https.Server;
  let port: number;

  beforeEach(async () => {
    server = https.createServer({ cert: certs.serverCert, key: certs.serverKey }, (_req, res) => {
      res.setHeader("Content-Length", "5");
      res.end("Hello");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it(
    "reads a response until close without verification (test_read_until_close)",
    genTest(async () => {
      const stream = fixtures.current.track(
        new SSLIOStream(undefined, { sslOptions: { verifyMode: "CERT_NONE" } }),
      );
      expect(await stream.connect({ host: "127.0.0.1", port })).to.equal(stream);
      void stream.write("GET / HTTP/1.0\r\n\r\n");
      const data = (await stream.readUntilClose()).toString();
      expect(data.startsWith("HTTP/1.1 200")).to.equal(true);
      expect(data.endsWith("Hello")).to.equal(true);
    }),
  );

  it(
    "writes while the handshake runs (test_write_while_connecting)",
    genTest(async () => {
      const stream = fixtures.current.track(
        new SSLIOStream(undefined, { sslOptions: { caCerts: certs.ca } }),
      );
      const connected = stream.connect({ host: "127.0.0.1", port }, "localhost");
      const written = stream.write("GET / HTTP/1.0\r\nConnection: close\r\n\r\n");
      const order: string[] = [];
      await Promise.all([
        connected.then(() => order.push("connect")),
        written.then(() => order.push("write")),
      ]);
      expect(order).to.deep.equal(["connect", "write"]);
      expect((await stream.readUntilClose()).toString().endsWith("Hello")).to.equal(true);
    }),
  );
});
