-- Exact JSON encoding for engine results and events.
-- Why not cjson.encode: Valkey's cjson prints numbers with at most 14 significant digits, so a cash
-- balance of 2^53 - 1 would come out as 9.007199254741e+15. Every number the engine emits is an
-- integer (ticks, lots, minor units, ids, sequence numbers), printed here with %d, exact below 2^53.
-- Strings are escaped by cjson (correct for strings). Arrays are tables built with json_array();
-- json_raw(s) embeds an already encoded document (stored idempotent results, encoded events).
local JSON_ARRAY = {}
local JSON_RAW = {}

local function json_array(t)
  return setmetatable(t or {}, JSON_ARRAY)
end

local function json_raw(s)
  return setmetatable({ s }, JSON_RAW)
end

local json_encode

local function json_number(n)
  if n ~= n or n % 1 ~= 0 or n > 9007199254740991 or n < -9007199254740991 then
    error('json: not a safe integer: ' .. tostring(n))
  end
  return string.format('%d', n)
end

json_encode = function(v)
  local t = type(v)
  if t == 'number' then return json_number(v) end
  if t == 'string' then return cjson.encode(v) end
  if t == 'boolean' then return v and 'true' or 'false' end
  if v == nil then return 'null' end
  local mt = getmetatable(v)
  if mt == JSON_RAW then return v[1] end
  local parts = {}
  if mt == JSON_ARRAY then
    for i = 1, #v do parts[i] = json_encode(v[i]) end
    return '[' .. table.concat(parts, ',') .. ']'
  end
  for k, val in pairs(v) do
    parts[#parts + 1] = cjson.encode(tostring(k)) .. ':' .. json_encode(val)
  end
  table.sort(parts) -- deterministic output: the same command always encodes to the same bytes
  return '{' .. table.concat(parts, ',') .. '}'
end
