/**
 * Every program in examples/ runs as a script (`require.main === module`), prints what it
 * promises and exits by itself.
 */
import { expect } from "chai";
import { runExample } from "./helpers/examples";

describe("Examples", function () {
  this.timeout(120000);

  it("hello_loop shows callbacks, timeouts and futures in order", () => {
    const out = runExample("hello_loop");
    expect(out.status, out.stderr).to.equal(0);
    const events = out.stdout
      .trim()
      .split("\n")
      .map((line) => line.trim().replace(/^[\d.]+\s+/, ""));
    expect(events).to.deep.equal([
      "callback 1",
      "callback 2",
      "timeout after 10 ms",
      "awaited the answer",
      "done-callback sees the answer",
      "timeout after 20 ms",
      "main returns",
    ]);
  });

  it("periodic_ticker skips the runs a slow tick missed", () => {
    const out = runExample("periodic_ticker");
    expect(out.status, out.stderr).to.equal(0);
    const ticks = [...out.stdout.matchAll(/tick \d+ at (\d+) ms/g)].map((m) => Number(m[1]));
    expect(ticks.length).to.be.within(7, 9);
    // Tick 3 (at ~150 ms) takes 120 ms: the next tick is on the 300 ms grid point.
    expect(ticks[3]).to.be.within(290, 330);
  });

  it("executor_offload keeps ticking only when the work is on a worker", () => {
    const out = runExample("executor_offload");
    expect(out.status, out.stderr).to.equal(0);
    const loopTicks = Number(/on the loop: .* (\d+) ticks/.exec(out.stdout)?.[1]);
    const workerTicks = Number(/on a worker: .* (\d+) ticks/.exec(out.stdout)?.[1]);
    expect(loopTicks).to.be.at.most(2);
    expect(workerTicks).to.be.above(loopTicks + 3);
  });

  it("coroutine_styles gives the same result as a generator and as async code", () => {
    const out = runExample("coroutine_styles");
    expect(out.status, out.stderr).to.equal(0);
    const expected = '{"found":["ALICE","BOB","mallory: failed","zed: timed out"],"failures":2}';
    expect(out.stdout).to.contain(`generator coroutine: ${expected}`);
    expect(out.stdout).to.contain(`async function:      ${expected}`);
    expect(out.stdout).to.contain("same result");
  });

  it("tcp_line_client talks over TCP and TLS and names its failures", () => {
    const out = runExample("tcp_line_client");
    expect(out.status, out.stderr).to.equal(0);
    expect(out.stdout.trim().split("\n")).to.deep.equal([
      "tcp:  HELLO TORNADO TS",
      "pipelined: 1000 answers in order",
      "tls:  VERIFIED BY OUR CA",
      "no newline within 1024 bytes: StreamClosedError (UnsatisfiableReadError)",
      "closed port: StreamClosedError (ECONNREFUSED)",
    ]);
  });

  it("fetch_get prints the body of a GET", () => {
    const out = runExample("fetch_get");
    expect(out.status, out.stderr).to.equal(0);
    expect(out.stdout.trim()).to.equal("Hello, world");
  });

  it("fetch_streaming hashes and saves a 32 MiB body as it arrives", () => {
    const out = runExample("fetch_streaming");
    expect(out.status, out.stderr).to.equal(0);
    expect(out.stdout.trim().split("\n")).to.deep.equal([
      "sha256 of 32 MiB streamed: matches",
      "largest chunk: 65536 bytes",
      "written to a file by an async callback: matches",
    ]);
  });

  it("fetch_errors tells an HTTPClientError from a refused connection", () => {
    const out = runExample("fetch_errors");
    expect(out.status, out.stderr).to.equal(0);
    const lines = out.stdout.trim().split("\n");
    expect(lines.slice(0, 3)).to.deep.equal([
      "Error: HTTP 404: Not Found",
      "  code: 404",
      "  body: no page at /missing",
    ]);
    expect(lines[3]).to.match(/^Error: .*ECONNREFUSED/);
    expect(lines[4]).to.match(/^ {2}not an HTTP error: \w+, code ECONNREFUSED$/);
  });

  it("fetch_post sends an HTTPRequest with a form body", () => {
    const out = runExample("fetch_post");
    expect(out.status, out.stderr).to.equal(0);
    expect(out.stdout.trim()).to.equal(
      "received POST (application/x-www-form-urlencoded): name=tornado&lang=ts",
    );
  });

  it("blocking_fetch fetches without await and closes its client", () => {
    const out = runExample("blocking_fetch");
    expect(out.status, out.stderr).to.equal(0);
    expect(out.stdout.trim().split("\n")).to.deep.equal([
      "Hello, world",
      "Error: HTTP 404: Not Found",
    ]);
  });

  it("fetch_via_proxy fetches http and https through a local proxy, shows a 407 and a hand-set Proxy-Authorization", () => {
    const out = runExample("fetch_via_proxy");
    expect(out.status, out.stderr).to.equal(0);
    expect(out.stdout.trim().split("\n")).to.deep.equal([
      "http:  200 server saw GET /hello (Proxy-Authorization: none)",
      "https: 200 server saw GET /secret (Proxy-Authorization: none)",
      "proxy: 1 request forwarded, 1 tunnel opened",
      "no credentials: HTTPClientError 407",
      "header set by hand: 200 server saw GET /by-hand (Proxy-Authorization: none)",
      "proxy: 2 tunnels opened in all",
    ]);
  });

  it("http1_server answers two GETs on one connection and a POST", () => {
    const out = runExample("http1_server");
    expect(out.status, out.stderr).to.equal(0);
    expect(out.stdout.trim().split("\n")).to.deep.equal([
      "Hello, /first",
      "Hello, /second",
      "got 7 bytes: a=1&b=2",
      "connections accepted: 1",
    ]);
  });

  it("demo runs every example", () => {
    const out = runExample("demo");
    expect(out.status, out.stderr).to.equal(0);
    expect(out.stdout).to.contain("### hello_loop");
    expect(out.stdout).to.contain("### periodic_ticker");
    expect(out.stdout).to.contain("### executor_offload");
    expect(out.stdout).to.contain("### producer_consumer");
    expect(out.stdout).to.contain("### rate_limiter");
    expect(out.stdout).to.contain("### coroutine_styles");
    expect(out.stdout).to.contain("### tcp_line_client");
    expect(out.stdout).to.contain("### fetch_get");
    expect(out.stdout).to.contain("### fetch_errors");
    expect(out.stdout).to.contain("### fetch_post");
    expect(out.stdout).to.contain("### fetch_streaming");
    expect(out.stdout).to.contain("### blocking_fetch");
    expect(out.stdout).to.contain("### fetch_via_proxy");
    expect(out.stdout).to.contain("### http1_server");
  });
});
