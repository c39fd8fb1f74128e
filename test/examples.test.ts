/**
 * Every program in examples/ runs as a script (`require.main === module`), prints what it
 * promises and exits by itself.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");

function runExample(name: string): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", path.join("examples", `${name}.ts`)],
    { cwd: root, encoding: "utf8", timeout: 30000 },
  );
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

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

  it("demo runs every example", () => {
    const out = runExample("demo");
    expect(out.status, out.stderr).to.equal(0);
    expect(out.stdout).to.contain("### hello_loop");
    expect(out.stdout).to.contain("### periodic_ticker");
    expect(out.stdout).to.contain("### executor_offload");
    expect(out.stdout).to.contain("### producer_consumer");
    expect(out.stdout).to.contain("### rate_limiter");
  });
});
