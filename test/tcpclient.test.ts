/**
 * Tests of `tcpclient`, named after Tornado's tcpclient_test.py.
 *
 * `ConnectorTest` drives the Happy Eyeballs state machine with Futures the test settles
 * itself (as Tornado's does): no sockets, only the state machine. `TCPClientTest` and the
 * TLS tests connect to real servers on 127.0.0.1 and ::1.
 */
import { expect } from "chai";
import * as net from "node:net";
import * as tls from "node:tls";
import { Future } from "../src/concurrent";
import { IOLoop } from "../src/ioloop";
import { IOStream, SSLIOStream, StreamClosedError } from "../src/iostream";
import {
  DefaultResolver,
  OverrideResolver,
  Resolver,
  ResolverError,
  type AddressFamily,
  type ResolveOptions,
  type ResolvedAddress,
  type SocketAddress,
} from "../src/netutil";
import { TCPClient } from "../src/tcpclient";
import { Connector, INITIAL_CONNECT_TIMEOUT } from "../src/tcpclient/_connector";
import { genLog } from "../src/log";
import { ExpectLog, bindUnusedPort, type BoundPort } from "../src/testing";
import { TimeoutError } from "../src/util";
import { nextTurn, useFreshLoop, useVirtualLoop } from "./helpers/loop";
import { loadTestCerts } from "./helpers/tls";
import { rejection } from "./helpers/assertions";

/** Tornado's ConnectorTest uses two made-up families; these are the two real ones. */
const AF1: AddressFamily = 4;
const AF2: AddressFamily = 6;

/** A stream that only records that it was closed (Tornado's `FakeStream`). */
class FakeStream {
  closed = false;
  constructor(readonly name: string) {}
  close(): void {
    this.closed = true;
  }
}

/** The error a failed fake attempt ends with (Tornado's `IOError()`). */
class FakeConnectError extends Error {
  override name = "FakeConnectError";
}

/** An address whose host is a letter, as in Tornado's tests. */
function addr(name: string): SocketAddress {
  return { host: name, port: 80 };
}

/**
 * The fake `connect` of Tornado's ConnectorTest: each attempt gets a FakeStream and a
 * Future that the test settles through `resolveConnect`.
 */
class ConnectorHarness {
  readonly connectFutures = new Map<string, Future<FakeStream>>();
  readonly streams = new Map<string, FakeStream>();
  readonly addrinfo: ResolvedAddress[] = [
    [AF1, addr("a")],
    [AF1, addr("b")],
    [AF2, addr("c")],
    [AF2, addr("d")],
  ];

  constructor(private readonly _loop: () => IOLoop) {}

  readonly createStream = (af: AddressFamily, address: SocketAddress) => {
    const stream = new FakeStream(address.host);
    this.streams.set(address.host, stream);
    const future = new Future<FakeStream>();
    this.connectFutures.set(key(af, address.host), future);
    return [stream, future] as const;
  };

  /** Tornado's `assert_pending`: exactly these attempts are in progress. */
  assertPending(...keys: [AddressFamily, string][]): void {
    expect([...this.connectFutures.keys()].sort()).to.deep.equal(
      keys.map(([af, name]) => key(af, name)).sort(),
    );
  }

  /** Settles one attempt, then lets the loop run the callbacks that follow. */
  async resolveConnect(af: AddressFamily, name: string, success: boolean): Promise<void> {
    const k = key(af, name);
    const future = this.connectFutures.get(k);
    if (future === undefined) throw new Error(`no pending attempt ${k}`);
    this.connectFutures.delete(k);
    if (success) {
      future.setResult(this.streams.get(name) as FakeStream);
    } else {
      this.streams.delete(name);
      future.setException(new FakeConnectError(`cannot connect to ${name}`));
    }
    await nextTurn(this._loop());
  }

  /** Forgets an attempt the connector closed, checking that its stream is closed. */
  popClosed(af: AddressFamily, name: string): void {
    expect(this.connectFutures.delete(key(af, name)), `attempt ${name} pending`).to.equal(true);
    const stream = this.streams.get(name);
    this.streams.delete(name);
    expect(stream?.closed, `stream ${name} closed`).to.equal(true);
  }

  /** Tornado's `assert_connector_streams_closed`. */
  assertConnectorStreamsClosed(conn: Connector<FakeStream>): void {
    for (const stream of conn.streams) expect(stream.closed, stream.name).to.equal(true);
  }

  /** Tornado's tearDown: streams the test did not check must not have been closed. */
  assertOthersOpen(): void {
    for (const [name, stream] of this.streams) expect(stream.closed, name).to.equal(false);
  }

