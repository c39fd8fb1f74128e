/**
 * Benchmarks of `AsyncHTTPClient` (issue 6) against the Node HTTP clients people use, all
 * fetching from the same local nginx in one run:
 * (a) 20,000 sequential GETs of a 100-byte body on one keep-alive connection;
 * (b) 50,000 GETs of it with 50 in flight;
 * (c) a 100 MiB download through `streamingCallback` (each peer's own streaming
 *     interface), against `curl -o /dev/null` as well. The target is measured with
 *     `transientChunks: true` ("ours transient"), which a download that only passes its
 *     chunks on can use; ours with default options (chunks kept) is reported beside it;
 * (d) the peak RSS of each client during (b);
 * plus, for information, sequential GETs of a chunked body (32 KiB in 17 chunks), and the
 * same three jobs against Python Tornado's simple and curl clients (Debian's
 * python3-tornado and python3-pycurl) so that porters see the difference.
 *
 * Peers: undici 7 `request`, `node:http` with a keep-alive Agent, global `fetch`, axios and
 * got (see `_http_peers.ts` for exactly how each is called), and `wrk` as the server's limit
 * when it is installed. Targets from the issue: ours >= 1.0x the faster of undici and
 * node:http in (a) and (b); >= 0.9x curl in (c) (with `transientChunks`); peak RSS <=
 * node:http's in (d).
 *
 * Method. nginx (`_nginx.ts`) runs pinned to core 0; every client run is its own child
 * process pinned to core 1 (`taskset`), so each gets a fresh heap whose peak RSS is its own.
 * Children are plain JavaScript: `src/` and `_http_peers.ts` are transpiled once per run
 * into the server's temporary folder. Each child warms up (a tenth of the requests, at
 * least the connections) before its timed section. Clients alternate round by round (forward on even
 * rounds, backward on odd ones), after one untimed warm-up round of a tenth as many
 * requests; the figures are medians of the rounds, and each ratio's range is the spread of
 * the per-round ratios. MB/s are 10^6 bytes per second.
 *
 * Rows returned to the harness: the issue's targets, and ours against every peer (for
 * information). In the RSS row the "ops/s" fields hold MiB and the ratio is peer/ours, so
 * that >= 1.0 still means ours is at least as good.
 *
 * `--quick`: a tenth of the requests, one round, no warm-up round. `HTTP_BENCH_ROUNDS=n`
 * overrides the number of rounds; `HTTP_BENCH_SERVER=node` serves everything from the Node
 * fallback server instead of nginx.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { median, type BenchOptions, type CaseResult, type Suite } from "./_harness";
import {
  CHUNKED_BODY_BYTES,
  SMALL_BODY_BYTES,
  aptInstall,
  findExecutable,
  findTaskset,
  pinned,
  startHTTPBenchServer,
  type HTTPBenchServer,
} from "./_nginx";
import {
  NET_FLOOR,
  NODE_CLIENTS,
  OURS_TRANSIENT,
  type Job,
  type JobResult,
  type NodeClient,
} from "./_http_peers";

const SERVER_CPU = 0;
const CLIENT_CPU = 1;
const MiB = 1024 * 1024;
const BIG_BYTES = 100 * MiB;
const REPO = path.join(__dirname, "..");
/** A child slower than this is hung, not slow. */
const CHILD_TIMEOUT_MS = 600_000;

type ClientName = NodeClient | "curl" | "wrk" | "tornado simple" | "tornado curl";

interface Scenario {
  /** Name for `--filter` (`httpclient/<id>`) and the JSON summary. */
  readonly id: string;
  readonly title: string;
  readonly resource: "small" | "chunked" | "big";
  readonly mode: Job["mode"];
  /** Requests timed per child in a full run. */
  readonly count: number;
  readonly concurrency: number;
  readonly clients: readonly ClientName[];
  readonly unit: "req/s" | "MB/s";
  /** The issue's target, if any. */
  readonly target?: { readonly peers: readonly ClientName[]; readonly minRatio: number };
  /** Also report peak RSS of ours against this peer (lower is better). */
  readonly rssAgainst?: ClientName;
  /** The client the target and the ratios are about (default "ours"). */
  readonly subject?: ClientName;
}

