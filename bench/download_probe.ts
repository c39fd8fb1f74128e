/**
 * Download probe for the HTTP client: why (c) in `httpclient.bench.ts` comes out as it
 * does. Not part of `npm run bench`; run it after `npm run build`:
 *
 *     npm run build && node -r ts-node/register/transpile-only bench/download_probe.ts
 *
 * Starts the bench's server (nginx serving a 100 MiB file, pinned to core 0), then in one
 * fresh child per client (pinned to core 1) downloads the file seven times on one
 * connection, printing for each download its rate, the minor page faults it took, and
 * the user and system CPU time beside the wall time (CPU time well under the wall time
 * means the client waited for the server). The clients: ours (`AsyncHTTPClient` from
 * `dist/`, `DIST` to use another build) with a `streamingCallback` that counts bytes,
 * with default options and with `transientChunks`,
 * node:http counting `data` events, Python Tornado's `SimpleAsyncHTTPClient` with a
 * counting `streaming_callback` (when Debian's python3-tornado is installed; it opens a
 * connection per request), and `curl -o /dev/null` (rate only).
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { findExecutable, pinned, startHTTPBenchServer } from "./_nginx";

const DOWNLOADS = 7;
const DIST = process.env.DIST ?? path.join(__dirname, "..", "dist");

/** The child: argv = [client, url, dist]. Prints one line per download. */
const CHILD_SOURCE = `
const http = require("node:http");
const [client, url, dist] = process.argv.slice(1);
function viaOurs(transientChunks) {
  const { IOLoop } = require(dist + "/ioloop");
  const { AsyncHTTPClient } = require(dist + "/httpclient");
  const c = new AsyncHTTPClient({ forceInstance: true, maxBodySize: 2 ** 30 });
  return (onChunk) => IOLoop.current().runSync(() =>
    c.fetch(url, { requestTimeout: 0, streamingCallback: onChunk, transientChunks }));
}
function viaNodeHttp() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return (onChunk) => new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => { res.on("data", onChunk); res.on("end", resolve); })
      .on("error", reject);
  });
}
(async () => {
  const download = client === "node:http" ? viaNodeHttp() : viaOurs(client === "ours transient");
  for (let i = 0; i < ${DOWNLOADS}; i++) {
    let bytes = 0;
    const r0 = process.resourceUsage(), t0 = process.hrtime.bigint();
    await download((chunk) => { bytes += chunk.length; });
    const wall = Number(process.hrtime.bigint() - t0) / 1e6, r1 = process.resourceUsage();
    const ms = (us) => (us / 1000).toFixed(0);
    console.log("  #" + i + ": " + (bytes / 1e3 / wall).toFixed(0) + " MB/s, " +
      (r1.minorPageFault - r0.minorPageFault) + " page faults, user " +
      ms(r1.userCPUTime - r0.userCPUTime) + " ms + system " +
      ms(r1.systemCPUTime - r0.systemCPUTime) + " ms of " + wall.toFixed(0) + " ms");
  }
  process.exit(0);
})();
`;

/** The Python child: argv = [url, downloads]. Prints lines in the Node children's format. */
const PYTHON_SOURCE = `
import resource, sys, time
from tornado.ioloop import IOLoop
from tornado.simple_httpclient import SimpleAsyncHTTPClient

url, downloads = sys.argv[1], int(sys.argv[2])
client = SimpleAsyncHTTPClient(force_instance=True, max_body_size=2 ** 30)

async def main():
    for i in range(downloads):
        seen = [0]
        def on_chunk(chunk):
            seen[0] += len(chunk)
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        await client.fetch(url, streaming_callback=on_chunk, request_timeout=0)
        wall = (time.perf_counter() - t0) * 1000
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        print("  #%d: %.0f MB/s, %d page faults, user %.0f ms + system %.0f ms of %.0f ms" % (
            i, seen[0] / 1e3 / wall, r1.ru_minflt - r0.ru_minflt,
            (r1.ru_utime - r0.ru_utime) * 1000, (r1.ru_stime - r0.ru_stime) * 1000, wall))

IOLoop.current().run_sync(main)
`;

/** A python3 that imports tornado (Debian's first, as the bench does), or null. */
function findTornadoPython(): string | null {
  for (const python of ["/usr/bin/python3", findExecutable("python3")]) {
    if (python === null) continue;
    try {
      execFileSync(python, ["-c", "import tornado"], { stdio: "ignore" });
      return python;
    } catch {
      // Not there, or without tornado: try the next.
    }
  }
  return null;
}

async function main(): Promise<void> {
  const server = await startHTTPBenchServer({ bigFileBytes: 100 * 2 ** 20, cpu: 0 }, () => {});
  try {
    const url = server.urls.big;
    console.log(`100 MiB from ${server.servedBy.big}, ${DOWNLOADS} downloads per client`);
    for (const client of ["ours", "ours transient", "node:http"]) {
      const argv = pinned(1, [process.execPath, "-e", CHILD_SOURCE, client, url, DIST]);
      console.log(client);
      process.stdout.write(execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8" }));
    }
    const python = findTornadoPython();
    if (python !== null) {
      const argv = pinned(1, [python, "-c", PYTHON_SOURCE, url, String(DOWNLOADS)]);
      console.log("Python Tornado SimpleAsyncHTTPClient (a connection per download)");
      process.stdout.write(execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8" }));
    } else {
      console.log("Python Tornado: not installed (apt-get install python3-tornado)");
    }
    const curl = findExecutable("curl");
    if (curl !== null) {
      const args = [curl, "-s", "-w", "  %{speed_download}\\n"];
      for (let i = 0; i < DOWNLOADS; i++) args.push("-o", "/dev/null", url);
      const argv = pinned(1, args);
      const rates = execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
      console.log("curl -o /dev/null (one process, one connection)");
      for (const [i, line] of rates.trim().split("\n").entries()) {
        console.log(`  #${i}: ${(Number(line) / 1e6).toFixed(0)} MB/s`);
      }
    }
  } finally {
    server.stop();
  }
}

void main();
