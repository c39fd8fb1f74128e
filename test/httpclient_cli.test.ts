/**
 * The `tornado-ts` command (Tornado's `httpclient.main`, `python -m tornado.httpclient`)
 * against a node:http server in this process: `main()` called here with captured
 * streams for most cases, and as a real child process (from the TypeScript source and as
 * `bin/tornado-ts.js` from the build) for exit statuses. Then its argument parser alone.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as net from "node:net";
import * as path from "node:path";
import { expect } from "chai";
import { UsageError, main, parseArgs } from "../src/httpclient/cli";

const ROOT = path.resolve(__dirname, "..");

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Calls `main(args)` in this process, capturing what it writes. */
async function callMain(args: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const text = (chunk: string | Uint8Array): string =>
    typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
  const status = await main(args, {
    stdout: { write: (chunk) => (stdout += text(chunk)) },
    stderr: { write: (chunk) => (stderr += text(chunk)) },
  });
  return { status, stdout, stderr };
}

/** Runs the command in a child process (from the TypeScript source, or `program`). */
function runCLI(args: string[], program: string[] = []): Promise<Run> {
  const argv =
    program.length > 0
      ? program
      : ["-r", "ts-node/register/transpile-only", path.join("src", "httpclient", "cli.ts")];
  const child = spawn(process.execPath, [...argv, ...args], { cwd: ROOT });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill(), 25000);
  return new Promise((resolve) => {
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe("httpclient main (the tornado-ts command)", function () {
  this.timeout(30000);
  let server: http.Server;
  let base: string;

  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === "/hello") {
        res.writeHead(200, { "Content-Type": "text/plain", "X-Served-By": "test" });
        res.end("Hello world!");
      } else if (req.url === "/redirect") {
        res.writeHead(302, { Location: "/hello" });
        res.end("moved");
      } else {
        res.writeHead(404, { "Content-Type": "text/plain" });
        res.end(`not here: ${req.url ?? ""}`);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("prints the body and a newline, as a child process exiting 0", async () => {
    const run = await runCLI([`${base}/hello`]);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.equal("Hello world!\n");
    expect(run.stderr).to.equal("");
  });

  it("prints each URL in turn", async () => {
    const run = await callMain([`${base}/hello`, `${base}/hello`]);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.equal("Hello world!\nHello world!\n");
  });

  it("prints the headers, a blank line, then the body with --print_headers", async () => {
    const run = await callMain(["--print_headers", `${base}/hello`]);
    expect(run.status, run.stderr).to.equal(0);
    const [head, body] = run.stdout.split("\n\n");
    expect(head.split("\n")).to.include.members(["Content-Type: text/plain", "X-Served-By: test"]);
    expect(body).to.equal("Hello world!\n");
  });

  it("prints only the headers with --print_headers --print_body=false", async () => {
    const run = await callMain(["--print-headers", "--print_body=false", `${base}/hello`]);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.contain("X-Served-By: test\n");
    expect(run.stdout).not.to.contain("Hello world!");
  });

  it("follows redirects by default", async () => {
    const run = await callMain([`${base}/redirect`]);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.equal("Hello world!\n");
  });

  it("shows the 302 itself with --follow_redirects=false", async () => {
    const run = await callMain(["--follow_redirects=false", "--print_headers", `${base}/redirect`]);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.contain("Location: /hello\n");
    expect(run.stdout).to.match(/\n\nmoved\n$/);
  });

  it("accepts --name value for booleans and strings", async () => {
    const run = await callMain(["--follow_redirects", "0", `${base}/redirect`]);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.equal("moved\n");
  });

  it("prints a 404's body, reports it on stderr and exits 1", async () => {
    const run = await runCLI([`${base}/missing`, `${base}/hello`]);
    expect(run.status).to.equal(1);
    // As in Tornado the error response is printed like any other, and the next URL runs.
    expect(run.stdout).to.equal("not here: /missing\nHello world!\n");
    expect(run.stderr).to.equal(`tornado-ts: ${base}/missing: HTTP 404: Not Found\n`);
  });

  it("reports a refused connection on stderr, stops and exits 1", async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const run = await callMain([`http://127.0.0.1:${port}/`, `${base}/hello`]);
    expect(run.status).to.equal(1);
    expect(run.stdout).to.equal("");
    expect(run.stderr).to.contain(`tornado-ts: http://127.0.0.1:${port}/: `);
    expect(run.stderr).to.contain("ECONNREFUSED");
  });

  for (const [why, args] of [
    ["an unknown option", ["--verbose", "http://127.0.0.1:1/"]],
    ["no URL", ["--print_headers"]],
    ["a bad boolean", ["--print_body=maybe", "http://127.0.0.1:1/"]],
    ["a bad port", ["--proxy_port=http", "http://127.0.0.1:1/"]],
    ["a missing value", ["--proxy_host"]],
  ] as const) {
    it(`exits 2 with the usage line for ${why}`, async () => {
      const run = await callMain([...args]);
      expect(run.status).to.equal(2);
      expect(run.stdout).to.equal("");
      expect(run.stderr).to.match(/^tornado-ts: .+\nUsage: tornado-ts /);
    });
  }

  it("exits 2 as a child process on bad usage", async () => {
    const run = await runCLI(["--bogus"]);
    expect(run.status).to.equal(2);
    expect(run.stderr).to.contain("Usage: tornado-ts ");
  });

  it("prints the usage line on stdout for --help", async () => {
    const run = await callMain(["--help"]);
    expect(run.status).to.equal(0);
    expect(run.stdout).to.match(/^Usage: tornado-ts .*URL\.\.\.\n$/);
  });

  it("runs as bin/tornado-ts.js from the build", async function () {
    if (!fs.existsSync(path.join(ROOT, "dist", "httpclient", "cli.js"))) this.skip();
    const run = await runCLI([`${base}/hello`], [path.join("bin", "tornado-ts.js")]);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.equal("Hello world!\n");
  });
});

describe("httpclient main: parseArgs", () => {
  it("has Tornado's defaults", () => {
    expect(parseArgs(["http://a/"])).to.deep.equal({
      printHeaders: false,
      printBody: true,
      followRedirects: true,
      validateCert: true,
      proxyHost: undefined,
      proxyPort: undefined,
      help: false,
      urls: ["http://a/"],
    });
  });

  it("reads --name=value, --name value, dashes and bare booleans", () => {
    const options = parseArgs([
      "--print-headers",
      "--print_body",
      "0",
      "--validate_cert=FALSE",
      "--follow_redirects=1",
      "--proxy_host",
      "proxy.local",
      "--proxy-port=3128",
      "http://a/",
      "--not-an-option",
    ]);
    expect(options).to.include({
      printHeaders: true,
      printBody: false,
      validateCert: false,
      followRedirects: true,
      proxyHost: "proxy.local",
      proxyPort: 3128,
    });
    // Options end at the first URL, as in Tornado's parse_command_line.
    expect(options.urls).to.deep.equal(["http://a/", "--not-an-option"]);
  });

  it("takes everything after -- as URLs", () => {
    expect(parseArgs(["--", "--odd"]).urls).to.deep.equal(["--odd"]);
  });

  it("does not take a URL as a boolean's value", () => {
    const options = parseArgs(["--print_headers", "http://a/"]);
    expect(options.printHeaders).to.equal(true);
    expect(options.urls).to.deep.equal(["http://a/"]);
  });

  it("throws UsageError for what it does not accept", () => {
    expect(() => parseArgs(["--nope", "u"])).to.throw(UsageError, 'option: "nope"');
    expect(() => parseArgs([])).to.throw(UsageError, "No URL given");
    expect(() => parseArgs(["--proxy_port=0", "u"])).to.throw(UsageError, "proxy_port");
  });
});
