-- wrk script of bench.py: POSTs the JSON body in the file $BODY and checks EVERY response:
-- HTTP 200, a body of exactly $EXPECT_BYTES bytes (the size of the verified answer), and no
-- "errors" key (a GraphQL error comes back as HTTP 200 with another body).
-- Prints one line "WRK_JSON {...}" with the totals when the run ends.
--
--   BODY=q1.json EXPECT_BYTES=12345 wrk -t2 -c32 -d15s -s wrk_post.lua http://127.0.0.1:18081/graphql
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
local expect_bytes = tonumber(os.getenv("EXPECT_BYTES") or "-1")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  checked, bad, bad_status, bad_size, graphql_errors = 0, 0, 0, 0, 0
end

function response(status, headers, body)
  checked = checked + 1
  local failed = false
  if status ~= 200 then
    bad_status = bad_status + 1
    failed = true
  end
  if expect_bytes >= 0 and #body ~= expect_bytes then
    bad_size = bad_size + 1
    failed = true
  end
  if string.find(body, '"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
    failed = true
  end
  if failed then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local t = { checked = 0, bad = 0, bad_status = 0, bad_size = 0, graphql_errors = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do
      t[k] = t[k] + (thread:get(k) or 0)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d,' ..
    '"checked":%d,"bad":%d,"bad_status":%d,"bad_size":%d,"graphql_errors":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout,
    t.checked, t.bad, t.bad_status, t.bad_size, t.graphql_errors))
end
