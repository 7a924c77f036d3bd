-- lti_wrk.lua - wrk script for bench_lti.sh: replays a pool of pre-signed LTI
-- launch bodies (one per line), each exactly once, split across wrk threads.
-- usage: wrk -t2 -c8 -d4s -s lti_wrk.lua URL -- <pool-file> <threads>
-- Prints "LTI <launches> <other> <exhausted> <duration_us> <p50_ms> <p99_ms>".
local counter = 0
local threads = {}

function setup(thread)
    thread:set("id", counter)
    table.insert(threads, thread)
    counter = counter + 1
end

function init(args)
    local n = tonumber(args[2])
    bodies = {}
    local i = 0
    for line in io.lines(args[1]) do
        if i % n == id and #line > 0 then
            bodies[#bodies + 1] = line
        end
        i = i + 1
    end
    idx, launches, other, exhausted = 0, 0, 0, 0
    hdrs = { ["Content-Type"] = "application/x-www-form-urlencoded" }
end

function request()
    idx = idx + 1
    if idx > #bodies then
        exhausted = exhausted + 1
        return wrk.format("GET", "/healthz")
    end
    return wrk.format("POST", "/lti/launch", hdrs, bodies[idx])
end

function response(status, headers, body)
    if status == 303 then
        launches = launches + 1
    else
        other = other + 1
    end
end

function done(summary, latency, requests)
    local l, o, e = 0, 0, 0
    for _, t in ipairs(threads) do
        l = l + t:get("launches")
        o = o + t:get("other")
        e = e + t:get("exhausted")
    end
    io.write(string.format("LTI %d %d %d %d %.3f %.3f\n", l, o - e, e, summary.duration,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
