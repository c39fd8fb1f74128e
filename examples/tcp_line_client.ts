/**
 * tcp_line_client: a line protocol over TCP and TLS with `TCPClient` and `IOStream`.
 *
 * The program starts two local servers (plain and TLS, with the test certificates from
 * test/fixtures/tls) that answer each line with its upper-case form, connects to each with
 * `TCPClient`, writes three lines, reads the answers with `readUntil("\n")`, pipelines a
 * thousand more (taking the buffered answers with `tryReadUntil`, no `await` each), then shows
 * two failures ending in named errors: a refused port and a delimiter that never comes
 * within `maxBytes`. Nothing leaves 127.0.0.1.
 *
 * Run it: `npx ts-node examples/tcp_line_client.ts`.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import * as tls from "node:tls";
import { IOLoop } from "../src/ioloop";
import { StreamClosedError, type IOStream } from "../src/iostream";
import { TCPClient } from "../src/tcpclient";

const TLS_DIR = path.join(__dirname, "..", "test", "fixtures", "tls");

/** Answers every line with its upper-case form; "silence" gets endless bytes, no newline. */
function serveLines(socket: net.Socket): void {
  let pending = "";
  socket.on("data", (data) => {
    pending += data.toString("utf8");
    for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      socket.write(line === "silence" ? "x".repeat(4096) : `${line.toUpperCase()}\n`);
    }
  });
  socket.on("error", () => socket.destroy());
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)),
  );
}

/**
 * Sends `count` lines in one write, then reads the answers. Most of them are in the
 * stream's buffer by the time they are asked for, so `tryReadUntil` hands each over at
 * once, without a Future or an `await`; only an answer still on its way is awaited with
 * `readUntil`. Awaiting every line would cost a trip through the microtask queue each,
 * even for a line already there (Python's `await` goes straight on for a done future;
 * see "`await` resumes on the microtask queue" in docs/porting.md).
 */
async function pipelined(stream: IOStream, count: number): Promise<boolean> {
  const lines = Array.from({ length: count }, (_, i) => `line ${i}`);
  await stream.write(lines.map((line) => `${line}\n`).join(""));
  for (const line of lines) {
    const answer = stream.tryReadUntil("\n") ?? (await stream.readUntil("\n"));
    if (answer.toString("utf8") !== `${line.toUpperCase()}\n`) return false;
  }
  return true;
}

async function talk(stream: IOStream, lines: string[]): Promise<string[]> {
  const answers: string[] = [];
  for (const line of lines) {
    await stream.write(`${line}\n`);
    answers.push((await stream.readUntil("\n")).toString("utf8").trimEnd());
  }
  return answers;
}

/** Talks to both servers and provokes two failures; returns what it printed. */
export async function main(): Promise<string[]> {
  const out: string[] = [];
  const say = (line: string): void => {
    out.push(line);
    console.log(line);
  };
  const plain = net.createServer(serveLines);
  const secure = tls.createServer(
    {
      cert: fs.readFileSync(path.join(TLS_DIR, "server.pem")),
      key: fs.readFileSync(path.join(TLS_DIR, "server.key")),
    },
    serveLines,
  );
  const client = new TCPClient();
  try {
    const plainPort = await listen(plain);
    const securePort = await listen(secure);

    const stream = await client.connect("127.0.0.1", plainPort);
    say(`tcp:  ${(await talk(stream, ["hello", "tornado", "ts"])).join(" ")}`);
    say(`pipelined: 1000 answers ${(await pipelined(stream, 1000)) ? "in order" : "WRONG"}`);

    const secured = await client.connect("localhost", securePort, {
      sslOptions: { caCerts: path.join(TLS_DIR, "ca.pem") },
    });
    say(`tls:  ${(await talk(secured, ["verified", "by", "our ca"])).join(" ")}`);

    try {
      await stream.write("silence\n");
      await stream.readUntil("\n", { maxBytes: 1024 });
    } catch (error) {
      const real = (error as StreamClosedError).realError;
      say(`no newline within 1024 bytes: ${(error as Error).name} (${real?.name})`);
    }
    secured.close();

    const refused = new net.Server();
    const closedPort = await listen(refused);
    await new Promise((resolve) => refused.close(resolve));
    try {
      await client.connect("127.0.0.1", closedPort);
    } catch (error) {
      const real = (error as StreamClosedError).realError as NodeJS.ErrnoException | undefined;
      say(`closed port: ${(error as Error).name} (${real?.code})`);
    }
  } finally {
    client.close();
    plain.close();
    secure.close();
  }
  return out;
}

if (require.main === module) IOLoop.current().runSync(main);
