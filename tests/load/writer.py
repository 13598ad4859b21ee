#!/usr/bin/env python3
"""A client that creates contacts through the API one after another, for tests/load/backup.sh.

    writer.py HOST:PORT TOKEN SECONDS

Prints one line with the longest and typical latency of its writes (each measured here, from
sending the request to reading the whole answer):

    CRM_WRITES max_ms=.. p50_ms=.. p99_ms=.. requests=.. non2xx=..
"""
import http.client
import json
import sys
import time


def main():
    address, token, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    host, port = address.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies, failed, n = [], 0, 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        n += 1
        body = json.dumps({"name": f"Backup probe {n}"})
        started = time.perf_counter()
        conn.request("POST", "/api/v1/contacts", body, headers)
        answer = conn.getresponse()
        answer.read()
        latencies.append((time.perf_counter() - started) * 1000)
        if answer.status >= 300:
            failed += 1
    latencies.sort()
    at = lambda q: latencies[min(len(latencies) - 1, int(len(latencies) * q))]
    print(
        f"CRM_WRITES max_ms={latencies[-1]:.1f} p50_ms={at(0.5):.2f} p99_ms={at(0.99):.2f} "
        f"requests={len(latencies)} non2xx={failed}"
    )


if __name__ == "__main__":
    main()
