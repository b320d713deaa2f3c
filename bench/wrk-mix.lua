-- wrk script: cycles through the benchmark's request mix (many tokens x customers).
-- The pool file (BENCH_POOL) holds `t TOKEN` lines, then `p TOKEN_INDEX CUSTOMER_ID` lines.
-- No response() callback: it would make wrk parse every body. Non-2xx answers are counted by wrk
-- itself (summary.errors.status).

local pool = os.getenv("BENCH_POOL")
local tokens = {}
local paths = {}
local auths = {}
local count = 0
local position = 0

local function load()
  for line in io.lines(pool) do
    local kind = line:sub(1, 1)
    if kind == "t" then
      tokens[#tokens + 1] = "Bearer " .. line:sub(3)
    elseif kind == "p" then
      local token, customer = line:match("^p (%d+) (%S+)$")
      count = count + 1
      paths[count] = "/v1/customers/" .. customer .. "/organization"
      auths[count] = tokens[tonumber(token) + 1]
    end
  end
end

function init(args)
  load()
  position = 0
end

function request()
  position = position + 1
  if position > count then position = 1 end
  return wrk.format("GET", paths[position], { ["Authorization"] = auths[position], ["Accept"] = "application/json" })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationUs":%d,"non2xx":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"meanUs":%.1f,"maxUs":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