const SCENARIOS: readonly Scenario[] = [
  {
    id: "sequential",
    title: "(a) sequential GETs of /small (100 B), 1 in flight, one connection",
    resource: "small",
    mode: "fetch",
    count: 20_000,
    concurrency: 1,
    clients: [...NODE_CLIENTS, "wrk"],
    unit: "req/s",
    target: { peers: ["undici", "node:http"], minRatio: 1.0 },
  },
  {
    id: "concurrent50",
    title: "(b) GETs of /small (100 B), 50 in flight; (d) peak RSS",
    resource: "small",
    mode: "fetch",
    count: 50_000,
    concurrency: 50,
    clients: [...NODE_CLIENTS, "wrk"],
    unit: "req/s",
    target: { peers: ["undici", "node:http"], minRatio: 1.0 },
    rssAgainst: "node:http",
  },
  {
    id: "download",
    title: "(c) 100 MiB download, streamed (5 downloads per child, one connection)",
    resource: "big",
    mode: "stream",
    count: 5,
    concurrency: 1,
    clients: [OURS_TRANSIENT, ...NODE_CLIENTS, NET_FLOOR, "curl"],
    unit: "MB/s",
    target: { peers: ["curl"], minRatio: 0.9 },
    subject: OURS_TRANSIENT,
  },
  {
    id: "chunked",
    title: "sequential GETs of /chunked (32 KiB in 17 chunks), for information",
    resource: "chunked",
    mode: "fetch",
    count: 5_000,
    concurrency: 1,
    clients: NODE_CLIENTS,
    unit: "req/s",
  },
  {
    id: "tornado-sequential",
    title: "Python Tornado: sequential GETs of /small",
    resource: "small",
    mode: "fetch",
    count: 5_000,
    concurrency: 1,
    clients: ["ours", "tornado simple", "tornado curl"],
    unit: "req/s",
  },
  {
    id: "tornado-concurrent50",
    title: "Python Tornado: GETs of /small, 50 in flight",
    resource: "small",
    mode: "fetch",
    count: 10_000,
    concurrency: 50,
    clients: ["ours", "tornado simple", "tornado curl"],
    unit: "req/s",
    rssAgainst: "tornado simple",
  },
  {
    id: "tornado-download",
    title: "Python Tornado: 100 MiB download through streaming_callback (3 per child)",
    resource: "big",
    mode: "stream",
    count: 3,
    concurrency: 1,
    clients: ["ours", OURS_TRANSIENT, "tornado simple", "tornado curl"],
    unit: "MB/s",
  },
];

/** One client's figure for one round. */
interface Measurement {
  /** req/s or MB/s, as the scenario's unit. */
  readonly rate: number;
  readonly peakRssKiB: number | null;
  readonly impl: string;
}

interface Plan {
  readonly rounds: number;
  readonly warmupRound: boolean;
  readonly scale: number;
}

function planFor(options: BenchOptions): Plan {
  const plan = options.quick
    ? { rounds: 1, warmupRound: false, scale: 0.1 }
    : { rounds: 5, warmupRound: true, scale: 1 };
  const override = Number(process.env.HTTP_BENCH_ROUNDS);
  return Number.isInteger(override) && override > 0 ? { ...plan, rounds: override } : plan;
}

/** Runs a command and resolves with its stdout; rejects on a non-zero exit or a hang. */
function run(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else {
        const tail = err.trim().split("\n").slice(-3).join(" | ");
        reject(new Error(`exited with ${code ?? signal}: ${tail}`));
      }
    });
  });
}

/**
 * Transpiles `src/` and `_http_peers.ts` to CommonJS in `dir` (types dropped, file by
 * file, as ts-node's transpile-only mode does) and returns the child script's path.
 */
