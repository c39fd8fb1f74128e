/**
 * Every program in examples/ runs as a script (`require.main === module`), prints what it
 * promises and exits by itself.
 */
import { expect } from "chai";
import { runExample } from "./helpers/examples";

describe("Examples", function () {
  this.timeout(40000);

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
      "tls:  VERIFIED BY OUR CA",
      "no newline within 1024 bytes: StreamClosedError (UnsatisfiableReadError)",
      "closed port: StreamClosedError (ECONNREFUSED)",
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
  });
});
