/**
 * Tornado's `simple_httpclient_test.py`, second half: the test cases outside the mixin
 * (CreateAsyncHTTPClientTestCase, HTTP100ContinueTestCase, HTTP204NoContentTestCase,
 * HostnameMappingTestCase, ResolveTimeoutTestCase, MaxHeaderSizeTest, MaxBodySizeTest,
 * MaxBufferSizeTest, ChunkedWithContentLengthTest), and the framing and fault cases
 * where tornado-ts fixes Tornado (a malformed head fails at once, a truncated body or
 * gzip stream is an error, a close-delimited body is never cut, a bodyProducer is not
 * replayed on 307). Raw `net` servers write the exact bytes.
 */
import { expect } from "chai";
import * as zlib from "node:zlib";
import { Future } from "../src/concurrent";
import { AsyncHTTPClient, HTTPClientError } from "../src/httpclient";
import { appLog, genLog } from "../src/log";
import { Resolver, type ResolvedAddress } from "../src/netutil";
import {
  HTTPStreamClosedError,
  HTTPTimeoutError,
  SimpleAsyncHTTPClient,
  type SimpleAsyncHTTPClientOptions,
} from "../src/simple_httpclient";
import { ExpectLog, setupAsyncTest } from "../src/testing";
import { answerWith } from "./helpers/http_apps";
import { errorText, failure, useClientEnv } from "./helpers/http_client_env";

const simple = (options: SimpleAsyncHTTPClientOptions): SimpleAsyncHTTPClient =>
  new SimpleAsyncHTTPClient(options);

/** Asserts a 599 stream error (never a timeout, never an internal class). */
function expectStreamClosed(error: Error, reason?: RegExp): void {
  expect(error, errorText(error)).to.be.instanceOf(HTTPStreamClosedError);
  expect((error as HTTPStreamClosedError).code).to.equal(599);
  expect(error.message).to.be.oneOf(["Stream closed", "Connection closed"]);
  if (reason !== undefined) expect(errorText(error)).to.match(reason);
}

/** Runs `fn` with gen_log's "Malformed HTTP message" records (if any) kept out of the output. */
function quietly<T>(fn: () => PromiseLike<T>): Promise<T> {
  return new ExpectLog(genLog, /Malformed HTTP message|Unsatisfiable read/, {
    required: false,
  }).run(fn);
}

describe("CreateAsyncHTTPClientTestCase", () => {
  const ctx = setupAsyncTest();

  it("takes maxClients from configure and from the constructor (test_max_clients)", async () => {
    const savedClass = AsyncHTTPClient.configuredClass();
    const savedOptions = AsyncHTTPClient.configuredOptions();
    const made: AsyncHTTPClient[] = [];
    const make = (options: object): Promise<number> =>
      ctx.ioLoop.runSync(async () => {
        const client = new AsyncHTTPClient({ forceInstance: true, ...options });
        made.push(client);
        expect(client).to.be.instanceOf(SimpleAsyncHTTPClient);
        return (client as SimpleAsyncHTTPClient).maxClients;
      });
    try {
      AsyncHTTPClient.configure(SimpleAsyncHTTPClient);
      expect(await make({})).to.equal(10);
      expect(await make({ maxClients: 11 })).to.equal(11);
      // Now configure maxClients statically and override it each way it can be passed.
      AsyncHTTPClient.configure(SimpleAsyncHTTPClient, { maxClients: 12 });
      expect(AsyncHTTPClient.configuredOptions()).to.include({ maxClients: 12 });
      expect(await make({})).to.equal(12);
      expect(await make({ maxClients: 13 })).to.equal(13);
      expect(await make({ maxClients: 14 })).to.equal(14);
    } finally {
      for (const client of made) client.close();
      AsyncHTTPClient.configure(savedClass, savedOptions);
    }
    expect(AsyncHTTPClient.configuredClass()).to.equal(savedClass);
  });
});