  /** Tornado's `start_connect`: huge timeouts, so the test triggers them by hand. */
  startConnect(addrinfo: ResolvedAddress[]) {
    const conn = new Connector(addrinfo, this.createStream);
    const future = conn.start({
      secondaryDelay: 3600,
      connectDeadline: this._loop().time() + 3600,
    });
    return { conn, future };
  }
}

function key(af: AddressFamily, name: string): string {
  return `${af}/${name}`;
}

/** The class name of the error `future` failed with. */
function failure(future: Future<unknown>): string {
  expect(future.done(), "connector future done").to.equal(true);
  const error = future.exception();
  expect(error, "connector future failed").to.be.instanceOf(Error);
  return (error as Error).name;
}

describe("ConnectorTest", () => {
  const t = useFreshLoop();
  let h: ConnectorHarness;
  beforeEach(() => {
    h = new ConnectorHarness(() => t.loop);
  });
  /** Runs a test body on the loop, then Tornado's tearDown check. */
  const run = async (body: () => Promise<void>): Promise<void> => {
    await t.loop.runSync(body);
    h.assertOthersOpen();
  };

  it("settles with the first address when it connects (test_immediate_success)", () =>
    run(async () => {
      const { future } = h.startConnect(h.addrinfo);
      h.assertPending([AF1, "a"]);
      await h.resolveConnect(AF1, "a", true);
      expect(future.result()).to.deep.equal([AF1, addr("a"), h.streams.get("a")]);
    }));

  it("fails when the only address fails (test_immediate_failure)", () =>
    run(async () => {
      const { future } = h.startConnect([[AF1, addr("a")]]);
      h.assertPending([AF1, "a"]);
      await h.resolveConnect(AF1, "a", false);
      expect(failure(future)).to.equal("FakeConnectError");
    }));

  it("tries the next address of the family after a failure (test_one_family_second_try)", () =>
    run(async () => {
      const { future } = h.startConnect([
        [AF1, addr("a")],
        [AF1, addr("b")],
      ]);
      h.assertPending([AF1, "a"]);
      await h.resolveConnect(AF1, "a", false);
      h.assertPending([AF1, "b"]);
      await h.resolveConnect(AF1, "b", true);
      expect(future.result()).to.deep.equal([AF1, addr("b"), h.streams.get("b")]);
    }));

  it("fails when every address of the family fails (test_one_family_second_try_failure)", () =>
    run(async () => {
      const { future } = h.startConnect([
        [AF1, addr("a")],
        [AF1, addr("b")],
      ]);
      h.assertPending([AF1, "a"]);
      await h.resolveConnect(AF1, "a", false);
      h.assertPending([AF1, "b"]);
      await h.resolveConnect(AF1, "b", false);
      expect(failure(future)).to.equal("FakeConnectError");
    }));

  it("ignores the secondary timeout with one family (test_one_family_second_try_timeout)", () =>
    run(async () => {
      const { conn, future } = h.startConnect([
        [AF1, addr("a")],
        [AF1, addr("b")],
      ]);
      h.assertPending([AF1, "a"]);
      // The timeout while the first attempt is pending starts nothing.
      conn.onTimeout();
      h.assertPending([AF1, "a"]);
      await h.resolveConnect(AF1, "a", false);
      h.assertPending([AF1, "b"]);
      await h.resolveConnect(AF1, "b", true);
      expect(future.result()).to.deep.equal([AF1, addr("b"), h.streams.get("b")]);
    }));

  it("starts the second family at once when the first fails (test_two_families_immediate_failure)", () =>
    run(async () => {
      const { future } = h.startConnect(h.addrinfo);
      h.assertPending([AF1, "a"]);
      await h.resolveConnect(AF1, "a", false);
      h.assertPending([AF1, "b"], [AF2, "c"]);
      await h.resolveConnect(AF1, "b", false);
      await h.resolveConnect(AF2, "c", true);
      expect(future.result()).to.deep.equal([AF2, addr("c"), h.streams.get("c")]);
    }));

  it("starts the second family on the timeout (test_two_families_timeout)", () =>
    run(async () => {
      const { conn, future } = h.startConnect(h.addrinfo);
      h.assertPending([AF1, "a"]);
      conn.onTimeout();
      h.assertPending([AF1, "a"], [AF2, "c"]);
      await h.resolveConnect(AF2, "c", true);
      expect(future.result()).to.deep.equal([AF2, addr("c"), h.streams.get("c")]);
      // A failure of "a" after the outcome does not start "b".
      await h.resolveConnect(AF1, "a", false);
      h.assertPending();
    }));

  it("closes a late success (test_success_after_timeout)", () =>
    run(async () => {
      const { conn, future } = h.startConnect(h.addrinfo);
      h.assertPending([AF1, "a"]);
      conn.onTimeout();
      h.assertPending([AF1, "a"], [AF2, "c"]);
      await h.resolveConnect(AF1, "a", true);
      expect(future.result()).to.deep.equal([AF1, addr("a"), h.streams.get("a")]);
      // "c" connecting after the outcome is closed.
      await h.resolveConnect(AF2, "c", true);
      expect(h.streams.get("c")?.closed).to.equal(true);
      h.streams.delete("c");
    }));

  it("fails only when both families are exhausted (test_all_fail)", () =>
    run(async () => {
      const { conn, future } = h.startConnect(h.addrinfo);
      h.assertPending([AF1, "a"]);
      conn.onTimeout();
      h.assertPending([AF1, "a"], [AF2, "c"]);
      await h.resolveConnect(AF2, "c", false);
      h.assertPending([AF1, "a"], [AF2, "d"]);
      await h.resolveConnect(AF2, "d", false);
      // One queue is now empty.
      h.assertPending([AF1, "a"]);
      await h.resolveConnect(AF1, "a", false);
      h.assertPending([AF1, "b"]);
      expect(future.done()).to.equal(false);
      await h.resolveConnect(AF1, "b", false);
      expect(failure(future)).to.equal("FakeConnectError");
      // The last error is raised; every attempt's error rides along, in order.
      const error = future.exception() as Error & { errors: Error[] };
      expect(error.message).to.equal("cannot connect to b");
      expect(error.errors.map((e) => e.message)).to.deep.equal([
        "cannot connect to c",
        "cannot connect to d",
        "cannot connect to a",
        "cannot connect to b",
      ]);
    }));

  it("closes the attempt at the connect timeout (test_one_family_timeout_after_connect_timeout)", () =>
    run(async () => {
      const { conn, future } = h.startConnect([
        [AF1, addr("a")],
        [AF1, addr("b")],
      ]);
      h.assertPending([AF1, "a"]);
      conn.onConnectTimeout();
      h.popClosed(AF1, "a");
      conn.onTimeout();
      // Once timed out, no further address is tried.
      h.assertPending();
      expect(conn.streams.size).to.equal(1);
      h.assertConnectorStreamsClosed(conn);
      expect(failure(future)).to.equal("TimeoutError");
    }));

  it("keeps the winner open at a later connect timeout (test_one_family_success_before_connect_timeout)", () =>
    run(async () => {
      const { conn, future } = h.startConnect([
        [AF1, addr("a")],
        [AF1, addr("b")],
      ]);
      h.assertPending([AF1, "a"]);
      await h.resolveConnect(AF1, "a", true);
      conn.onConnectTimeout();
      h.assertPending();
      expect(h.streams.get("a")?.closed).to.equal(false);
      // The winner is no longer the connector's.
      expect(conn.streams.size).to.equal(0);
      h.assertConnectorStreamsClosed(conn);
      expect(future.result()).to.deep.equal([AF1, addr("a"), h.streams.get("a")]);
    }));

  it("closes the second try at the connect timeout (test_one_family_second_try_after_connect_timeout)", () =>
    run(async () => {
      const { conn, future } = h.startConnect([
        [AF1, addr("a")],
        [AF1, addr("b")],
      ]);
      h.assertPending([AF1, "a"]);
      await h.resolveConnect(AF1, "a", false);
      h.assertPending([AF1, "b"]);
      conn.onConnectTimeout();
      h.popClosed(AF1, "b");
      h.assertPending();
      expect(conn.streams.size).to.equal(2);
      h.assertConnectorStreamsClosed(conn);
      expect(failure(future)).to.equal("TimeoutError");
    }));

  it("keeps the connect error at a later connect timeout (test_one_family_second_try_failure_before_connect_timeout)", () =>
    run(async () => {
      const { conn, future } = h.startConnect([
        [AF1, addr("a")],
        [AF1, addr("b")],
      ]);
      h.assertPending([AF1, "a"]);
      await h.resolveConnect(AF1, "a", false);
      h.assertPending([AF1, "b"]);
      await h.resolveConnect(AF1, "b", false);
      conn.onConnectTimeout();
      h.assertPending();
      expect(conn.streams.size).to.equal(2);
      h.assertConnectorStreamsClosed(conn);
      expect(failure(future)).to.equal("FakeConnectError");
    }));

  it("closes both families at the connect timeout (test_two_family_timeout_before_connect_timeout)", () =>
    run(async () => {
      const { conn, future } = h.startConnect(h.addrinfo);
      h.assertPending([AF1, "a"]);
      conn.onTimeout();
      h.assertPending([AF1, "a"], [AF2, "c"]);
      conn.onConnectTimeout();
      h.popClosed(AF1, "a");
      h.popClosed(AF2, "c");
      h.assertPending();
      expect(conn.streams.size).to.equal(2);
      h.assertConnectorStreamsClosed(conn);
      expect(failure(future)).to.equal("TimeoutError");
    }));

  it("closes the other family when one wins (test_two_family_success_after_timeout)", () =>
    run(async () => {
      const { conn, future } = h.startConnect(h.addrinfo);
      h.assertPending([AF1, "a"]);
      conn.onTimeout();
      h.assertPending([AF1, "a"], [AF2, "c"]);
      await h.resolveConnect(AF1, "a", true);
      // The winner closes every other attempt.
      h.popClosed(AF2, "c");
      h.assertPending();
      expect(conn.streams.size).to.equal(1);
      h.assertConnectorStreamsClosed(conn);
      expect(future.result()).to.deep.equal([AF1, addr("a"), h.streams.get("a")]);
    }));

  it("starts no second family after the connect timeout (test_two_family_timeout_after_connect_timeout)", () =>
    run(async () => {
      const { conn, future } = h.startConnect(h.addrinfo);
      h.assertPending([AF1, "a"]);
      conn.onConnectTimeout();
      h.popClosed(AF1, "a");
      h.assertPending();
      conn.onTimeout();
      // Timed out: the secondary addresses are not tried.
      h.assertPending();
      expect(conn.streams.size).to.equal(1);
      h.assertConnectorStreamsClosed(conn);
      expect(failure(future)).to.equal("TimeoutError");
    }));

  it("splits addresses by the family of the first one, keeping their order", () => {
    const six = (n: string): ResolvedAddress => [6, addr(n)];
    const four = (n: string): ResolvedAddress => [4, addr(n)];
    expect(Connector.split([six("a"), four("b"), six("c"), four("d")])).to.deep.equal([
      [six("a"), six("c")],
      [four("b"), four("d")],
    ]);
    expect(Connector.split([four("a")])).to.deep.equal([[four("a")], []]);
  });

  it("counts a connect function that throws as a failed attempt", () =>
    run(async () => {
      const conn = new Connector(h.addrinfo, (af, address) => {
        if (address.host === "a") throw new FakeConnectError("cannot bind");
        return h.createStream(af, address);
      });
      const future = conn.start({ secondaryDelay: 3600 });
      // "a" failed at once: "b" and the second family start without waiting.
      h.assertPending([AF1, "b"], [AF2, "c"]);
      await h.resolveConnect(AF2, "c", true);
      h.popClosed(AF1, "b");
      expect(future.result()[2]).to.equal(h.streams.get("c"));
    }));

  it("refuses an empty address list", () => {
    expect(() => new Connector([], h.createStream)).to.throw(RangeError, "at least one address");
  });

  it("leaves no timer behind once it failed", () =>
    run(async () => {
      const { future } = h.startConnect([[AF1, addr("a")]]);
      await h.resolveConnect(AF1, "a", false);
      expect(failure(future)).to.equal("FakeConnectError");
      expect(t.loop._pendingWork().timeouts).to.equal(0);
    }));
});

