/**
 * Per-test fixtures: a fresh object for each test of a describe, torn down after it.
 * `useServers`, `useProxyTestNet` and `useStreamFixtures` are built on it.
 */

/** A fixture that holds servers, sockets or streams until `closeAll`. */
export interface Closeable {
  closeAll(): Promise<void>;
}

/**
 * Makes `make()` before each test of the enclosing describe and closes it after;
 * `current` is the one of the running test and throws outside a test.
 *
 * @example
 * const servers = perTest("ServerSet", () => new ServerSet());
 * it("…", async () => servers.current.listen(app));
 */
export function perTest<T extends Closeable>(name: string, make: () => T): { readonly current: T } {
  let fixture: T | null = null;
  beforeEach(() => {
    fixture = make();
  });
  afterEach(async () => {
    const done = fixture;
    fixture = null;
    await done?.closeAll();
  });
  return {
    get current(): T {
      if (fixture === null) throw new Error(`${name} is only available inside a test`);
      return fixture;
    },
  };
}