function buildChildTree(dir: string): string {
  const ts = require("typescript") as typeof import("typescript");
  const compilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
  };
  const emit = (from: string, to: string): void => {
    const source = fs.readFileSync(from, "utf8");
    const out = ts.transpileModule(source, { compilerOptions, fileName: from }).outputText;
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.writeFileSync(to, out);
  };
  const walk = (folder: string): void => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const from = path.join(folder, entry.name);
      const rel = path.relative(REPO, from);
      if (entry.isDirectory()) walk(from);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
        emit(from, path.join(dir, rel.replace(/\.ts$/, ".js")));
      } else if (entry.name.endsWith(".json")) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.copyFileSync(from, path.join(dir, rel));
      }
    }
  };
  walk(path.join(REPO, "src"));
  fs.copyFileSync(path.join(REPO, "package.json"), path.join(dir, "package.json"));
  const script = path.join(dir, "bench", "_http_peers.js");
  emit(path.join(__dirname, "_http_peers.ts"), script);
  return script;
}

/** Finds a python3 with tornado and pycurl, installing Debian's packages if needed. */
async function findPython(log: (line: string) => void): Promise<string | null> {
  const works = async (python: string): Promise<boolean> =>
    run([python, "-c", "import tornado, pycurl"]).then(
      () => true,
      () => false,
    );
  const candidates = ["/usr/bin/python3", findExecutable("python3")].filter(
    (p): p is string => p !== null && fs.existsSync(p),
  );
  for (const python of candidates) if (await works(python)) return python;
  if (!aptInstall(["python3-tornado", "python3-pycurl"], log)) return null;
  return (await works("/usr/bin/python3")) ? "/usr/bin/python3" : null;
}

interface Tools {
  readonly childScript: string | null;
  readonly python: string | null;
  readonly curl: string | null;
  readonly wrk: string | null;
}

function bodyBytes(scenario: Scenario): number {
  return { small: SMALL_BODY_BYTES, chunked: CHUNKED_BODY_BYTES, big: BIG_BYTES }[
    scenario.resource
  ];
}

function rateOf(scenario: Scenario, result: JobResult): number {
  const seconds = result.ns / 1e9;
  return scenario.unit === "req/s" ? result.requests / seconds : result.bytes / 1e6 / seconds;
}

function parseResult(stdout: string): JobResult {
  const line = stdout.trim().split("\n").pop() ?? "";
  const parsed = JSON.parse(line) as JobResult | { error: string };
  if ("error" in parsed) throw new Error(parsed.error);
  return parsed;
}

/** One timed run of `client` on `scenario` in its own pinned process. */
async function measure(
  client: ClientName,
  scenario: Scenario,
  count: number,
  server: HTTPBenchServer,
  tools: Tools,
): Promise<Measurement> {
  const url = server.urls[scenario.resource];
  const job: Job = {
    client: client as NodeClient,
    mode: scenario.mode,
    url,
    count,
    concurrency: scenario.concurrency,
    warmup: scenario.mode === "stream" ? 1 : Math.max(scenario.concurrency, Math.ceil(count / 10)),
    bodyBytes: bodyBytes(scenario),
  };
  if (client === "curl") {
    if (tools.curl === null) throw new Error("curl is not installed");
    // One process, one connection: an untimed first download, then `count` timed ones.
    const args = [tools.curl, "-s", "-w", "%{size_download} %{time_total}\\n"];
    for (let i = 0; i <= count; i++) args.push("-o", "/dev/null", url);
    const lines = (await run(pinned(CLIENT_CPU, args))).trim().split("\n").slice(1);
    let bytes = 0;
    let seconds = 0;
    for (const l of lines) {
      const [size, time] = l.split(" ").map(Number);
      bytes += size;
      seconds += time;
    }
    if (bytes !== count * job.bodyBytes) throw new Error(`curl received ${bytes} bytes`);
    return { rate: bytes / 1e6 / seconds, peakRssKiB: null, impl: "curl -o /dev/null" };
  }
  if (client === "wrk") {
    if (tools.wrk === null) throw new Error("wrk is not installed");
    const c = String(scenario.concurrency);
    const out = await run(pinned(CLIENT_CPU, [tools.wrk, "-t1", `-c${c}`, "-d3s", url]));
    const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    if (!(rate > 0)) throw new Error(`cannot read wrk's output: ${out}`);
    return { rate, peakRssKiB: null, impl: "wrk -t1 (3 s, the server's limit)" };
  }
  let argv: string[];
  const env = { ...process.env, NODE_PATH: path.join(REPO, "node_modules") };
  if (client === "tornado simple" || client === "tornado curl") {
    if (tools.python === null) throw new Error("python3 with tornado and pycurl is not available");
    const pyJob = { ...job, client: client === "tornado simple" ? "simple" : "curl" };
    const script = path.join(__dirname, "peers", "tornado_client.py");
    argv = pinned(CLIENT_CPU, [tools.python, script, JSON.stringify(pyJob)]);
  } else {
    if (tools.childScript === null) throw new Error("no child script");
    argv = pinned(CLIENT_CPU, [
      process.execPath,
      "--expose-gc",
      tools.childScript,
      JSON.stringify(job),
    ]);
  }
  const result = parseResult(await run(argv, env));
  return { rate: rateOf(scenario, result), peakRssKiB: result.peakRssKiB, impl: result.impl };
}

