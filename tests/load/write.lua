-- wrk script for tests/load/backup.sh: creates contacts through the API, one after another,
-- and prints the longest and typical write latency (microseconds from wrk, shown in ms).
--
--   CRM_WRITES max_ms=.. p50_ms=.. p99_ms=.. requests=.. non2xx=..

local n = 0
request = function()
  n = n + 1
  local body = string.format('{"name":"Backup probe %d-%d"}', os.time(), n)
  return wrk.format("POST", "/api/v1/contacts", {["Content-Type"] = "application/json"}, body)
end

done = function(summary, latency, requests)
  io.write(string.format(
    "CRM_WRITES max_ms=%.1f p50_ms=%.2f p99_ms=%.2f requests=%d non2xx=%d\n",
    latency.max / 1000,
    latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.requests,
    summary.errors.status
  ))
end
