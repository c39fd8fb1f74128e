/**
 * The child side of the HTTP client benchmarks: one client, one job, one process.
 *
 * `httpclient.bench.ts` transpiles this file (with `src/`) to plain JavaScript in a
 * temporary folder and runs it as `taskset -c 1 node --expose-gc _http_peers.js '<job>'`,
 * so that no TypeScript compiler sits in the heap whose peak RSS is measured. The job says
 * which client, which URL, how many requests and how many in flight; the child warms up
 * (JIT, connections) on the same URL, collects garbage, resets the kernel's peak-RSS mark
 * (`/proc/self/clear_refs`), times the job with `process.hrtime.bigint()`, and prints one
 * JSON line: {@link JobResult}.
 *
 * Every client reads each body whole into one buffer (`responseType: "buffer"` or its
 * equivalent), as `AsyncHTTPClient.fetch` does, checks the status and the byte count, and
 * keeps its connections alive, with at most one connection per request in flight (the
 * job's concurrency: one connection for sequential requests). Global `fetch` is the
 * exception: it is used as people use it, with Node's default dispatcher, which alternates
 * two connections even for sequential requests. Streaming (mode `stream`) counts bytes
 * from each client's own streaming interface without keeping them.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";

/** The clients a child can run, besides {@link OURS_TRANSIENT}. */
export const NODE_CLIENTS = ["ours", "undici", "node:http", "fetch", "axios", "got"] as const;
/** Ours with `transientChunks: true` (streaming jobs only; the same as ours otherwise). */
export const OURS_TRANSIENT = "ours transient";
/** Streaming jobs only: a bare socket that counts bytes, the floor of any Node client. */
export const NET_FLOOR = "net floor";
export type NodeClient = (typeof NODE_CLIENTS)[number] | typeof OURS_TRANSIENT | typeof NET_FLOOR;

/** What the parent asks of one child. */
export interface Job {
  readonly client: NodeClient;
  /** `fetch`: whole bodies; `stream`: bodies counted chunk by chunk. */
  readonly mode: "fetch" | "stream";
  readonly url: string;
  /** Requests timed. */
  readonly count: number;
  /** Requests in flight at once (1: sequential, one connection). */
  readonly concurrency: number;
  /** Requests made before timing, with the same concurrency. */
  readonly warmup: number;
  /** Body bytes each response must have. */
  readonly bodyBytes: number;
}

/** What a child prints, as one JSON line. */
export interface JobResult {
  /** Nanoseconds of the timed requests. */
  readonly ns: number;
  readonly requests: number;
  /** Body bytes received in the timed requests. */
  readonly bytes: number;
  /** Peak RSS in KiB while the timed requests ran (VmHWM after a reset), or over the life
   * of the process when the reset is not allowed (`rssScope` says which). */
  readonly peakRssKiB: number;
  readonly rssScope: "timed" | "process";
  /** The implementation that ran, e.g. `SimpleAsyncHTTPClient`. */
  readonly impl: string;
}

/** One client: a function per request and a clean-up. */
interface Driver {
  readonly impl: string;
  /** Fetches `url` whole (or streams it) and resolves with the body bytes seen. */
  one(url: string, stream: boolean): Promise<number>;
  close(): Promise<void> | void;
}

/** Keep-alive agent for node:http, axios and got: one socket per request in flight. */
function keepAliveAgent(connections: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: connections });
}

function countStream(stream: NodeJS.ReadableStream): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    stream.on("data", (chunk: Buffer) => {
      n += chunk.length;
    });
    stream.once("error", reject);
    stream.once("end", () => resolve(n));
  });
}

function checkStatus(client: string, status: number): void {
  if (status !== 200) throw new Error(`${client}: HTTP status ${status}`);
}

/**
 * undici's `request` through an Agent limited to one connection per request in flight:
 * unlimited, it alternates two connections even for strictly sequential requests (the
 * next request is dispatched before the previous connection is marked free).
 */
function undiciDriver(connections: number): Driver {
  const undici = require("undici") as typeof import("undici");
  const dispatcher = new undici.Agent({ connections });
  return {
    impl: `undici ${undici.Agent.name} (request)`,
    async one(url, stream) {
      const { statusCode, body } = await undici.request(url, { dispatcher });
      checkStatus("undici", statusCode);
      if (stream) return countStream(body);
      return (await body.arrayBuffer()).byteLength;
    },
    close: () => dispatcher.close(),
  };
}