function formatRate(value: number, unit: Scenario["unit"]): string {
  if (!Number.isFinite(value)) return "-";
  if (unit === "MB/s") return value.toFixed(0);
  return value >= 1e4 ? `${(value / 1e3).toFixed(1)}k` : value.toFixed(0);
}

/** Runs one scenario: warm-up round, alternating rounds; prints its table. */
async function runScenario(
  scenario: Scenario,
  plan: Plan,
  server: HTTPBenchServer,
  tools: Tools,
): Promise<CaseResult[]> {
  const count = Math.max(1, Math.round(scenario.count * plan.scale));
  const clients = scenario.clients.filter((c) => c !== "wrk" || tools.wrk !== null);
  const failed = new Map<ClientName, string>();
  const rounds = new Map<ClientName, Measurement[]>(clients.map((c) => [c, []]));
  const conc = scenario.concurrency === 1 ? "1 in flight" : `${scenario.concurrency} in flight`;
  console.log(
    `\nhttpclient/${scenario.id}: ${scenario.title}\n  ${count.toLocaleString("en")} ` +
      `${scenario.mode === "stream" ? "download(s)" : "requests"} per child, ${conc}, ` +
      `served by ${server.servedBy[scenario.resource]}; median of ${plan.rounds} round(s)` +
      (plan.warmupRound ? " after a warm-up round of a tenth as many" : ""),
  );
  const total = plan.rounds + (plan.warmupRound ? 1 : 0);
  for (let r = 0; r < total; r++) {
    const timed = !plan.warmupRound || r > 0;
    const order = r % 2 === 0 ? clients : [...clients].reverse();
    const cells: string[] = [];
    for (const client of order) {
      if (failed.has(client)) continue;
      try {
        const n = timed ? count : Math.max(1, Math.round(count / 10));
        const m = await measure(client, scenario, n, server, tools);
        if (timed) rounds.get(client)?.push(m);
        cells.push(`${client} ${formatRate(m.rate, scenario.unit)}`);
      } catch (error) {
        failed.set(client, (error as Error).message);
        cells.push(`${client} FAILED`);
      }
    }
    console.log(
      `  ${timed ? `round ${r + (plan.warmupRound ? 0 : 1)}` : "warm-up"}: ${cells.join(", ")}`,
    );
  }
  const rate = (c: ClientName): number => {
    const ms = rounds.get(c) ?? [];
    return ms.length === 0 || failed.has(c) ? NaN : median(ms.map((m) => m.rate));
  };
  const rss = (c: ClientName): number => {
    const ms = (rounds.get(c) ?? []).filter((m) => m.peakRssKiB !== null);
    return ms.length === 0 || failed.has(c)
      ? NaN
      : median(ms.map((m) => m.peakRssKiB as number)) / 1024;
  };
  const subject = scenario.subject ?? "ours";
  const ours = rate(subject);
  if (subject !== "ours") console.log(`  ratios are of ${subject}`);
  console.log(
    `  ${"client".padEnd(15)} ${scenario.unit.padStart(8)} ${"min-max".padStart(15)} ` +
      `${"peak RSS MiB".padStart(12)}  ${"ours/client".padStart(11)}  implementation`,
  );
  for (const c of clients) {
    const ms = rounds.get(c) ?? [];
    const values = ms.map((m) => m.rate);
    const range =
      values.length === 0
        ? "-"
        : `${formatRate(Math.min(...values), scenario.unit)}-${formatRate(Math.max(...values), scenario.unit)}`;
    const mem = rss(c);
    const r = ours / rate(c);
    const ratio = c === subject || Number.isNaN(r) ? "" : `${r.toFixed(2)}x`;
    const note = failed.has(c) ? `NOT MEASURED: ${failed.get(c)}` : (ms[0]?.impl ?? "");
    console.log(
      `  ${c.padEnd(15)} ${formatRate(rate(c), scenario.unit).padStart(8)} ${range.padStart(15)} ` +
        `${(Number.isNaN(mem) ? "-" : mem.toFixed(1)).padStart(12)}  ${ratio.padStart(11)}  ${note}`,
    );
  }
  return summarize(scenario, count, plan, rounds, failed, rate, rss);
}

