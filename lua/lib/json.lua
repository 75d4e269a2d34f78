-- Exact JSON encoding for engine results and events.
-- Why not cjson.encode: Valkey's cjson prints numbers with at most 14 significant digits, so a cash
-- balance of 2^53 - 1 would come out as 9.007199254741e+15. Every number the engine emits is an
-- integer (ticks, lots, minor units, ids, sequence numbers), printed exactly here.
-- Arrays are tables built with json_array(); json_raw(s) embeds an already encoded document.
-- This runs for every event of every command, so it avoids work on the common path: object keys are
-- the engine's own identifiers (never escaped), and strings without quotes, backslashes or control
-- characters are quoted directly; only the rest go through cjson's escaping.
local JSON_ARRAY = {}
local JSON_RAW = {}
local sfind, sformat, tconcat = string.find, string.format, table.concat

local function json_array(t)
  return setmetatable(t or {}, JSON_ARRAY)
end

local function json_raw(s)
  return setmetatable({ s }, JSON_RAW)
end

local function json_number(n)
  if n ~= n or n % 1 ~= 0 or n > 9007199254740991 or n < -9007199254740991 then
    error('json: not a safe integer: ' .. tostring(n))
  end
  if n < 1e14 and n > -1e14 then return tostring(n) end -- %.14g is exact below 10^14
  return sformat('%d', n)
end

local function json_string(s)
  if sfind(s, '[%c"\\\128-\255]') then return cjson.encode(s) end
  return '"' .. s .. '"'
end

local function json_encode(v)
  local t = type(v)
  if t == 'number' then return json_number(v) end
  if t == 'string' then return json_string(v) end
  if t == 'boolean' then return v and 'true' or 'false' end
  if v == nil then return 'null' end
  local mt = getmetatable(v)
  if mt == JSON_RAW then return v[1] end
  local parts, n = {}, 0
  if mt == JSON_ARRAY then
    for i = 1, #v do parts[i] = json_encode(v[i]) end
    return '[' .. tconcat(parts, ',') .. ']'
  end
  for k, val in pairs(v) do
    n = n + 1
    parts[n] = '"' .. k .. '":' .. json_encode(val)
  end
  return '{' .. tconcat(parts, ',') .. '}'
end
