/**
 * The README's first program runs as printed, against the built package
 * (`import ... from "tornado-ts"`), and exits by itself.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");

describe("ReadmeTest", function () {
  this.timeout(30000);

  it("runs the first example of the README", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const block = /```ts\n([\s\S]*?)```/.exec(readme);
    expect(block, "the README has a ts block").to.not.equal(null);
    // Inside the package, so that "tornado-ts" resolves to this package's build.
    const file = path.join(root, ".readme-example.tmp.ts");
    fs.writeFileSync(file, block![1]);
    try {
      const child = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", file], {
        cwd: root,
        encoding: "utf8",
        timeout: 20000,
      });
      expect(child.status, child.stderr).to.equal(0);
      // Ticks 100 ms apart for 350 ms (three, or two on a machine so loaded that one was
      // skipped), then main's result.
      expect(child.stdout).to.match(/^(tick \d+\.\d\d\n){2,3}done\n$/);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
