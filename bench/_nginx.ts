/**
 * The HTTP server of the client benchmarks: Debian's nginx on 127.0.0.1, started with its
 * own configuration in a temporary folder and pinned to one core, serving
 * - `/small`: a 100-byte static file (Content-Length);
 * - `/chunked`: a chunked body, 16 chunks of 2 KiB and a last 3-byte one, from nginx's echo
 *   module (Debian's `libnginx-mod-http-echo`, pulled in by `nginx-light`);
 * - `/big`: a file of the size asked for (100 MiB in the benchmark), through `sendfile`.
 *
 * nginx is installed with `apt-get install nginx-light` when missing (as root, or through
 * `sudo -n`). Where nginx cannot serve a case, a plain Node `http` server pinned to the same
 * core serves it instead: `/chunked` when the echo module is absent, everything when nginx
 * cannot be had at all. {@link HTTPBenchServer.servedBy} says which served what.
 *
 * The server is stopped when the benchmark process exits, whether it ends normally, with an
 * exception or by SIGINT/SIGTERM; a server left over by a benchmark that was killed outright
 * (SIGKILL) is found by its folder and pid file and stopped on the next start.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

const HOST = "127.0.0.1";
const DIR_PREFIX = "tornado-ts-bench-nginx-";
const ECHO_MODULE = "/usr/lib/nginx/modules/ngx_http_echo_module.so";
const SMALL_BODY = Buffer.alloc(100, 0x61);
const CHUNK = Buffer.alloc(2048, 0x62);
const CHUNKS = 16;
/** Bytes of one `/chunked` body: 16 chunks of 2 KiB and "end". */
export const CHUNKED_BODY_BYTES = CHUNKS * CHUNK.length + 3;
/** Bytes of one `/small` body. */
export const SMALL_BODY_BYTES = SMALL_BODY.length;

/** Options of {@link startHTTPBenchServer}. */
export interface HTTPBenchServerOptions {
  /** Size of `/big` in bytes. */
  readonly bigFileBytes: number;
  /** Core the server is pinned to with `taskset` (when `taskset` exists). */
  readonly cpu: number;
  /** Serve everything from the Node fallback, without nginx (to compare, or to test it). */
  readonly nodeOnly?: boolean;
}

/** A running benchmark server; {@link HTTPBenchServer.stop} is idempotent. */
export interface HTTPBenchServer {
  readonly port: number;
  /** URLs of the three resources. */
  readonly urls: { readonly small: string; readonly chunked: string; readonly big: string };
  /** What serves each resource, e.g. `{ small: "nginx/1.22.1", chunked: "node:http" }`. */
  readonly servedBy: { readonly small: string; readonly chunked: string; readonly big: string };
  /** Process ids of the server processes (nginx master, node fallback), for pinning reports. */
  readonly pids: readonly number[];
  /** The server's temporary folder; removed by `stop()`, so callers may keep files there. */
  readonly dir: string;
  stop(): void;
}

/** Absolute path of `taskset`, or null when the machine has none (no pinning then). */
export function findTaskset(): string | null {
  return findExecutable("taskset");
}

/** Prefixes `argv` with `taskset -c <cpu>` when taskset exists. */
export function pinned(cpu: number, argv: readonly string[]): string[] {
  const taskset = findTaskset();
  return taskset === null ? [...argv] : [taskset, "-c", String(cpu), ...argv];
}

