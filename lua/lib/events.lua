-- The game's event log. Events are collected while a command runs and appended at its end, each with
-- the next game-wide sequence number (one INCRBY for the whole command), to the stream
-- game:{g}:events under the entry id '<seq>-0' with a single field 'data' holding the event's JSON.
-- The same JSON documents are returned to the caller, so the room applies exactly what was logged.
local function new_log(g, ts)
  return { g = g, ts = ts, list = {} }
end

local function log_event(log, ev)
  log.list[#log.list + 1] = ev
end

-- Appends the collected events; returns (array of raw JSON events, first seq, last seq).
local function flush_log(log)
  local n = #log.list
  local out = json_array()
  if n == 0 then return out, 0, 0 end
  local last = redis.call('INCRBY', seq_key(log.g), n)
  local first = last - n + 1
  local stream = events_key(log.g)
  for i = 1, n do
    local ev = log.list[i]
    ev.seq = first + i - 1
    ev.ts = log.ts
    local doc = json_encode(ev)
    redis.call('XADD', stream, fmt(ev.seq) .. '-0', 'data', doc)
    out[i] = json_raw(doc)
  end
  return out, first, last
end