function nodeHttpDriver(connections: number): Driver {
  const agent = keepAliveAgent(connections);
  return {
    impl: "http.get with a keep-alive Agent",
    one(url, stream) {
      return new Promise<number>((resolve, reject) => {
        const req = http.get(url, { agent }, (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new Error(`node:http: HTTP status ${res.statusCode}`));
            return;
          }
          if (stream) {
            countStream(res).then(resolve, reject);
            return;
          }
          const chunks: Buffer[] = [];
          let n = 0;
          res.on("data", (chunk: Buffer) => {
            chunks.push(chunk);
            n += chunk.length;
          });
          res.once("error", reject);
          res.once("end", () => resolve(Buffer.concat(chunks, n).length));
        });
        req.once("error", reject);
      });
    },
    close: () => agent.destroy(),
  };
}

function fetchDriver(): Driver {
  return {
    impl: "global fetch",
    async one(url, stream) {
      const res = await fetch(url);
      checkStatus("fetch", res.status);
      if (!stream || res.body === null) return (await res.arrayBuffer()).byteLength;
      let n = 0;
      for await (const chunk of res.body) n += chunk.byteLength;
      return n;
    },
    close: () => undefined,
  };
}

function axiosDriver(connections: number): Driver {
  const axios = (require("axios") as { default: typeof import("axios").default }).default;
  const agent = keepAliveAgent(connections);
  const instance = axios.create({ httpAgent: agent, maxRedirects: 0 });
  return {
    impl: "axios (http adapter, keep-alive Agent)",
    async one(url, stream) {
      if (stream) {
        const res = await instance.get<NodeJS.ReadableStream>(url, { responseType: "stream" });
        checkStatus("axios", res.status);
        return countStream(res.data);
      }
      const res = await instance.get<Buffer>(url, { responseType: "arraybuffer" });
      checkStatus("axios", res.status);
      return res.data.length;
    },
    close: () => agent.destroy(),
  };
}

/** The part of got's API used here (its types need `moduleResolution: node16`). */
interface GotLike {
  (url: string, options: { responseType: "buffer" }): Promise<{ statusCode: number; body: Buffer }>;
  stream(url: string): NodeJS.ReadableStream;
  extend(options: { agent: { http: http.Agent }; retry: { limit: number } }): GotLike;
}

function gotDriver(connections: number): Driver {
  // got is ESM-only; Node 20.19+ loads it with require() (the module namespace).
  const got = (require("got") as { default: GotLike }).default;
  const agent = keepAliveAgent(connections);
  const client = got.extend({ agent: { http: agent }, retry: { limit: 0 } });
  return {
    impl: "got (keep-alive Agent)",
    async one(url, stream) {
      if (stream) return countStream(client.stream(url));
      const res = await client(url, { responseType: "buffer" });
      checkStatus("got", res.statusCode);
      return res.body.length;
    },
    close: () => agent.destroy(),
  };
}

/**
 * The floor of a Node download: one `node:net` socket that reads into one reused 64 KiB
 * `onread` buffer (no allocation, no stream machinery per read), sends a bare GET and
 * counts body bytes by Content-Length, with no parser beyond finding the head's end. No
 * client to use: what Node itself costs per byte, as wrk is the server's limit.
 */
function netFloorDriver(): Driver {
  const memory = Buffer.allocUnsafe(64 * 1024);
  let socket: net.Socket | null = null;
  let onBytes: ((chunk: Buffer) => void) | null = null;
  let onError: ((error: Error) => void) | null = null;
  const connect = (url: URL): Promise<net.Socket> =>
    new Promise((resolve, reject) => {
      const s = net.connect(
        {
          host: url.hostname,
          port: Number(url.port),
          onread: {
            buffer: memory,
            callback: (n, buf) => {
              onBytes?.(buf.subarray(0, n) as Buffer);
              return true;
            },
          },
        },
        () => resolve(s),
      );
      s.on("error", (error) => (onError ?? reject)(error));
    });
  return {
    impl: "node:net socket, one reused onread buffer, bytes counted",
    async one(url, stream) {
      if (!stream) throw new Error("net floor: streaming jobs only");
      const target = new URL(url);
      const s = (socket ??= await connect(target));
      return new Promise<number>((resolve, reject) => {
        let head = Buffer.alloc(0);
        let remaining = -1;
        let body = 0;
        onError = reject;
        onBytes = (chunk) => {
          if (remaining < 0) {
            head = Buffer.concat([head, chunk]);
            const end = head.indexOf("\r\n\r\n");
            if (end < 0) return;
            const text = head.toString("latin1", 0, end);
            const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
            if (!text.startsWith("HTTP/1.1 200 ") || length === null) {
              reject(new Error(`net floor: unexpected head ${text.split("\r\n")[0]}`));
              return;
            }
            remaining = Number(length[1]);
            chunk = head.subarray(end + 4);
          }
          body += chunk.length;
          remaining -= chunk.length;
          if (remaining <= 0) {
            onBytes = null;
            resolve(body);
          }
        };
        s.write(`GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\n\r\n`);
      });
    },
    close: () => void socket?.destroy(),
  };
}