/** Absolute path of an executable on PATH (or in the sbin folders), or null. */
export function findExecutable(name: string): string | null {
  const dirs = (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin", "/usr/bin"]);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return null;
}

/**
 * Installs Debian packages with `apt-get install` (running `apt-get update` first if the
 * install fails), as root or through password-less `sudo -n`.
 *
 * @returns false, after logging why, when they could not be installed.
 */
export function aptInstall(packages: readonly string[], log: (line: string) => void): boolean {
  const asRoot = process.getuid?.() === 0;
  if (!asRoot && findExecutable("sudo") === null) {
    log(`  apt-get: cannot install ${packages.join(", ")}: neither root nor sudo`);
    return false;
  }
  if (findExecutable("apt-get") === null) {
    log(`  apt-get: not found; cannot install ${packages.join(", ")}`);
    return false;
  }
  const apt = (args: string[], quiet: boolean): boolean => {
    const argv = [...(asRoot ? [] : ["sudo", "-n"]), "apt-get", ...args];
    const result = spawnSync(argv[0], argv.slice(1), {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
      timeout: 600_000,
    });
    if (result.status !== 0 && !quiet) {
      log(`  apt-get ${args.join(" ")} failed: ${(result.stderr ?? "").trim()}`);
    }
    return result.status === 0;
  };
  log(`  installing Debian's ${packages.join(", ")} with apt-get`);
  const install = ["install", "-y", "-q", "--no-install-recommends", ...packages];
  return apt(install, true) || (apt(["update", "-q"], false) && apt(install, false));
}

/**
 * Finds nginx, installing Debian's `nginx-light` (with its echo module) when it is
 * missing. Returns null, after saying why, when nginx cannot be had.
 */
export function ensureNginx(log: (line: string) => void = console.log): string | null {
  const found = findExecutable("nginx");
  if (found !== null) return found;
  if (!aptInstall(["nginx-light"], log)) return null;
  return findExecutable("nginx");
}

/** A port free on 127.0.0.1 now (the kernel's pick; nginx needs a number in its config). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `port` accepts connections; rejects after `seconds` or if `child` exits. */
async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited with ${child.exitCode ?? child.signalCode} at start`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, HOST, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not listen on ${HOST}:${port} within 10 s`);
}

/** Stops nginx masters left by benchmark runs that were killed outright, and their folders. */
function reapStaleServers(): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    try {
      const pid = Number(fs.readFileSync(path.join(dir, "nginx.pid"), "utf8").trim());
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      // Only a process whose command line names this very folder is ours to stop.
      if (cmdline.includes(dir)) process.kill(pid, "SIGTERM");
    } catch {
      // no pid file, or the process is gone
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function writeFiles(dir: string, bigFileBytes: number): void {
  const www = path.join(dir, "www");
  fs.mkdirSync(www);
  fs.writeFileSync(path.join(www, "small"), SMALL_BODY);
  const fd = fs.openSync(path.join(www, "big"), "w");
  try {
    const piece = Buffer.alloc(1 << 20);
    for (let i = 0; i < piece.length; i++) piece[i] = i & 0xff;
    for (let left = bigFileBytes; left > 0; left -= piece.length) {
      fs.writeSync(fd, piece, 0, Math.min(left, piece.length));
    }
  } finally {
    fs.closeSync(fd);
  }
  // nginx's workers run as "nobody" when the master is root: the folder must be readable.
  for (const p of [dir, www, path.join(www, "small"), path.join(www, "big")]) {
    fs.chmodSync(p, fs.statSync(p).isDirectory() ? 0o755 : 0o644);
  }
}

function nginxConfig(dir: string, port: number, echo: boolean): string {
  const chunk = CHUNK.toString("latin1");
  const chunked = echo
    ? `location = /chunked { default_type text/plain; ` +
      `echo_duplicate ${CHUNKS} "${chunk}"; echo_flush; echo_duplicate 1 "end"; }`
    : "";
  return `${echo ? `load_module ${ECHO_MODULE};\n` : ""}worker_processes 1;
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/octet-stream;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  open_file_cache max=16 inactive=600s;
  open_file_cache_valid 600s;
  # One connection must carry every request of a round (nginx's default is 1,000).
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  server {
    listen ${HOST}:${port} backlog=4096;
    root ${dir}/www;
    location = /small { default_type text/plain; }
    location = /big { }
    ${chunked}
  }
}
`;
}

/**
 * The Node fallback: a keep-alive `http` server with the same three resources, run as a
 * child process pinned to the server core. Prints its port; exits when stdin closes.
 */
const NODE_SERVER_SOURCE = `
const http = require("node:http");
const fs = require("node:fs");
const [bigPath, chunks, chunkSize] = process.argv.slice(1);
const small = Buffer.alloc(100, 0x61);
const chunk = Buffer.alloc(Number(chunkSize), 0x62);
const server = http.createServer((req, res) => {
  req.resume();
  if (req.url === "/small") {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": small.length });
    res.end(small);
  } else if (req.url === "/chunked") {
    res.writeHead(200, { "Content-Type": "text/plain" });
    for (let i = 0; i < Number(chunks); i++) res.write(chunk);
    res.end("end");
  } else if (req.url === "/big") {
    const size = fs.statSync(bigPath).size;
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": size });
    fs.createReadStream(bigPath, { highWaterMark: 1 << 20 }).pipe(res);
  } else {
    res.writeHead(404, { "Content-Length": 0 });
    res.end();
  }
});
server.keepAliveTimeout = 120000;
server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + "\\n"));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
`;

async function startNodeServer(
  dir: string,
  cpu: number,
): Promise<{ child: ChildProcess; port: number }> {
  const argv = pinned(cpu, [
    process.execPath,
    "-e",
    NODE_SERVER_SOURCE,
    path.join(dir, "www", "big"),
    String(CHUNKS),
    String(CHUNK.length),
  ]);
  const child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`node fallback server exited with ${code}`)));
    child.stdout?.once("data", (data: Buffer) => resolve(Number(data.toString().trim())));
  });
  child.removeAllListeners("exit");
  return { child, port };
}

