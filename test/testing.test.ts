/**
 * Tests of `testing`, named after Tornado's testing_test.py (AsyncTestCaseTest, GenTest,
 * AsyncHTTPTestCaseTest) plus the ExpectLog and bind_unused_port behaviour that Tornado's
 * other tests rely on. What must fail a mocha test is checked twice: by calling the
 * checking code directly, and by running test/fixtures/testing/leaky.fixture.ts in a
 * child mocha and reading its JSON report.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as path from "node:path";
import { Future } from "../src/concurrent";
import { IOLoop } from "../src/ioloop";
import { LogLevel, Logger, appLog, genLog, rootLogger, type LogRecord } from "../src/log";
import {
  AsyncTestTimeoutError,
  ExpectLog,
  ExpectLogError,
  PendingWorkError,
  bindUnusedPort,
  genTest,
  getAsyncTestTimeout,
  setupAsyncHTTPSTest,
  setupAsyncHTTPTest,
  setupAsyncTest,
} from "../src/testing";
import { AsyncTestLifecycle } from "../src/testing/async_test_case";
import { pendingWorkError } from "../src/testing/_pending_work";
import { RuntimeError, TimeoutError } from "../src/util";
import { nextTurn } from "./helpers/loop";
import { rejection } from "./helpers/assertions";

/** Resolves after `seconds` on the current loop (gen.sleep, without importing gen). */
function loopSleep(seconds: number): Promise<void> {
  return new Promise((resolve) => IOLoop.current().callLater(seconds, resolve));
}

/** Runs `fn` with an environment variable set, restoring it afterwards. */
async function withEnv<T>(name: string, value: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env[name];
  process.env[name] = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}

