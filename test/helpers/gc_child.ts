/**
 * Runs a script in a child Node with `--expose-gc`, collects garbage a few times after it,
 * and returns what it printed on stderr: how the tests see the "Future exception was
 * never retrieved" report, which only comes when a future is really collected.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");

/** The absolute path of `src/<module>`, quoted for use inside a generated script. */
export function srcModule(module: string): string {
  return JSON.stringify(path.join(root, "src", module));
}

/**
 * Runs `body` (JavaScript, with `await` allowed) in a child process, then three rounds of
 * a short wait and `gc()`; fails the test if the child does not exit 0.
 */
export function stderrAfterGc(body: string): string {
  const script = `
    require("ts-node/register/transpile-only");
    (async () => {
      ${body}
      for (let i = 0; i < 3; i++) { await new Promise((r) => setTimeout(r, 10)); global.gc(); }
    })();
  `;
  const child = spawnSync(process.execPath, ["--expose-gc", "-e", script], {
    cwd: root,
    encoding: "utf8",
  });
  expect(child.status, child.stderr).to.equal(0);
  return child.stderr;
}
