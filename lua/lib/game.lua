-- Loading game, security and position state, and accumulating inventory changes.

-- Game config and phase. Raises UNKNOWN_GAME.
local function load_game(g)
  local v = redis.call('HMGET', g, 'phase', 'stp', 'max_matches', 'allow_short', 'protection_bps', 'gross_limit', 'net_limit')
  if not v[1] then reject('UNKNOWN_GAME', 'no such game') end
  return {
    phase = v[1], stp = v[2], max_matches = tonumber(v[3]),
    allow_short = v[4] == '1', protection_bps = tonumber(v[5]),
    -- weighted lots, 0 = none (absent in games created before the limits existed)
    gross_limit = tonumber(v[6] or 0), net_limit = tonumber(v[7] or 0),
  }
end

-- A security's rules and key names. Raises UNKNOWN_SECURITY.
local function load_security(g, sid_arg)
  local sid = parse_int(sid_arg, 1, 2147483647)
  if sid == nil then reject('UNKNOWN_SECURITY', 'no such security: ' .. tostring(sid_arg)) end
  sid = fmt(sid)
  local v = redis.call('HMGET', security_key(g, sid), 'scale', 'band_low', 'band_high', 'short_limit',
    'position_limit', 'max_order_qty', 'taker_fee', 'maker_rebate')
  if not v[1] then reject('UNKNOWN_SECURITY', 'no such security: ' .. sid) end
  local book = book_key(g, sid)
  return {
    id = sid, num = tonumber(sid), scale = tonumber(v[1]), band_low = tonumber(v[2]),
    band_high = tonumber(v[3]), short_limit = tonumber(v[4]), position_limit = tonumber(v[5]),
    max_order_qty = tonumber(v[6]),
    -- minor units per lot filled (absent in securities added before fees existed)
    taker_fee = tonumber(v[7] or 0), maker_rebate = tonumber(v[8] or 0),
    book = book, bids = book .. ':bids', asks = book .. ':asks', count = book .. ':order_count',
    prefix = book .. ':',
  }
end

-- A player's cash and position in one security (all integers). Raises UNKNOWN_PLAYER.
local function load_position(g, pid, sid)
  local v = redis.call('HMGET', inventory_key(g, pid), '0', '0:locked', sid, sid .. ':locked', sid .. ':open_buy')
  if not v[1] then reject('UNKNOWN_PLAYER', 'no such player: ' .. tostring(pid)) end
  return {
    cash = tonumber(v[1]), cash_locked = tonumber(v[2] or 0), hold = tonumber(v[3] or 0),
    hold_locked = tonumber(v[4] or 0), open_buy = tonumber(v[5] or 0),
  }
end

-- Inventory changes are summed per (key, field) while a command runs and written once at its end.
local function new_deltas() return { keys = {}, by_key = {} } end

local function add_delta(d, key, field, amount)
  if amount == 0 then return end
  local t = d.by_key[key]
  if not t then t = {}; d.by_key[key] = t; d.keys[#d.keys + 1] = key end
  t[field] = (t[field] or 0) + amount
end

local function apply_deltas(d)
  for _, key in ipairs(d.keys) do
    for field, amount in pairs(d.by_key[key]) do
      if amount ~= 0 then redis.call('HINCRBY', key, field, amount) end
    end
  end
end

-- What an open order holds back: a buy locks price x qty x scale cash and counts toward the long
-- position limit; a sell locks qty lots (which may be borrowed when short selling is allowed).
local function add_order_lock(d, inv, sec, side, price, qty, sign)
  if side == 'buy' then
    add_delta(d, inv, '0:locked', sign * price * qty * sec.scale)
    add_delta(d, inv, sec.id .. ':open_buy', sign * qty)
  else
    add_delta(d, inv, sec.id .. ':locked', sign * qty)
  end
end

-- Per-command context: the game key, its config, the event log and the inventory deltas.
local function new_ctx(g)
  return { g = g, game = load_game(g), log = new_log(g, now_ms()), deltas = new_deltas() }
end

-- Ends a successful command: writes inventory deltas, appends its events, encodes its result.
local function finish(ctx, result)
  apply_deltas(ctx.deltas)
  local events, first, last = flush_log(ctx.log)
  result.ok = true
  result.events = json_raw(events)
  result.firstSeq = first
  result.lastSeq = last
  return json_encode(result)
end

-- Player ids are short tokens: letters, digits, '_' and '-', at most 64 characters.
local function valid_player_id(pid)
  return type(pid) == 'string' and #pid >= 1 and #pid <= 64 and string.find(pid, '^[%w_%-]+$') ~= nil
end
