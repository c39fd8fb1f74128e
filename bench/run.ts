/**
 * Runs every benchmark suite in one process and prints one table of ours/peer ratios,
 * ending with a JSON summary line. Exits 0 even when targets are missed (benchmarks
 * report, they do not test) and 1 on an exception.
 *
 * Usage: `node -r ts-node/register/transpile-only bench/run.ts [--quick] [--filter <text>]`
 *
 * To add a suite: import it and append it to `SUITES`.
 */
import { parseOptions, runSuites, type Suite } from "./_harness";
import { httpClientSuite } from "./httpclient.bench";
import { httpParserSuite } from "./http_parser.bench";
import { iostreamSuite } from "./iostream.bench";
import { locksQueuesSuite } from "./locks_queues.bench";
import { loopSuite } from "./loop.bench";

const SUITES: readonly Suite[] = [
  loopSuite,
  locksQueuesSuite,
  iostreamSuite,
  httpParserSuite,
  httpClientSuite,
];

async function main(): Promise<void> {
  await runSuites(SUITES, parseOptions(process.argv.slice(2)));
}

main().catch((error: unknown) => {
  console.error("benchmark failed:", error);
  process.exitCode = 1;
});
