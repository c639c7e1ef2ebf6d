-- ARGV: now_ms, expires_at_ms, reservation_id, keep_until_ms, extend_to_ms, encoded
-- lines (merged, quantities > 0; a promo code's uses as a line "c:<code>"), then for a
-- hold with a code: the code's line name and its limit of uses, which the caller reads
-- from the event's codes (so a changed limit applies from the next admission), and
-- 'hold_without_code' when the tickets are to be admitted alone if the code's uses do not
-- fit (the buyer's fallback, decided here so that no other request comes in between).
local now_ms, expires_at_ms, reservation_id, keep_until_ms, extend_to_ms, encoded =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]

if not is_loaded() then
  return { 'not_loaded' }
end
purge_lapsed(now_ms)
if redis.call('ZSCORE', holds_key, reservation_id) then
  return { 'already_admitted' }
end
if ARGV[7] then
  redis.call('HSET', meta_key, 'cap:' .. ARGV[7], ARGV[8])
end

-- All lines are checked before any is recorded: a request is admitted whole or not at all.
-- Lines drawing from one capacity pool must fit in it together, as in the log's decision.
-- A code that does not fit is dropped instead when the buyer asked so: the tickets are
-- still checked (a code has no pool, so dropping it frees nothing for them).
local falls_back = ARGV[7] and ARGV[9] == 'hold_without_code'
local lines = decode_lines(encoded)
local kept = {}
local asked_of_pools = {}
for _, line in ipairs(lines) do
  local available, pool, pool_free = stock_of(line[1])
  if available == nil then
    return { 'unknown_ticket_type', line[1] }
  end
  if pool then
    local asked = asked_of_pools[pool] or 0
    available = math.min(available, pool_free - asked)
    asked_of_pools[pool] = asked + line[2]
  end
  if available >= line[2] then
    kept[#kept + 1] = line
  elseif not (falls_back and line[1] == ARGV[7]) then
    return { 'sold_out', line[1], math.max(available, 0) }
  end
end
local admitted = 'admitted'
if #kept < #lines then
  admitted = 'admitted_without_code'
  local parts = {}
  for _, line in ipairs(kept) do
    parts[#parts + 1] = line[1] .. '=' .. line[2]
  end
  encoded = table.concat(parts, ';')
end
for _, line in ipairs(kept) do
  redis.call('HINCRBY', meta_key, 'held:' .. line[1], line[2])
end
redis.call('HINCRBY', meta_key, 'count', 1)
redis.call('ZADD', holds_key, expires_at_ms, reservation_id)
redis.call('HSET', lines_key, reservation_id, encoded)
keep_until(keep_until_ms, extend_to_ms)
return { admitted }
