-- wrk script: GET /api/customers/{id}/insights for pseudo-random customer ids 1..N.
-- Usage: wrk -s scripts/insights.lua URL -- N   (N defaults to 100000)
local customers = 100000
local counter = 0

function init(args)
  if args[1] then customers = tonumber(args[1]) end
  math.randomseed(os.time() + (id or 0))
end

function request()
  counter = counter + 1
  local customer = math.random(1, customers)
  return wrk.format("GET", "/api/customers/" .. customer .. "/insights")
end
