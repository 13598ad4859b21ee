-- wrk script for tests/load/run.sh: after the run, print one machine-readable
-- line with the figures run.sh collects. wrk reports latencies and the run's
-- duration in microseconds.
--
--   CRM_RESULT p50_ms=.. p95_ms=.. p99_ms=.. rps=.. requests=.. non2xx=.. socket_errors=..
--
-- non2xx is wrk's errors.status: responses with a status of 400 or more
-- (run.sh checks beforehand that every URL answers 200, so a redirect to the
-- sign-in page cannot pass unnoticed). socket_errors adds up connect, read,
-- write and timeout errors.

done = function(summary, latency, requests)
  local seconds = summary.duration / 1000000
  local rps = 0
  if seconds > 0 then
    rps = summary.requests / seconds
  end
  local e = summary.errors
  io.write(string.format(
    "CRM_RESULT p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f rps=%.1f requests=%d non2xx=%d socket_errors=%d\n",
    latency:percentile(50) / 1000,
    latency:percentile(95) / 1000,
    latency:percentile(99) / 1000,
    rps,
    summary.requests,
    e.status,
    e.connect + e.read + e.write + e.timeout
  ))
end
