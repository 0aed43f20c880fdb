-- POST pre-encoded statement bodies for `make bench --loader wrk`.
-- The bodies file holds one JSON body per line; every generated statement id starts with
-- the 8-character mark given as the first script argument, replaced on each send by a
-- prefix unique to this thread and request so that every POST stores new statements.
-- Arguments: bodies file, mark, authorization header, path, first prefix (hex number).

local threads = {}
local counter = 0

function setup(thread)
   thread:set("thread_number", #threads)
   table.insert(threads, thread)
end

function init(args)
   bodies = {}
   for line in io.lines(args[1]) do
      bodies[#bodies + 1] = line
   end
   mark = args[2]
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
   local body = bodies[(counter % #bodies) + 1]:gsub(mark, prefix)
   return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
   local errors = summary.errors
   io.write(string.format(
      'WRK-RESULT {"requests":%d,"duration_us":%d,"errors":%d,"status_errors":%d,' ..
      '"p50_us":%d,"p95_us":%d,"p99_us":%d}\n',
      summary.requests, summary.duration,
      errors.connect + errors.read + errors.write + errors.timeout, errors.status,
      latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
