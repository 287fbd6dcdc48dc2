-- wrk script of the benchmark harness (bench/run.py): every request carries the header the TLS
-- proxy would add, every response's status is counted (anything but 200 is an error, redirects
-- included), and the run ends with one JSON line of counts and latency percentiles.

wrk.headers["X-Forwarded-Proto"] = "https"
wrk.headers["Accept-Encoding"] = "identity"

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   not_ok = 0
end

function response(status, headers, body)
   if status ~= 200 then
      not_ok = not_ok + 1
   end
end

function done(summary, latency, requests)
   local not_ok_total = 0
   for _, thread in ipairs(threads) do
      not_ok_total = not_ok_total + thread:get("not_ok")
   end
   local errors = summary.errors
   io.write(string.format(
      "WRK_JSON {\"requests\": %d, \"duration_us\": %d, \"bytes\": %d, \"not_200\": %d, " ..
      "\"connect_errors\": %d, \"read_errors\": %d, \"write_errors\": %d, \"timeouts\": %d, " ..
      "\"p50_us\": %d, \"p95_us\": %d, \"p99_us\": %d, \"max_us\": %d, \"mean_us\": %.1f}\n",
      summary.requests, summary.duration, summary.bytes, not_ok_total,
      errors.connect, errors.read, errors.write, errors.timeout,
      latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
