/** Runs a program of examples/ as a script, the way a user would. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");

/** What an example printed, and how it exited. */
export interface ExampleRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `examples/<name>.ts` through ts-node in a child process (90 s at most: a loaded machine compiles slowly). */
export function runExample(name: string): ExampleRun {
  const child = spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", path.join("examples", `${name}.ts`)],
    { cwd: root, encoding: "utf8", timeout: 90000 },
  );
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}
