/**
 * Tests of proxy support in `simple_httpclient`: `_proxy.ts` (the `Proxy-Authorization`
 * header and the CONNECT tunnel) against a real forward proxy (test/helpers/proxy_server.ts)
 * and raw `net` servers writing exact bytes. The client end to end through the proxy is in
 * simple_httpclient_proxy_e2e.test.ts.
 *
 * Tornado's simple client has no proxy support, so no Tornado test names these; the
 * describes are named after what they cover.
 */
import { expect } from "chai";
import * as net from "node:net";
import * as tls from "node:tls";
import { HTTPClientError } from "../src/httpclient/errors";
import { HTTPInputError } from "../src/httputil";
import { IOStream, type SSLIOStream } from "../src/iostream";
import { HTTPStreamClosedError } from "../src/simple_httpclient/errors";
import { connectTunnel, proxyAuthorizationHeader } from "../src/simple_httpclient/_proxy";
import { genTest, setupAsyncTest } from "../src/testing";
import { rejection } from "./helpers/assertions";
import { ProxyServer } from "./helpers/proxy_server";
import { loadTestCerts, useStreamFixtures } from "./helpers/tls";

const MAX_HEADER_SIZE = 65536;

function causeOf(error: Error): unknown {
  return (error as Error & { cause?: unknown }).cause;
}

describe("ProxyAuthorizationHeaderTest", () => {
  it("encodes Basic credentials for the proxy", () => {
    const value = proxyAuthorizationHeader({
      host: "proxy",
      port: 3128,
      username: "user",
      password: "pass",
    });
    expect(value).to.equal(`Basic ${Buffer.from("user:pass").toString("base64")}`);
  });

  it("defaults the password to the empty string", () => {
    const value = proxyAuthorizationHeader({ host: "proxy", port: 3128, username: "user" });
    expect(value).to.equal(`Basic ${Buffer.from("user:").toString("base64")}`);
  });

  it("sends nothing without a username (unset or empty)", () => {
    expect(proxyAuthorizationHeader({ host: "proxy", port: 3128 })).to.equal(undefined);
    expect(
      proxyAuthorizationHeader({ host: "proxy", port: 3128, username: "", password: "x" }),
    ).to.equal(undefined);
  });

  it("encodes unicode credentials as NFC UTF-8", () => {
    const decomposed = proxyAuthorizationHeader({
      host: "proxy",
      port: 3128,
      username: "jose\u0301",
      password: "\u00a3",
    });
    expect(decomposed).to.equal(`Basic ${Buffer.from("jos\u00e9:\u00a3").toString("base64")}`);
  });

  it("accepts basic as the auth mode", () => {
    const value = proxyAuthorizationHeader({
      host: "proxy",
      port: 3128,
      username: "u",
      authMode: "basic",
    });
    expect(value).to.match(/^Basic /);
  });

  it("refuses another auth mode, naming it", () => {
    expect(() =>
      proxyAuthorizationHeader({ host: "proxy", port: 3128, username: "u", authMode: "digest" }),
    ).to.throw(TypeError, /digest/);
    expect(() =>
      proxyAuthorizationHeader({ host: "proxy", port: 3128, authMode: "ntlm" }),
    ).to.throw(TypeError, /ntlm/);
  });

  it("refuses a username with a colon (RFC 7617)", () => {
    expect(() =>
      proxyAuthorizationHeader({ host: "proxy", port: 3128, username: "a:b", password: "c" }),
    ).to.throw(TypeError, /"a:b"/);
  });
});

/** What a raw proxy received, and the socket to answer on. */
interface RawPeer {
  socket: net.Socket;
  /** Everything received so far (latin1). */
  received(): string;
  /** Resolves once `text` has been received. */
  waitFor(text: string): Promise<void>;
}

