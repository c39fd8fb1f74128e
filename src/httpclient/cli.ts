/**
 * The `tornado-ts` command: fetch URLs and print them (mirrors `python -m tornado.httpclient`,
 * Tornado's `httpclient.main`).
 *
 * ```sh
 * npx tornado-ts [--print_headers] [--print_body=false] [--follow_redirects=false]
 *                [--validate_cert=false] [--proxy_host HOST] [--proxy_port PORT] URL...
 * ```
 *
 * As in Tornado: options come before the URLs (the first argument that is not an option,
 * or everything after `--`, is a URL); `-` and `_` are the same in option names; a
 * boolean given alone means true. For each URL the headers (when `--print_headers`) are
 * printed as `Name: value` lines and a blank line, then the body (when `--print_body`)
 * and a newline. A non-2xx response is printed like any other, as Tornado does.
 *
 * Beyond Tornado: `--name value` works as well as `--name=value`; booleans take
 * `true`/`false`/`1`/`0`; a 4xx/5xx response is also reported on stderr (`HTTP 404: Not
 * Found`) and makes the exit status 1 (like `curl --fail`; a 3xx shown with
 * `--follow_redirects=false` is not an error), and any other failure (refused connection,
 * timeout, DNS) is reported on stderr, stops there (Tornado raises) and exits 1. Bad usage prints the
 * usage line on stderr and exits 2; `--help` prints it on stdout.
 *
 * Tornado's `main` uses the blocking `HTTPClient`; here an `AsyncHTTPClient` on
 * `IOLoop.runSync` does the same work without a second thread.
 *
 * @module
 */
import { IOLoop } from "../ioloop";
import { HTTPClientError } from "./errors";
import { AsyncHTTPClient } from "./index";
import type { HTTPResponse } from "./response";

/** The usage line printed by `--help` and on bad usage. */
export const USAGE =
  "Usage: tornado-ts [--print_headers[=BOOL]] [--print_body[=BOOL]] " +
  "[--follow_redirects[=BOOL]] [--validate_cert[=BOOL]] [--proxy_host HOST] " +
  "[--proxy_port PORT] URL...";

/** The parsed command line. */
export interface CLIOptions {
  printHeaders: boolean;
  printBody: boolean;
  followRedirects: boolean;
  validateCert: boolean;
  proxyHost: string | undefined;
  proxyPort: number | undefined;
  help: boolean;
  urls: string[];
}

/** Where the command writes; the process's streams unless a caller swaps them. */
export interface CLIStreams {
  stdout: { write(chunk: string | Uint8Array): unknown };
  stderr: { write(chunk: string | Uint8Array): unknown };
}

/** A command line the command does not accept. */
export class UsageError extends Error {
  override name = "UsageError";
}

const BOOLEANS = {
  print_headers: "printHeaders",
  print_body: "printBody",
  follow_redirects: "followRedirects",
  validate_cert: "validateCert",
} as const;

const BOOL_WORDS: Readonly<Record<string, boolean>> = {
  true: true,
  "1": true,
  false: false,
  "0": false,
};

function parseBool(name: string, value: string): boolean {
  const parsed = BOOL_WORDS[value.toLowerCase()];
  if (parsed === undefined) {
    throw new UsageError(`--${name} takes true, false, 1 or 0; got ${JSON.stringify(value)}`);
  }
  return parsed;
}

/**
 * Parses the arguments after the program name (Tornado's `parse_command_line`).
 *
 * @throws `UsageError` for an unknown option, a missing or bad value, or no URL.
 * @example
 * parseArgs(["--print_headers", "--follow_redirects=false", "http://127.0.0.1:8888/"]);
 */
export function parseArgs(argv: readonly string[]): CLIOptions {
  const options: CLIOptions = {
    printHeaders: false,
    printBody: true,
    followRedirects: true,
    validateCert: true,
    proxyHost: undefined,
    proxyPort: undefined,
    help: false,
    urls: [],
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    const eq = arg.indexOf("=");
    const name = (eq < 0 ? arg : arg.slice(0, eq)).replace(/^-+/, "").replace(/-/g, "_");
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    if (name === "help" || name === "h") {
      options.help = true;
      continue;
    }
    if (name in BOOLEANS) {
      const key = BOOLEANS[name as keyof typeof BOOLEANS];
      const next = argv[i + 1];
      if (inline !== undefined) {
        options[key] = parseBool(name, inline);
      } else if (next !== undefined && next.toLowerCase() in BOOL_WORDS) {
        options[key] = parseBool(name, next);
        i++;
      } else {
        options[key] = true;
      }
      continue;
    }
    if (name === "proxy_host" || name === "proxy_port") {
      const value = inline ?? argv[++i];
      if (value === undefined || value === "") {
        throw new UsageError(`Option --${name} requires a value`);
      }
      if (name === "proxy_host") {
        options.proxyHost = value;
      } else {
        const port = Number(value);
        if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
          throw new UsageError(
            `--proxy_port takes a port number (1-65535); got ${JSON.stringify(value)}`,
          );
        }
        options.proxyPort = port;
      }
      continue;
    }
    throw new UsageError(`Unrecognized command line option: ${JSON.stringify(name)}`);
  }
  options.urls = argv.slice(i);
  if (options.urls.length === 0 && !options.help) throw new UsageError("No URL given");
  return options;
}

function printResponse(response: HTTPResponse, options: CLIOptions, out: CLIStreams): void {
  // Python's print(headers) then print(body): each followed by a newline.
  if (options.printHeaders) out.stdout.write(`${String(response.headers)}\n`);
  if (options.printBody) {
    out.stdout.write(response.body);
    out.stdout.write("\n");
  }
}

/**
 * Runs the command: fetches each URL in turn and prints it. Resolves with the exit status:
 * 0 when every URL was fetched without a 4xx/5xx status, 1 after any error, 2 for bad
 * usage.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(
  argv: readonly string[],
  streams: CLIStreams = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let options: CLIOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    streams.stderr.write(`tornado-ts: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    streams.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const loop = new IOLoop({ makeCurrent: false });
  try {
    return await loop.runSync(async () => {
      const client = new AsyncHTTPClient({ forceInstance: true });
      let status = 0;
      try {
        for (const url of options.urls) {
          let response: HTTPResponse;
          try {
            response = await client.fetch(url, {
              followRedirects: options.followRedirects,
              validateCert: options.validateCert,
              proxyHost: options.proxyHost,
              proxyPort: options.proxyPort,
            });
          } catch (error) {
            // Tornado prints the response of an HTTP error like any other; the rest raise.
            if (error instanceof HTTPClientError && error.response) {
              response = error.response;
              // A 1xx/3xx (a redirect not followed) is what was asked for; 4xx/5xx fail.
              if (response.code >= 400) {
                streams.stderr.write(`tornado-ts: ${url}: ${String(error)}\n`);
                status = 1;
              }
            } else {
              streams.stderr.write(`tornado-ts: ${url}: ${describe(error)}\n`);
              return 1;
            }
          }
          printResponse(response, options, streams);
        }
      } finally {
        client.close();
      }
      return status;
    });
  } finally {
    loop.close();
  }
}

/** `Name: message`, plus the Node error code when the message does not already say it. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const text = error instanceof HTTPClientError ? String(error) : `${error.name}: ${error.message}`;
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === "string" && !text.includes(code) ? `${text} (${code})` : text;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
