/**
 * Servers and clients a test makes, closed after it: for suites that start their own
 * `net`/`http` servers and `SimpleAsyncHTTPClient`s rather than the shared application of
 * http_client_env.ts.
 */
import type * as http from "node:http";
import type * as net from "node:net";
import {
  SimpleAsyncHTTPClient,
  type SimpleAsyncHTTPClientOptions,
} from "../../src/simple_httpclient";

/** What {@link useClientFixtures} gives a test. */
export interface ClientFixtures {
  /** A new private client, closed after the test. */
  client(options?: SimpleAsyncHTTPClientOptions): SimpleAsyncHTTPClient;
  /** Listens on 127.0.0.1 port 0; the server (and its connections) is closed after the test. */
  listen(server: net.Server): Promise<number>;
  /** Closes `server`, already listening, after the test. */
  own(server: net.Server): void;
}

/** Registers an `afterEach` that closes the clients, then the servers, of each test. */
export function useClientFixtures(): ClientFixtures {
  const servers: net.Server[] = [];
  const clients: SimpleAsyncHTTPClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const server of servers.splice(0)) {
      (server as http.Server).closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  return {
    client(options = {}) {
      const client = new SimpleAsyncHTTPClient(options);
      clients.push(client);
      return client;
    },
    own(server) {
      servers.push(server);
    },
    async listen(server) {
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return (server.address() as net.AddressInfo).port;
    },
  };
}