describe("ConnectTunnelTest", () => {
  setupAsyncTest();
  const fixtures = useStreamFixtures();
  const proxies: ProxyServer[] = [];
  const closers: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const proxy of proxies.splice(0)) await proxy.close();
    for (const close of closers.splice(0)) await close();
  });

  async function startProxy(options?: Parameters<typeof ProxyServer.start>[0]) {
    const proxy = await ProxyServer.start(options);
    proxies.push(proxy);
    return proxy;
  }

  /** A plain stream connected to 127.0.0.1:`port`, closed after the test. */
  async function connect(port: number): Promise<IOStream> {
    const stream = fixtures.current.track(new IOStream());
    await stream.connect({ host: "127.0.0.1", port });
    return stream;
  }

  /** A raw server (the "proxy") whose first connection the test scripts. */
  async function rawProxy(): Promise<{ port: number; peer: Promise<RawPeer> }> {
    let accept!: (peer: RawPeer) => void;
    const peer = new Promise<RawPeer>((resolve) => (accept = resolve));
    const { port } = await fixtures.current.listen((socket) => {
      let data = "";
      const waiters: { text: string; resolve: () => void }[] = [];
      socket.on("data", (chunk: Buffer) => {
        data += chunk.toString("latin1");
        for (const waiter of waiters.splice(0)) {
          if (data.includes(waiter.text)) waiter.resolve();
          else waiters.push(waiter);
        }
      });
      accept({
        socket,
        received: () => data,
        waitFor: (text) =>
          data.includes(text)
            ? Promise.resolve()
            : new Promise((resolve) => waiters.push({ text, resolve })),
      });
    });
    return { port, peer };
  }

  /**
   * Asks a raw proxy for a tunnel to example.com:`port` (maxHeaderSize 1024); resolves once
   * the proxy has the whole CONNECT, for the test to answer.
   */
  async function startTunnel(port = 443) {
    const proxy = await rawProxy();
    const stream = await connect(proxy.port);
    const tunnel = connectTunnel(stream, "example.com", port, { maxHeaderSize: 1024 });
    const raw = await proxy.peer;
    await raw.waitFor("\r\n\r\n");
    return { stream, tunnel, raw };
  }

  /** A target that answers each line with its upper-case form. */
  async function echoTarget(): Promise<number> {
    const { port } = await fixtures.current.listen((socket) => {
      socket.on("data", (chunk: Buffer) => socket.write(chunk.toString("latin1").toUpperCase()));
    });
    return port;
  }

  it(
    "opens a tunnel through a real proxy and bytes then flow to the target",
    genTest(async () => {
      const target = await echoTarget();
      const proxy = await startProxy();
      const stream = await connect(proxy.port);
      await connectTunnel(stream, "127.0.0.1", target, { maxHeaderSize: MAX_HEADER_SIZE });
      await stream.write("through the tunnel\n");
      expect((await stream.readUntil("\n")).toString()).to.equal("THROUGH THE TUNNEL\n");
      expect(proxy.connects).to.equal(1);
      expect(proxy.tunnels).to.equal(1);
      expect(proxy.connectTargets).to.deep.equal([`127.0.0.1:${target}`]);
      expect(proxy.proxyAuthorizations).to.deep.equal([]);
    }),
  );

  it(
    "writes CONNECT with Host and Proxy-Authorization, exactly",
    genTest(async () => {
      const { port, peer } = await rawProxy();
      const stream = await connect(port);
      const auth = proxyAuthorizationHeader({ host: "p", port: 1, username: "u", password: "p" });
      const tunnel = connectTunnel(stream, "example.com", 443, {
        proxyAuthorization: auth,
        maxHeaderSize: MAX_HEADER_SIZE,
      });
      const raw = await peer;
      await raw.waitFor("\r\n\r\n");
      expect(raw.received()).to.equal(
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n" +
          `Proxy-Authorization: ${auth}\r\n\r\n`,
      );
      raw.socket.write("HTTP/1.1 200 Connection established\r\n\r\n");
      await tunnel;
      expect(stream.closed()).to.equal(false);
    }),
  );

  for (const host of ["::1", "[::1]"]) {
    it(
      `brackets an IPv6 literal target (given as ${host})`,
      genTest(async () => {
        const { port, peer } = await rawProxy();
        const stream = await connect(port);
        const tunnel = connectTunnel(stream, host, 8443, { maxHeaderSize: MAX_HEADER_SIZE });
        const raw = await peer;
        await raw.waitFor("\r\n\r\n");
        expect(raw.received()).to.equal("CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n");
        raw.socket.write("HTTP/1.0 200 OK\r\n\r\n");
        await tunnel;
      }),
    );
  }

  it(
    "carries TLS with the target, whose certificate is verified",
    genTest(async () => {
      const certs = loadTestCerts();
      const server = tls.createServer(
        { cert: certs.serverCert, key: certs.serverKey },
        (socket) => {
          socket.on("error", () => {});
          socket.on("data", (chunk: Buffer) => socket.write(`tls:${chunk.toString()}`));
        },
      );
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      closers.push(async () => {
        await new Promise((resolve) => server.close(resolve));
      });
      const target = (server.address() as net.AddressInfo).port;
      const proxy = await startProxy();
      const stream = await connect(proxy.port);
      await connectTunnel(stream, "localhost", target, { maxHeaderSize: MAX_HEADER_SIZE });
      expect(proxy.connectTargets).to.deep.equal([`localhost:${target}`]);
      const secure: SSLIOStream = fixtures.current.track(
        await stream.startTls(false, { caCerts: certs.paths.ca }, "localhost"),
      );
      await secure.write("hello\n");
      expect((await secure.readUntil("\n")).toString()).to.equal("tls:hello\n");
      secure.close();
    }),
  );

  it(
    "sends the credentials a proxy requires and gets its tunnel",
    genTest(async () => {
      const target = await echoTarget();
      const proxy = await startProxy({ credentials: { username: "me", password: "s3cret" } });
      const stream = await connect(proxy.port);
      const auth = proxyAuthorizationHeader({
        host: "127.0.0.1",
        port: proxy.port,
        username: "me",
        password: "s3cret",
      });
      await connectTunnel(stream, "127.0.0.1", target, {
        proxyAuthorization: auth,
        maxHeaderSize: MAX_HEADER_SIZE,
      });
      expect(proxy.proxyAuthorizations).to.deep.equal([auth]);
      await stream.write("ok\n");
      expect((await stream.readUntil("\n")).toString()).to.equal("OK\n");
    }),
  );

  it(
    "fails with code 407 and says the proxy needs authentication",
    genTest(async () => {
      const target = await echoTarget();
      const proxy = await startProxy({ credentials: { username: "me", password: "s3cret" } });
      const stream = await connect(proxy.port);
      const error = await rejection(
        connectTunnel(stream, "127.0.0.1", target, { maxHeaderSize: MAX_HEADER_SIZE }),
      );
      expect(error).to.be.instanceOf(HTTPClientError);
      expect((error as HTTPClientError).code).to.equal(407);
      expect(error.message).to.equal(
        `Proxy refused the tunnel to 127.0.0.1:${target}: 407 Proxy Authentication Required ` +
          "(proxy authentication required: set proxyUsername and proxyPassword; " +
          'it asks for Basic realm="tornado-ts test proxy")',
      );
      expect(stream.closed()).to.equal(true);
      expect(proxy.tunnels).to.equal(0);
    }),
  );

  it(
    "fails with code 407 and says the credentials were rejected",
    genTest(async () => {
      const proxy = await startProxy({ credentials: { username: "me", password: "s3cret" } });
      const stream = await connect(proxy.port);
      const wrong = proxyAuthorizationHeader({ host: "", port: 1, username: "me", password: "no" });
      const error = await rejection(
        connectTunnel(stream, "127.0.0.1", 9, {
          proxyAuthorization: wrong,
          maxHeaderSize: MAX_HEADER_SIZE,
        }),
      );
      expect((error as HTTPClientError).code).to.equal(407);
      expect(error.message).to.contain("proxy authentication failed");
      expect(proxy.proxyAuthorizations).to.deep.equal([wrong]);
      expect(stream.closed()).to.equal(true);
    }),
  );

  it(
    "fails with code 502 when the proxy cannot reach the target",
    genTest(async () => {
      const closed = net.createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const deadPort = (closed.address() as net.AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const proxy = await startProxy();
      const stream = await connect(proxy.port);
      const error = await rejection(
        connectTunnel(stream, "127.0.0.1", deadPort, { maxHeaderSize: MAX_HEADER_SIZE }),
      );
      expect(error).to.be.instanceOf(HTTPClientError);
      expect((error as HTTPClientError).code).to.equal(502);
      expect(error.message).to.equal(
        `Proxy refused the tunnel to 127.0.0.1:${deadPort}: 502 Bad Gateway`,
      );
      expect(stream.closed()).to.equal(true);
    }),
  );

  it(
    "reports the proxy's own reason phrase, or the standard one when it sends none",
    genTest(async () => {
      const { tunnel, raw } = await startTunnel();
      raw.socket.write("HTTP/1.1 403 \r\nContent-Length: 7\r\n\r\nblocked");
      const error = await rejection(tunnel);
      expect((error as HTTPClientError).code).to.equal(403);
      expect(error.message).to.equal("Proxy refused the tunnel to example.com:443: 403 Forbidden");
    }),
  );

  it(
    "fails with HTTPStreamClosedError when the proxy closes without answering",
    genTest(async () => {
      const { stream, tunnel, raw } = await startTunnel();
      raw.socket.end();
      const error = await rejection(tunnel);
      expect(error).to.be.instanceOf(HTTPStreamClosedError);
      expect((error as HTTPClientError).code).to.equal(599);
      expect(error.message).to.equal(
        "Stream closed: the proxy closed the connection before answering CONNECT example.com:443",
      );
      expect(stream.closed()).to.equal(true);
      expect(stream.reading()).to.equal(false);
    }),
  );

  it(
    "fails with HTTPStreamClosedError when the proxy closes in the middle of its head",
    genTest(async () => {
      const { tunnel, raw } = await startTunnel();
      raw.socket.end("HTTP/1.1 200 Conn");
      const error = await rejection(tunnel);
      expect(error).to.be.instanceOf(HTTPStreamClosedError);
      expect(error.message).to.equal(
        "Connection closed: the proxy closed the connection in the middle of its answer to " +
          "CONNECT example.com:443 (after 17 bytes)",
      );
    }),
  );

  it(
    "fails at once, without waiting for a head to end, on an answer that is not HTTP",
    genTest(async () => {
      const { stream, tunnel, raw } = await startTunnel();
      // An SSH server's banner, and the connection stays open.
      raw.socket.write("SSH-2.0-OpenSSH_9.6\r\n");
      const error = await rejection(tunnel);
      expect(error).to.be.instanceOf(HTTPStreamClosedError);
      expect(error.message).to.equal(
        "Connection closed: malformed answer from the proxy to CONNECT example.com:443: " +
          'Not an HTTP response: expected a status line starting with "HTTP/", received "SSH-2"',
      );
      expect(causeOf(error)).to.be.instanceOf(HTTPInputError);
      expect(stream.closed()).to.equal(true);
    }),
  );

  it(
    "fails with HTTPStreamClosedError (cause HTTPInputError) on a malformed status line",
    genTest(async () => {
      const { stream, tunnel, raw } = await startTunnel();
      raw.socket.write("HTTP/1.1 2x0 Connection established\r\n\r\n");
      const error = await rejection(tunnel);
      expect(error).to.be.instanceOf(HTTPStreamClosedError);
      expect((error as HTTPClientError).code).to.equal(599);
      expect(error.message).to.match(
        /^Connection closed: malformed answer from the proxy to CONNECT example.com:443: /,
      );
      expect(causeOf(error)).to.be.instanceOf(HTTPInputError);
      expect(stream.closed()).to.equal(true);
    }),
  );

  it(
    "fails with HTTPStreamClosedError (cause HTTPInputError) on a head over maxHeaderSize",
    genTest(async () => {
      const { stream, tunnel, raw } = await startTunnel();
      raw.socket.write(`HTTP/1.1 200 OK\r\nX-Padding: ${"a".repeat(2048)}\r\n`);
      const error = await rejection(tunnel);
      expect(error).to.be.instanceOf(HTTPStreamClosedError);
      expect(causeOf(error)).to.be.instanceOf(HTTPInputError);
      expect(error.message).to.contain("maxHeaderSize (1024 bytes)");
      expect(stream.closed()).to.equal(true);
    }),
  );

  it(
    "treats a 2xx with Content-Length as a tunnel all the same (RFC 9110 §9.3.6)",
    genTest(async () => {
      const { stream, tunnel, raw } = await startTunnel();
      raw.socket.write("HTTP/1.1 100 Continue\r\n\r\n");
      raw.socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
      await tunnel;
      await stream.write("ping\n");
      await raw.waitFor("ping\n");
      raw.socket.write("pong\n");
      expect((await stream.readUntil("\n")).toString()).to.equal("pong\n");
    }),
  );

  it(
    "keeps bytes that arrive right after the 2xx head for the next read",
    genTest(async () => {
      const { stream, tunnel, raw } = await startTunnel(25);
      // A server that speaks first (SMTP), its greeting in the same packet as the answer.
      raw.socket.write("HTTP/1.1 200 Connection established\r\n\r\n220 mail ready\r\n");
      await tunnel;
      expect((await stream.readUntil("\r\n")).toString()).to.equal("220 mail ready\r\n");
    }),
  );

  it(
    "fails with HTTPStreamClosedError when the tunnel closes as soon as it opens",
    genTest(async () => {
      const proxy = await rawProxy();
      const socket = net.connect(proxy.port, "127.0.0.1");
      await new Promise((resolve) => socket.once("connect", resolve));
      const stream = fixtures.current.track(new IOStream(socket));
      const tunnel = connectTunnel(stream, "example.com", 443, { maxHeaderSize: 1024 });
      const raw = await proxy.peer;
      await raw.waitFor("\r\n\r\n");
      // The close lands after the stream took the 2xx head, before connectTunnel looks at it.
      socket.once("data", () => stream.close());
      raw.socket.write("HTTP/1.1 200 Connection established\r\n\r\n");
      const error = await rejection(tunnel);
      expect(error).to.be.instanceOf(HTTPStreamClosedError);
      expect(error.message).to.equal(
        "Stream closed: the proxy closed the tunnel to example.com:443 as soon as it opened it",
      );
    }),
  );

  it(
    "settles when the caller closes the stream (its deadline), leaving no read behind",
    genTest(async () => {
      const { stream, tunnel } = await startTunnel();
      stream.close();
      const error = await rejection(tunnel);
      expect(error).to.be.instanceOf(HTTPStreamClosedError);
      expect(stream.reading()).to.equal(false);
    }),
  );

  it(
    "refuses targets that cannot be an authority, before writing anything",
    genTest(async () => {
      const { port } = await rawProxy();
      const stream = await connect(port);
      const options = { maxHeaderSize: 1024 };
      expect(() => connectTunnel(stream, "evil.com\r\nX: y", 443, options)).to.throw(TypeError);
      expect(() => connectTunnel(stream, "a b", 443, options)).to.throw(TypeError, /"a b"/);
      expect(() => connectTunnel(stream, "", 443, options)).to.throw(TypeError);
      expect(() => connectTunnel(stream, "user@host", 443, options)).to.throw(TypeError);
      expect(() => connectTunnel(stream, "host:1", 443, options)).to.throw(TypeError);
      expect(() => connectTunnel(stream, "host", 0, options)).to.throw(RangeError);
      expect(() => connectTunnel(stream, "host", 65536, options)).to.throw(RangeError);
      expect(() =>
        connectTunnel(stream, "host", 443, { ...options, proxyAuthorization: "Basic x\r\nY: z" }),
      ).to.throw(TypeError, /Proxy-Authorization/);
      expect(stream.writing()).to.equal(false);
    }),
  );
});
