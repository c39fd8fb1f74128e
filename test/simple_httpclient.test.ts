/**
 * Tornado's `simple_httpclient_test.py`, first half: `SimpleHTTPClientTestMixin` run over
 * HTTP and HTTPS (`SimpleHTTPClientTestCase`, `SimpleHTTPSClientTestCase`), the
 * singleton, and the HTTPS-only cases (TLS options, contexts and handshake failures).
 * The size limits and raw-framing cases are in simple_httpclient_limits.test.ts.
 *
 * Where tornado-ts deliberately differs from Tornado (issue 6), the test asserts our
 * behaviour and its name says "(differs from Tornado: ...)".
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tls from "node:tls";
import { Future } from "../src/concurrent";
import { sleep } from "../src/gen";
import { AsyncHTTPClient, HTTPClientError } from "../src/httpclient";
import { HTTPHeaders } from "../src/httputil";
import { IOLoop } from "../src/ioloop";
import { genLog } from "../src/log";
import { Resolver, type ResolvedAddress } from "../src/netutil";
import {
  HTTPStreamClosedError,
  HTTPTimeoutError,
  SimpleAsyncHTTPClient,
} from "../src/simple_httpclient";
import { ExpectLog, setupAsyncTest } from "../src/testing";
import { RuntimeError } from "../src/util";
import { answerWith, patterned, type Protocol } from "./helpers/http_apps";
import {
  canListenOnIPv6,
  errorText,
  failure,
  refusingPort,
  useClientEnv,
} from "./helpers/http_client_env";
import { loadTestCerts } from "./helpers/tls";
import { rejection } from "./helpers/assertions";

const VERSION = (
  JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as {
    version: string;
  }
).version;

/** A resolver that never answers (Tornado's TimeoutResolver). */
class HangingResolver extends Resolver {
  calls = 0;
  resolve(): Future<ResolvedAddress[]> {
    this.calls++;
    return new Future<ResolvedAddress[]>();
  }
}

/** Polls `condition` on the loop until it holds (fails after `limit` seconds). */
async function waitUntil(condition: () => boolean, limit = 3): Promise<void> {
  const deadline = Date.now() + limit * 1000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await sleep(0.005);
  }
}

describe("SimpleHTTPClientTestMixin (singleton)", () => {
  const ctx = setupAsyncTest();

  it("shares one client per loop unless forceInstance (test_singleton)", async () => {
    const loop = ctx.ioLoop;
    const [a, b, forced, later] = await loop.runSync(async () => [
      new AsyncHTTPClient(),
      new AsyncHTTPClient(),
      new AsyncHTTPClient({ forceInstance: true }),
      new AsyncHTTPClient({ maxClients: 3 }),
    ]);
    expect(a).to.be.instanceOf(SimpleAsyncHTTPClient);
    expect(b).to.equal(a);
    expect(forced).to.not.equal(a);
    expect(forced).to.be.instanceOf(SimpleAsyncHTTPClient);
    // The cached instance ignores later options (tornado#1941).
    expect(later).to.equal(a);
    expect((a as SimpleAsyncHTTPClient).maxClients).to.equal(10);
    // A subclass constructor always makes a new client (porting guide).
    const direct = await loop.runSync(async () => new SimpleAsyncHTTPClient());
    expect(direct).to.not.equal(a);
    expect(a.ioLoop).to.equal(loop);
    // Different loops, different clients.
    const loop2 = new IOLoop({ makeCurrent: false });
    try {
      const other = await loop2.runSync(async () => new AsyncHTTPClient());
      expect(other).to.not.equal(a);
      expect(other.ioLoop).to.equal(loop2);
      other.close();
    } finally {
      loop2.close({ allFds: true });
    }
    forced.close();
    direct.close();
    a.close();
    a.close(); // idempotent
    expect(a.closed).to.equal(true);
    expect(() => a.fetch("http://127.0.0.1:1/")).to.throw(
      RuntimeError,
      "fetch() called on closed AsyncHTTPClient",
    );
    // Closing the shared client drops it from the cache.
    const fresh = await loop.runSync(async () => new AsyncHTTPClient());
    expect(fresh).to.not.equal(a);
    fresh.close();
  });
});

