-- The game's event log. Events are collected while a command runs and appended at its end, each with
-- the next game-wide sequence number (one INCRBY for the whole command), to the stream
-- game:{g}:events under the entry id '<seq>-0' with a single field 'data' holding the event's JSON.
-- The same JSON documents are returned to the caller, so the room applies exactly what was logged.
--
-- The events of the order path are encoded with one string.format each (a generic table encoder
-- costs several microseconds per event in the script VM, which is most of a command's time). Player
-- ids are validated tokens ([%w_-]) and sides/types/reasons are engine constants, so only client
-- order ids need escaping.
local ENCODE = {
  order_accepted = function(e)
    return string.format('{"type":"order_accepted","seq":%d,"ts":%d,"securityId":%d,"orderId":%d,"playerId":"%s",%s"side":"%s","orderType":"%s","tif":"%s","postOnly":%s,"price":%d,"qty":%d}',
      e.seq, e.ts, e.securityId, e.orderId, e.playerId, e.clientOrderId and ('"clientOrderId":' .. json_string(e.clientOrderId) .. ',') or '',
      e.side, e.orderType, e.tif, e.postOnly and 'true' or 'false', e.price, e.qty)
  end,
  fill = function(e)
    return string.format('{"type":"fill","seq":%d,"ts":%d,"securityId":%d,"price":%d,"qty":%d,"aggressor":"%s","makerOrderId":%d,"takerOrderId":%d,"makerPlayerId":"%s","takerPlayerId":"%s","makerRemaining":%d,"takerRemaining":%d,"takerFee":%d,"makerRebate":%d}',
      e.seq, e.ts, e.securityId, e.price, e.qty, e.aggressor, e.makerOrderId, e.takerOrderId, e.makerPlayerId,
      e.takerPlayerId, e.makerRemaining, e.takerRemaining, e.takerFee, e.makerRebate)
  end,
  order_rested = function(e)
    return string.format('{"type":"order_rested","seq":%d,"ts":%d,"securityId":%d,"orderId":%d,"playerId":"%s","side":"%s","price":%d,"qty":%d}',
      e.seq, e.ts, e.securityId, e.orderId, e.playerId, e.side, e.price, e.qty)
  end,
  order_cancelled = function(e)
    return string.format('{"type":"order_cancelled","seq":%d,"ts":%d,"securityId":%d,"orderId":%d,"playerId":"%s","side":"%s","price":%d,"qty":%d,"reason":"%s"}',
      e.seq, e.ts, e.securityId, e.orderId, e.playerId, e.side, e.price, e.qty, e.reason)
  end,
}

local function new_log(g, ts)
  return { g = g, ts = ts, list = {} }
end

local function log_event(log, ev)
  log.list[#log.list + 1] = ev
end

-- Appends the collected events; returns (JSON array text of the events, first seq, last seq) and
-- keeps each event's JSON in log.docs.
local function flush_log(log)
  local n = #log.list
  if n == 0 then return '[]', 0, 0 end
  local last = redis.call('INCRBY', seq_key(log.g), n)
  local first = last - n + 1
  local stream = events_key(log.g)
  local docs = {}
  for i = 1, n do
    local ev = log.list[i]
    ev.seq = first + i - 1
    ev.ts = log.ts
    local enc = ENCODE[ev.type]
    local doc = enc and enc(ev) or json_encode(ev)
    redis.call('XADD', stream, string.format('%d-0', ev.seq), 'data', doc)
    docs[i] = doc
  end
  log.docs = docs
  return '[' .. table.concat(docs, ',') .. ']', first, last
end