/** GET `url` with node:http(s); resolves with status and body. */
function get(
  url: string,
  options: https.RequestOptions = {},
): Promise<{ status: number; body: string }> {
  const client = url.startsWith("https:") ? https : http;
  return new Promise((resolve, reject) => {
    client
      .get(url, options, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

/** A fake mocha hook context: `currentTest` as given, `test.error` recording. */
function fakeHookContext(state: string | undefined): {
  context: { currentTest: { title: string; state?: string }; test: { error(e: unknown): void } };
  errors: unknown[];
} {
  const errors: unknown[] = [];
  return {
    context: {
      currentTest: { title: "fake test", state },
      test: { error: (e: unknown) => errors.push(e) },
    },
    errors,
  };
}

describe("AsyncTestCaseTest", () => {
  const ctx = setupAsyncTest();
  let previous: IOLoop | null = null;

  it("gives the test a new current loop", () => {
    expect(ctx.ioLoop).to.be.instanceOf(IOLoop);
    expect(IOLoop.current()).to.equal(ctx.ioLoop);
    expect(ctx.ioLoop.isClosed()).to.equal(false);
    previous = ctx.ioLoop;
  });

  it("closes the previous test's loop and gives this one another", () => {
    expect(previous).to.not.equal(null);
    expect(previous!.isClosed()).to.equal(true);
    expect(ctx.ioLoop).to.not.equal(previous);
  });

  it("runs timeouts with the default timeout (test_wait_timeout)", async () => {
    const fired = await ctx.ioLoop.runSync(
      () => new Promise<string>((resolve) => ctx.ioLoop.callLater(0.01, () => resolve("ok"))),
      { timeout: getAsyncTestTimeout() },
    );
    expect(fired).to.equal("ok");
  });

  it("passes when a removed timeout is all that is left", () => {
    const handle = ctx.ioLoop.callLater(30, function removedTimer() {});
    ctx.ioLoop.removeTimeout(handle);
  });

  it("does not let ioLoop be read outside a test", () => {
    const lifecycle = new AsyncTestLifecycle({});
    expect(() => lifecycle.ioLoop).to.throw(RuntimeError, "only available inside a test");
  });
});

describe("AsyncTestCaseTest: pending work", () => {
  let loop: IOLoop;
  beforeEach(() => {
    loop = new IOLoop({ makeCurrent: false });
  });
  afterEach(() => {
    loop.close();
  });

  it("names a leaked timeout with its deadline", () => {
    const handle = loop.callLater(30, function leakyTimer() {});
    const error = pendingWorkError(loop, "test_leak");
    expect(error).to.be.instanceOf(PendingWorkError);
    expect(error!.message).to.match(/^Test "test_leak" left 1 timeout and 0 callbacks pending/);
    expect(error!.message).to.match(/timeout leakyTimer, due in (29\.9\d\d|30\.000) s/);
    expect(error!.timeouts).to.have.length(1);
    expect(error!.timeouts[0].name).to.equal("leakyTimer");
    expect(error!.timeouts[0].deadline).to.equal(handle.deadline);
    expect(error!.callbacks).to.deep.equal([]);
  });

  it("names ready callbacks that never ran, anonymous ones too", () => {
    loop.addCallback(function neverRan() {});
    loop.addCallback(() => undefined);
    const error = pendingWorkError(loop, "test_cb");
    expect(error!.callbacks).to.deep.equal(["neverRan", "<anonymous function>"]);
    expect(error!.message).to.include("0 timeouts and 2 callbacks");
    expect(error!.message).to.include("callback neverRan");
  });

  it("lists timeouts earliest first and reports overdue ones", () => {
    const now = loop.time();
    loop.callAt(now + 20, function later() {});
    loop.callAt(now - 1, function overdue() {});
    loop.callAt(now + 10, function sooner() {});
    const error = pendingWorkError(loop, "t")!;
    expect(error.timeouts.map((t) => t.name)).to.deep.equal(["overdue", "sooner", "later"]);
    expect(error.message).to.match(/timeout overdue, overdue by 1\.\d{3} s/);
  });

  it("does not count removed timeouts", () => {
    loop.removeTimeout(loop.callLater(30, function removed() {}));
    expect(pendingWorkError(loop, "t")).to.equal(null);
  });

  it("does not count timeouts that fired or callbacks that ran", async () => {
    loop.addCallback(function ran() {});
    await loop.runSync(() => new Promise<void>((resolve) => loop.callLater(0.01, resolve)));
    expect(pendingWorkError(loop, "t")).to.equal(null);
  });

  it("shortens a long list", () => {
    for (let i = 0; i < 12; i++) loop.callLater(30 + i, function many() {});
    const error = pendingWorkError(loop, "t")!;
    expect(error.timeouts).to.have.length(12);
    expect(error.message).to.include("... and 2 more timeouts");
  });
});

describe("AsyncTestCaseTest: teardown", () => {
  afterEach(() => IOLoop.clearCurrent());

  it("fails a passed test that leaked a timeout, naming it, and closes the loop", async () => {
    const lifecycle = new AsyncTestLifecycle({});
    const { context, errors } = fakeHookContext("passed");
    lifecycle.setUp(context);
    const loop = lifecycle.ioLoop;
    loop.callLater(30, function leakyTimer() {});
    await lifecycle.tearDown(context);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.be.instanceOf(PendingWorkError);
    expect((errors[0] as Error).message).to.include('Test "fake test" left 1 timeout');
    expect((errors[0] as Error).message).to.include("timeout leakyTimer");
    expect(loop.isClosed()).to.equal(true);
  });

  it("leaves a test that failed on its own alone", async () => {
    const lifecycle = new AsyncTestLifecycle({});
    const { context, errors } = fakeHookContext("failed");
    lifecycle.setUp(context);
    const loop = lifecycle.ioLoop;
    loop.callLater(30, function leakOfFailedTest() {});
    await lifecycle.tearDown(context);
    expect(errors).to.deep.equal([]);
    expect(loop.isClosed()).to.equal(true);
  });

  it("does not check when checkPendingWork is false", async () => {
    const lifecycle = new AsyncTestLifecycle({ checkPendingWork: false });
    const { context, errors } = fakeHookContext("passed");
    lifecycle.setUp(context);
    lifecycle.ioLoop.addCallback(function allowed() {});
    await lifecycle.tearDown(context);
    expect(errors).to.deep.equal([]);
  });

  it("stops and closes a loop left running, and fails the test", async () => {
    const lifecycle = new AsyncTestLifecycle({});
    const { context, errors } = fakeHookContext("passed");
    lifecycle.setUp(context);
    const loop = lifecycle.ioLoop;
    const started = loop.start();
    loop.callLater(30, function timerOfRunningLoop() {});
    await lifecycle.tearDown(context);
    await started;
    expect(loop.isRunning()).to.equal(false);
    expect(loop.isClosed()).to.equal(true);
    expect(errors).to.have.length(1);
    expect((errors[0] as Error).message).to.include("ended with its IOLoop still running");
    expect((errors[0] as Error).message).to.include("timeout timerOfRunningLoop");
    // The next loop can run: nothing is left marked as running.
    expect(await new IOLoop().runSync(() => "next")).to.equal("next");
  });

  it("uses the clock given in the options", async () => {
    const clock = { now: () => 1000, virtual: false, subscribe() {}, unsubscribe() {} };
    const lifecycle = new AsyncTestLifecycle({ clock });
    const { context } = fakeHookContext("passed");
    lifecycle.setUp(context);
    expect(lifecycle.ioLoop.time()).to.equal(1000);
    await lifecycle.tearDown(context);
  });
});

describe("AsyncTestCaseTest: in a real mocha run", function () {
  this.timeout(60_000);
  type Result = { title: string; err: { message?: string } };
  let report: { passes: Result[]; failures: Result[] };

  before(() => {
    const root = path.resolve(__dirname, "..");
    const child = spawnSync(
      process.execPath,
      [
        path.join(root, "node_modules", "mocha", "bin", "mocha.js"),
        "--no-config",
        "-r",
        "ts-node/register/transpile-only",
        "--reporter",
        "json",
        path.join("test", "fixtures", "testing", "leaky.fixture.ts"),
      ],
      { cwd: root, encoding: "utf8", timeout: 50_000 },
    );
    const start = child.stdout.indexOf("{");
    if (start < 0) throw new Error(`no JSON report from the fixture:\n${child.stderr}`);
    report = JSON.parse(child.stdout.slice(start));
  });

  function failureOf(title: string): string {
    const failure = report.failures.find((f) => f.title === title);
    expect(failure, `"${title}" should have failed`).to.not.equal(undefined);
    return failure!.err.message ?? "";
  }

  function expectPassed(title: string): void {
    expect(report.failures.map((f) => f.title)).to.not.include(title);
    expect(report.passes.map((p) => p.title)).to.include(title);
  }

  it("fails a test that leaked a timeout, naming the callback and deadline", () => {
    expect(failureOf("leaks a timeout")).to.match(
      /left 1 timeout and 0 callbacks pending[\s\S]*timeout leakyTimer, due in \d+\.\d{3} s \(deadline \d+\.\d{3}\)/,
    );
  });

  it("fails a test that left a callback unrun", () => {
    expect(failureOf("leaks a callback")).to.include("callback neverRan");
  });

  it("passes tests whose timeouts were removed or fired", () => {
    expectPassed("removes its timeout");
    expectPassed("lets its timeout fire");
  });

  it("fails a test that left its loop running, and the next test can run a loop", () => {
    expect(failureOf("leaves the loop running")).to.include("ended with its IOLoop still running");
    expectPassed("runs a loop after one was left running");
  });

  it("fails a genTest that leaked, once", () => {
    expect(failureOf("leaks a timeout from genTest")).to.include("timeout genTestLeak");
    const count = report.failures.filter((f) => f.title === "leaks a timeout from genTest");
    expect(count).to.have.length(1);
  });

  it("names the test that timed out (test_timeout)", () => {
    expect(failureOf("sleeps past its genTest timeout")).to.match(
      /^Test "sleeps past its genTest timeout" timed out after 0\.05 seconds/,
    );
  });

  it("reports only a test's own failure, not what it left behind", () => {
    expect(failureOf("fails on its own and leaks")).to.equal("own failure");
    const count = report.failures.filter((f) => f.title === "fails on its own and leaks");
    expect(count).to.have.length(1);
  });

  it("raises mocha's timeout above genTest's", () => {
    expectPassed("passes with a genTest timeout longer than mocha's");
  });

  it("checks and times out standalone genTests too", () => {
    expect(failureOf("leaks a timeout from a standalone genTest")).to.include(
      "timeout standaloneLeak",
    );
    expect(failureOf("sleeps past a standalone genTest timeout")).to.include(
      "timed out after 0.05 seconds",
    );
  });

  it("fails exactly the tests that broke the rules", () => {
    expect(report.failures.map((f) => f.title).sort()).to.deep.equal(
      [
        "fails on its own and leaks",
        "leaks a callback",
        "leaks a timeout",
        "leaks a timeout from a standalone genTest",
        "leaks a timeout from genTest",
        "leaves the loop running",
        "sleeps past a standalone genTest timeout",
        "sleeps past its genTest timeout",
      ].sort(),
    );
  });
});

describe("GetAsyncTestTimeoutTest", () => {
  it("defaults to 5 seconds", async () => {
    const saved = process.env.ASYNC_TEST_TIMEOUT;
    delete process.env.ASYNC_TEST_TIMEOUT;
    try {
      expect(getAsyncTestTimeout()).to.equal(5);
    } finally {
      if (saved !== undefined) process.env.ASYNC_TEST_TIMEOUT = saved;
    }
    await withEnv("ASYNC_TEST_TIMEOUT", "", async () => expect(getAsyncTestTimeout()).to.equal(5));
  });

  it("reads ASYNC_TEST_TIMEOUT in seconds", async () => {
    await withEnv("ASYNC_TEST_TIMEOUT", "0.25", async () => {
      expect(getAsyncTestTimeout()).to.equal(0.25);
    });
  });

  it("rejects a value that is not a positive number", async () => {
    for (const bad of ["soon", "0", "-1"]) {
      await withEnv("ASYNC_TEST_TIMEOUT", bad, async () => {
        expect(() => getAsyncTestTimeout()).to.throw(RangeError, JSON.stringify(bad));
      });
    }
  });
});

describe("GenTest", () => {
  const ctx = setupAsyncTest();
  let finished = false;
  beforeEach(() => {
    finished = false;
  });
  afterEach(() => {
    expect(finished, "the test body did not run to its end").to.equal(true);
  });

  it(
    "runs a body that does not wait (test_sync)",
    genTest(() => {
      finished = true;
    }),
  );

  it(
    "runs an async body on the test's running loop (test_async)",
    genTest(async () => {
      expect(IOLoop.current()).to.equal(ctx.ioLoop);
      expect(ctx.ioLoop.isRunning()).to.equal(true);
      await nextTurn(ctx.ioLoop);
      finished = true;
    }),
  );

  it("fails with a timeout naming the test (test_timeout)", async function () {
    const test = genTest({ timeout: 0.1 }, () => loopSleep(1));
    const error = await rejection(test.call(this));
    expect(error).to.be.instanceOf(AsyncTestTimeoutError);
    expect(error).to.be.instanceOf(TimeoutError);
    expect(error.message).to.match(
      /^Test "fails with a timeout naming the test \(test_timeout\)" timed out after 0\.1 seconds/,
    );
    expect((error as AsyncTestTimeoutError).timeout).to.equal(0.1);
    expect((error as Error & { cause?: unknown }).cause).to.be.instanceOf(TimeoutError);
    finished = true;
  });

  it("passes a body that ends within its timeout (test_no_timeout)", async function () {
    await genTest({ timeout: 1 }, () => loopSleep(0.1)).call(this);
    finished = true;
  });

  it("prefers its own timeout to ASYNC_TEST_TIMEOUT (test_timeout_environment_variable)", async function () {
    const testLongTimeout = genTest({ timeout: 0.5 }, () => loopSleep(0.25));
    await withEnv("ASYNC_TEST_TIMEOUT", "0.1", () => testLongTimeout.call(this));
    finished = true;
  });

  it("uses ASYNC_TEST_TIMEOUT when given none (test_no_timeout_environment_variable)", async function () {
    // Read when the test runs, not when genTest wraps it.
    const testShortTimeout = genTest(() => loopSleep(1));
    const error = await withEnv("ASYNC_TEST_TIMEOUT", "0.1", () =>
      rejection(testShortTimeout.call(this)),
    );
    expect(error).to.be.instanceOf(AsyncTestTimeoutError);
    expect(error.message).to.include("timed out after 0.1 seconds");
    finished = true;
  });

  it("passes arguments and this through (test_with_method_args)", async function () {
    const testWithArgs = genTest(async function (this: unknown, ...args: string[]) {
      expect(args).to.deep.equal(["test"]);
      await nextTurn(ctx.ioLoop);
      return this;
    });
    expect(await testWithArgs.call(this, "test")).to.equal(this);
    finished = true;
  });

  it("passes an options object through (test_with_method_kwargs)", async function () {
    const testWithKwargs = genTest(async (kwargs: Record<string, string>) => {
      expect(kwargs).to.deep.equal({ test: "test" });
      await nextTurn(ctx.ioLoop);
    });
    await testWithKwargs.call(this, { test: "test" });
    finished = true;
  });

  it("cancels a Future body that times out", async function () {
    const never = new Future<void>();
    const error = await rejection(genTest({ timeout: 0.05 }, () => never).call(this));
    expect(error).to.be.instanceOf(AsyncTestTimeoutError);
    expect(never.cancelled()).to.equal(true);
    finished = true;
  });

  it("lets a TimeoutError of the body itself through unchanged", async function () {
    const own = new TimeoutError("the body's own");
    const error = await rejection(
      genTest({ timeout: 5 }, async () => {
        await nextTurn(ctx.ioLoop);
        throw own;
      }).call(this),
    );
    expect(error).to.equal(own);
    finished = true;
  });

  it("fails a body that leaves a timeout on the loop", async function () {
    const error = await rejection(
      genTest(async () => {
        ctx.ioLoop.callLater(30, function forgotten() {});
      }).call(this),
    );
    expect(error).to.be.instanceOf(PendingWorkError);
    expect((error as PendingWorkError).timeouts.map((t) => t.name)).to.deep.equal(["forgotten"]);
    finished = true;
  });

  it("skips that check with checkPendingWork: false", async function () {
    await genTest({ checkPendingWork: false }, async () => {
      ctx.ioLoop.callLater(30, function allowed() {});
    }).call(this);
    finished = true;
  });

  it(
    "gives mocha a longer timeout than its own",
    genTest({ timeout: 100 }, function (this: Mocha.Context) {
      expect(this.timeout()).to.equal(101_000);
      finished = true;
    }),
  );

  it("rejects a generator body", async function () {
    const error = await rejection(
      genTest(function* () {
        yield 1;
      }).call(this),
    );
    expect(error).to.be.instanceOf(TypeError);
    expect(error.message).to.include("returned a generator");
    finished = true;
  });
});

describe("GenTest without setupAsyncTest", () => {
  it("runs the body on a new loop and closes it", async () => {
    let seen: IOLoop | null = null;
    const result = await genTest(async () => {
      seen = IOLoop.current();
      expect(seen.isRunning()).to.equal(true);
      await loopSleep(0.01);
      return "done";
    })();
    expect(result).to.equal("done");
    expect(seen).to.not.equal(null);
    expect(seen!.isClosed()).to.equal(true);
  });

  it("names the body's function when mocha is not running it", async () => {
    const error = await rejection(
      genTest({ timeout: 0.05 }, function test_x() {
        return loopSleep(1);
      })(),
    );
    expect(error.message).to.match(/^Test "test_x" timed out after 0\.05 seconds/);
    expect((error as AsyncTestTimeoutError).testTitle).to.equal("test_x");
  });

  it("takes the options first or second, and keeps length 0 for mocha", () => {
    const body = async (_done: unknown) => undefined;
    expect(genTest(body).length).to.equal(0);
    expect(genTest({ timeout: 1 }, body).length).to.equal(0);
    expect(genTest(body, { timeout: 1 }).length).to.equal(0);
  });

  it("rejects a timeout that is not a positive number, and a missing body", () => {
    expect(() => genTest({ timeout: 0 }, () => undefined)).to.throw(RangeError, "got 0");
    expect(() => genTest(() => undefined, { timeout: -1 })).to.throw(RangeError, "got -1");
    expect(() => genTest({ timeout: 1 } as never)).to.throw(TypeError, "test body");
  });
});

describe("ExpectLogTest", () => {
  let logger: Logger;
  let records: LogRecord[];
  const capture = (record: LogRecord): void => {
    records.push(record);
  };
  beforeEach(() => {
    logger = new Logger("test.expect_log");
    records = [];
  });

  it("fails when a required message does not come", async () => {
    const error = await rejection(new ExpectLog(logger, /boom/).run(() => undefined));
    expect(error).to.be.instanceOf(ExpectLogError);
    expect(error.message).to.match(/^did not get expected log message/);
    expect(error.message).to.include('"test.expect_log"').and.include("/boom/");
    const started = new ExpectLog(logger, /boom/).start();
    expect(() => started.finish()).to.throw(ExpectLogError);
  });

  it("does not fail when required is false", async () => {
    const expectLog = new ExpectLog(logger, /boom/, { required: false });
    await expectLog.run(() => undefined);
    expect(expectLog.matched).to.equal(0);
  });

  it("swallows matching records and restores the handlers after", async () => {
    logger.addHandler(capture);
    const expectLog = new ExpectLog(logger, /boom/);
    await expectLog.run(() => {
      logger.error("boom 1");
      logger.warning("a boom again");
    });
    expect(expectLog.matched).to.equal(2);
    expect(records).to.deep.equal([]);
    expect(logger.handlers).to.deep.equal([capture]);
    logger.error("boom after");
    expect(records.map((r) => r.message)).to.deep.equal(["boom after"]);
  });

  it("lets other records through to the logger's own handlers", async () => {
    logger.addHandler(capture);
    await new ExpectLog(logger, /boom/).run(() => {
      logger.error("unrelated");
      logger.error("boom");
    });
    expect(records.map((r) => r.message)).to.deep.equal(["unrelated"]);
  });

  it("lets other records through to the root handlers when the logger has none", async () => {
    rootLogger.addHandler(capture);
    try {
      await new ExpectLog(logger, /boom/).run(() => {
        logger.error("boom");
        logger.error("unrelated");
      });
    } finally {
      rootLogger.removeHandler(capture);
    }
    expect(records.map((r) => r.message)).to.deep.equal(["unrelated"]);
  });

  it("lets other records through to stderr when no handler exists anywhere", async () => {
    expect(rootLogger.handlers, "precondition: the root logger has no handlers").to.have.length(0);
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => written.push(String(chunk))) as never;
    try {
      await new ExpectLog(logger, /boom/).run(() => {
        logger.error("boom");
        logger.error("unrelated");
      });
    } finally {
      process.stderr.write = write;
    }
    expect(written).to.have.length(1);
    expect(written[0]).to.include("unrelated");
  });

  it("matches a string pattern at the start of the message, as re.match", async () => {
    logger.addHandler(capture);
    const expectLog = new ExpectLog(logger, "boom", { required: false });
    await expectLog.run(() => {
      logger.error("no boom here");
      logger.error("boom here");
    });
    expect(expectLog.matched).to.equal(1);
    expect(records.map((r) => r.message)).to.deep.equal(["no boom here"]);
  });

  it("matches every record with a global RegExp (no lastIndex state)", async () => {
    const expectLog = new ExpectLog(logger, /boom/g);
    await expectLog.run(() => {
      logger.error("boom");
      logger.error("boom");
      logger.error("boom");
    });
    expect(expectLog.matched).to.equal(3);
  });

  it("matches only at the given level, warning about others", async () => {
    logger.addHandler(capture);
    const warnings: LogRecord[] = [];
    const onWarning = (r: LogRecord): void => void warnings.push(r);
    appLog.addHandler(onWarning);
    const expectLog = new ExpectLog(logger, /boom/, { level: LogLevel.ERROR });
    try {
      await expectLog.run(() => {
        logger.warning("boom at warning");
        logger.error("boom at error");
      });
    } finally {
      appLog.removeHandler(onWarning);
    }
    expect(expectLog.matched).to.equal(1);
    expect(records.map((r) => r.message)).to.deep.equal(["boom at warning"]);
    expect(warnings.map((r) => r.message)).to.deep.equal([
      "Got expected log message 'boom at warning' at unexpected level (ERROR vs WARNING)",
    ]);
  });

  it("lowers the logger's level to the expected one while active", async () => {
    expect(logger.isEnabledFor(LogLevel.DEBUG)).to.equal(false);
    const expectLog = new ExpectLog(logger, /details/, { level: "debug" });
    await expectLog.run(() => logger.debug("details"));
    expect(expectLog.matched).to.equal(1);
    expect(logger.level).to.equal(0);
  });

  it("lets the body's error through without the required check", async () => {
    logger.addHandler(capture);
    const failure = new Error("body failed");
    const error = await rejection(
      new ExpectLog(logger, /boom/).run(() => {
        throw failure;
      }),
    );
    expect(error).to.equal(failure);
    expect(logger.handlers).to.deep.equal([capture]);
  });

  it("records whether a stack was logged (logged_stack)", async () => {
    const plain = new ExpectLog(logger, /boom/);
    await plain.run(() => logger.error("boom"));
    expect(plain.loggedStack).to.equal(false);
    const withStack = new ExpectLog(logger, /boom/);
    await withStack.run(() => logger.exception("boom", new Error("why")));
    expect(withStack.loggedStack).to.equal(true);
  });

  it("keeps handlers added while active, after the original ones", () => {
    const first = (): void => undefined;
    const added = (): void => undefined;
    logger.addHandler(first);
    const expectLog = new ExpectLog(logger, /boom/, { required: false }).start();
    expect(expectLog.active).to.equal(true);
    logger.addHandler(added);
    expectLog.finish();
    expect(expectLog.active).to.equal(false);
    expect(logger.handlers).to.deep.equal([first, added]);
  });

  it("finishes at the end of a using block", () => {
    logger.addHandler(capture);
    let expectLog: ExpectLog;
    {
      using scoped = new ExpectLog(logger, /boom/).start();
      expectLog = scoped;
      logger.error("boom");
    }
    expect(expectLog.active).to.equal(false);
    expect(records).to.deep.equal([]);
    expect(() => {
      using _missing = new ExpectLog(logger, /never/).start();
    }).to.throw(ExpectLogError);
  });

  it("accepts a logger name and refuses to start twice", () => {
    const expectLog = new ExpectLog("tornado.general", /x/, { required: false });
    expect(expectLog.logger).to.equal(genLog);
    expectLog.start();
    try {
      expect(() => expectLog.start()).to.throw(RuntimeError, "called twice");
    } finally {
      expectLog.finish();
    }
    expect(() => new ExpectLog(logger, /x/, { level: "loud" as never })).to.throw(TypeError);
  });
});

describe("BindUnusedPortTest", () => {
  it("binds 127.0.0.1 on a free port that accepts connections", async () => {
    const bound = await bindUnusedPort();
    try {
      expect(bound.port).to.be.above(0);
      expect((bound.server.address() as net.AddressInfo).address).to.equal("127.0.0.1");
      bound.server.on("connection", (socket) => socket.end("hello"));
      const reply = await new Promise<string>((resolve, reject) => {
        let data = "";
        net
          .connect(bound.port, "127.0.0.1")
          .setEncoding("utf8")
          .on("data", (chunk: string) => (data += chunk))
          .on("end", () => resolve(data))
          .on("error", reject);
      });
      expect(reply).to.equal("hello");
    } finally {
      await bound.close();
    }
  });

  it("gives each call a different port", async () => {
    const a = await bindUnusedPort();
    const b = await bindUnusedPort();
    try {
      expect(a.port).to.not.equal(b.port);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("closes open connections and frees the port", async () => {
    const bound = await bindUnusedPort();
    const client = net.connect(bound.port, "127.0.0.1");
    await new Promise((resolve) => bound.server.once("connection", resolve));
    const clientClosed = new Promise((resolve) => client.once("close", resolve));
    client.on("error", () => undefined);
    await bound.close();
    await bound.close();
    await clientClosed;
    expect(bound.server.listening).to.equal(false);
    const refused = await new Promise<string>((resolve) => {
      net
        .connect(bound.port, "127.0.0.1")
        .on("connect", () => resolve("connected"))
        .on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    });
    expect(refused).to.equal("ECONNREFUSED");
  });

  it("binds a server it is given", async () => {
    const bound = await bindUnusedPort({
      server: http.createServer((_req, res) => res.end("from http")),
    });
    try {
      const reply = await get(`http://127.0.0.1:${bound.port}/`);
      expect(reply.body).to.equal("from http");
    } finally {
      await bound.close();
    }
  });

  it("rejects with the listen error", async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): no machine has it.
    const error = await rejection(bindUnusedPort({ address: "192.0.2.1" }));
    expect((error as NodeJS.ErrnoException).code).to.equal("EADDRNOTAVAIL");
  });
});

describe("AsyncHTTPTestCaseTest", () => {
  const ctx = setupAsyncHTTPTest((req, res) => {
    res.setHeader("Content-Type", "text/plain");
    res.end(`${req.method} ${req.url}`);
  });
  let earlier: { server: http.Server; socket: net.Socket } | null = null;
  let outsideTestError: unknown = null;

  before(() => {
    try {
      ctx.getHttpPort();
    } catch (error) {
      outsideTestError = error;
    }
  });

  it("has no server outside a test", () => {
    expect(outsideTestError).to.be.instanceOf(RuntimeError);
  });

  it("gives the URL of a path on the test's server (test_fetch_segment)", async () => {
    const url = ctx.getUrl("/path");
    expect(url).to.equal(`http://127.0.0.1:${ctx.getHttpPort()}/path`);
    expect(ctx.getProtocol()).to.equal("http");
    expect(await get(url)).to.deep.equal({ status: 200, body: "GET /path" });
  });

  it(
    "serves a request while the test's loop runs",
    genTest(async () => {
      expect(ctx.ioLoop.isRunning()).to.equal(true);
      const reply = await get(ctx.getUrl("/?q=1"));
      expect(reply.body).to.equal("GET /?q=1");
    }),
  );

  it("leaves full URLs of other servers alone (test_fetch_full_http_url)", async () => {
    const second = await bindUnusedPort({ server: http.createServer((_q, r) => r.end("second")) });
    try {
      expect(second.port).to.not.equal(ctx.getHttpPort());
      expect((await get(`http://127.0.0.1:${second.port}/path`)).body).to.equal("second");
    } finally {
      await second.close();
    }
  });

  it("refuses a path without a leading slash", () => {
    expect(ctx.getUrl("")).to.equal(`http://127.0.0.1:${ctx.getHttpPort()}`);
    expect(() => ctx.getUrl("path")).to.throw(TypeError, 'starts with "/"');
  });

  it("keeps a connection open at the end of this test", async () => {
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      const request = http.get(ctx.getUrl("/keep"), { agent }, (res) => {
        res.resume();
        res.on("end", resolve);
      });
      // The agent keeps the socket for reuse; remember it for the next test.
      request.on("socket", (socket) => (earlier = { server: ctx.httpServer, socket }));
      request.on("error", reject);
    });
    expect(earlier!.socket.destroyed).to.equal(false);
  });

  it("closed the previous test's server and its open connections", () => {
    expect(earlier).to.not.equal(null);
    expect(earlier!.server.listening).to.equal(false);
    expect(earlier!.socket.destroyed).to.equal(true);
    expect(ctx.httpServer).to.not.equal(earlier!.server);
  });
});

describe("AsyncHTTPSTestCaseTest", () => {
  const ctx = setupAsyncHTTPSTest((req, res) => res.end(`secure ${req.url}`));

  it("serves HTTPS with a certificate for 127.0.0.1", async () => {
    expect(ctx.getProtocol()).to.equal("https");
    expect(ctx.getUrl("/x")).to.equal(`https://127.0.0.1:${ctx.getHttpPort()}/x`);
    const reply = await get(ctx.getUrl("/x"), { ca: ctx.getSslOptions().cert });
    expect(reply).to.deep.equal({ status: 200, body: "secure /x" });
  });

  it("is refused by a client that does not trust the test certificate", async () => {
    const error = await rejection(get(ctx.getUrl("/")));
    expect((error as NodeJS.ErrnoException).code).to.equal("DEPTH_ZERO_SELF_SIGNED_CERT");
  });

  it("can be used without verification, as validate_cert=False", async () => {
    const reply = await get(ctx.getUrl("/y"), { rejectUnauthorized: false });
    expect(reply.body).to.equal("secure /y");
  });
});
