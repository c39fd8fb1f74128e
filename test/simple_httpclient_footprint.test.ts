/**
 * What a fetch in flight keeps in memory: the simple client, its HTTP/1 connection and the
 * stream run by callbacks, so a fetch waiting for its response holds no suspended async
 * frame and no Future besides the one `fetch()` returned (and its request's write). Every
 * fetch in flight keeps what it holds until its response ends, and what survives young
 * collections decides how soon V8 grows its new space (docs/benchmarks.md, case (d)).
 *
 * The child process (plain JavaScript from `dist/`, which `npm test` builds first) starts
 * a node:http server that holds the responses to `/hold`, makes 50 fetches wait on it,
 * and counts the objects of each kind in heap snapshots taken before and while they wait.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
const IN_FLIGHT = 50;

const CHILD = `
const http = require("node:http"), v8 = require("node:v8");
const { IOLoop } = require(${JSON.stringify(path.join(root, "dist", "ioloop"))});
const { AsyncHTTPClient } = require(${JSON.stringify(path.join(root, "dist", "httpclient"))});

/** Objects per constructor name (V8's names: "Promise", "Generator" for an async frame). */
function countObjects() {
  global.gc();
  const json = JSON.parse(Buffer.concat([...readAll(v8.getHeapSnapshot())]).toString());
  const fields = json.snapshot.meta.node_fields, types = json.snapshot.meta.node_types[0];
  const width = fields.length, typeAt = fields.indexOf("type"), nameAt = fields.indexOf("name");
  const counts = {};
  for (let i = 0; i < json.nodes.length; i += width) {
    if (types[json.nodes[i + typeAt]] !== "object") continue;
    const name = json.strings[json.nodes[i + nameAt]];
    counts[name] = (counts[name] || 0) + 1;
  }
  return counts;
}
function* readAll(stream) {
  let chunk;
  while ((chunk = stream.read()) !== null) yield chunk;
}

const held = [];
const server = http.createServer((req, res) => {
  if (req.url === "/hold") held.push(res);
  else res.end("x".repeat(100));
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => {
  const base = "http://127.0.0.1:" + server.address().port;
  IOLoop.current().runSync(async () => {
    const client = new AsyncHTTPClient({ forceInstance: true, maxClients: ${IN_FLIGHT} });
    const all = (path) => Promise.all(Array.from({ length: ${IN_FLIGHT} }, () => client.fetch(base + path)));
    // ${IN_FLIGHT} connections in the pool, and the code paths run before counting.
    for (let round = 0; round < 3; round++) await all("/small");
    await new Promise((r) => setTimeout(r, 50));
    const before = countObjects();
    const waiting = all("/hold");
    while (held.length < ${IN_FLIGHT}) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    const during = countObjects();
    for (const res of held) res.end("held");
    const responses = await waiting;
    if (!responses.every((r) => r.body.toString() === "held")) throw new Error("wrong bodies");
    const per = (name) => ((during[name] || 0) - (before[name] || 0)) / ${IN_FLIGHT};
    process.stdout.write(JSON.stringify({ promises: per("Promise"), frames: per("Generator"),
      fetches: per("FetchOperation") }));
    client.close();
    server.close();
  });
});
`;

describe("SimpleAsyncHTTPClient footprint of a fetch in flight", function () {
  this.timeout(60000);

  it("holds no async frame and no Future of its own but its result while it waits", () => {
    const child = spawnSync(process.execPath, ["--expose-gc", "-e", CHILD], {
      cwd: root,
      encoding: "utf8",
      maxBuffer: 1 << 20,
    });
    expect(child.status, child.stderr).to.equal(0);
    const per = JSON.parse(child.stdout) as { promises: number; frames: number; fetches: number };
    // The count is of the right objects: one FetchOperation per fetch in flight.
    expect(per.fetches).to.equal(1);
    // Suspended async functions (their generator objects) per fetch in flight: none. (The
    // child's own code may hold one more or less in one snapshot than in the other.)
    expect(per.frames).to.be.below(0.5);
    // The Future `fetch()` returned, the promise `Promise.all` derives from it (the
    // child's), and the Future of the request's write (settled). Before the fetch, its
    // connection and its stream ran by callbacks, there were seven, and two frames.
    expect(per.promises).to.be.below(3.5);
  });
});
