/**
 * The worker-thread side of the blocking {@link HTTPClient}: a private `IOLoop` running an
 * `AsyncHTTPClient` (`forceInstance`), which Tornado's `HTTPClient` keeps on a private
 * loop in the caller's own thread.
 *
 * Protocol: the main thread sets the shared signal word to `PENDING`, posts one
 * {@link WireFetch} on the port and sleeps in `Atomics.wait`; this side fetches, posts the
 * {@link WireReply} on the same port, then stores `REPLIED` and notifies. Because the
 * reply is posted before the notify, the main thread finds it with
 * `receiveMessageOnPort` as soon as it wakes. If this thread dies it stores `GONE`, so
 * the caller is never left waiting. Internal to `httpclient`.
 *
 * @module
 */
import { IOLoop } from "../ioloop";
import {
  errorToWire,
  requestFromWire,
  responseToWire,
  reviveBuffers,
  SIGNAL,
  type BlockingWorkerData,
  type WireFetch,
  type WireReply,
} from "./_blocking_wire";
import { AsyncHTTPClient } from "./index";

/** Starts the loop and the client, then serves fetches until the thread is terminated. */
export function runBlockingWorker(data: BlockingWorkerData): void {
  const { port, signal } = data;
  let inFlight: number | null = null;

  const reply = (message: WireReply): void => {
    const body = message.ok ? message.response.body : null;
    // The body owns its ArrayBuffer (see ownBytes): move it rather than copy it.
    const transfer =
      body !== null && body.byteLength > 0 && body.buffer instanceof ArrayBuffer
        ? [body.buffer]
        : [];
    try {
      port.postMessage(message, transfer);
    } catch (error) {
      port.postMessage({ id: message.id, ok: false, error: errorToWire(error) });
    }
    inFlight = null;
    Atomics.store(signal, 0, SIGNAL.REPLIED);
    Atomics.notify(signal, 0);
  };

  // Whatever escapes still answers the request in flight rather than leaving the caller
  // asleep; with nothing in flight the thread just carries on.
  process.on("uncaughtException", (error) => {
    if (inFlight !== null) reply({ id: inFlight, ok: false, error: errorToWire(error) });
  });

  const loop = new IOLoop();
  let client: AsyncHTTPClient | null = null;
  let setupError: unknown = null;
  try {
    client = new AsyncHTTPClient({
      ...reviveBuffers(data.clientOptions),
      forceInstance: true,
    });
  } catch (error) {
    setupError = error;
  }

  const serve = async (job: WireFetch): Promise<void> => {
    try {
      if (client === null) throw setupError;
      const request = requestFromWire(job.request);
      const response = await client.fetch(request, { raiseError: job.raiseError });
      reply({ id: job.id, ok: true, response: responseToWire(response) });
    } catch (error) {
      reply({ id: job.id, ok: false, error: errorToWire(error) });
    }
  };

  port.on("message", (job: WireFetch) => {
    inFlight = job.id;
    loop.addCallback(() => serve(job));
  });
  void loop.start();
}
