/**
 * Tests of proxy support in `simple_httpclient`, end to end: `fetch` through a real
 * forward proxy (test/helpers/proxy_server.ts) to http and https servers, with credentials,
 * refusals, keep-alive through the proxy and no leaked sockets. The tunnel itself is
 * tested in simple_httpclient_proxy.test.ts.
 *
 * Tornado's simple client has no proxy support, so no Tornado test names these; the
 * describes are named after what they cover.
 */
import { expect } from "chai";
import * as http from "node:http";
import * as https from "node:https";
import type { AsyncHTTPClient, FetchOptions } from "../src/httpclient/base";
import { HTTPClientError } from "../src/httpclient/errors";
import { HTTPInputError } from "../src/httputil";
import { SimpleAsyncHTTPClient, HTTPTimeoutError } from "../src/simple_httpclient";
import { HTTPStreamClosedError } from "../src/simple_httpclient/errors";
import { genLog } from "../src/log";
import { ExpectLog, genTest, setupAsyncTest } from "../src/testing";
import { rejection } from "./helpers/assertions";
import {
  closedByPeer,
  untilZero,
  useProxyTestNet,
  type ProxyServerOptions,
} from "./helpers/proxy_server";
import { loadTestCerts } from "./helpers/tls";

/** A `Proxy-Authorization` value set by hand: Basic for "hand:set". */
const HAND_SET = `Basic ${Buffer.from("hand:set").toString("base64")}`;

function causeOf(error: Error): unknown {
  return (error as Error & { cause?: unknown }).cause;
}

