-- POST pre-encoded statement bodies for `make bench --loader wrk`.
-- The bodies file holds one JSON body per line; every generated statement id starts with
-- the 8-character mark given as the second script argument, replaced on each send by a
-- prefix unique to this thread and request so that every POST stores new statements.
-- Arguments: bodies file, mark, authorization header, path, first prefix (hex number).

local threads = {}
counter = 0 -- a global of each thread's state, so that done() can read how many it sent

-- The text between the marks, so that a send joins the pieces around a new prefix
-- (table.concat) instead of searching a body of up to a megabyte on every request.
local function pieces(text, mark)
   local found, start = {}, 1
   while true do
      local first, last = string.find(text, mark, start, true)
      if not first then break end
      found[#found + 1] = string.sub(text, start, first - 1)
      start = last + 1
   end
   found[#found + 1] = string.sub(text, start)
   return found
end

function setup(thread)
   thread:set("thread_number", #threads)
   table.insert(threads, thread)
end

function init(args)
   bodies = {}
   for line in io.lines(args[1]) do
      bodies[#bodies + 1] = pieces(line, args[2])
   end
   path = args[4]
   base = tonumber(args[5], 16) + thread_number * 0x1000000
   headers = {
      ["Authorization"] = args[3],
      ["X-Experience-API-Version"] = "2.0.0",
      ["Content-Type"] = "application/json",
   }
end

function request()
   counter = counter + 1
   local prefix = string.format("%08x", (base + counter) % 0x100000000)
   local body = table.concat(bodies[(counter % #bodies) + 1], prefix)
   return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
   local errors = summary.errors
   local sent = -1 -- wrk calls request() once before the run to check the script
   for _, thread in ipairs(threads) do
      sent = sent + thread:get("counter")
   end
   io.write(string.format(
      'WRK-RESULT {"requests":%d,"sent":%d,"duration_us":%d,"errors":%d,"status_errors":%d,' ..
      '"p50_us":%d,"p95_us":%d,"p99_us":%d}\n',
      summary.requests, sent, summary.duration,
      errors.connect + errors.read + errors.write + errors.timeout, errors.status,
      latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
