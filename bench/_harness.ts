/**
 * The benchmark harness: runs each case's two sides ("ours", the tornado-ts API, and
 * "peer", the raw Node or native-Promise equivalent) side by side in one process and
 * reports median ops/s and the ratio ours/peer against the case's target.
 *
 * Per case: warm-up rounds of both sides, then timed rounds in which the sides alternate
 * (ours first on even rounds, peer first on odd ones) so drift and GC debt hit both. A
 * full GC runs before every timed round. Timing uses `process.hrtime.bigint()`; a side
 * reports the nanoseconds of its own timed section, so it can leave set-up (a fresh
 * `IOLoop`, precomputed inputs) out of the measurement.
 *
 * Benchmarks are reports, not tests: a missed target prints MISS and the process still
 * exits 0. Only an exception makes it exit non-zero. The last line of output is a JSON
 * summary of every result, for scripts: `... | tail -n 1 | jq`.
 *
 * Flags: `--quick` (a tenth of the operations, fewer rounds: a smoke run) and
 * `--filter <text>` (only cases whose "suite/case" name contains the text).
 */
import { cpus } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** A ratio the case should reach: ours ops/s divided by peer ops/s, at least `minRatio`. */
export interface Target {
  /** Lowest acceptable ours/peer throughput ratio. */
  readonly minRatio: number;
  /** How the target reads in the table, e.g. `>= 0.8x`. */
  readonly label: string;
}

/**
 * One side of a case: performs `ops` operations once and resolves with the nanoseconds
 * its timed section took (see {@link timeAsync} and {@link stopwatch}).
 */
export type Side = (ops: number) => Promise<number>;

/** One comparison: the same work done by tornado-ts and by its raw Node peer. */
export interface BenchCase {
  /** Short name, unique within its suite. */
  readonly name: string;
  /** What the peer side uses, e.g. `setImmediate`. */
  readonly peerLabel: string;
  /** Operations per round in a full run (a tenth with `--quick`). */
  readonly ops: number;
  readonly ours: Side;
  readonly peer: Side;
  /** Omitted for cases reported for information only. */
  readonly target?: Target;
}

/** A named group of cases, usually one `*.bench.ts` file. */
export interface Suite {
  readonly name: string;
  readonly cases: readonly BenchCase[];
  /**
   * For a suite whose comparisons do not fit one ours/peer pair timed in this process
   * (several peers, each in its own child process): runs instead of `cases` (then empty),
   * applies `--filter` itself, prints its own tables, and returns its rows for the summary.
   */
  readonly run?: (options: BenchOptions) => Promise<CaseResult[]>;
}

/** Parsed command-line options. */
export interface BenchOptions {
  readonly quick: boolean;
  readonly filter: string | null;
}

/** What one case measured. */
export interface CaseResult {
  readonly suite: string;
  readonly case: string;
  readonly peer: string;
  readonly ops: number;
  readonly rounds: number;
  /** Median ops/s over the timed rounds. */
  readonly oursOpsPerSec: number;
  readonly peerOpsPerSec: number;
  /** oursOpsPerSec / peerOpsPerSec. */
  readonly ratio: number;
  /** Lowest and highest ratio of one round's pair (ours and peer timed back to back). */
  readonly ratioMin: number;
  readonly ratioMax: number;
  readonly target: number | null;
  /** null when the case has no target. */
  readonly pass: boolean | null;
}

const FULL = { warmup: 2, rounds: 11, scale: 1 };
const QUICK = { warmup: 1, rounds: 3, scale: 0.1 };

/**
 * Reads `--quick` and `--filter <text>` (or `--filter=<text>`).
 *
 * @throws `TypeError` for an unknown flag, naming it.
 */
export function parseOptions(argv: readonly string[]): BenchOptions {
  let quick = false;
  let filter: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--quick") quick = true;
    else if (arg === "--filter") filter = argv[++i] ?? "";
    else if (arg.startsWith("--filter=")) filter = arg.slice("--filter=".length);
    else throw new TypeError(`Unknown benchmark flag: received "${arg}"`);
  }
  return { quick, filter };
}

/**
 * Times `fn` with `process.hrtime.bigint()`; resolves with the elapsed nanoseconds.
 *
 * @example
 * const ns = await timeAsync(async () => { for (let i = 0; i < ops; i++) await p; });
 */
export async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start);
}

/**
 * A stopwatch for sides whose timed section starts inside a callback (inside
 * `runSync`, say): call `start()` there and `stop()` when the work is done.
 *
 * @example
 * const sw = stopwatch();
 * await loop.runSync(async () => { sw.start(); await work(); sw.stop(); });
 * return sw.elapsed();
 */