describe("SimpleHTTPClient raw responses", () => {
  const { test } = useClientEnv("http", (options) => new SimpleAsyncHTTPClient(options));

  it(
    "skips an unrequested 100 Continue (HTTP100ContinueTestCase.test_100_continue)",
    test(async ({ fetch, servers }) => {
      const raw = await servers.raw(
        answerWith([
          "HTTP/1.1 100 CONTINUE\r\n\r\n",
          "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA",
        ]),
      );
      const response = await fetch(raw.url("/"));
      expect(response.code).to.equal(200);
      expect(response.body.toString()).to.equal("A");
    }),
  );

  it(
    "follows a redirect that comes after a 100 once (differs from Tornado: it follows twice)",
    test(async ({ fetch, servers }) => {
      const raw = await servers.raw((socket, request) => {
        if (request.requestLine.startsWith("GET /a ")) {
          socket.write("HTTP/1.1 100 Continue\r\n\r\n");
          socket.write("HTTP/1.1 302 Found\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n");
        } else {
          socket.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB");
        }
      });
      const response = await new ExpectLog(appLog, /.*/, { required: false }).run(() =>
        fetch(raw.url("/a")),
      );
      expect(response.body.toString()).to.equal("B");
      expect(raw.requests.map((r) => r.requestLine)).to.deep.equal([
        "GET /a HTTP/1.1",
        "GET /b HTTP/1.1",
      ]);
    }),
  );

  it(
    "reads a 204 with Content-Length 0 (HTTP204NoContentTestCase.test_204_no_content)",
    test(async ({ fetch, servers }) => {
      const raw = await servers.raw(
        answerWith("HTTP/1.1 204 No content\r\nContent-Length: 0\r\n\r\n"),
      );
      const response = await fetch(raw.url("/"));
      expect(response.code).to.equal(204);
      expect(response.body.length).to.equal(0);
    }),
  );

  it(
    "refuses a 204 with a body (HTTP204NoContentTestCase.test_204_invalid_content_length)",
    test(async ({ fetch, servers }) => {
      const raw = await servers.raw(
        answerWith("HTTP/1.1 204 No content\r\nContent-Length: 5\r\n\r\n"),
      );
      const error = await quietly(() => failure(() => fetch(raw.url("/?error=1"))));
      expectStreamClosed(error, /Response with code 204 should not have body/);
    }),
  );

  it(
    "accepts equal Content-Lengths and refuses unequal ones (test_multiple_content_length_accepted)",
    test(async ({ fetch, servers }) => {
      for (const value of ["2,2", "2, 2,2"]) {
        const raw = await servers.raw(
          answerWith(`HTTP/1.1 200 OK\r\nContent-Length: ${value}\r\n\r\nok`),
        );
        const response = await fetch(raw.url("/content_length"));
        expect(response.body.toString(), value).to.equal("ok");
      }
      for (const value of ["2,4", "2, 2,3"]) {
        const raw = await servers.raw(
          answerWith(`HTTP/1.1 200 OK\r\nContent-Length: ${value}\r\n\r\nok`),
        );
        const error = await quietly(() => failure(() => fetch(raw.url("/content_length"))));
        expectStreamClosed(error, /Multiple unequal Content-Lengths/);
      }
    }),
  );

  it(
    "reads chunked with Content-Length by chunks and retires the connection (differs from Tornado: ChunkedWithContentLengthTest.test_chunked_with_content_length refuses it)",
    test(async ({ fetch, servers }) => {
      // RFC 9112 §6.3: Transfer-Encoding overrides Content-Length, and since such a message
      // may be an attempt at smuggling, the connection must not carry another request.
      const raw = await servers.raw(
        answerWith(
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 11\r\n\r\n" +
            "b\r\nHello world\r\n0\r\n\r\n",
          false,
        ),
      );
      const first = await fetch(raw.url("/chunkwithcl"));
      expect(first.code).to.equal(200);
      expect(first.body.toString()).to.equal("Hello world");
      const second = await fetch(raw.url("/chunkwithcl"));
      expect(second.body.toString()).to.equal("Hello world");
      // The server leaves connections open: only the client's retiring makes a second one.
      expect(raw.connectionCount).to.equal(2);
    }),
  );

  for (const [what, head] of [
    ["start line", "HTTP/1.1 abc OK\r\n\r\n"],
    ["header line", "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n"],
  ]) {
    it(
      `fails at once on a malformed ${what} (differs from Tornado: it waits for the request timeout, #2984)`,
      test(async ({ fetch, servers, loop }) => {
        // The server keeps the connection open: only the parse error can end the fetch.
        const raw = await servers.raw(answerWith(head!, false));
        const start = loop.time();
        const error = await quietly(() =>
          failure(() => fetch(raw.url("/"), { requestTimeout: 4 })),
        );
        expect(loop.time() - start).to.be.below(1);
        expect(error).to.not.be.instanceOf(HTTPTimeoutError);
        expectStreamClosed(error);
      }),
    );
  }

  it(
    "fails on a body shorter than its Content-Length",
    test(async ({ fetch, servers }) => {
      const raw = await servers.raw(
        answerWith("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"),
      );
      const error = await quietly(() => failure(() => fetch(raw.url("/"))));
      expectStreamClosed(error);
    }),
  );

  it(
    "fails on a connection reset mid-body, with the reason",
    test(async ({ fetch, servers }) => {
      const raw = await servers.raw((socket) => {
        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", () =>
          setTimeout(() => socket.resetAndDestroy(), 20),
        );
      });
      const error = await quietly(() => failure(() => fetch(raw.url("/"))));
      expectStreamClosed(error);
    }),
  );

  it(
    "fails on a truncated gzip body (differs from Tornado: it returns the partial body)",
    test(async ({ fetch, servers }) => {
      const full = zlib.gzipSync(Buffer.from("Hello world! ".repeat(200)));
      const cut = full.subarray(0, full.length - 8); // the CRC and length trailer are missing
      const raw = await servers.raw(
        answerWith([
          `HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${cut.length}\r\n\r\n`,
          cut,
        ]),
      );
      const error = await quietly(() => failure(() => fetch(raw.url("/"))));
      expect(error).to.not.be.instanceOf(HTTPTimeoutError);
      expect(error).to.be.instanceOf(HTTPClientError);
      expect((error as HTTPClientError).code).to.equal(599);
    }),
  );

  it(
    "reads a close-delimited body larger than maxBufferSize whole (differs from Tornado: it truncates)",
    test(async ({ servers, track }) => {
      const client = track(simple({ maxBufferSize: 64 * 1024, maxBodySize: 200 * 1024 }));
      const body = Buffer.alloc(100 * 1024, "b");
      const raw = await servers.raw(
        answerWith(["HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", body]),
      );
      const response = await client.fetch(raw.url("/"));
      expect(response.body.length).to.equal(body.length);
      expect(response.body.equals(body)).to.equal(true);
    }),
  );

  it(
    "fails on a close-delimited body over maxBodySize (differs from Tornado: it truncates silently)",
    test(async ({ servers, track }) => {
      const client = track(simple({ maxBodySize: 64 * 1024 }));
      const raw = await servers.raw(
        answerWith(["HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", Buffer.alloc(100 * 1024, "b")]),
      );
      const error = await quietly(() => failure(() => client.fetch(raw.url("/"))));
      expectStreamClosed(error);
    }),
  );
});