describe("ConnectorTimersTest", () => {
  const v = useVirtualLoop();
  let h: ConnectorHarness;
  beforeEach(() => {
    h = new ConnectorHarness(() => v.loop);
  });

  it("starts the second family after INITIAL_CONNECT_TIMEOUT (0.3 s)", () =>
    v.run(async () => {
      expect(INITIAL_CONNECT_TIMEOUT).to.equal(0.3);
      const conn = new Connector(h.addrinfo, h.createStream);
      const future = conn.start();
      await v.sleep(0.29);
      h.assertPending([AF1, "a"]);
      await v.sleep(0.02);
      h.assertPending([AF1, "a"], [AF2, "c"]);
      await h.resolveConnect(AF2, "c", true);
      h.popClosed(AF1, "a");
      expect(future.result()[2]).to.equal(h.streams.get("c"));
    }));

  it("fails with TimeoutError at the connect deadline and closes every attempt", () =>
    v.run(async () => {
      const conn = new Connector(h.addrinfo, h.createStream);
      const future = conn.start({ connectDeadline: v.loop.time() + 1 });
      await v.sleep(0.5);
      h.assertPending([AF1, "a"], [AF2, "c"]);
      expect(future.done()).to.equal(false);
      await v.sleep(0.5);
      const error = future.exception();
      expect(error).to.be.instanceOf(TimeoutError);
      expect((error as Error).message).to.equal("Timeout while connecting");
      // The closed attempts fail later; the connector no longer reacts (no "b", no "d").
      await h.resolveConnect(AF1, "a", false);
      await h.resolveConnect(AF2, "c", false);
      h.assertPending();
      expect(conn.streams.size).to.equal(2);
      h.assertConnectorStreamsClosed(conn);
    }));
});

