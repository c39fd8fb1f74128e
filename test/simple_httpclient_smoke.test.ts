/**
 * End-to-end smoke tests of `SimpleAsyncHTTPClient` against real servers on 127.0.0.1:
 * the paths the other suites build on (GET, POST, redirects, timeouts, errors, HTTPS,
 * streaming, timeInfo). The full Tornado checklist lives in httpclient_common.test.ts
 * and simple_httpclient.test.ts.
 */
import { expect } from "chai";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import { HTTPClientError } from "../src/httpclient/errors";
import { HTTPRequest } from "../src/httpclient/request";
import "../src/httpclient";
import { HTTPStreamClosedError, HTTPTimeoutError } from "../src/simple_httpclient";
import { Future } from "../src/concurrent";
import { genLog } from "../src/log";
import { Resolver, type ResolvedAddress } from "../src/netutil";
import { ExpectLog, genTest, setupAsyncTest } from "../src/testing";
import { rejection } from "./helpers/assertions";
import { loadTestCerts } from "./helpers/tls";
import { useClientFixtures } from "./helpers/client_fixtures";

describe("SimpleHTTPClientSmokeTest", () => {
  setupAsyncTest();
  const fixtures = useClientFixtures();
  const client = fixtures.client;
  /** Listens and returns `127.0.0.1:<port>`. */
  const listen = async (server: net.Server): Promise<string> =>
    `127.0.0.1:${await fixtures.listen(server)}`;

  const app: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const body = Buffer.concat(chunks).toString();
      switch (url.pathname) {
        case "/hello":
          res.setHeader("Content-Type", "text/plain");
          res.end("Hello world!");
          return;
        case "/echo":
          res.end(JSON.stringify({ method: req.method, headers: req.headers, body, url: req.url }));
          return;
        case "/redirect":
          res.writeHead(Number(url.searchParams.get("status") ?? 302), {
            Location: url.searchParams.get("url") ?? "/hello",
          });
          res.end();
          return;
        case "/slow":
          setTimeout(() => res.end("late"), 2000).unref();
          return;
        case "/chunked":
          res.write("asdf");
          setTimeout(() => res.end("qwer"), 10);
          return;
        case "/404":
          res.writeHead(404);
          res.end("nope");
          return;
        default:
          res.writeHead(500);
          res.end();
      }
    });
  };

  it(
    "gets a page (test_hello_world)",
    genTest(async () => {
      const host = await listen(http.createServer(app));
      const response = await client().fetch(`http://${host}/hello`);
      expect(response.code).to.equal(200);
      expect(response.headers.get("Content-Type")).to.equal("text/plain");
      expect(response.body.toString()).to.equal("Hello world!");
      expect(response.requestTime).to.be.a("number").and.to.be.lessThan(1);
      expect(response.effectiveUrl).to.equal(`http://${host}/hello`);
      const t = response.timeInfo;
      expect(t.total).to.be.a("number");
      expect(t.namelookup! <= t.connect!).to.equal(true);
      expect(t.connect! <= t.pretransfer!).to.equal(true);
      expect(t.starttransfer! <= t.total!).to.equal(true);
    }),
  );

  it(
    "sends Tornado's headers and a POST body (test_post)",
    genTest(async () => {
      const host = await listen(http.createServer(app));
      const response = await client().fetch(`http://me:p%40ss@${host}/echo?x=1#frag`, {
        method: "POST",
        body: "a=b",
      });
      const echo = JSON.parse(response.body.toString());
      expect(echo.method).to.equal("POST");
      expect(echo.body).to.equal("a=b");
      expect(echo.url).to.equal("/echo?x=1");
      expect(echo.headers.host).to.equal(host);
      expect(echo.headers["content-length"]).to.equal("3");
      expect(echo.headers["content-type"]).to.equal("application/x-www-form-urlencoded");
      expect(echo.headers["user-agent"]).to.equal("tornado-ts/0.1.0");
      expect(echo.headers["accept-encoding"]).to.contain("gzip");
      expect(echo.headers.authorization).to.equal(
        "Basic " + Buffer.from("me:p@ss").toString("base64"),
      );
    }),
  );

  it(
    "follows redirects, POST becoming GET on 302 (test_follow_redirect)",
    genTest(async () => {
      const host = await listen(http.createServer(app));
      const c = client();
      const response = await c.fetch(`http://${host}/redirect?url=/echo&status=302`, {
        method: "POST",
        body: "x",
      });
      const echo = JSON.parse(response.body.toString());
      expect(echo.method).to.equal("GET");
      expect(echo.headers["content-length"]).to.equal(undefined);
      expect(response.effectiveUrl).to.equal(`http://${host}/echo`);
      expect(response.request.method).to.equal("POST");
      expect(response.timeInfo.redirect).to.be.a("number");
      const kept = await c.fetch(`http://${host}/redirect?url=/echo&status=307`, {
        method: "PUT",
        body: "y",
      });
      expect(JSON.parse(kept.body.toString())).to.include({ method: "PUT", body: "y" });
      const stopped = await c.fetch(`http://${host}/redirect`, {
        followRedirects: false,
        raiseError: false,
      });
      expect(stopped.code).to.equal(302);
      expect(stopped.headers.get("Location")).to.equal("/hello");
    }),
  );

  it(
    "raises HTTPClientError for a 404 (test_future_http_error)",
    genTest(async () => {
      const host = await listen(http.createServer(app));
      const error = await rejection(client().fetch(`http://${host}/404`));
      expect(error).to.be.instanceOf(HTTPClientError);
      expect((error as HTTPClientError).code).to.equal(404);
      expect(String(error)).to.equal("HTTP 404: Not Found");
      expect((error as HTTPClientError).response?.body.toString()).to.equal("nope");
    }),
  );

  it(
    "times out during the request (test_request_timeout)",
    genTest(async () => {
      const host = await listen(http.createServer(app));
      const error = await rejection(client().fetch(`http://${host}/slow`, { requestTimeout: 0.1 }));
      expect(error).to.be.instanceOf(HTTPTimeoutError);
      expect(String(error)).to.equal("Timeout during request");
      expect((error as HTTPTimeoutError).phase).to.equal("request");
      expect((error as HTTPTimeoutError).code).to.equal(599);
    }),
  );

  it(
    "times out in the queue, counting from fetch() (test_queue_timeout)",
    genTest(async () => {
      const host = await listen(http.createServer(app));
      const c = client({ maxClients: 1 });
      const slow = c.fetch(`http://${host}/slow`, { requestTimeout: 0.3 });
      const queued = c.fetch(`http://${host}/hello`, { requestTimeout: 0.1 });
      expect(c.queueLength).to.equal(1);
      const error = await rejection(queued);
      expect(String(error)).to.equal("Timeout in request queue");
      expect((error as HTTPTimeoutError).phase).to.equal("queue");
      expect(c.queueLength).to.equal(0);
      expect(String(await rejection(slow))).to.equal("Timeout during request");
    }),
  );

  it(
    "reports a refused connection with the Node error (test_connection_refused)",
    genTest(async () => {
      const server = net.createServer();
      const host = await listen(server);
      await new Promise((resolve) => server.close(resolve));
      const error = await rejection(client().fetch(`http://${host}/`));
      expect((error as NodeJS.ErrnoException).code).to.equal("ECONNREFUSED");
      expect(error.message).to.contain("ECONNREFUSED");
    }),
  );

  it(
    "reports a close before the response as Stream closed",
    genTest(async () => {
      const host = await listen(
        net.createServer((socket) => socket.once("data", () => socket.end())),
      );
      const error = await rejection(client().fetch(`http://${host}/`));
      expect(error).to.be.instanceOf(HTTPStreamClosedError);
      expect(String(error)).to.equal("Stream closed");
    }),
  );

  it(
    "streams the body and calls headerCallback (test_streaming_callback)",
    genTest(async () => {
      const host = await listen(http.createServer(app));
      const chunks: string[] = [];
      const lines: string[] = [];
      const response = await client().fetch(
        new HTTPRequest(`http://${host}/chunked`, {
          streamingCallback: async (chunk) => {
            chunks.push(chunk.toString());
            await Promise.resolve();
          },
          headerCallback: (line) => lines.push(line),
        }),
      );
      expect(chunks.join("")).to.equal("asdfqwer");
      expect(response.body.length).to.equal(0);
      expect(lines[0]).to.equal("HTTP/1.1 200 OK\r\n");
      expect(lines[lines.length - 1]).to.equal("\r\n");
      expect(lines).to.include("Transfer-Encoding: chunked\r\n");
    }),
  );

  it(
    "refuses bad methods and bodies before connecting (test_body_sanity_checks)",
    genTest(async () => {
      const c = client();
      expect(
        (await rejection(c.fetch("http://127.0.0.1:1/", { method: "POST" }))).message,
      ).to.equal(
        "Body must not be None for method POST (unless allow_nonstandard_methods is true)",
      );
      expect((await rejection(c.fetch("http://127.0.0.1:1/", { body: "x" }))).message).to.equal(
        "Body must be None for method GET (unless allow_nonstandard_methods is true)",
      );
      const unknown = await rejection(c.fetch("http://127.0.0.1:1/", { method: "FOO" }));
      expect(unknown).to.be.instanceOf(TypeError);
      expect(unknown.message).to.equal("unknown method FOO");
      const scheme = await rejection(c.fetch("ftp://127.0.0.1/"));
      expect(scheme.message).to.equal("Unsupported url scheme: ftp://127.0.0.1/");
      const spaces = await rejection(c.fetch("http://127.0.0.1:1/a b"));
      expect(spaces).to.be.instanceOf(TypeError);
    }),
  );

  it(
    "never puts the URL's credentials in an error message",
    genTest(async () => {
      const c = client();
      for (const url of [
        "http://user:s3cret@127.0.0.1:1/a b",
        "http://user:s3cret%zz@127.0.0.1:1/",
        "ftp://user:s3cret@127.0.0.1/",
        "http://user:s3cret@/",
      ]) {
        const error = await rejection(c.fetch(url));
        expect(error, url).to.be.instanceOf(TypeError);
        expect(error.message, url).to.contain("***@");
        expect(error.message, url).to.not.contain("s3cret");
      }
    }),
  );

  it(
    "fetches over https with caCerts (test_ssl_options)",
    genTest(async () => {
      const certs = loadTestCerts();
      const host = await listen(
        https.createServer({ cert: certs.serverCert, key: certs.serverKey }, app),
      );
      const c = client();
      const response = await c.fetch(`https://${host}/hello`, { caCerts: certs.paths.ca });
      expect(response.body.toString()).to.equal("Hello world!");
      expect(response.timeInfo.appconnect).to.be.a("number");
      const again = await c.fetch(`https://${host}/hello`, { caCerts: certs.paths.ca });
      expect(again.code).to.equal(200);
      expect(c.pool.reused).to.equal(1);
      const error = await new ExpectLog(genLog, /SSL Error/).run(() =>
        rejection(c.fetch(`https://${host}/hello`)),
      );
      expect(error.message).to.match(/certificate/i);
      const insecure = await c.fetch(`https://${host}/hello`, { validateCert: false });
      expect(insecure.code).to.equal(200);
    }),
  );

  it(
    "runs an async bodyProducer, chunked without Content-Length (test_body_producer)",
    genTest(async () => {
      const host = await listen(http.createServer(app));
      const response = await client().fetch(`http://${host}/echo`, {
        method: "POST",
        bodyProducer: async (write) => {
          await write("1234");
          await write(Buffer.from("5678"));
        },
      });
      const echo = JSON.parse(response.body.toString());
      expect(echo.body).to.equal("12345678");
      expect(echo.headers["transfer-encoding"]).to.equal("chunked");
    }),
  );

  it(
    "never calls the producer after an early final response (test_100_continue_early_response)",
    genTest(async () => {
      const server = http.createServer(app);
      server.on("checkContinue", (_req, res) => {
        res.writeHead(403);
        res.end("forbidden");
      });
      const host = await listen(server);
      let called = false;
      const response = await client().fetch(`http://${host}/echo`, {
        method: "POST",
        expect100Continue: true,
        bodyProducer: async (write) => {
          called = true;
          await write("x");
        },
        raiseError: false,
      });
      expect(response.code).to.equal(403);
      expect(called).to.equal(false);
      const ok = await client().fetch(
        `http://${host.replace(/:\d+$/, "")}:${host.split(":")[1]}/hello`,
      );
      expect(ok.code).to.equal(200);
    }),
  );

  it(
    "sends the body after 100 Continue (test_100_continue)",
    genTest(async () => {
      const host = await listen(http.createServer(app));
      const response = await client().fetch(`http://${host}/echo`, {
        method: "POST",
        body: "1234",
        expect100Continue: true,
      });
      const echo = JSON.parse(response.body.toString());
      expect(echo.body).to.equal("1234");
      expect(echo.headers.expect).to.equal("100-continue");
    }),
  );

  it(
    "refuses to run a bodyProducer again on a 307",
    genTest(async () => {
      const host = await listen(http.createServer(app));
      let runs = 0;
      const error = await rejection(
        client().fetch(`http://${host}/redirect?status=307&url=/echo`, {
          method: "POST",
          bodyProducer: async (write) => {
            runs++;
            await write("x");
          },
        }),
      );
      expect(error).to.be.instanceOf(HTTPClientError);
      expect((error as HTTPClientError).code).to.equal(307);
      expect(error.message).to.contain("bodyProducer");
      expect((error as HTTPClientError).response?.code).to.equal(307);
      expect(runs).to.equal(1);
    }),
  );

  it(
    "drops credentials on a cross-origin redirect (test_strip_headers_on_redirect)",
    genTest(async () => {
      const first = await listen(http.createServer(app));
      const other = await listen(http.createServer(app));
      const c = client();
      const headers = { Cookie: "a=b", Authorization: "Bearer x", "X-Keep": "1" };
      const same = await c.fetch(`http://${first}/redirect?url=/echo`, { headers });
      expect(JSON.parse(same.body.toString()).headers).to.include({
        cookie: "a=b",
        authorization: "Bearer x",
      });
      const cross = await c.fetch(`http://${first}/redirect?url=http://${other}/echo`, {
        headers,
        authUsername: "u",
        authPassword: "p",
      });
      const seen = JSON.parse(cross.body.toString()).headers;
      expect(seen.cookie).to.equal(undefined);
      expect(seen.authorization).to.equal(undefined);
      expect(seen["x-keep"]).to.equal("1");
      expect(seen.host).to.equal(other);
    }),
  );

  it(
    "refuses CR or LF in a header before sending a byte (test_header_crlf)",
    genTest(async () => {
      let requests = 0;
      const host = await listen(http.createServer((_req, res) => (requests++, res.end())));
      const c = client();
      for (const bad of ["a\rb", "a\nb", "a\r\nX-Injected: 1"]) {
        const error = await rejection(c.fetch(`http://${host}/`, { headers: { "X-Foo": bad } }));
        expect(error).to.be.instanceOf(TypeError);
        expect(error.message).to.match(/^Illegal characters \(CR or LF\) in header/);
      }
      const inName = await rejection(c.fetch(`http://${host}/`, { headers: { "X\r\nY": "1" } }));
      expect(inName).to.be.instanceOf(TypeError);
      expect(requests).to.equal(0);
      expect((await c.fetch(`http://${host}/`)).code).to.equal(200);
    }),
  );

  it(
    "decompresses gzip and reports X-Consumed-Content-Encoding (test_gzip)",
    genTest(async () => {
      const zlib = await import("node:zlib");
      const body = zlib.gzipSync(Buffer.from("asdfqwer".repeat(10)));
      const host = await listen(
        http.createServer((req, res) => {
          res.setHeader("X-Accept-Encoding", String(req.headers["accept-encoding"]));
          res.setHeader("Content-Encoding", "gzip");
          res.end(body);
        }),
      );
      const c = client();
      const decoded = await c.fetch(`http://${host}/`);
      expect(decoded.body.toString()).to.equal("asdfqwer".repeat(10));
      expect(decoded.headers.get("X-Consumed-Content-Encoding")).to.equal("gzip");
      expect(decoded.headers.get("Content-Encoding")).to.equal(undefined);
      const raw = await c.fetch(`http://${host}/`, {
        decompressResponse: false,
        headers: { "Accept-Encoding": "gzip" },
      });
      expect(raw.body).to.deep.equal(body);
      expect(raw.headers.get("X-Accept-Encoding")).to.equal("gzip");
      expect(raw.headers.get("Content-Encoding")).to.equal("gzip");
    }),
  );

  it(
    "returns the last 3xx when redirects run out (test_max_redirects)",
    genTest(async () => {
      const host = await listen(http.createServer(app));
      const url = `http://${host}/redirect?url=${encodeURIComponent("/redirect?url=/hello")}`;
      const response = await client().fetch(url, { maxRedirects: 1, raiseError: false });
      expect(response.code).to.equal(302);
      expect(response.request.url).to.equal(url);
      expect(response.effectiveUrl).to.equal(`http://${host}/redirect?url=/hello`);
    }),
  );

  it(
    "connects to a bracketed IPv6 host, unless allowIpv6 is false (test_ipv6)",
    genTest(async function (this: Mocha.Context) {
      const server = http.createServer(app);
      try {
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(0, "::1", resolve);
        });
      } catch {
        this.skip();
      }
      fixtures.own(server);
      const url = `http://[::1]:${(server.address() as net.AddressInfo).port}/echo`;
      const c = client();
      const echo = JSON.parse((await c.fetch(url)).body.toString());
      expect(echo.headers.host).to.equal(url.slice(7, url.indexOf("/echo")));
      const error = await rejection(c.fetch(url, { allowIpv6: false }));
      expect(error).to.not.be.instanceOf(HTTPTimeoutError);
    }),
  );

  it(
    "binds networkInterface as the source address (test_bind_source_ip)",
    genTest(async () => {
      let remote = "";
      const host = await listen(
        http.createServer((req, res) => {
          remote = req.socket.remoteAddress ?? "";
          res.end();
        }),
      );
      const c = client();
      await c.fetch(`http://${host}/`, { networkInterface: "127.0.0.1" });
      expect(remote).to.equal("127.0.0.1");
      const error = await rejection(c.fetch(`http://${host}/`, { networkInterface: "not-an-ip" }));
      expect(error).to.be.instanceOf(TypeError);
      expect(error.message).to.contain("not-an-ip");
    }),
  );

  it(
    "maps host names and times out a hanging resolver while connecting (test_hostname_mapping)",
    genTest(async () => {
      const host = await listen(http.createServer(app));
      const port = Number(host.split(":")[1]);
      const mapped = client({ hostnameMapping: { "www.example.com": "127.0.0.1" } });
      const response = await mapped.fetch(`http://www.example.com:${port}/echo`);
      expect(JSON.parse(response.body.toString()).headers.host).to.equal(`www.example.com:${port}`);
      class Hanging extends Resolver {
        resolve(): Future<ResolvedAddress[]> {
          return new Future<ResolvedAddress[]>();
        }
      }
      const hanging = client({ resolver: new Hanging() });
      const error = await rejection(hanging.fetch("http://example.com/", { connectTimeout: 0.1 }));
      expect(error).to.be.instanceOf(HTTPTimeoutError);
      expect(String(error)).to.equal("Timeout while connecting");
      expect((error as HTTPTimeoutError).phase).to.equal("connect");
    }),
  );

  it(
    "reads HEAD, 204 and 304 responses without a body (test_head_request, test_no_content)",
    genTest(async () => {
      const host = await listen(
        http.createServer((req, res) => {
          if (req.url === "/204") res.writeHead(204).end();
          else if (req.url === "/304") res.writeHead(304, { "Content-Length": "42" }).end();
          else
            res
              .writeHead(200, { "Content-Length": "7" })
              .end(req.method === "HEAD" ? "" : "1234567");
        }),
      );
      const c = client();
      const head = await c.fetch(`http://${host}/`, { method: "HEAD" });
      expect(head.headers.get("Content-Length")).to.equal("7");
      expect(head.body.length).to.equal(0);
      expect((await c.fetch(`http://${host}/204`)).code).to.equal(204);
      const notModified = await c.fetch(`http://${host}/304`, { raiseError: false });
      expect(notModified.code).to.equal(304);
      expect(notModified.headers.get("Content-Length")).to.equal("42");
      expect((await c.fetch(`http://${host}/`)).body.toString()).to.equal("1234567");
      expect(c.pool.created).to.equal(1);
    }),
  );

  it(
    "fails at once with a log for a body over maxBodySize (MaxBodySizeTest)",
    genTest(async () => {
      const host = await listen(
        http.createServer((_req, res) => res.end(Buffer.alloc(100 * 1024))),
      );
      const c = client({ maxBodySize: 64 * 1024 });
      const error = await new ExpectLog(
        genLog,
        /Malformed HTTP message from .*Content-Length too long/,
        { level: "info" },
      ).run(() => rejection(c.fetch(`http://${host}/`)));
      expect(error).to.be.instanceOf(HTTPStreamClosedError);
      expect(String(error)).to.equal("Connection closed");
    }),
  );

  it(
    "gives headerCallback the final hop only (test_streaming_follow_redirects)",
    genTest(async () => {
      const host = await listen(http.createServer(app));
      const lines: string[] = [];
      const chunks: string[] = [];
      await client().fetch(`http://${host}/redirect?url=/hello`, {
        headerCallback: (line) => lines.push(line),
        streamingCallback: (chunk) => void chunks.push(chunk.toString()),
      });
      expect(lines.filter((line) => line.startsWith("HTTP/"))).to.deep.equal([
        "HTTP/1.1 200 OK\r\n",
      ]);
      expect(chunks.join("")).to.equal("Hello world!");
    }),
  );
});
