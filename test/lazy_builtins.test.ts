/**
 * Tests that `node:tls` and `node:worker_threads` are loaded only when something needs
 * them (see `src/util/_lazy_builtins.ts`): each case runs in a child Node, against a
 * node:http or node:https server started in the child, and records which of the two our
 * own modules (files under `src/`) asked for. (The child's module list cannot tell: the
 * child loads ts-node, which loads `worker_threads` itself.)
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { TLS_FIXTURES } from "./helpers/tls";

const root = path.resolve(__dirname, "..");
const srcDir = path.join(root, "src");

/** Runs `body` (async JavaScript) in a child; returns the watched built-ins `src/` required. */
function builtinsLoadedBy(body: string): string[] {
  const script = `
    const Module = require("node:module");
    const asked = new Set();
    const load = Module._load;
    Module._load = function (request, parent, ...rest) {
      const name = request.replace(/^node:/, "");
      if ((name === "tls" || name === "worker_threads") &&
          parent && parent.filename.startsWith(${JSON.stringify(srcDir + path.sep)})) {
        asked.add(name);
      }
      return load.call(this, request, parent, ...rest);
    };
    require("ts-node/register/transpile-only");
    const src = (m) => require(${JSON.stringify(srcDir)} + "/" + m);
    (async () => {
      ${body}
      process.stdout.write(JSON.stringify([...asked].sort()));
    })().catch((e) => { console.error(e); process.exit(1); });
  `;
  const child = spawnSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8" });
  expect(child.status, child.stderr).to.equal(0);
  return JSON.parse(child.stdout) as string[];
}

describe("Lazily loaded built-ins", function () {
  this.timeout(30000);

  it("loads neither node:tls nor node:worker_threads for a plain-HTTP fetch", () => {
    const loaded = builtinsLoadedBy(`
      const http = require("node:http");
      const { IOLoop } = src("ioloop");
      const { AsyncHTTPClient } = src("httpclient");
      const server = http.createServer((req, res) => res.end("hello"));
      await new Promise((r) => server.listen(0, "127.0.0.1", r));
      await IOLoop.current().runSync(async () => {
        const client = new AsyncHTTPClient({ forceInstance: true });
        const response = await client.fetch("http://127.0.0.1:" + server.address().port + "/");
        if (response.body.toString() !== "hello") throw new Error("wrong body");
        client.close();
      });
      server.close();
    `);
    expect(loaded).to.deep.equal([]);
  });

  it("loads node:tls for an HTTPS fetch, and node:worker_threads for an executor", () => {
    const loaded = builtinsLoadedBy(`
      const https = require("node:https");
      const fs = require("node:fs");
      const { IOLoop } = src("ioloop");
      const { AsyncHTTPClient } = src("httpclient");
      const server = https.createServer({
        cert: fs.readFileSync(${JSON.stringify(path.join(TLS_FIXTURES, "server.pem"))}),
        key: fs.readFileSync(${JSON.stringify(path.join(TLS_FIXTURES, "server.key"))}),
      }, (req, res) => res.end("secure"));
      await new Promise((r) => server.listen(0, "127.0.0.1", r));
      await IOLoop.current().runSync(async () => {
        const client = new AsyncHTTPClient({ forceInstance: true });
        const url = "https://127.0.0.1:" + server.address().port + "/";
        const response = await client.fetch(url, { validateCert: false });
        if (response.body.toString() !== "secure") throw new Error("wrong body");
        client.close();
        const sum = await IOLoop.current().runInExecutor(null, (a, b) => a + b, 2, 3);
        if (sum !== 5) throw new Error("wrong sum");
      });
      server.close();
    `);
    expect(loaded).to.deep.equal(["tls", "worker_threads"]);
  });
});