/** True when this machine can listen on ::1 (some containers have no IPv6 loopback). */
async function canListenOnIPv6(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(0, "::1", () => server.close(() => resolve(true)));
  });
}

/** True when "localhost" resolves to ::1 here (Tornado's `skipIfLocalhostV4`). */
async function localhostHasIPv6(): Promise<boolean> {
  const loop = new IOLoop({ makeCurrent: false });
  try {
    const answers = await loop.runSync(() => new DefaultResolver().resolve("localhost", 80));
    return answers.some(([family]) => family === 6);
  } catch {
    return false;
  } finally {
    loop.close();
  }
}

/** A port on 127.0.0.1 where nothing listens (Tornado's `refusing_port`). */
async function refusingPort(address = "127.0.0.1"): Promise<number> {
  const bound = await bindUnusedPort({ address });
  await bound.close();
  return bound.port;
}

/** A resolver that answers every name with a fixed list (or never, with `null`). */
class FixedResolver extends Resolver {
  readonly calls: [string, number, ResolveOptions | undefined][] = [];
  closed = 0;
  constructor(private readonly _answer: ResolvedAddress[] | null) {
    super();
  }

  resolve(host: string, port: number, options?: ResolveOptions): Future<ResolvedAddress[]> {
    this.calls.push([host, port, options]);
    const future = new Future<ResolvedAddress[]>();
    if (this._answer !== null) future.setResult(this._answer);
    return future;
  }