describe("SimpleHTTPClientProxyTest", () => {
  setupAsyncTest();
  const testNet = useProxyTestNet();
  const certs = loadTestCerts();
  const CA = (): string => certs.paths.ca;
  const serverTls = { cert: certs.serverCert, key: certs.serverKey };
  const startProxy = (options?: ProxyServerOptions) => testNet.current.proxy(options);
  const startTarget = (kind: "http" | "https") => testNet.current.target(kind, serverTls);

  /** Runs `body` with a private client, closed afterwards (its pool holds timers). */
  async function withClient<T>(body: (client: AsyncHTTPClient) => Promise<T>): Promise<T> {
    const client = new SimpleAsyncHTTPClient({ forceInstance: true });
    try {
      return await body(client);
    } finally {
      client.close();
    }
  }

  /**
   * Fetches an https URL through the raw proxy on `port` (the target is never reached:
   * the proxy's answer to CONNECT decides) and returns the error it fails with.
   */
  function failThroughProxy(port: number, options: FetchOptions = {}): Promise<Error> {
    return withClient((client) =>
      rejection(
        client.fetch("https://127.0.0.1:1/", {
          proxyHost: "127.0.0.1",
          proxyPort: port,
          ...options,
        }),
      ),
    );
  }

  it(
    "sends an http request to the proxy in absolute form",
    genTest(async () => {
      const target = await startTarget("http");
      const proxy = await startProxy();
      const response = await withClient((client) =>
        client.fetch(target.url("/path?q=1"), { proxyHost: "127.0.0.1", proxyPort: proxy.port }),
      );
      expect(response.code).to.equal(200);
      expect(response.body.toString()).to.equal("http GET /path?q=1");
      expect(proxy.forwarded).to.equal(1);
      expect(proxy.forwardedRequests[0]!.url).to.equal(target.url("/path?q=1"));
      expect(proxy.forwardedRequests[0]!.headers.host).to.equal(`127.0.0.1:${target.port}`);
      expect(proxy.connects).to.equal(0);
      expect(target.seen.map((r) => r.url)).to.deep.equal(["/path?q=1"]);
    }),
  );

  it(
    "reaches an https server through a CONNECT tunnel, verifying its certificate",
    genTest(async () => {
      const target = await startTarget("https");
      const proxy = await startProxy();
      const response = await withClient((client) =>
        client.fetch(target.url("/secret"), {
          proxyHost: "127.0.0.1",
          proxyPort: proxy.port,
          caCerts: CA(),
          validateCert: true,
        }),
      );
      expect(response.code).to.equal(200);
      expect(response.body.toString()).to.equal("https GET /secret");
      expect(proxy.connectTargets).to.deep.equal([`127.0.0.1:${target.port}`]);
      expect(proxy.tunnels).to.equal(1);
      // The proxy saw a tunnel only: the request itself went inside TLS.
      expect(proxy.forwarded).to.equal(0);
      expect(target.seen.map((r) => r.url)).to.deep.equal(["/secret"]);
    }),
  );

  it(
    "still refuses an untrusted certificate at the end of the tunnel",
    genTest(async () => {
      const target = await startTarget("https");
      const proxy = await startProxy();
      // No caCerts: the test CA is not trusted. The TLS error reaches the caller as it is
      // (as Tornado re-raises ssl errors), logged as an SSL error by the stream.
      const error = await new ExpectLog(genLog, /SSL Error on .*unable to verify/).run(() =>
        withClient((client) =>
          rejection(
            client.fetch(target.url("/"), { proxyHost: "127.0.0.1", proxyPort: proxy.port }),
          ),
        ),
      );
      expect((error as NodeJS.ErrnoException).code).to.equal("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
      expect(proxy.tunnels).to.equal(1);
      expect(target.seen).to.deep.equal([]);
    }),
  );

  it(
    "sends a Proxy-Authorization set by hand with the CONNECT, never into the tunnel",
    genTest(async () => {
      const target = await startTarget("https");
      const proxy = await startProxy({ credentials: { username: "hand", password: "set" } });
      const response = await withClient((client) =>
        client.fetch(target.url("/"), {
          proxyHost: "127.0.0.1",
          proxyPort: proxy.port,
          headers: { "Proxy-Authorization": HAND_SET },
          caCerts: CA(),
        }),
      );
      expect(response.code).to.equal(200);
      expect(proxy.proxyAuthorizations).to.deep.equal([HAND_SET]);
      expect(target.seen).to.have.length(1);
      expect(target.seen[0]!.headers["proxy-authorization"]).to.equal(undefined);
    }),
  );

  it(
    "keeps a hand-set Proxy-Authorization across a same-origin redirect, not a cross-origin one",
    genTest(async () => {
      const other = await startTarget("https");
      const seen: string[] = [];
      const redirecting = https.createServer(serverTls, (req, res) => {
        seen.push(`${req.url} ${String(req.headers["proxy-authorization"])}`);
        if (req.url === "/same") res.writeHead(302, { Location: "/final" }).end();
        else if (req.url === "/cross") res.writeHead(302, { Location: other.url("/") }).end();
        else res.end("final");
      });
      const port = await testNet.current.listen(redirecting);
      const proxy = await startProxy({ credentials: { username: "hand", password: "set" } });
      const options = {
        proxyHost: "127.0.0.1",
        proxyPort: proxy.port,
        headers: { "Proxy-Authorization": HAND_SET },
        caCerts: CA(),
      };
      const same = await withClient((client) =>
        client.fetch(`https://127.0.0.1:${port}/same`, options),
      );
      expect(same.code).to.equal(200);
      expect(same.body.toString()).to.equal("final");
      expect(proxy.refusedAuth).to.equal(0);
      // A credential header goes no further than its origin (as Authorization does): the
      // other origin's tunnel is asked for without it, and the proxy refuses it.
      const error = await withClient((client) =>
        rejection(client.fetch(`https://127.0.0.1:${port}/cross`, options)),
      );
      expect(error).to.be.instanceOf(HTTPClientError);
      expect((error as HTTPClientError).code).to.equal(407);
      expect(proxy.refusedAuth).to.equal(1);
      expect(proxy.connectHeaders.at(-1)!["proxy-authorization"]).to.equal(undefined);
      expect(other.seen).to.deep.equal([]);
      expect(seen).to.deep.equal(["/same undefined", "/final undefined", "/cross undefined"]);
    }),
  );

  it(
    "sends the proxy credentials to the proxy only, over https",
    genTest(async () => {
      const target = await startTarget("https");
      const proxy = await startProxy({ credentials: { username: "me", password: "s3cret" } });
      const response = await withClient((client) =>
        client.fetch(target.url("/"), {
          proxyHost: "127.0.0.1",
          proxyPort: proxy.port,
          proxyUsername: "me",
          proxyPassword: "s3cret",
          authUsername: "site",
          authPassword: "pw",
          caCerts: CA(),
        }),
      );
      expect(response.code).to.equal(200);
      expect(proxy.proxyAuthorizations).to.deep.equal([
        `Basic ${Buffer.from("me:s3cret").toString("base64")}`,
      ]);
      // The target's own credentials went inside the tunnel, not to the proxy...
      expect(proxy.connectHeaders[0]!.authorization).to.equal(undefined);
      // ...and the proxy's never went inside it.
      expect(target.seen).to.have.length(1);
      expect(target.seen[0]!.headers["proxy-authorization"]).to.equal(undefined);
      expect(target.seen[0]!.headers.authorization).to.equal(
        `Basic ${Buffer.from("site:pw").toString("base64")}`,
      );
    }),
  );

  it(
    "sends the proxy credentials with an absolute-form http request",
    genTest(async () => {
      const target = await startTarget("http");
      const proxy = await startProxy({ credentials: { username: "me", password: "s3cret" } });
      const response = await withClient((client) =>
        client.fetch(target.url("/"), {
          proxyHost: "127.0.0.1",
          proxyPort: proxy.port,
          proxyUsername: "me",
          proxyPassword: "s3cret",
        }),
      );
      expect(response.code).to.equal(200);
      expect(proxy.forwardedRequests[0]!.headers["proxy-authorization"]).to.equal(
        `Basic ${Buffer.from("me:s3cret").toString("base64")}`,
      );
      expect(target.seen[0]!.headers["proxy-authorization"]).to.equal(undefined);
    }),
  );

  it(
    "raises the proxy's 407 for an https URL as an HTTPClientError with code 407",
    genTest(async () => {
      const target = await startTarget("https");
      const proxy = await startProxy({ credentials: { username: "me", password: "s3cret" } });
      const error = await withClient((client) =>
        rejection(
          client.fetch(target.url("/"), {
            proxyHost: "127.0.0.1",
            proxyPort: proxy.port,
            caCerts: CA(),
          }),
        ),
      );
      expect(error).to.be.instanceOf(HTTPClientError);
      expect((error as HTTPClientError).code).to.equal(407);
      expect(error.message).to.contain("Proxy refused the tunnel");
      expect(error.message).to.contain("proxy authentication required");
      expect(target.seen).to.deep.equal([]);
    }),
  );

  it(
    "raises the proxy's 407 for an http URL as an HTTPClientError with code 407",
    genTest(async () => {
      const target = await startTarget("http");
      const proxy = await startProxy({ credentials: { username: "me", password: "s3cret" } });
      const error = await withClient((client) =>
        rejection(client.fetch(target.url("/"), { proxyHost: "127.0.0.1", proxyPort: proxy.port })),
      );
      expect(error).to.be.instanceOf(HTTPClientError);
      expect((error as HTTPClientError).code).to.equal(407);
      expect(proxy.refusedAuth).to.equal(1);
      expect(target.seen).to.deep.equal([]);
    }),
  );

  it(
    "refuses a proxyAuthMode other than basic",
    genTest(async () => {
      const target = await startTarget("http");
      const proxy = await startProxy();
      const error = await withClient((client) =>
        rejection(
          (async () =>
            client.fetch(target.url("/"), {
              proxyHost: "127.0.0.1",
              proxyPort: proxy.port,
              proxyUsername: "me",
              proxyAuthMode: "digest",
            }))(),
        ),
      );
      expect(error).to.be.instanceOf(TypeError);
      expect(error.message).to.contain("digest");
      expect(proxy.accepted).to.equal(0);
    }),
  );

  it(
    "reuses one tunnel for sequential https fetches (keep-alive through the proxy)",
    genTest(async () => {
      const target = await startTarget("https");
      const proxy = await startProxy();
      const options = { proxyHost: "127.0.0.1", proxyPort: proxy.port, caCerts: CA() };
      await withClient(async (client) => {
        expect((await client.fetch(target.url("/one"), options)).body.toString()).to.equal(
          "https GET /one",
        );
        expect((await client.fetch(target.url("/two"), options)).body.toString()).to.equal(
          "https GET /two",
        );
      });
      expect(proxy.connects).to.equal(1);
      expect(proxy.accepted).to.equal(1);
      expect(target.seen.map((r) => r.url)).to.deep.equal(["/one", "/two"]);
    }),
  );

  it(
    "reuses one proxy connection for sequential http fetches",
    genTest(async () => {
      const target = await startTarget("http");
      const proxy = await startProxy();
      const options = { proxyHost: "127.0.0.1", proxyPort: proxy.port };
      await withClient(async (client) => {
        await client.fetch(target.url("/one"), options);
        await client.fetch(target.url("/two"), options);
      });
      expect(proxy.forwarded).to.equal(2);
      expect(proxy.accepted).to.equal(1);
    }),
  );

  it(
    "serves several http origins over one proxy connection",
    genTest(async () => {
      const one = await startTarget("http");
      const two = await startTarget("http");
      const proxy = await startProxy();
      const options = { proxyHost: "127.0.0.1", proxyPort: proxy.port };
      await withClient(async (client) => {
        expect((await client.fetch(one.url("/1"), options)).body.toString()).to.equal(
          "http GET /1",
        );
        expect((await client.fetch(two.url("/2"), options)).body.toString()).to.equal(
          "http GET /2",
        );
      });
      expect(proxy.accepted).to.equal(1);
      expect(proxy.forwardedRequests.map((r) => r.url)).to.deep.equal([
        one.url("/1"),
        two.url("/2"),
      ]);
    }),
  );

  it(
    "does not share a connection between different proxy credentials",
    genTest(async () => {
      const target = await startTarget("https");
      const proxy = await startProxy({ credentials: { username: "me", password: "s3cret" } });
      const base = { proxyHost: "127.0.0.1", proxyPort: proxy.port, caCerts: CA() };
      const error = await withClient(async (client) => {
        await client.fetch(target.url("/"), {
          ...base,
          proxyUsername: "me",
          proxyPassword: "s3cret",
        });
        return rejection(client.fetch(target.url("/"), base));
      });
      expect((error as HTTPClientError).code).to.equal(407);
      expect(proxy.accepted).to.equal(2);
    }),
  );

  it(
    "fails with the connection error when the proxy does not listen",
    genTest(async () => {
      const target = await startTarget("http");
      const deadPort = await testNet.current.closedPort();
      const error = await withClient((client) =>
        rejection(client.fetch(target.url("/"), { proxyHost: "127.0.0.1", proxyPort: deadPort })),
      );
      // The socket's own error, as Tornado raises ConnectionRefusedError.
      expect((error as NodeJS.ErrnoException).code).to.equal("ECONNREFUSED");
      expect(error.message).to.contain(`127.0.0.1:${deadPort}`);
      expect(target.seen).to.deep.equal([]);
    }),
  );

  it(
    "reports a proxy that closes instead of answering CONNECT as HTTPStreamClosedError",
    genTest(async () => {
      const proxy = await testNet.current.rawProxy((socket) => socket.end());
      const error = await failThroughProxy(proxy.port);
      expect(error).to.be.instanceOf(HTTPStreamClosedError);
      expect((error as HTTPClientError).code).to.equal(599);
      expect(error.message).to.equal(
        "Stream closed: the proxy closed the connection before answering CONNECT 127.0.0.1:1",
      );
    }),
  );

  it(
    "reports a proxy that answers CONNECT with garbage as HTTPStreamClosedError",
    genTest(async () => {
      const proxy = await testNet.current.rawProxy((socket) =>
        socket.write("\x16\x03\x01\x00\x05hello"),
      );
      const error = await failThroughProxy(proxy.port);
      expect(error).to.be.instanceOf(HTTPStreamClosedError);
      expect(error.message).to.match(/^Connection closed: malformed answer from the proxy/);
      expect(causeOf(error)).to.be.instanceOf(HTTPInputError);
      await closedByPeer(proxy.sockets[0]!);
    }),
  );

  it(
    "reports a tunnel that closes as soon as it opens as HTTPStreamClosedError",
    genTest(async () => {
      const proxy = await testNet.current.rawProxy((socket) =>
        socket.end("HTTP/1.1 200 Connection established\r\n\r\n"),
      );
      const error = await failThroughProxy(proxy.port);
      expect(error).to.be.instanceOf(HTTPStreamClosedError);
      expect((error as HTTPClientError).code).to.equal(599);
    }),
  );

  it(
    "counts a proxy that never answers CONNECT against the connect timeout, and closes it",
    genTest(async () => {
      const proxy = await testNet.current.rawProxy(() => {});
      const error = await failThroughProxy(proxy.port, { connectTimeout: 0.2 });
      expect(error).to.be.instanceOf(HTTPTimeoutError);
      expect((error as HTTPTimeoutError).phase).to.equal("connect");
      expect(error.message).to.equal("Timeout while connecting");
      await closedByPeer(proxy.sockets[0]!);
    }),
  );

  for (const scheme of ["http", "https"] as const) {
    it(
      `keeps the proxy credentials across a redirect to ${scheme}, out of any tunnel`,
      genTest(async () => {
        const final = await startTarget(scheme);
        const firstPort = await testNet.current.listen(
          http.createServer((_req, res) => {
            res.writeHead(302, { Location: final.url("/landed") });
            res.end();
          }),
        );
        const proxy = await startProxy({ credentials: { username: "me", password: "s3cret" } });
        const response = await withClient((client) =>
          client.fetch(`http://127.0.0.1:${firstPort}/start`, {
            proxyHost: "127.0.0.1",
            proxyPort: proxy.port,
            proxyUsername: "me",
            proxyPassword: "s3cret",
            caCerts: CA(),
          }),
        );
        expect(response.body.toString()).to.equal(`${scheme} GET /landed`);
        expect(response.effectiveUrl).to.equal(final.url("/landed"));
        // Each hop reached the proxy with the credentials: two forwarded requests, or one
        // and a CONNECT; none was refused, and the target never saw them.
        expect(proxy.forwardedRequests[0]!.url).to.equal(`http://127.0.0.1:${firstPort}/start`);
        expect(proxy.forwarded + proxy.connects).to.equal(2);
        expect(proxy.proxyAuthorizations).to.have.length(2);
        expect(proxy.refusedAuth).to.equal(0);
        expect(final.seen[0]!.headers["proxy-authorization"]).to.equal(undefined);
      }),
    );
  }

  it(
    "brackets an IPv6 target in the absolute form and in CONNECT",
    genTest(async function () {
      const v6 = await Promise.all([
        testNet.current.target("http", serverTls, "::1"),
        testNet.current.target("https", serverTls, "::1"),
      ]).catch(() => null);
      if (v6 === null) return this.skip(); // no IPv6 loopback here
      const [plain, secure] = v6;
      const proxy = await startProxy();
      const options = { proxyHost: "127.0.0.1", proxyPort: proxy.port, caCerts: CA() };
      await withClient(async (client) => {
        expect((await client.fetch(plain.url("/a"), options)).body.toString()).to.equal(
          "http GET /a",
        );
        expect((await client.fetch(secure.url("/b"), options)).body.toString()).to.equal(
          "https GET /b",
        );
      });
      expect(proxy.forwardedRequests.map((r) => r.url)).to.deep.equal([
        `http://[::1]:${plain.port}/a`,
      ]);
      expect(proxy.connectTargets).to.deep.equal([`[::1]:${secure.port}`]);
    }),
  );

  it(
    "leaves no socket open at the proxy or the target once the client is closed",
    genTest(async () => {
      const secureTarget = await startTarget("https");
      const plainTarget = await startTarget("http");
      const proxy = await startProxy({ credentials: { username: "me", password: "s3cret" } });
      const options = {
        proxyHost: "127.0.0.1",
        proxyPort: proxy.port,
        proxyUsername: "me",
        proxyPassword: "s3cret",
        caCerts: CA(),
      };
      await withClient(async (client) => {
        await client.fetch(secureTarget.url("/"), options);
        await client.fetch(plainTarget.url("/"), options);
        await rejection(client.fetch(secureTarget.url("/"), { ...options, proxyUsername: "x" }));
      });
      expect(await untilZero(() => proxy.connectionCount())).to.equal(0);
      expect(await untilZero(() => testNet.current.connectionCount())).to.equal(0);
    }),
  );
});