/**
 * Ours: `AsyncHTTPClient` from `src/httpclient` with a private instance allowing as many
 * requests in flight as the job has, run on the current IOLoop. `maxBodySize` is raised so
 * the 100 MiB download (exactly the default limit) is not refused by an off-by-one.
 * `transientChunks`: streamed chunks are valid only during the callback (which only counts
 * them), so the client may read into the same memory again.
 */
function oursDriver(concurrency: number, transientChunks: boolean): Driver {
  const root = path.join(__dirname, "..", "src");
  const { AsyncHTTPClient } = require(path.join(root, "httpclient")) as {
    AsyncHTTPClient: new (options: Record<string, unknown>) => {
      fetch(url: string, options?: Record<string, unknown>): PromiseLike<{ body: Buffer }>;
      close(): void;
    };
  };
  const client = new AsyncHTTPClient({
    forceInstance: true,
    maxClients: Math.max(concurrency, 10),
    maxBodySize: 1 << 30,
  });
  return {
    impl: client.constructor.name + (transientChunks ? " with transientChunks" : ""),
    async one(url, stream) {
      if (!stream) return (await client.fetch(url)).body.length;
      let n = 0;
      await client.fetch(url, {
        streamingCallback: (chunk: Buffer) => {
          n += chunk.length;
        },
        transientChunks,
        requestTimeout: 0,
      });
      return n;
    },
    close: () => client.close(),
  };
}

function makeDriver(job: Job): Driver {
  switch (job.client) {
    case "ours":
      return oursDriver(job.concurrency, false);
    case OURS_TRANSIENT:
      return oursDriver(job.concurrency, true);
    case NET_FLOOR:
      return netFloorDriver();
    case "undici":
      return undiciDriver(job.concurrency);
    case "node:http":
      return nodeHttpDriver(job.concurrency);
    case "fetch":
      return fetchDriver();
    case "axios":
      return axiosDriver(job.concurrency);
    case "got":
      return gotDriver(job.concurrency);
  }
}

/** Makes `count` requests, `concurrency` at a time; resolves with the body bytes. */
async function drive(driver: Driver, job: Job, count: number): Promise<number> {
  let started = 0;
  let bytes = 0;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started++;
      const n = await driver.one(job.url, job.mode === "stream");
      if (n !== job.bodyBytes) {
        throw new Error(`${job.client}: received ${n} body bytes, expected ${job.bodyBytes}`);
      }
      bytes += n;
    }
  };
  const workers = Array.from({ length: Math.min(job.concurrency, count) }, worker);
  await Promise.all(workers);
  return bytes;
}

function readPeakRssKiB(): number {
  const status = fs.readFileSync("/proc/self/status", "utf8");
  const match = /VmHWM:\s+(\d+)\s+kB/.exec(status);
  return match === null ? process.resourceUsage().maxRSS : Number(match[1]);
}

/** Resets the kernel's peak-RSS mark to the current RSS (Linux 4.0+); false if refused. */
function resetPeakRss(): boolean {
  try {
    fs.writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/** Runs `job` with its client and resolves with what the parent prints. */
export async function runJob(job: Job): Promise<JobResult> {
  const driver = makeDriver(job);
  try {
    if (job.warmup > 0) await drive(driver, job, job.warmup);
    (globalThis as { gc?: () => void }).gc?.();
    const reset = resetPeakRss();
    const start = process.hrtime.bigint();
    const bytes = await drive(driver, job, job.count);
    const ns = Number(process.hrtime.bigint() - start);
    return {
      ns,
      requests: job.count,
      bytes,
      peakRssKiB: readPeakRssKiB(),
      rssScope: reset ? "timed" : "process",
      impl: driver.impl,
    };
  } finally {
    await driver.close();
  }
}

/** Child entry point: the job as JSON in argv[2]; the result or `{error}` on stdout. */
async function childMain(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as Job;
  let output: string;
  try {
    let result: JobResult;
    if (job.client === "ours" || job.client === OURS_TRANSIENT) {
      const { IOLoop } = require(path.join(__dirname, "..", "src", "ioloop")) as {
        IOLoop: { current(): { runSync<T>(f: () => Promise<T>, o: object): Promise<T> } };
      };
      result = await IOLoop.current().runSync(() => runJob(job), { timeout: 900 });
    } else {
      result = await runJob(job);
    }
    output = JSON.stringify(result);
  } catch (error) {
    const e = error as Error;
    output = JSON.stringify({ error: `${e.name}: ${e.message}`.split("\n")[0] });
  }
  // Keep-alive sockets or a loop may still hold the process: exit once the line is out.
  process.stdout.write(`${output}\n`, () => process.exit(0));
}

if (require.main === module) void childMain();