for (const protocol of ["http", "https"] as Protocol[]) {
  const name = protocol === "http" ? "SimpleHTTPClientTestCase" : "SimpleHTTPSClientTestCase";
  describe(name, () => {
    const { test } = useClientEnv(protocol, (options) => new SimpleAsyncHTTPClient(options));

    it(
      "runs maxClients requests and queues the rest (test_connection_limit)",
      test(async ({ app, url, options, track }) => {
        const client = track(new SimpleAsyncHTTPClient(options({ maxClients: 2 })));
        expect(client.maxClients).to.equal(2);
        const seen: number[] = [];
        const done = [0, 1, 2, 3].map((i) =>
          Promise.resolve(client.fetch(url(`/trigger?id=${i}`))).then(() => seen.push(i)),
        );
        await app.waitForTriggers(2);
        await sleep(0.05); // a third request would have arrived by now
        expect(app.triggers).to.have.length(2);
        expect(client.active).to.equal(2);
        expect(client.queueLength).to.equal(2);
        app.triggers.shift()!.finish();
        app.triggers.shift()!.finish();
        await waitUntil(() => app.triggers.length === 2 && seen.length === 2);
        expect([...seen].sort()).to.deep.equal([0, 1]);
        expect(client.queueLength).to.equal(0);
        expect([...app.triggerOrder.slice(2)].sort()).to.deep.equal(["2", "3"]);
        app.triggers.shift()!.finish();
        app.triggers.shift()!.finish();
        await Promise.all(done);
        expect([...seen].sort()).to.deep.equal([0, 1, 2, 3]);
        expect(app.triggers).to.have.length(0);
        expect(client.active).to.equal(0);
      }),
    );

    it(
      "serves queued requests first in, first out (test_connection_limit)",
      test(async ({ app, url, options, track }) => {
        const client = track(new SimpleAsyncHTTPClient(options({ maxClients: 1 })));
        const done = [0, 1, 2, 3].map((i) => client.fetch(url(`/trigger?id=${i}`)));
        for (let i = 0; i < 4; i++) {
          await app.waitForTriggers(1);
          app.triggers.shift()!.finish(`done ${i}`);
          expect((await done[i]!).body.toString()).to.equal(`done ${i}`);
        }
        expect(app.triggerOrder).to.deep.equal(["0", "1", "2", "3"]);
      }),
    );

    it(
      "ends a long queue of requests that fail as they start, each with its own error",
      test(async ({ app, url, options, track }) => {
        // Each refused request ends inside its own start and frees the slot for the next:
        // 20,000 of them once overflowed the stack (RangeError), one frame per request.
        const client = track(new SimpleAsyncHTTPClient(options({ maxClients: 1 })));
        const first = client.fetch(url("/trigger?id=first"));
        const refused = Array.from({ length: 20000 }, () =>
          rejection(client.fetch(url("/hello"), { method: "GET", body: "not allowed" })),
        );
        const last = client.fetch(url("/hello"));
        await app.waitForTriggers(1);
        expect(client.queueLength).to.equal(20001);
        app.triggers.shift()!.finish("first");
        expect((await first).body.toString()).to.equal("first");
        for (const error of await Promise.all(refused)) {
          expect(error).to.be.instanceOf(TypeError);
          expect((error as Error).message).to.match(/^Body must be None for method GET/);
        }
        expect((await last).body.toString()).to.equal("Hello world!");
        expect(client.queueLength).to.equal(0);
        expect(client.active).to.equal(0);
      }),
    );

    it(
      "follows redirects within one slot (test_redirect_connection_limit)",
      test(async ({ url, options, track }) => {
        const client = track(new SimpleAsyncHTTPClient(options({ maxClients: 1 })));
        const response = await client.fetch(url("/countdown/3"), { maxRedirects: 3 });
        expect(response.code).to.equal(200);
        expect(response.body.toString()).to.equal("Zero");
      }),
    );

    it(
      "returns the last 3xx when maxRedirects runs out (test_max_redirects)",
      test(async ({ fetch }) => {
        const response = await fetch("/countdown/5", { maxRedirects: 3 });
        expect(response.code).to.equal(302);
        expect(response.request.url).to.match(/\/countdown\/5$/);
        expect(response.effectiveUrl).to.match(/\/countdown\/2$/);
        expect(response.headers.get("Location")).to.match(/\/countdown\/1$/);
      }),
    );

    it(
      "leaves the caller's headers untouched (test_header_reuse)",
      test(async ({ fetch }) => {
        const headers = new HTTPHeaders({ "User-Agent": "Foo" });
        await fetch("/hello", { headers });
        expect([...headers]).to.deep.equal([["User-Agent", "Foo"]]);
        const plain = { "User-Agent": "Foo" };
        await fetch("/redirect?url=/hello", { method: "GET", headers: plain });
        expect(plain).to.deep.equal({ "User-Agent": "Foo" });
      }),
    );

    it(
      "sends tornado-ts/<version> as User-Agent (test_default_user_agent)",
      test(async ({ fetch }) => {
        const response = await fetch("/user_agent");
        expect(response.body.toString()).to.equal(`tornado-ts/${VERSION}`);
      }),
    );

    it(
      "turns a POST into a body-less GET on 302 and 303 (test_see_other_redirect)",
      test(async ({ fetch }) => {
        for (const code of [302, 303]) {
          const response = await fetch("/see_other_post", { method: "POST", body: `${code}` });
          expect(response.code, String(code)).to.equal(200);
          expect(response.body.toString()).to.equal("ok");
          expect(response.request.url).to.match(/\/see_other_post$/);
          expect(response.effectiveUrl).to.match(/\/see_other_get$/);
          expect(response.request.method).to.equal("POST");
        }
      }),
    );

    it(
      "times out while connecting (test_connect_timeout)",
      test(async ({ url, options, track, loop }) => {
        const resolver = new HangingResolver();
        const client = track(new SimpleAsyncHTTPClient(options({ resolver })));
        const start = loop.time();
        const error = await failure(() =>
          client.fetch(url("/hello"), { connectTimeout: 0.1, requestTimeout: 3600 }),
        );
        const elapsed = loop.time() - start;
        expect(error).to.be.instanceOf(HTTPTimeoutError);
        const timeout = error as HTTPTimeoutError;
        expect(timeout.code).to.equal(599);
        expect(timeout.message).to.equal("Timeout while connecting");
        expect(timeout.toString()).to.equal("Timeout while connecting");
        expect(timeout.phase).to.equal("connect");
        expect(resolver.calls).to.equal(1);
        expect(elapsed).to.be.at.least(0.09).and.below(1.5);
      }),
    );

    it(
      "times out during the request (test_request_timeout)",
      test(async ({ app, fetch, loop }) => {
        const start = loop.time();
        const error = await failure(() => fetch("/trigger", { requestTimeout: 0.1 }));
        const elapsed = loop.time() - start;
        expect(error).to.be.instanceOf(HTTPTimeoutError);
        expect(error.message).to.equal("Timeout during request");
        expect((error as HTTPTimeoutError).phase).to.equal("request");
        expect((error as HTTPTimeoutError).code).to.equal(599);
        expect(elapsed).to.be.at.least(0.09).and.below(1.5);
        // The timed-out connection is not reused: the next request works.
        app.triggers.shift()?.finish();
        expect((await fetch("/hello")).body.toString()).to.equal("Hello world!");
      }),
    );

    it(
      "times out in the queue (test_queue_timeout)",
      test(async ({ app, url, options, track, loop }) => {
        const client = track(new SimpleAsyncHTTPClient(options({ maxClients: 1 })));
        const first = client.fetch(url("/trigger"), { requestTimeout: 10 });
        await app.waitForTriggers(1);
        const start = loop.time();
        const error = await failure(() => client.fetch(url("/hello"), { connectTimeout: 0.1 }));
        expect(loop.time() - start).to.be.below(1);
        expect(error).to.be.instanceOf(HTTPTimeoutError);
        expect(String(error)).to.equal("Timeout in request queue");
        expect((error as HTTPTimeoutError).phase).to.equal("queue");
        expect(client.queueLength).to.equal(0);
        app.triggers.shift()!.finish();
        expect((await first).code).to.equal(200);
        // The request that timed out in the queue was never sent.
        expect(app.requests.filter((r) => r.url === "/hello")).to.have.length(0);
      }),
    );

    it(
      "counts queue time in requestTimeout (differs from Tornado: its timer starts at dequeue, #1753)",
      test(async ({ app, url, options, track, loop }) => {
        const client = track(new SimpleAsyncHTTPClient(options({ maxClients: 1 })));
        const first = client.fetch(url("/trigger?id=first"), { requestTimeout: 10 });
        await app.waitForTriggers(1);
        const start = loop.time();
        // Queue timer min(ct, rt) = 0.6 s never fires: the slot frees after 0.4 s.
        const second = client.fetch(url("/trigger?id=second"), { requestTimeout: 0.6 });
        await sleep(0.4);
        app.triggers.shift()!.finish();
        expect((await first).code).to.equal(200);
        const error = await failure(() => second);
        const elapsed = loop.time() - start;
        expect(error).to.be.instanceOf(HTTPTimeoutError);
        expect(error.message).to.equal("Timeout during request");
        expect((error as HTTPTimeoutError).phase).to.equal("request");
        // One deadline from fetch(): 0.6 s, where Tornado would wait 0.4 + 0.6 s.
        expect(elapsed).to.be.at.least(0.55).and.below(0.95);
        expect(app.triggerOrder).to.deep.equal(["first", "second"]);
      }),
    );

    let ipv6 = false;
    before(async () => {
      ipv6 = await canListenOnIPv6();
    });
    const ipv6Test = test(async ({ servers, fetch }) => {
      const v6 = await servers.app(protocol, "::1");
      const target = v6.url("/hello");
      expect(target).to.contain("[::1]");
      const refused = await failure(() => fetch(target, { allowIpv6: false }));
      expect(refused).to.not.be.instanceOf(HTTPTimeoutError);
      expect(v6.requests).to.have.length(0);
      const response = await fetch(target);
      expect(response.body.toString()).to.equal("Hello world!");
    });
    it("connects over IPv6 unless allowIpv6 is false (test_ipv6)", function () {
      if (!ipv6) this.skip(); // this machine cannot listen on ::1
      return ipv6Test.call(this);
    });

    it(
      "sends HEAD and reads no body (test_head_request)",
      test(async ({ fetch }) => {
        const response = await fetch("/head", { method: "HEAD" });
        expect(response.code).to.equal(200);
        expect(response.headers.get("content-length")).to.equal("7");
        expect(response.body.length).to.equal(0);
      }),
    );

    it(
      "sends OPTIONS (test_options_request)",
      test(async ({ fetch }) => {
        const response = await fetch("/options", { method: "OPTIONS" });
        expect(response.code).to.equal(200);
        expect(response.headers.get("content-length")).to.equal("2");
        expect(response.headers.get("access-control-allow-origin")).to.equal("*");
        expect(response.body.toString()).to.equal("ok");
      }),
    );

    it(
      "reads a 204 without Content-Length (test_no_content)",
      test(async ({ fetch }) => {
        const response = await fetch("/no_content");
        expect(response.code).to.equal(204);
        expect(response.headers.has("Content-Length")).to.equal(false);
        expect(response.body.length).to.equal(0);
        expect(response.error).to.equal(null);
      }),
    );

    it(
      "sends Host without the credentials (test_host_header)",
      test(async ({ fetch, app, url }) => {
        const plain = await fetch("/host_echo");
        expect(plain.body.toString()).to.equal(`127.0.0.1:${app.port}`);
        const withCreds = await fetch(url("/host_echo").replace("://", "://me:secret@"));
        expect(withCreds.body.toString()).to.equal(`127.0.0.1:${app.port}`);
      }),
    );

    it(
      "reports a refused connection with ECONNREFUSED (test_connection_refused)",
      test(async ({ client }) => {
        const port = await refusingPort();
        const error = await new ExpectLog(genLog, /.*/, { required: false }).run(() =>
          failure(() => client.fetch(`http://127.0.0.1:${port}/`)),
        );
        expect(errorText(error)).to.contain("ECONNREFUSED");
        expect(error).to.not.be.instanceOf(HTTPTimeoutError);
        if (error instanceof HTTPClientError) expect(error.code).to.equal(599);
      }),
    );

    it(
      "reads a body delimited by the close (test_no_content_length)",
      test(async ({ fetch, servers }) => {
        const raw = await servers.raw(answerWith("HTTP/1.0 200 OK\r\n\r\nhello"));
        const response = await fetch(raw.url("/no_content_length"));
        expect(response.code).to.equal(200);
        expect(response.body.toString()).to.equal("hello");
      }),
    );

    const producers = {
      sync: (write: (chunk: string) => PromiseLike<void>): void => {
        void write("1234");
        void write("5678");
      },
      async: async (write: (chunk: string) => PromiseLike<void>): Promise<void> => {
        await write("1234");
        await sleep(0);
        await write("5678");
      },
    };
    for (const [kind, producer] of Object.entries(producers)) {
      for (const framing of ["chunked", "content_length"] as const) {
        it(
          `sends a ${kind} bodyProducer ${framing.replace("_", "-")} (test_${kind}_body_producer_${framing})`,
          test(async ({ fetch, app }) => {
            const headers = framing === "content_length" ? { "Content-Length": "8" } : undefined;
            const response = await fetch("/echo_post", {
              method: "POST",
              bodyProducer: producer,
              headers,
            });
            response.rethrow();
            expect(response.body.toString()).to.equal("12345678");
            const sent = app.requests.at(-1)!.headers;
            if (framing === "chunked") {
              expect(sent["transfer-encoding"]).to.equal("chunked");
              expect(sent["content-length"]).to.equal(undefined);
            } else {
              expect(sent["content-length"]).to.equal("8");
              expect(sent["transfer-encoding"]).to.equal(undefined);
            }
          }),
        );
      }
    }

    it(
      "waits for 100 Continue before the body (test_100_continue)",
      test(async ({ fetch, app }) => {
        const response = await fetch("/echo_post", {
          method: "POST",
          body: "1234",
          expect100Continue: true,
        });
        expect(response.body.toString()).to.equal("1234");
        expect(app.requests.at(-1)!.headers.expect).to.equal("100-continue");
      }),
    );

    it(
      "never calls the producer after an early final response (test_100_continue_early_response)",
      test(async ({ fetch }) => {
        let called = false;
        const response = await fetch("/respond_in_prepare", {
          method: "POST",
          bodyProducer: () => {
            called = true;
            throw new Error("should not be called");
          },
          expect100Continue: true,
        });
        expect(response.code).to.equal(403);
        expect(response.body.toString()).to.equal("forbidden");
        expect(called).to.equal(false);
      }),
    );

    it(
      "calls the callbacks for the final response only (test_streaming_follow_redirects)",
      test(async ({ fetch }) => {
        const headers: string[] = [];
        const chunks: string[] = [];
        const response = await fetch("/redirect?url=/hello", {
          headerCallback: (line) => void headers.push(line),
          streamingCallback: (chunk) => void chunks.push(chunk.toString()),
        });
        expect(response.code).to.equal(200);
        expect(chunks).to.deep.equal(["Hello world!"]);
        const startLines = headers.filter((h) => h.startsWith("HTTP/"));
        expect(startLines).to.have.length(1);
        expect(startLines[0]).to.match(/^HTTP\/1\.1 200/);
      }),
    );

    it(
      "leaves every streamingCallback chunk intact after the call: they are the caller's",
      test(async ({ fetch }) => {
        const size = 4 * 1024 * 1024;
        for (const chunked of ["0", "1"]) {
          const kept: Buffer[] = [];
          const response = await fetch(`/big?size=${size}&pattern=1&chunked=${chunked}`, {
            streamingCallback: (chunk) => void kept.push(chunk),
          });
          expect(response.code).to.equal(200);
          expect(kept.length, "several reads").to.be.above(4);
          expect(Buffer.concat(kept).equals(patterned(size)), `chunked=${chunked}`).to.equal(true);
          // Tornado's pieces: at most HTTP1ConnectionParameters' chunk size, 64 KiB.
          expect(Math.max(...kept.map((c) => c.length))).to.be.at.most(65536);
        }
      }),
    );

    it(
      "awaits an async streamingCallback before reading on (test_streaming_callback_coroutine)",
      test(async ({ fetch }) => {
        const chunks: string[] = [];
        let running = 0;
        let overlaps = 0;
        const response = await fetch("/chunk", {
          async streamingCallback(chunk) {
            if (++running > 1) overlaps++;
            await sleep(0.01);
            chunks.push(chunk.toString());
            running--;
          },
        });
        expect(response.code).to.equal(200);
        expect(chunks).to.deep.equal(["asdf", "qwer"]);
        expect(overlaps).to.equal(0);
        // A body much larger than one read: flow control on every piece.
        let total = 0;
        let calls = 0;
        const big = await fetch("/big?size=1048576&chunked=1", {
          async streamingCallback(chunk) {
            if (++running > 1) overlaps++;
            calls++;
            await sleep(0.001);
            total += chunk.length;
            running--;
          },
        });
        expect(big.code).to.equal(200);
        expect(total).to.equal(1048576);
        expect(calls).to.be.above(1);
        expect(overlaps).to.equal(0);
        expect(big.body.length).to.equal(0);
      }),
    );

    if (protocol === "https") {
      /** A client that does not trust the test CA (no TLS defaults). */
      const bare = (): SimpleAsyncHTTPClient => new SimpleAsyncHTTPClient();
      const certs = loadTestCerts();

      it(
        "accepts Tornado-style sslOptions (test_ssl_options)",
        test(async ({ url, track }) => {
          const client = track(bare());
          const response = await client.fetch(url("/hello"), {
            sslOptions: { verifyMode: "CERT_NONE" },
          });
          expect(response.body.toString()).to.equal("Hello world!");
          const trusted = await client.fetch(url("/hello"), { sslOptions: { caCerts: certs.ca } });
          expect(trusted.body.toString()).to.equal("Hello world!");
        }),
      );

      it(
        "accepts a SecureContext (test_ssl_context)",
        test(async ({ url, track }) => {
          const client = track(bare());
          const response = await client.fetch(url("/hello"), {
            sslOptions: tls.createSecureContext({ ca: certs.ca }),
          });
          expect(response.body.toString()).to.equal("Hello world!");
        }),
      );

      it(
        "fails the handshake with sslOptions that do not trust the server (test_ssl_options_handshake_fail)",
        test(async ({ url, track }) => {
          const client = track(bare());
          const error = await new ExpectLog(genLog, /SSL Error|Uncaught exception/, {
            required: false,
          }).run(() =>
            failure(() =>
              client.fetch(url("/hello"), { sslOptions: { verifyMode: "CERT_REQUIRED" } }),
            ),
          );
          expect(error).to.not.be.instanceOf(HTTPTimeoutError);
          expect(errorText(error)).to.match(/certificate|issuer/i);
        }),
      );

      it(
        "fails the handshake with a context that does not trust the server (test_ssl_context_handshake_fail)",
        test(async ({ url, track }) => {
          const client = track(bare());
          const error = await new ExpectLog(genLog, /SSL Error|Uncaught exception/, {
            required: false,
          }).run(() =>
            failure(() => client.fetch(url("/hello"), { sslOptions: tls.createSecureContext({}) })),
          );
          expect(error).to.not.be.instanceOf(HTTPTimeoutError);
          expect(errorText(error)).to.match(/certificate|issuer/i);
        }),
      );

      it(
        "rejects an unknown CA, logging no stack (test_error_logging)",
        test(async ({ url, track, app }) => {
          const client = track(bare());
          const expectLog = new ExpectLog(genLog, /.*/, { required: false });
          const error = await expectLog.run(() =>
            failure(() => client.fetch(url("/hello"), { validateCert: true })),
          );
          expect(expectLog.loggedStack).to.equal(false);
          expect(error).to.not.be.instanceOf(HTTPTimeoutError);
          expect(errorText(error)).to.match(/certificate|issuer/i);
          if (error instanceof HTTPClientError) expect(error.code).to.equal(599);
          expect(app.requests, "no request was sent").to.have.length(0);
        }),
      );

      it(
        "accepts any certificate with validateCert false, and a CA file with caCerts",
        test(async ({ url, track }) => {
          const client = track(bare());
          const unchecked = await client.fetch(url("/hello"), { validateCert: false });
          expect(unchecked.body.toString()).to.equal("Hello world!");
          const byPath = await client.fetch(url("/hello"), { caCerts: certs.paths.ca });
          expect(byPath.body.toString()).to.equal("Hello world!");
          // Different TLS settings never share a pooled connection: this one still fails.
          const error = await failure(() => client.fetch(url("/hello")));
          expect(errorText(error)).to.match(/certificate|issuer/i);
        }),
      );

      it(
        "checks the host name against the certificate",
        test(async ({ app, track }) => {
          // The certificate names 127.0.0.1, ::1 and localhost only.
          const client = track(
            new SimpleAsyncHTTPClient({ hostnameMapping: { "wrong.example.com": "127.0.0.1" } }),
          );
          const wrongName = app.url("/hello", "wrong.example.com");
          const error = await failure(() => client.fetch(wrongName, { caCerts: certs.ca }));
          expect(error).to.not.be.instanceOf(HTTPTimeoutError);
          expect(errorText(error)).to.match(/altnames|host|certificate/i);
          expect(app.requests).to.have.length(0);
        }),
      );
    }
  });
}

describe("SimpleHTTPClient stream errors", () => {
  const { test } = useClientEnv("http", (options) => new SimpleAsyncHTTPClient(options));

  it(
    "reports a close before the response head as HTTPStreamClosedError",
    test(async ({ fetch, servers }) => {
      const raw = await servers.raw((socket) => socket.end());
      const error = await failure(() => fetch(raw.url("/")));
      expect(error).to.be.instanceOf(HTTPStreamClosedError);
      expect((error as HTTPStreamClosedError).code).to.equal(599);
      expect(error.message).to.be.oneOf(["Stream closed", "Connection closed"]);
      expect(String(error)).to.equal(error.message);
    }),
  );
});
