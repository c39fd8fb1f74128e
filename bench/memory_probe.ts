/**
 * Memory probe for the HTTP client: why (d) in `httpclient.bench.ts` comes out as it does.
 * Not part of `npm run bench`; run it after `npm run build`:
 *
 *     npm run build && node -r ts-node/register/transpile-only bench/memory_probe.ts
 *
 * For ours (`AsyncHTTPClient` from `dist/`) and node:http with a keep-alive Agent, each in
 * a fresh plain-JavaScript child (no TypeScript compiler in its heap) pinned to core 1,
 * against a node:http server pinned to core 0: 55,000 GETs of a 100-byte body with 50 in
 * flight (the bench's warm-up plus timed run), printing
 * - after how many requests V8's new space grew, and to what (V8 doubles it each time the
 *   bytes that survived young collections since the last growth exceed its size);
 * - the bytes that survived each young collection (`--trace-gc-nvp`, `new_space_survived`),
 *   on average, and in total;
 * - the bytes allocated per request (sum of `allocated` over young collections);
 * - the peak RSS (VmHWM) and the process's memory at the end.
 */
import { execFileSync, spawn } from "node:child_process";
import * as path from "node:path";
import { pinned } from "./_nginx";

const REQUESTS = 55_000;
const IN_FLIGHT = 50;
const DIST = path.join(__dirname, "..", "dist");

const SERVER_SOURCE = `
const http = require("node:http");
const body = Buffer.alloc(100, 97);
const server = http.createServer((req, res) => {
  res.writeHead(200, { "Content-Length": body.length, "Content-Type": "text/plain" });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + "\\n"));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
`;

/** The child: argv = [client, url, dist]. Prints growth lines, then one summary line. */
const CHILD_SOURCE = `
const fs = require("node:fs"), http = require("node:http"), v8 = require("node:v8");
const [client, url, dist] = process.argv.slice(1);
let done = 0, lastNew = 0;
function checkNewSpace() {
  const size = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;
  if (size !== lastNew) {
    console.log("growth " + (size / 1048576) + " MiB after " + done + " requests");
    lastNew = size;
  }
}
async function run(one) {
  const timer = setInterval(checkNewSpace, 5);
  checkNewSpace();
  let started = 0;
  const worker = async () => {
    while (started < ${REQUESTS}) {
      started++;
      if ((await one()) !== 100) throw new Error("wrong body length");
      done++;
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: ${IN_FLIGHT} }, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  checkNewSpace();
  clearInterval(timer);
  const hwm = Number(/VmHWM:\\s+(\\d+)/.exec(fs.readFileSync("/proc/self/status", "utf8"))[1]);
  const m = process.memoryUsage();
  console.log("summary " + JSON.stringify({
    rate: ${REQUESTS} / seconds, peakMiB: hwm / 1024, heapMiB: m.heapTotal / 1048576,
    externalMiB: m.external / 1048576,
  }));
  process.exit(0);
}
if (client === "ours") {
  const { IOLoop } = require(dist + "/ioloop");
  const { AsyncHTTPClient } = require(dist + "/httpclient");
  IOLoop.current().runSync(async () => {
    const c = new AsyncHTTPClient({ forceInstance: true, maxClients: ${IN_FLIGHT} });
    await run(async () => (await c.fetch(url)).body.length);
  });
} else {
  const agent = new http.Agent({ keepAlive: true, maxSockets: ${IN_FLIGHT} });
  run(() => new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      const chunks = [];
      let n = 0;
      res.on("data", (c) => { chunks.push(c); n += c.length; });
      res.on("end", () => resolve(Buffer.concat(chunks, n).length));
    }).on("error", reject);
  }));
}
`;

function probe(client: "ours" | "node:http", url: string): void {
  const argv = pinned(1, [
    process.execPath,
    "--trace-gc-nvp",
    "-e",
    CHILD_SOURCE,
    client,
    url,
    DIST,
  ]);
  const out = execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8", maxBuffer: 1 << 30 });
  let survived = 0;
  let allocated = 0;
  let scavenges = 0;
  const growth: string[] = [];
  let summary: Record<string, number> = {};
  for (const line of out.split("\n")) {
    if (line.startsWith("growth ")) growth.push(line.slice(7));
    else if (line.startsWith("summary ")) summary = JSON.parse(line.slice(8));
    else if (line.includes(" gc=s ")) {
      scavenges++;
      survived += Number(/new_space_survived=(\d+)/.exec(line)?.[1] ?? 0);
      allocated += Number(/ allocated=(\d+)/.exec(line)?.[1] ?? 0);
    }
  }
  const f = (n: number | undefined, d = 1): string => (n ?? NaN).toFixed(d);
  console.log(`${client}: ${f(summary.rate, 0)} req/s, peak RSS ${f(summary.peakMiB)} MiB`);
  console.log(`  new space: ${growth.join("; ")}`);
  console.log(
    `  ${scavenges} young collections, ${f(survived / scavenges / 1024, 0)} KiB survived ` +
      `each on average, ${f(survived / 1048576)} MiB in all; ` +
      `${f(allocated / REQUESTS / 1024, 1)} KiB allocated per request`,
  );
  console.log(
    `  at the end: heap ${f(summary.heapMiB)} MiB, external ${f(summary.externalMiB)} MiB`,
  );
}

async function main(): Promise<void> {
  const argv = pinned(0, [process.execPath, "-e", SERVER_SOURCE]);
  const server = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "inherit"] });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      server.once("error", reject);
      server.stdout!.once("data", (data: Buffer) => resolve(data.toString().trim()));
    });
    const url = `http://127.0.0.1:${port}/small`;
    probe("ours", url);
    probe("node:http", url);
  } finally {
    server.kill();
  }
}

void main();