/** The scenario's rows for the harness summary: its targets, then ours vs each peer. */
function summarize(
  scenario: Scenario,
  count: number,
  plan: Plan,
  rounds: Map<ClientName, Measurement[]>,
  failed: Map<ClientName, string>,
  rate: (c: ClientName) => number,
  rss: (c: ClientName) => number,
): CaseResult[] {
  const results: CaseResult[] = [];
  const subject = scenario.subject ?? "ours";
  /** `client` / the best of `peers` in each round: clients of one round ran minutes apart
   * at most, so these pairs see the same machine load. */
  const pairRatios = (peers: readonly ClientName[], client = subject): number[] =>
    (rounds.get(client) ?? []).map((m, i) => {
      const best = Math.max(...peers.map((p) => rounds.get(p)?.[i]?.rate ?? NaN));
      return m.rate / best;
    });
  const pairRange = (peers: readonly ClientName[], client = subject): [number, number] => {
    const ratios = pairRatios(peers, client);
    return ratios.length === 0 ? [NaN, NaN] : [Math.min(...ratios), Math.max(...ratios)];
  };
  const row = (
    name: string,
    peerLabel: string,
    ours: number,
    peer: number,
    ratio: number,
    range: [number, number],
    target: number | null,
  ): CaseResult => ({
    suite: "httpclient",
    case: name,
    peer: peerLabel,
    ops: count,
    rounds: plan.rounds,
    oursOpsPerSec: ours,
    peerOpsPerSec: peer,
    ratio,
    ratioMin: range[0],
    ratioMax: range[1],
    target,
    pass: target === null || Number.isNaN(ratio) ? null : ratio >= target,
  });
  const unit = scenario.unit;
  const verdict = (r: CaseResult): string =>
    failed.has(subject)
      ? `NOT MEASURED (${subject} failed: ${failed.get(subject)})`
      : r.pass === null
        ? "NOT MEASURED (peer failed)"
        : r.pass
          ? "PASS"
          : "MISS";
  if (scenario.target !== undefined) {
    const { peers, minRatio } = scenario.target;
    const best = Math.max(...peers.map(rate));
    const r = row(
      `${scenario.id} ${unit}`,
      peers.length > 1 ? `max(${peers.join(", ")})` : peers[0],
      rate(subject),
      best,
      rate(subject) / best,
      pairRange(peers),
      minRatio,
    );
    results.push(r);
    const perRound = pairRatios(peers);
    const perRoundMedian = perRound.length === 0 ? NaN : median(perRound);
    console.log(
      // Three decimals: a ratio of 0.896 must not read "0.90x ... MISS".
      `  target: ${subject} / ${r.peer} = ${r.ratio.toFixed(3)}x (per round ` +
        `${r.ratioMin.toFixed(2)}-${r.ratioMax.toFixed(2)}, median ${perRoundMedian.toFixed(2)}), ` +
        `want >= ${minRatio.toFixed(2)}x  ${verdict(r)}`,
    );
    if (subject !== "ours" && rounds.has("ours")) {
      // Ours with default options against the same peers, for information.
      const plain = row(
        `${scenario.id} ${unit}, ours with default options`,
        r.peer,
        rate("ours"),
        best,
        rate("ours") / best,
        pairRange(peers, "ours"),
        null,
      );
      results.push(plain);
      console.log(
        `  for information: ours (default options) / ${r.peer} = ${plain.ratio.toFixed(2)}x ` +
          `(per round ${plain.ratioMin.toFixed(2)}-${plain.ratioMax.toFixed(2)})`,
      );
    }
  }
  if (scenario.rssAgainst !== undefined) {
    const peer = scenario.rssAgainst;
    const r = row(
      `${scenario.id} peak RSS MiB (lower is better)`,
      peer,
      rss(subject),
      rss(peer),
      rss(peer) / rss(subject),
      [NaN, NaN],
      scenario.target === undefined ? null : 1.0,
    );
    results.push(r);
    console.log(
      `  peak RSS: ours ${r.oursOpsPerSec.toFixed(1)} MiB, ${peer} ${r.peerOpsPerSec.toFixed(1)} MiB` +
        (r.target === null ? "" : `; want ours <= ${peer}'s  ${verdict(r)}`),
    );
  }
  for (const peer of rounds.keys()) {
    if (peer === subject) continue;
    results.push(
      row(
        `${scenario.id} ${unit}`,
        peer,
        rate(subject),
        rate(peer),
        rate(subject) / rate(peer),
        pairRange([peer]),
        null,
      ),
    );
  }
  return results;
}

