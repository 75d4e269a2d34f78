-- Text checks for the scripts that log free text (announce, signal).

-- Characters of a UTF-8 string (bytes that do not continue a sequence).
local function utf8_len(s)
  local _, n = string.gsub(s, '[^\128-\191]', '')
  return n
end
