"""Python Tornado's HTTP clients as benchmark peers of tornado-ts's AsyncHTTPClient.

Run by bench/httpclient.bench.ts as
    taskset -c 1 /usr/bin/python3 bench/peers/tornado_client.py '<job JSON>'
with Debian's python3-tornado and python3-pycurl. The job is the one the Node children
get (bench/_http_peers.ts): client ("simple" for SimpleAsyncHTTPClient, "curl" for
CurlAsyncHTTPClient), mode ("fetch": whole bodies; "stream": counted through
streaming_callback), url, count, concurrency, warmup and bodyBytes. The script warms up,
resets the kernel's peak-RSS mark, times the job and prints one JSON line:
{"ns", "requests", "bytes", "peakRssKiB", "rssScope", "impl"}, or {"error"}.

Tornado's simple client opens a new connection per request (no keep-alive: Tornado issue
#324); the curl client keeps connections alive through libcurl.
"""

import asyncio
import json
import re
import sys
import time


def peak_rss_kib():
    with open("/proc/self/status") as status:
        match = re.search(r"VmHWM:\s+(\d+)\s+kB", status.read())
    return int(match.group(1)) if match else -1


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def make_client(name, concurrency):
    if name == "simple":
        from tornado.simple_httpclient import SimpleAsyncHTTPClient as impl
    elif name == "curl":
        from tornado.curl_httpclient import CurlAsyncHTTPClient as impl
    else:
        raise ValueError("unknown client %r" % name)
    # force_instance: a private client; max_clients: the requests in flight at once.
    return impl(force_instance=True, max_clients=max(concurrency, 10))


async def drive(client, job, count):
    state = {"started": 0, "bytes": 0}
    stream = job["mode"] == "stream"

    async def one():
        if not stream:
            response = await client.fetch(job["url"])
            return len(response.body)
        seen = [0]

        def on_chunk(chunk):
            seen[0] += len(chunk)

        await client.fetch(job["url"], streaming_callback=on_chunk, request_timeout=0)
        return seen[0]

    async def worker():
        while state["started"] < count:
            state["started"] += 1
            n = await one()
            if n != job["bodyBytes"]:
                raise RuntimeError("received %d body bytes, expected %d" % (n, job["bodyBytes"]))
            state["bytes"] += n

    await asyncio.gather(*(worker() for _ in range(min(job["concurrency"], count))))
    return state["bytes"]


async def run(job):
    import tornado

    client = make_client(job["client"], job["concurrency"])
    try:
        if job["warmup"] > 0:
            await drive(client, job, job["warmup"])
        reset = reset_peak_rss()
        start = time.perf_counter_ns()
        received = await drive(client, job, job["count"])
        ns = time.perf_counter_ns() - start
    finally:
        client.close()
    return {
        "ns": ns,
        "requests": job["count"],
        "bytes": received,
        "peakRssKiB": peak_rss_kib(),
        "rssScope": "timed" if reset else "process",
        "impl": "Tornado %s %s" % (tornado.version, type(client).__name__),
    }


def main():
    job = json.loads(sys.argv[1])
    try:
        result = asyncio.run(run(job))
    except Exception as error:  # reported to the parent, which skips this client
        result = {"error": "%s: %s" % (type(error).__name__, str(error).splitlines()[0] if str(error) else "")}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