export function stopwatch(): { start(): void; stop(): void; elapsed(): number } {
  let begin = 0n;
  let end = 0n;
  return {
    start() {
      begin = process.hrtime.bigint();
    },
    stop() {
      end = process.hrtime.bigint();
    },
    elapsed() {
      if (begin === 0n || end < begin) throw new Error("stopwatch was not started and stopped");
      return Number(end - begin);
    },
  };
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A full collection between rounds, so garbage one side made is not collected on the
 * other's time. `--expose-gc` cannot be passed through `node -r ts-node/...` scripts
 * portably, so the flag is set at run time and `gc` fetched from a fresh context.
 */
const collectGarbage: () => void = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

/** Runs one case: warm-up, then alternating timed rounds; returns its result. */
export async function runCase(
  suite: string,
  bench: BenchCase,
  options: BenchOptions,
): Promise<CaseResult> {
  const plan = options.quick ? QUICK : FULL;
  const ops = Math.max(1, Math.round(bench.ops * plan.scale));
  for (let i = 0; i < plan.warmup; i++) {
    await bench.ours(ops);
    await bench.peer(ops);
  }
  const oursRates: number[] = [];
  const peerRates: number[] = [];
  const pairRatios: number[] = [];
  for (let round = 0; round < plan.rounds; round++) {
    let oursNs: number;
    let peerNs: number;
    if (round % 2 === 0) {
      collectGarbage();
      oursNs = await bench.ours(ops);
      collectGarbage();
      peerNs = await bench.peer(ops);
    } else {
      collectGarbage();
      peerNs = await bench.peer(ops);
      collectGarbage();
      oursNs = await bench.ours(ops);
    }
    oursRates.push(ops / (oursNs / 1e9));
    peerRates.push(ops / (peerNs / 1e9));
    pairRatios.push(peerNs / oursNs);
  }
  const oursOpsPerSec = median(oursRates);
  const peerOpsPerSec = median(peerRates);
  const ratio = oursOpsPerSec / peerOpsPerSec;
  const target = bench.target?.minRatio ?? null;
  return {
    suite,
    case: bench.name,
    peer: bench.peerLabel,
    ops,
    rounds: plan.rounds,
    oursOpsPerSec,
    peerOpsPerSec,
    ratio,
    ratioMin: Math.min(...pairRatios),
    ratioMax: Math.max(...pairRatios),
    target,
    pass: target === null ? null : ratio >= target,
  };
}

/**
 * Runs every suite (cases matching `--filter` only), printing the environment first, a
 * row per case as it finishes, and the JSON summary line last.
 *
 * @returns the results, for callers that want them.
 */
export async function runSuites(
  suites: readonly Suite[],
  options: BenchOptions,
): Promise<CaseResult[]> {
  const env = environment(options);
  console.log(
    `node ${env.node} (V8 ${env.v8}), ${env.platform}, ${env.cpus} x ${env.cpu}` +
      (options.quick ? "  [--quick: smoke run, numbers are noisy]" : ""),
  );
  const selected = suites.map((suite) => ({
    ...suite,
    cases: suite.cases.filter(
      (c) => options.filter === null || `${suite.name}/${c.name}`.includes(options.filter),
    ),
  }));
  const nameWidth = Math.max(
    4,
    ...selected.flatMap((s) => s.cases.map((c) => `${c.name} vs ${c.peerLabel}`.length)),
  );
  const table = new TablePrinter(nameWidth);
  const results: CaseResult[] = [];
  const started = process.hrtime.bigint();
  for (const suite of selected) {
    if (suite.run !== undefined) {
      results.push(...(await suite.run(options)));
      continue;
    }
    if (suite.cases.length === 0) continue;
    table.heading(suite.name);
    for (const bench of suite.cases) {
      const result = await runCase(suite.name, bench, options);
      results.push(result);
      table.row(result, bench.target?.label ?? "-");
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const passed = results.filter((r) => r.pass === true).length;
  const missed = results.filter((r) => r.pass === false).length;
  console.log(
    `\n${passed} PASS, ${missed} MISS, ${results.length} cases in ${seconds.toFixed(1)} s`,
  );
  console.log(JSON.stringify({ ...env, seconds, results }));
  return results;
}

function environment(options: BenchOptions) {
  const cpuList = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpuList[0]?.model.trim() ?? "unknown",
    cpus: cpuList.length,
    quick: options.quick,
  };
}

/** Prints the table a row at a time, so a long run shows progress. */
class TablePrinter {
  private static readonly COLUMNS = ["ours ops/s", "peer ops/s", "ratio", "pair range", "target"];

  constructor(private readonly nameWidth: number) {}

  heading(suite: string): void {
    const cells = TablePrinter.COLUMNS.map((c) => c.padStart(12));
    console.log(`\n${suite.padEnd(this.nameWidth)} ${cells.join(" ")}  result`);
    console.log("-".repeat(this.nameWidth + 13 * TablePrinter.COLUMNS.length + 8));
  }

  row(r: CaseResult, targetLabel: string): void {
    const cells = [
      formatRate(r.oursOpsPerSec),
      formatRate(r.peerOpsPerSec),
      `${r.ratio.toFixed(2)}x`,
      `${r.ratioMin.toFixed(2)}-${r.ratioMax.toFixed(2)}`,
      targetLabel,
    ].map((c) => c.padStart(12));
    const verdict = r.pass === null ? "info" : r.pass ? "PASS" : "MISS";
    console.log(
      `${`${r.case} vs ${r.peer}`.padEnd(this.nameWidth)} ${cells.join(" ")}  ${verdict}`,
    );
  }
}

/** 1234567 -> "1.23M"; keeps three significant digits. */
function formatRate(opsPerSec: number): string {
  if (opsPerSec >= 1e6) return `${(opsPerSec / 1e6).toPrecision(3)}M`;
  if (opsPerSec >= 1e3) return `${(opsPerSec / 1e3).toPrecision(3)}k`;
  return opsPerSec.toPrecision(3);
}
