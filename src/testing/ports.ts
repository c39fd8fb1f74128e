/**
 * `bindUnusedPort`: a listening server on a port the system picked (mirrors
 * `tornado.testing.bind_unused_port`).
 *
 * Tornado binds a socket to port 0 and returns `(socket, port)` for a server to adopt.
 * Node servers own their sockets, so this binds a `net.Server` (a new one, or the one
 * given, such as an `http.Server`) and returns it with the port and a `close()` that
 * also ends open connections.
 */
import * as net from "node:net";

/** Options of {@link bindUnusedPort}. */
export interface BindUnusedPortOptions<S extends net.Server = net.Server> {
  /** Address to listen on; default `"127.0.0.1"`, as in Tornado. */
  address?: string;
  /**
   * The server to bind, e.g. `http.createServer(handler)`; default a new `net.Server`
   * with no connection listener (add one with `server.on("connection", ...)`).
   */
  server?: S;
}

/** A server listening on a port of its own. */
export interface BoundPort<S extends net.Server = net.Server> {
  /** The listening server. */
  readonly server: S;
  /** The port it listens on. */
  readonly port: number;
  /**
   * Stops listening and destroys the connections still open; resolves once the server
   * is closed. Safe to call twice.
   */
  close(): Promise<void>;
  /** `await using` support: the same as `close()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Binds a server to an unused port on `127.0.0.1` (port 0: the system picks one).
 *
 * Tornado's `reuse_port` has no counterpart: Node 20 cannot set `SO_REUSEPORT`.
 *
 * @throws (rejects) the listen error, e.g. `EADDRNOTAVAIL` for an address the machine
 *   does not have.
 * @example
 * const { server, port, close } = await bindUnusedPort();
 * server.on("connection", (socket) => socket.end("hello\n"));
 * const socket = net.connect(port, "127.0.0.1");
 * // ...
 * await close();
 */
export async function bindUnusedPort<S extends net.Server = net.Server>(
  options: BindUnusedPortOptions<S> = {},
): Promise<BoundPort<S>> {
  const server = options.server ?? (net.createServer() as S);
  const address = options.address ?? "127.0.0.1";
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  server.on("connection", track);
  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      server.once("error", onError);
      server.listen({ host: address, port: 0 }, () => {
        server.removeListener("error", onError);
        resolve();
      });
    });
  } catch (error) {
    server.removeListener("connection", track);
    throw error;
  }
  const port = (server.address() as net.AddressInfo).port;
  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server.listening) {
        resolve();
        return;
      }
      // The callback gets ERR_SERVER_NOT_RUNNING if someone else closed it first: fine.
      server.close(() => resolve());
    });
    return closed;
  };
  return { server, port, close, [Symbol.asyncDispose]: close };
}
