-- wrk script: POSTs MCP tools/call requests in one session and checks every response.
-- Environment: MCP_SESSION_ID (required), MCP_PROTOCOL_VERSION (default 2025-11-25),
-- MCP_TOOL (default echo). Prints one "RESULT key=value ..." line for bench/run.sh, and the first
-- failed response of each thread so that a failure can be read, not only counted.

local session = os.getenv("MCP_SESSION_ID")
if not session or session == "" then error("MCP_SESSION_ID is not set") end
local tool = os.getenv("MCP_TOOL") or "echo"

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["Mcp-Session-Id"] = session
wrk.headers["MCP-Protocol-Version"] = os.getenv("MCP_PROTOCOL_VERSION") or "2025-11-25"

-- Main state: the thread objects, to collect their counters in done().
local threads = {}
function setup(thread)
  thread:set("thread_index", #threads + 1)
  table.insert(threads, thread)
end

-- Thread state. Ids are unique across threads: the requests share one MCP session.
ok, non2xx, rpc_errors, no_result, id_mismatch = 0, 0, 0, 0, 0
first_failure = ""
local sent = 0

function request()
  sent = sent + 1
  local id = thread_index * 1000000000 + sent
  return wrk.format(nil, nil, nil, string.format(
    '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"%s",' ..
    '"arguments":{"message":"hello %d"}}}', id, tool, id))
end

local function fail(kind, status, body)
  if first_failure == "" then
    first_failure = string.format("%s: HTTP %d %s", kind, status, (body or ""):sub(1, 300))
  end
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    fail("non-2xx", status, body)
  elseif body:find('"error"%s*:') then
    rpc_errors = rpc_errors + 1
    fail("JSON-RPC error", status, body)
  elseif not body:find('"result"%s*:') then
    no_result = no_result + 1
    fail("no result", status, body)
  elseif not body:find('"hello ', 1, true) then
    -- the echo tool returns the message: a result without it is someone else's answer
    id_mismatch = id_mismatch + 1
    fail("unexpected result", status, body)
  else
    ok = ok + 1
  end
end

function done(summary, latency, requests)
  local totals = {ok = 0, non2xx = 0, rpc_errors = 0, no_result = 0, id_mismatch = 0}
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do totals[key] = totals[key] + (thread:get(key) or 0) end
    local failure = thread:get("first_failure")
    if failure and failure ~= "" then io.write("FIRST_FAILURE ", (failure:gsub("\n", " ")), "\n") end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "ok=%d non2xx=%d rpc_errors=%d no_result=%d unexpected=%d " ..
    "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    totals.ok, totals.non2xx, totals.rpc_errors, totals.no_result, totals.id_mismatch,
    e.connect, e.read, e.write, e.timeout))
end
