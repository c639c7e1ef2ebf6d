-- Admits a batch of hold requests of one event, in order, each decided as if alone: every
-- request that reached this process while the previous batch was in flight, sent as one
-- script call (see shared_calls.rs).
-- ARGV: the number of requests, then nine fields per request: now_ms, expires_at_ms,
-- reservation_id, keep_until_ms, extend_to_ms, encoded lines (merged, quantities > 0; a
-- promo code's uses as a line "c:<code>"), then for a hold with a code: the code's line
-- name and its limit of uses, which the caller reads from the event's codes (so a changed
-- limit applies from the next admission), and 'hold_without_code' when the tickets are to
-- be admitted alone if the code's uses do not fit (the buyer's fallback, decided here so
-- that no other request comes in between); without a code those three fields are ''.
-- Replies one reply per request, in the order asked.
local FIELDS = 9
local count = tonumber(ARGV[1])
local replies = {}

if not is_loaded() then
  for i = 1, count do
    replies[i] = { 'not_loaded' }
  end
  return replies
end

local purged_to = nil
local keep_min, keep_to = nil, nil

local function admit(at)
  local now_ms, expires_at_ms, reservation_id, keep_until_ms, extend_to_ms, encoded,
    code_line, max_uses, if_used_up =
    ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], ARGV[at + 4], ARGV[at + 5],
    ARGV[at + 6], ARGV[at + 7], ARGV[at + 8]
  -- Lapsed holds stop counting before anything is decided; a batch's times only move
  -- forward, so a purge up to an earlier time would find nothing.
  local now = tonumber(now_ms)
  if purged_to == nil or now > purged_to then
    purge_lapsed(now_ms)
    purged_to = now
  end
  if redis.call('ZSCORE', holds_key, reservation_id) then
    return { 'already_admitted' }
  end
  local has_code = code_line ~= ''
  if has_code then
    redis.call('HSET', meta_key, 'cap:' .. code_line, max_uses)
  end

  -- All lines are checked before any is recorded: a request is admitted whole or not at
  -- all. Lines drawing from one capacity pool must fit in it together, as in the log's
  -- decision. A code that does not fit is dropped instead when the buyer asked so: the
  -- tickets are still checked (a code has no pool, so dropping it frees nothing for them).
  local falls_back = has_code and if_used_up == 'hold_without_code'
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
    elseif not (falls_back and line[1] == code_line) then
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
  -- The keys' deadline is pushed once for the batch, to the furthest any hold needs.
  keep_min = math.max(keep_min or 0, tonumber(keep_until_ms))
  keep_to = math.max(keep_to or 0, tonumber(extend_to_ms))
  return { admitted }
end

for i = 1, count do
  replies[i] = admit(2 + (i - 1) * FIELDS)
end
if keep_min then
  keep_until(keep_min, keep_to)
end
return replies