  override close(): void {
    this.closed++;
  }
}

/**
 * A plain TCP server that queues the sockets it accepts (Tornado's `TestTCPServer`).
 * Family 4 listens on 127.0.0.1, 6 on ::1, 0 on both (dual-stack "::", or 127.0.0.1
 * alone when there is no IPv6).
 */
class TestTCPServer {
  readonly sockets: net.Socket[] = [];
  private _waiters: ((socket: net.Socket) => void)[] = [];

  private constructor(readonly bound: BoundPort) {
    bound.server.on("connection", (socket: net.Socket) => {
      const waiter = this._waiters.shift();
      if (waiter) waiter(socket);
      else this.sockets.push(socket);
    });
  }

  static async start(family: 0 | 4 | 6, ipv6: boolean): Promise<TestTCPServer> {
    const address = family === 4 ? "127.0.0.1" : family === 6 ? "::1" : ipv6 ? "::" : "127.0.0.1";
    return new TestTCPServer(await bindUnusedPort({ address }));
  }

  get port(): number {
    return this.bound.port;
  }

  /** The next accepted socket. */
  accepted(): Promise<net.Socket> {
    const socket = this.sockets.shift();
    if (socket) return Promise.resolve(socket);
    return new Promise((resolve) => this._waiters.push(resolve));
  }

  close(): Promise<void> {
    return this.bound.close();
  }
}

/** Reads exactly `n` bytes from a raw socket. */
function readN(socket: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= n) {
        socket.removeListener("data", onData);
        socket.removeListener("error", reject);
        resolve(Buffer.concat(chunks).subarray(0, n));
      }
    };
    socket.on("data", onData);
    socket.once("error", reject);
  });
}