/**
 * Starts the benchmark server (nginx, or the Node fallback where nginx cannot serve) and
 * arranges for it to stop when this process exits.
 *
 * @throws `Error` when neither nginx nor the Node fallback starts.
 * @example
 * const server = await startHTTPBenchServer({ bigFileBytes: 100 * 2 ** 20, cpu: 0 });
 * try { ... fetch(server.urls.small) ... } finally { server.stop(); }
 */
export async function startHTTPBenchServer(
  options: HTTPBenchServerOptions,
  log: (line: string) => void = console.log,
): Promise<HTTPBenchServer> {
  reapStaleServers();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), DIR_PREFIX));
  const children: ChildProcess[] = [];
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    }
    fs.rmSync(dir, { recursive: true, force: true });
    process.removeListener("exit", stop);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
    stop();
    // Our handlers are gone: re-raising takes the default action (the process ends), once
    // the server processes have exited and been reaped, or after 2 s.
    const die = (): void => void process.kill(process.pid, signal);
    let left = alive.length;
    if (left === 0) return die();
    const timer = setTimeout(die, 2000);
    for (const child of alive) {
      child.once("exit", () => {
        if (--left === 0) {
          clearTimeout(timer);
          die();
        }
      });
    }
  };
  process.once("exit", stop);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    writeFiles(dir, options.bigFileBytes);
    const nginx = options.nodeOnly === true ? null : ensureNginx(log);
    let nginxPort: number | null = null;
    let version = "nginx";
    const echo = fs.existsSync(ECHO_MODULE);
    if (nginx !== null) {
      const v = spawnSync(nginx, ["-v"], { encoding: "utf8" });
      version = /nginx\/[\d.]+/.exec(v.stderr)?.[0] ?? "nginx";
      nginxPort = await freePort();
      const conf = path.join(dir, "nginx.conf");
      fs.writeFileSync(conf, nginxConfig(dir, nginxPort, echo));
      const argv = pinned(options.cpu, [nginx, "-p", dir, "-e", `${dir}/error.log`, "-c", conf]);
      const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "inherit"] });
      children.push(child);
      try {
        await waitForPort(nginxPort, child, "nginx");
      } catch (error) {
        const errors = fs.readFileSync(path.join(dir, "error.log"), "utf8");
        throw new Error(`${(error as Error).message}; error.log:\n${errors}`);
      }
    }
    let nodePort: number | null = null;
    if (nginxPort === null || !echo) {
      const fallback = await startNodeServer(dir, options.cpu);
      children.push(fallback.child);
      nodePort = fallback.port;
    }
    const base = (port: number | null): string => `http://${HOST}:${port}`;
    const main = nginxPort ?? nodePort;
    const chunkedPort = echo && nginxPort !== null ? nginxPort : nodePort;
    const mainBy = nginxPort !== null ? version : "node:http";
    return {
      port: main as number,
      urls: {
        small: `${base(main)}/small`,
        chunked: `${base(chunkedPort)}/chunked`,
        big: `${base(main)}/big`,
      },
      servedBy: {
        small: mainBy,
        chunked: chunkedPort === nginxPort ? `${version} (echo module)` : "node:http",
        big: mainBy,
      },
      pids: children.map((c) => c.pid ?? -1),
      dir,
      stop,
    };
  } catch (error) {
    stop();
    throw error;
  }
}
