-- wrk script of persisted.py: GETs the URL given to wrk (a persisted document:
-- /graphql?documentId=sha256:...&variables=...) with `Accept: $ACCEPT` and checks EVERY response
-- like wrk_post.lua: HTTP 200, a body of exactly $EXPECT_BYTES bytes (the size of the verified
-- answer), no "errors" key. Also counts the answers nginx served from its cache (X-Cache-Status HIT).
-- Prints one line "WRK_JSON {...}" with the totals when the run ends.
--
--   ACCEPT=application/graphql-response+json EXPECT_BYTES=12345 \
--     wrk -t2 -c32 -d15s -s wrk_get.lua 'http://127.0.0.1:8081/graphql?documentId=sha256:...&variables=...'
wrk.method = "GET"
wrk.headers["Accept"] = os.getenv("ACCEPT") or "application/graphql-response+json"
local expect_bytes = tonumber(os.getenv("EXPECT_BYTES") or "-1")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  checked, bad, bad_status, bad_size, graphql_errors, cache_hits = 0, 0, 0, 0, 0, 0
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
  -- wrk keeps header names as sent; nginx sends "X-Cache-Status"
  if (headers["X-Cache-Status"] or headers["x-cache-status"]) == "HIT" then
    cache_hits = cache_hits + 1
  end
end

function done(summary, latency, requests)
  local t = { checked = 0, bad = 0, bad_status = 0, bad_size = 0, graphql_errors = 0, cache_hits = 0 }
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
    '"checked":%d,"bad":%d,"bad_status":%d,"bad_size":%d,"graphql_errors":%d,"cache_hits":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout,
    t.checked, t.bad, t.bad_status, t.bad_size, t.graphql_errors, t.cache_hits))
end
