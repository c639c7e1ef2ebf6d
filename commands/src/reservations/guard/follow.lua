-- Follows payment facts of the log in place, instead of reinstalling the whole guard: a
-- batch of one event's facts, every one that reached this process while the previous
-- call was in flight (see shared_calls.rs), each followed as if alone, in order.
-- ARGV: the number of facts, how many marks of followed facts to keep, then six fields per
-- fact: its position in the event's inventory log (its version), the kind ('sell' |
-- 'sell_late' | 'extend' | 'return'), the reservation id (empty for 'return'), the encoded
-- lines ('extend': the new expiry ms), then for 'extend' keep_until_ms and extend_to_ms
-- ('' otherwise). Replies one reply per fact, in the order asked: 'applied',
-- 'already_counted' (a repeat, or a snapshot read after the fact), 'not_loaded', or
-- 'disagrees' (the guard lacks what the fact starts from, or cannot tell whether it
-- counted it; it is left untouched and the caller rebuilds it from the log).
local FIELDS = 6
local count, kept_marks = tonumber(ARGV[1]), tonumber(ARGV[2])
local replies = {}

if not is_loaded() then
  for i = 1, count do
    replies[i] = 'not_loaded'
  end
  return replies
end

local function follow(version, kind, reservation_id, payload, keep_until_ms, extend_to_ms)
  -- A snapshot counts every fact up to its version; a fact after it is marked once counted.
  -- Only the latest marks are kept (a payment fact is followed right after its append, so a
  -- late one is rare), and a fact at or below the highest mark let go (`forgotten`) could
  -- be a repeat or a fact never followed: only the log can tell.
  local fact = tonumber(version)
  local floors = redis.call('HMGET', meta_key, 'version', 'forgotten')
  if fact <= tonumber(floors[1] or 0) or redis.call('ZSCORE', followed_key, version) then
    return 'already_counted'
  end
  if fact <= tonumber(floors[2] or 0) then
    return 'disagrees'
  end

  -- Everything is checked before anything is written: a script that errs half-way is not
  -- rolled back.
  local held = redis.call('HEXISTS', lines_key, reservation_id) == 1
  if kind == 'sell' or kind == 'sell_late' or kind == 'return' then
    local lines = decode_lines(payload)
    if #lines == 0 then
      return 'disagrees'
    end
    for _, line in ipairs(lines) do
      local stock = redis.call('HMGET', meta_key, 'cap:' .. line[1], 'sold:' .. line[1])
      -- A promo code's limit is loaded on its first admission only; its counts are kept
      -- from the guard's install on.
      local is_code = string.sub(line[1], 1, 2) == 'c:'
      if (not stock[1] and not is_code) or (kind == 'return' and tonumber(stock[2] or 0) < line[2]) then
        return 'disagrees'
      end
    end
    -- An unlapsed sale moves a hold the guard must have; a late one may find it purged.
    if kind == 'sell' and not held then
      return 'disagrees'
    end
    if kind ~= 'return' then
      drop_hold(reservation_id)
    end
    local sign = kind == 'return' and -1 or 1
    for _, line in ipairs(lines) do
      redis.call('HINCRBY', meta_key, 'sold:' .. line[1], sign * line[2])
    end
  elseif kind == 'extend' then
    if not held then
      return 'disagrees'
    end
    redis.call('ZADD', holds_key, 'XX', payload, reservation_id)
    keep_until(keep_until_ms, extend_to_ms)
  else
    return 'unknown_kind'
  end
  redis.call('ZADD', followed_key, fact, version)
  local excess = redis.call('ZCARD', followed_key) - kept_marks
  if excess > 0 then
    -- Member, score pairs in ascending order: the last score is the highest let go.
    local let_go = redis.call('ZPOPMIN', followed_key, excess)
    redis.call('HSET', meta_key, 'forgotten', let_go[#let_go])
  end
  -- A new marks key lives as long as the rest of the guard (keep_until moves them together).
  if redis.call('PTTL', followed_key) == -1 then
    local deadline = redis.call('PEXPIRETIME', meta_key)
    if deadline > 0 then
      redis.call('PEXPIREAT', followed_key, deadline)
    end
  end
  return 'applied'
end

for i = 1, count do
  local at = 3 + (i - 1) * FIELDS
  replies[i] = follow(ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], ARGV[at + 4],
    ARGV[at + 5])
end
return replies