describe("HostnameMappingTestCase", () => {
  const { test } = useClientEnv("http", (options) => new SimpleAsyncHTTPClient(options));

  it(
    "maps a host name (test_hostname_mapping)",
    test(async ({ app, track }) => {
      const client = track(simple({ hostnameMapping: { "www.example.com": "127.0.0.1" } }));
      const response = await client.fetch(`http://www.example.com:${app.port}/hello`);
      expect(response.body.toString()).to.equal("Hello world!");
      // The Host header names the URL's host, not the mapped address.
      const host = await client.fetch(`http://www.example.com:${app.port}/host_echo`);
      expect(host.body.toString()).to.equal(`www.example.com:${app.port}`);
    }),
  );

  it(
    "maps a host and port (test_port_mapping)",
    test(async ({ app, track }) => {
      const client = track(
        simple({ hostnameMapping: { "foo.example.com:8000": ["127.0.0.1", app.port] } }),
      );
      const response = await client.fetch("http://foo.example.com:8000/hello");
      expect(response.body.toString()).to.equal("Hello world!");
    }),
  );
});

describe("ResolveTimeoutTestCase", () => {
  const { test } = useClientEnv("http", (options) => new SimpleAsyncHTTPClient(options));

  it(
    "times out a resolver that never answers (test_resolve_timeout)",
    test(async ({ url, track }) => {
      class BadResolver extends Resolver {
        resolve(): Future<ResolvedAddress[]> {
          return new Future<ResolvedAddress[]>();
        }
      }
      const client = track(simple({ resolver: new BadResolver() }));
      const error = await failure(() => client.fetch(url("/hello"), { connectTimeout: 0.1 }));
      expect(error).to.be.instanceOf(HTTPTimeoutError);
      expect((error as HTTPTimeoutError).code).to.equal(599);
      expect(error.message).to.equal("Timeout while connecting");
    }),
  );
});

describe("ResolveFailureTest", () => {
  const { test } = useClientEnv("http", (options) => new SimpleAsyncHTTPClient(options));

  /**
   * A resolver that fails as Node's `dns.lookup` does for a name that does not exist.
   * (The test cannot ask real DNS: the machine's resolver is not on 127.0.0.1.)
   */
  class NoSuchHost extends Resolver {
    resolve(host: string): Future<ResolvedAddress[]> {
      const future = new Future<ResolvedAddress[]>();
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
        code: "ENOTFOUND",
        hostname: host,
      });
      setTimeout(() => future.setException(error), 1);
      return future;
    }
  }

  it(
    "gives a DNS failure to the caller at once, with Node's error and its code",
    test(async ({ track }) => {
      const client = track(simple({ resolver: new NoSuchHost() }));
      const started = Date.now();
      const error = await failure(() => client.fetch("http://no-such-host.invalid:8000/"));
      expect(Date.now() - started).to.be.below(1000);
      expect(error.message).to.equal("getaddrinfo ENOTFOUND no-such-host.invalid");
      expect((error as NodeJS.ErrnoException).code).to.equal("ENOTFOUND");
      // raiseError: false only turns HTTP status errors into responses, as in Tornado 6.
      const again = await failure(() =>
        client.fetch("http://no-such-host.invalid:8000/", { raiseError: false }),
      );
      expect((again as NodeJS.ErrnoException).code).to.equal("ENOTFOUND");
    }),
  );

  it(
    "fails with ResolverError when the name resolves to no address",
    test(async ({ track }) => {
      class Empty extends Resolver {
        resolve(): Future<ResolvedAddress[]> {
          const future = new Future<ResolvedAddress[]>();
          future.setResult([]);
          return future;
        }
      }
      const client = track(simple({ resolver: new Empty() }));
      const error = await failure(() => client.fetch("http://empty.invalid:8000/"));
      expect(error.name).to.equal("ResolverError");
    }),
  );
});

