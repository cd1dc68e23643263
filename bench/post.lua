-- wrk script: POST the bodies from a file (one JSON per line, "@ID@" where the id goes),
-- each with a fresh UUID, so every request is a new submission.
-- usage: wrk -s bench/post.lua URL -- BODIES_FILE NONCE
local bodies = {}
local thread_no = 0
local counter = 0
local nonce = 0
local threads = {}

function setup(thread)
  thread:set("thread_no", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    table.insert(bodies, line)
  end
  nonce = tonumber(args[2])
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local id = string.format("%08x-%04x-4000-8000-%012x", nonce, thread_no, counter)
  local body = bodies[(counter + thread_no * 7919) % #bodies + 1]:gsub("@ID@", id)
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
