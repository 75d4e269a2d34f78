-- Integer parsing, key building and rejections shared by every command.
-- Numbers in Valkey Lua are doubles: integers are exact up to 2^53 - 1 (MAX_SAFE). Inputs are parsed
-- with parse_int, which rejects fractions, NaN, and anything outside the caller's bounds.
local MAX_SAFE = 9007199254740991
local MAX_PRICE = 1000000000      -- ticks; keeps price x qty x scale checkable below 2^53
local MAX_QTY = 1000000000        -- lots
local MAX_CASH = 1000000000000000  -- minor units (10^15) per player endowment
local MAX_FEE = 1000000000         -- minor units per lot (taker fee, maker rebate)

-- A rejection: raised with error(), caught once at the top of each script by run(). Scripts validate
-- everything before their first write, so a rejection always leaves Valkey unchanged.
local function reject(code, message)
  error({ reject = true, code = code, message = message }, 0)
end

-- Integer in [lo, hi] or nil. Accepts numbers or plain decimal digit strings; '' , nil, hex ('0x64'),
-- exponents ('1e2') and padded text give nil (Lua's tonumber alone would accept all of those).
local function parse_int(v, lo, hi)
  if type(v) == 'string' and not string.find(v, '^%-?%d+$') then return nil end
  local n = tonumber(v)
  if n == nil or n ~= n or n % 1 ~= 0 or n < lo or n > hi then return nil end
  return n
end

-- Integer in [lo, hi] or a rejection with the given code.
local function need_int(v, lo, hi, code, what)
  local n = parse_int(v, lo, hi)
  if n == nil then
    reject(code, what .. ' must be an integer in [' .. string.format('%d', lo) .. ', ' .. string.format('%d', hi) .. '], got ' .. tostring(v))
  end
  return n
end

-- An optional trailing argument: its default when absent (older callers send fewer), else need_int.
local function opt_int(v, default, lo, hi, code, what)
  if v == nil then return default end
  return need_int(v, lo, hi, code, what)
end

local function fmt(n) return string.format('%d', n) end

-- Order ids are zero-padded so that members with an equal score sort by arrival (price-time priority).
local function order_member(id) return string.format('%012d', id) end

-- Runs a command body; returns its JSON result or the JSON of its rejection. Any other error is a bug
-- and is re-raised so that it surfaces as a script error.
local function run(body)
  local ok, res = pcall(body)
  if ok then return res end
  if type(res) == 'table' and res.reject then
    return json_encode({ ok = false, code = res.code, message = res.message })
  end
  error(res, 0)
end

-- Current server time in milliseconds (scripts are replicated by effects, so TIME is allowed).
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Array reply of HMGET/HGETALL-style pairs into a table.
local function pairs_to_table(flat)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end
