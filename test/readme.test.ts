/**
 * The README's programs run as printed, against the built package
 * (`import ... from "tornado-ts"`), and exit by themselves.
 */
import { expect } from "chai";
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
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

  it("runs the HTTP client example of the README against a local server", async () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const block = blocks.find((text) => text.includes("AsyncHTTPClient"));
    expect(block, "the README has an AsyncHTTPClient block").to.not.equal(undefined);
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      req.on("end", () => res.end(req.method === "POST" ? "posted" : "hello"));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    // The README talks to port 8888; this test's server has whatever port was free.
    const file = path.join(root, ".readme-http.tmp.ts");
    fs.writeFileSync(file, block!.replaceAll("127.0.0.1:8888", `127.0.0.1:${port}`));
    try {
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          ["-r", "ts-node/register/transpile-only", file],
          { cwd: root, encoding: "utf8", timeout: 20000 },
          (error, out, err) =>
            error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
        );
      });
      expect(stdout).to.equal("200 hello\n200\n");
      expect(seen).to.deep.equal(["GET /", "POST /form"]);
    } finally {
      fs.rmSync(file, { force: true });
      server.close();
    }
  });
});
