-- wrk script of the bench: sends one fixed request and checks every answer, since wrk alone
-- counts only HTTP status and the gateway refuses with HTTP 200 (`failure;…`). Set by bench/wrk.ts:
--   BENCH_WRK_METHOD, BENCH_WRK_BODY (file), BENCH_WRK_HEADERS ("Name: value" lines)
--   BENCH_WRK_STATUS and BENCH_WRK_GOOD: the status and Lua pattern of an accepted answer
--   BENCH_WRK_ID: a pattern whose capture is the answer's id (batch id), kept to check them later
--   BENCH_WRK_OUT: where done() writes the figures (JSON); ids go to BENCH_WRK_OUT .. ".ids"

wrk.method = os.getenv("BENCH_WRK_METHOD")
local body_file = os.getenv("BENCH_WRK_BODY")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
end
for name, value in (os.getenv("BENCH_WRK_HEADERS") or ""):gmatch("([^:\n]+): ([^\n]*)") do
  wrk.headers[name] = value
end

local expected_status = tonumber(os.getenv("BENCH_WRK_STATUS"))
local good_pattern = os.getenv("BENCH_WRK_GOOD")
local id_pattern = os.getenv("BENCH_WRK_ID")
if id_pattern == "" then id_pattern = nil end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  good = 0
  bad = 0
  ids = {}
  sample = nil
end

function response(status, headers, body)
  if status == expected_status and body:find(good_pattern) then
    good = good + 1
    if id_pattern then ids[#ids + 1] = body:match(id_pattern) end
  else
    bad = bad + 1
    if not sample then sample = status .. " " .. body:sub(1, 300) end
  end
end

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
  local good_total, bad_total, sample_text = 0, 0, nil
  local out = os.getenv("BENCH_WRK_OUT")
  local id_file = assert(io.open(out .. ".ids", "w"))
  for _, thread in ipairs(threads) do
    good_total = good_total + thread:get("good")
    bad_total = bad_total + thread:get("bad")
    sample_text = sample_text or thread:get("sample")
    for _, id in ipairs(thread:get("ids")) do id_file:write(id, "\n") end
  end
  id_file:close()
  local e = summary.errors
  local f = assert(io.open(out, "w"))
  f:write(string.format(
    '{"durationUs":%d,"requests":%d,"good":%d,"bad":%d,"non2xx":%d,"socketErrors":%d,"timeouts":%d,' ..
      '"p50Us":%d,"p99Us":%d,"maxUs":%d,"meanUs":%.1f,"badSample":%s}\n',
    summary.duration, summary.requests, good_total, bad_total, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, latency.mean,
    sample_text and json_string(sample_text) or "null"))
  f:close()
end