describe("MaxHeaderSizeTest", () => {
  const { test } = useClientEnv("http", (options) => simple({ ...options, maxHeaderSize: 1024 }));

  it(
    "reads a head under the limit (test_small_headers)",
    test(async ({ client, url }) => {
      const response = await client.fetch(url("/filler?size=100"));
      expect(response.body.toString()).to.equal("ok");
      expect(response.headers.get("X-Filler")).to.equal("a".repeat(100));
    }),
  );

  it(
    "refuses a head over the limit (test_large_headers)",
    test(async ({ client, url }) => {
      const error = await quietly(() => failure(() => client.fetch(url("/filler?size=1000"))));
      expect(error).to.not.be.instanceOf(HTTPTimeoutError);
      if (error instanceof HTTPClientError) expect(error.code).to.equal(599);
      expect(errorText(error)).to.match(/Unsatisfiable|header|head|too (large|long)|1024/i);
    }),
  );
});

describe("MaxBodySizeTest", () => {
  const { test } = useClientEnv("http", (options) =>
    simple({ ...options, maxBodySize: 1024 * 64 }),
  );

  it(
    "reads a body at the limit (test_small_body)",
    test(async ({ client, url }) => {
      const response = await client.fetch(url("/big?size=65536"));
      expect(response.body.equals(Buffer.alloc(65536, "a"))).to.equal(true);
    }),
  );

  it(
    "refuses a Content-Length over the limit (test_large_body)",
    test(async ({ client, url }) => {
      const error = await quietly(() => failure(() => client.fetch(url("/big?size=102400"))));
      expectStreamClosed(error, /Content-Length too long/);
    }),
  );

  it(
    "refuses a chunked body over the limit",
    test(async ({ client, url }) => {
      const error = await quietly(() =>
        failure(() => client.fetch(url("/big?size=102400&chunked=1"))),
      );
      expectStreamClosed(error, /too large|too long/i);
    }),
  );
});

describe("MaxBufferSizeTest", () => {
  const { test } = useClientEnv("http", (options) =>
    simple({ ...options, maxBodySize: 1024 * 100, maxBufferSize: 1024 * 64 }),
  );

  it(
    "reads a body larger than the buffer (test_large_body)",
    test(async ({ client, url }) => {
      const response = await client.fetch(url("/big?size=102400"));
      response.rethrow();
      expect(response.body.equals(Buffer.alloc(102400, "a"))).to.equal(true);
    }),
  );
});

describe("SimpleHTTPClient bodyProducer and redirects", () => {
  const { test } = useClientEnv("http", (options) => new SimpleAsyncHTTPClient(options));

  it(
    "refuses to replay a bodyProducer on 307 (differs from Tornado: it calls the producer again)",
    test(async ({ fetch, app }) => {
      let calls = 0;
      const error = await failure(() =>
        fetch("/redirect?url=/echopost&status=307", {
          method: "POST",
          bodyProducer: async (write) => {
            calls++;
            await write("1234");
          },
          raiseError: true,
        }),
      );
      expect(error.message).to.match(/bodyProducer|body_producer/);
      expect(calls).to.equal(1);
      expect(app.requests.filter((r) => r.url === "/echopost")).to.have.length(0);
    }),
  );

  it(
    "follows a 303 after a bodyProducer with a body-less GET",
    test(async ({ fetch, app }) => {
      let calls = 0;
      const response = await fetch("/redirect?url=/all_methods&status=303", {
        method: "POST",
        bodyProducer: async (write) => {
          calls++;
          await write("1234");
        },
      });
      expect(response.body.toString()).to.equal("GET");
      expect(calls).to.equal(1);
      const last = app.requests.at(-1)!;
      expect(last.body.length).to.equal(0);
      expect(last.headers["transfer-encoding"]).to.equal(undefined);
    }),
  );
});