describe("TCPClientTest", () => {
  const t = useFreshLoop();
  let ipv6 = false;
  let client: TCPClient;
  let server: TestTCPServer | null;
  before(async () => {
    ipv6 = await canListenOnIPv6();
  });
  beforeEach(() => {
    client = new TCPClient();
    server = null;
  });
  afterEach(async () => {
    client.close();
    await server?.close();
  });

  /** Skips the test when there is no IPv6 loopback (say why in the report). */
  function skipIfNoIPv6(ctx: Mocha.Context): void {
    if (!ipv6) ctx.skip(); // this machine cannot listen on ::1
  }

  /** Tornado's `do_test_connect`: connect, write "hello", read it on the server. */
  async function doTestConnect(
    family: 0 | 4 | 6,
    host: string,
    options: { sourceIp?: string; sourcePort?: number } = {},
  ): Promise<net.Socket> {
    const srv = (server = await TestTCPServer.start(family, ipv6));
    return t.loop.runSync(async () => {
      const stream = await client.connect(host, srv.port, { ...options, af: family });
      expect(stream).to.be.instanceOf(IOStream);
      const serverSocket = await srv.accepted();
      try {
        await stream.write("hello");
        expect((await readN(serverSocket, 5)).toString()).to.equal("hello");
      } finally {
        stream.close();
      }
      return serverSocket;
    });
  }

  it("connects over IPv4 to 127.0.0.1 (test_connect_ipv4_ipv4)", async () => {
    const socket = await doTestConnect(4, "127.0.0.1");
    expect(socket.remoteAddress).to.equal("127.0.0.1");
  });

  it("connects over IPv4 to localhost (test_connect_ipv4_dual)", async () => {
    await doTestConnect(4, "localhost");
  });

  it("connects over IPv6 to ::1 (test_connect_ipv6_ipv6)", async function () {
    skipIfNoIPv6(this);
    const socket = await doTestConnect(6, "::1");
    expect(socket.remoteAddress).to.equal("::1");
  });

  it("connects over IPv6 to localhost (test_connect_ipv6_dual)", async function () {
    skipIfNoIPv6(this);
    // Tornado's skipIfLocalhostV4: here localhost may resolve to 127.0.0.1 alone.
    if (!(await localhostHasIPv6())) this.skip();
    await doTestConnect(6, "localhost");
  });

  it("connects to 127.0.0.1 without a family (test_connect_unspec_ipv4)", async () => {
    await doTestConnect(0, "127.0.0.1");
  });

  it("connects to ::1 without a family (test_connect_unspec_ipv6)", async function () {
    skipIfNoIPv6(this);
    await doTestConnect(0, "::1");
  });

  it("connects to localhost without a family (test_connect_unspec_dual)", async () => {
    await doTestConnect(0, "localhost");
  });

  it("fails with ECONNREFUSED on a closed port (test_refused_ipv4)", async () => {
    const port = await refusingPort();
    const error = await t.loop.runSync(() => rejection(client.connect("127.0.0.1", port)));
    expect(error).to.be.instanceOf(StreamClosedError);
    const real = (error as StreamClosedError).realError as NodeJS.ErrnoException;
    expect(real.code).to.equal("ECONNREFUSED");
    expect(real.message).to.include("ECONNREFUSED");
    expect((error as Error & { errors: unknown[] }).errors).to.deep.equal([error]);
  });

  it("fails when the source IP is not local (test_source_ip_fail)", async () => {
    const error = await rejection(doTestConnect(4, "127.0.0.1", { sourceIp: "8.8.8.8" }));
    const real = (error as StreamClosedError).realError as NodeJS.ErrnoException;
    expect(real.code).to.equal("EADDRNOTAVAIL");
  });

  it("connects from the given source IP (test_source_ip_success)", async () => {
    const socket = await doTestConnect(4, "127.0.0.1", { sourceIp: "127.0.0.1" });
    expect(socket.remoteAddress).to.equal("127.0.0.1");
  });

  it("connects from the given source port", async () => {
    const sourcePort = await refusingPort();
    const socket = await doTestConnect(4, "127.0.0.1", { sourceIp: "127.0.0.1", sourcePort });
    expect(socket.remotePort).to.equal(sourcePort);
  });

  it("connects from a source port given without a source IP", async () => {
    // Tornado binds 127.0.0.1 then; Node binds the wildcard address, which works too.
    const sourcePort = await refusingPort();
    const socket = await doTestConnect(4, "127.0.0.1", { sourcePort });
    expect(socket.remotePort).to.equal(sourcePort);
  });

  it("fails when the source port is taken (test_source_port_fail)", async () => {
    // Tornado binds port 1, which only root may; a port another socket holds fails for all.
    const taken = await bindUnusedPort();
    try {
      const error = await rejection(
        doTestConnect(4, "127.0.0.1", { sourceIp: "127.0.0.1", sourcePort: taken.port }),
      );
      const real = (error as StreamClosedError).realError as NodeJS.ErrnoException;
      expect(real.code).to.equal("EADDRINUSE");
    } finally {
      await taken.close();
    }
  });

  it("times out promptly when the resolver never answers (test_connect_timeout)", async () => {
    const resolver = new FixedResolver(null);
    const started = t.loop.time();
    const error = await t.loop.runSync(() =>
      rejection(new TCPClient(resolver).connect("1.2.3.4", 12345, { timeout: 0.05 })),
    );
    const elapsed = t.loop.time() - started;
    expect(error).to.be.instanceOf(TimeoutError);
    expect(error.message).to.equal('Timeout while resolving "1.2.3.4"');
    expect(elapsed).to.be.within(0.04, 1);
    // The loop is checked for leftovers after the test (setupAsyncTest).
  });

  it("accepts a TimeDelta timeout and refuses other types", async () => {
    const resolver = new FixedResolver(null);
    const tcp = new TCPClient(resolver);
    const [delta, bad] = await t.loop.runSync(() =>
      Promise.all([
        rejection(tcp.connect("h", 1, { timeout: { seconds: 0.01 } as never })),
        rejection(tcp.connect("h", 1, { timeout: "1" as never })),
      ]),
    );
    expect(delta).to.be.instanceOf(TimeoutError);
    expect(bad).to.be.instanceOf(TypeError);
    expect(bad.message).to.equal("Unsupported timeout 1");
  });

  it("passes host, port and family to the resolver", async () => {
    const port = await refusingPort();
    const resolver = new FixedResolver([[4, { host: "127.0.0.1", port }]]);
    await t.loop.runSync(() =>
      rejection(new TCPClient(resolver).connect("name.example", port, { af: 4 })),
    );
    expect(resolver.calls).to.deep.equal([["name.example", port, { family: 4 }]]);
  });

  it("fails with ResolverError when the resolver returns no address", async () => {
    const error = await t.loop.runSync(() =>
      rejection(new TCPClient(new FixedResolver([])).connect("empty.example", 80)),
    );
    expect(error).to.be.instanceOf(ResolverError);
    expect(error.message).to.equal('Resolver returned no addresses for "empty.example" (port 80)');
  });

  it("passes the resolver's error on", async () => {
    const error = await t.loop.runSync(() => rejection(client.connect("an invalid domain", 80)));
    expect((error as NodeJS.ErrnoException).code).to.be.oneOf(["ENOTFOUND", "EAI_AGAIN"]);
  });

  it("falls back to the next address of the family when the first refuses", async () => {
    const refused = await refusingPort();
    const srv = (server = await TestTCPServer.start(4, ipv6));
    const resolver = new FixedResolver([
      [4, { host: "127.0.0.1", port: refused }],
      [4, { host: "127.0.0.1", port: srv.port }],
    ]);
    await t.loop.runSync(async () => {
      const stream = await new TCPClient(resolver).connect("two.example", 0);
      await srv.accepted();
      stream.close();
    });
  });

  it("raises the last error, with every attempt's error, when all addresses fail", async () => {
    const refused = await refusingPort();
    const resolver = new FixedResolver([
      [4, { host: "127.0.0.1", port: refused }],
      [4, { host: "127.0.0.2", port: refused }],
    ]);
    const error = await t.loop.runSync(() =>
      rejection(new TCPClient(resolver).connect("two.example", 0)),
    );
    const errors = (error as Error & { errors: StreamClosedError[] }).errors;
    expect(errors).to.have.length(2);
    expect(errors[1]).to.equal(error);
    for (const e of errors) {
      expect(e).to.be.instanceOf(StreamClosedError);
      expect((e.realError as NodeJS.ErrnoException).code).to.equal("ECONNREFUSED");
    }
  });

  it("uses the configured resolver by default, and closes only its own", async () => {
    Resolver.configure(FixedResolverNever);
    try {
      const own = new TCPClient();
      expect(own.resolver).to.be.instanceOf(FixedResolverNever);
      own.close();
      expect((own.resolver as FixedResolver).closed).to.equal(1);
    } finally {
      Resolver.configure(null);
    }
    const given = new FixedResolver(null);
    new TCPClient(given).close();
    expect(given.closed).to.equal(0);
  });

  it("gives the stream maxBufferSize", async () => {
    const srv = (server = await TestTCPServer.start(4, ipv6));
    await t.loop.runSync(async () => {
      const stream = await client.connect("127.0.0.1", srv.port, { maxBufferSize: 10 });
      const socket = await srv.accepted();
      socket.write("0123456789abcdef");
      const error = await new ExpectLog(genLog, "Reached maximum read buffer size").run(() =>
        rejection(stream.readUntil("\n")),
      );
      expect(error).to.be.instanceOf(StreamClosedError);
      expect((error as StreamClosedError).realError?.message).to.equal(
        "Reached maximum read buffer size",
      );
      stream.close();
    });
  });
});