/** Runs the selected scenarios against one server; stops it whatever happens. */
async function runHTTPClientSuite(options: BenchOptions): Promise<CaseResult[]> {
  const selected = SCENARIOS.filter(
    (s) => options.filter === null || `httpclient/${s.id}`.includes(options.filter),
  );
  if (selected.length === 0) return [];
  const log = (line: string): void => console.log(line);
  console.log(
    `\nhttpclient: server on core ${SERVER_CPU}, each client in its own process on core ` +
      `${CLIENT_CPU}` +
      (findTaskset() === null ? " (taskset missing: NOT pinned)" : " (taskset)"),
  );
  const needs = (pred: (c: ClientName) => boolean): boolean =>
    selected.some((s) => s.clients.some(pred));
  let server: HTTPBenchServer | null = null;
  try {
    const nodeOnly = process.env.HTTP_BENCH_SERVER === "node";
    server = await startHTTPBenchServer(
      { bigFileBytes: BIG_BYTES, cpu: SERVER_CPU, nodeOnly },
      log,
    );
    // In the server's folder, so that it goes wherever the server stops (even on a signal).
    const nodeClients: readonly string[] = [...NODE_CLIENTS, OURS_TRANSIENT, NET_FLOOR];
    const tree = needs((c) => nodeClients.includes(c))
      ? buildChildTree(path.join(server.dir, "js"))
      : null;
    let curl = findExecutable("curl");
    if (curl === null && needs((c) => c === "curl") && aptInstall(["curl"], log)) {
      curl = findExecutable("curl");
    }
    const tools: Tools = {
      childScript: tree,
      python: needs((c) => c.startsWith("tornado")) ? await findPython(log) : null,
      curl,
      wrk: findExecutable("wrk"),
    };
    if (tools.wrk === null) log("  wrk not installed: no server-limit row (apt-get install wrk)");
    const plan = planFor(options);
    const results: CaseResult[] = [];
    for (const scenario of selected) {
      results.push(...(await runScenario(scenario, plan, server, tools)));
    }
    return results;
  } finally {
    server?.stop();
  }
}

/** The HTTP client suite; it runs its own clients in child processes (`Suite.run`). */
export const httpClientSuite: Suite = {
  name: "httpclient",
  cases: [],
  run: runHTTPClientSuite,
};
