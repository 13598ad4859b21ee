-- wrk script for the "stage-move" endpoint of tests/load/run.sh: each request moves a random
-- deal of pipeline 1 to a random one of that pipeline's open stages (ids 1-4 in a fresh
-- installation), as the board's script does: a form POST asking for JSON, with the session's
-- CSRF token. Moves without a version: the last write wins, so every request succeeds.
-- The result line comes from latency.lua.

dofile(os.getenv("CRM_LOAD_DIR") .. "/latency.lua")

local csrf = os.getenv("CRM_CSRF")
local deals = tonumber(os.getenv("CRM_DEALS"))
local pipelines = tonumber(os.getenv("CRM_PIPELINES"))

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"

request = function()
  -- Deals were generated in turn over the pipelines: ids 1, 1+P, 1+2P... are pipeline 1's.
  local id = 1 + pipelines * math.random(0, math.floor((deals - 1) / pipelines))
  local stage = math.random(1, 4)
  local body = "csrf_token=" .. csrf .. "&stage_id=" .. stage
  return wrk.format(nil, "/deals/" .. id .. "/move", nil, body)
end