/** `FixedResolver` that never answers, constructible without arguments (for configure). */
class FixedResolverNever extends FixedResolver {
  constructor() {
    super(null);
  }
}

describe("TCPClientTLSTest", () => {
  const t = useFreshLoop();
  const certs = loadTestCerts();
  let bound: BoundPort<tls.Server> | null;
  let servernames: (string | false)[];
  afterEach(async () => {
    await bound?.close();
    bound = null;
  });

  /** A TLS echo-once server with the fixture certificate; records the SNI it receives. */
  async function startTLSServer(cert = certs.serverCert, key = certs.serverKey): Promise<number> {
    servernames = [];
    const server = tls.createServer({ cert, key });
    server.on("secureConnection", (socket: tls.TLSSocket) => {
      servernames.push((socket as tls.TLSSocket & { servername: string | false }).servername);
      socket.once("data", (data) => socket.end(data));
      socket.on("error", () => {});
    });
    server.on("tlsClientError", () => {});
    bound = await bindUnusedPort({ server });
    return bound.port;
  }

  it("connects with TLS, trusting the test CA (caCerts)", async () => {
    const port = await startTLSServer();
    await t.loop.runSync(async () => {
      const stream = await new TCPClient().connect("localhost", port, {
        af: 4,
        sslOptions: { caCerts: certs.paths.ca },
      });
      expect(stream).to.be.instanceOf(SSLIOStream);
      await stream.write("ping");
      expect((await stream.readUntilClose()).toString()).to.equal("ping");
      stream.close();
    });
    expect(servernames).to.deep.equal(["localhost"]);
  });

  it("sends the host asked for as SNI", async () => {
    const port = await startTLSServer();
    const resolver = new OverrideResolver(new DefaultResolver(), { "sni.example": "127.0.0.1" });
    await t.loop.runSync(async () => {
      const stream = await new TCPClient(resolver).connect("sni.example", port, {
        sslOptions: { caCerts: certs.ca, checkHostname: false },
      });
      // The server echoes once and closes: by then it has recorded the SNI.
      await stream.write("ping");
      await stream.readUntilClose();
      stream.close();
    });
    expect(servernames).to.deep.equal(["sni.example"]);
  });

  it("rejects a certificate from an unknown CA", async () => {
    const port = await startTLSServer();
    const error = await new ExpectLog(genLog, /^SSL Error on /).run(() =>
      t.loop.runSync(() =>
        rejection(new TCPClient().connect("localhost", port, { af: 4, sslOptions: {} })),
      ),
    );
    // As in Tornado, a handshake failure is the TLS error itself.
    expect((error as NodeJS.ErrnoException).code).to.equal("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });

  it("rejects a certificate for another host", async () => {
    const port = await startTLSServer(certs.wrongHostCert, certs.wrongHostKey);
    const error = await new ExpectLog(genLog, /^SSL Error on .*altnames/).run(() =>
      t.loop.runSync(() =>
        rejection(
          new TCPClient().connect("localhost", port, { af: 4, sslOptions: { caCerts: certs.ca } }),
        ),
      ),
    );
    expect((error as NodeJS.ErrnoException).code).to.equal("ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("closes the connection when sslOptions are invalid", async () => {
    const srv = await bindUnusedPort();
    const closed = new Promise<void>((resolve) =>
      srv.server.on("connection", (socket: net.Socket) => {
        socket.resume();
        socket.on("close", () => resolve());
      }),
    );
    try {
      const error = await t.loop.runSync(() =>
        rejection(
          new TCPClient().connect("127.0.0.1", srv.port, {
            sslOptions: { ca_certs: "x" } as never,
          }),
        ),
      );
      expect(error).to.be.instanceOf(TypeError);
      expect(error.message).to.include('Unknown SSL option "ca_certs"');
      await closed;
    } finally {
      await srv.close();
    }
  });

  it("times out a TLS handshake the server never answers, and closes the connection", async () => {
    // A TCP server that accepts and stays silent: the ClientHello gets no answer. It reads
    // (and drops) what comes, so that it sees the client's FIN.
    const silent = await bindUnusedPort();
    const closed = new Promise<void>((resolve) =>
      silent.server.on("connection", (socket: net.Socket) => {
        socket.resume();
        socket.on("close", () => resolve());
      }),
    );
    try {
      const error = await t.loop.runSync(() =>
        rejection(
          new TCPClient().connect("127.0.0.1", silent.port, {
            sslOptions: { caCerts: certs.ca },
            timeout: 0.1,
          }),
        ),
      );
      expect(error).to.be.instanceOf(TimeoutError);
      expect(error.message).to.equal("Timeout during TLS handshake");
      await closed; // the client side went away
    } finally {
      await silent.close();
    }
  });
});

describe("TCPClientHappyEyeballsTest", () => {
  // A virtual clock: the secondary family's 0.3 s timer can only fire if the test moves
  // the clock, so a connection made without moving it proves the fallback on failure.
  const v = useVirtualLoop();
  let server: TestTCPServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it("starts the other family at once when the first refuses", async function () {
    if (!(await canListenOnIPv6())) this.skip(); // no IPv6 loopback on this machine
    const refused = await refusingPort("::1");
    const srv = (server = await TestTCPServer.start(4, true));
    const resolver = new FixedResolver([
      [6, { host: "::1", port: refused }],
      [6, { host: "::1", port: refused }],
      [4, { host: "127.0.0.1", port: srv.port }],
    ]);
    const started = v.loop.time();
    await v.run(async () => {
      const stream = await new TCPClient(resolver).connect("dual.example", 0);
      const socket = await srv.accepted();
      expect(socket.remoteAddress).to.equal("127.0.0.1");
      stream.close();
    });
    expect(v.loop.time()).to.equal(started);
  });
});
