-- Shared prelude of the guard scripts. Every script gets the same four keys of one
-- event: KEYS[1] the meta hash (loaded marker plus cap:/sold:/held:/pool: per ticket type,
-- and pcap:/pmem: per capacity pool: its capacity and its ticket types "<id>;<id>"; a
-- promo code is counted as a ticket type named "c:<code>" whose capacity is its limit of
-- uses, and a hold's uses of it as one more line),
-- KEYS[2] the sorted set of holds scored by expiry ms, KEYS[3] the hash of each hold's
-- encoded lines ("<ticket type>=<quantity>;..."), KEYS[4] the sorted set of the log
-- versions of the latest facts followed in place (follow.lua), scored by version.

local meta_key, holds_key, lines_key, followed_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

local function decode_lines(encoded)
  local lines = {}
  for ticket_type, quantity in string.gmatch(encoded, '([^;=]+)=(%d+)') do
    lines[#lines + 1] = { ticket_type, tonumber(quantity) }
  end
  return lines
end

-- Takes one hold out of the counters (its tickets are free again unless the caller
-- counts them as sold). The meta hash is only touched while it exists, so a hold dropped after the guard
-- vanished cannot recreate a half-empty guard that would look loaded.
local function drop_hold(reservation_id)
  local encoded = redis.call('HGET', lines_key, reservation_id)
  redis.call('ZREM', holds_key, reservation_id)
  if not encoded then
    return false
  end
  redis.call('HDEL', lines_key, reservation_id)
  if redis.call('EXISTS', meta_key) == 0 then
    return false
  end
  redis.call('HINCRBY', meta_key, 'count', -1)
  for _, line in ipairs(decode_lines(encoded)) do
    redis.call('HINCRBY', meta_key, 'held:' .. line[1], -line[2])
  end
  return true
end

-- Whether the guard is loaded and whole. Redis can lose one of its keys (eviction, a
-- partial delete); without a hold key the counters would never come down as holds lapse,
-- and the event would look sold out for good. meta's `count` must match both hold keys,
-- else the whole guard is dropped so that the caller rebuilds it from the log. (Losing
-- only the marks of followed facts would at worst count a repeated fact twice, and a fact
-- is followed once, by the process that appended it: not worth a check per admission.)
local function is_loaded()
  local count = redis.call('HGET', meta_key, 'count')
  if not count then
    redis.call('DEL', meta_key, holds_key, lines_key, followed_key)
    return false
  end
  count = tonumber(count)
  if redis.call('ZCARD', holds_key) ~= count or redis.call('HLEN', lines_key) ~= count then
    redis.call('DEL', meta_key, holds_key, lines_key, followed_key)
    return false
  end
  return true
end

-- Lapsed holds stop counting before anything is decided. Only the lapsed prefix of the
-- sorted set is read and each hold is purged once, so the cost is amortised O(1) per hold.
local function purge_lapsed(now_ms)
  local lapsed = redis.call('ZRANGEBYSCORE', holds_key, '-inf', now_ms)
  for _, reservation_id in ipairs(lapsed) do
    drop_hold(reservation_id)
  end
end

-- Places a capacity pool still has: its capacity less the tickets of its types sold and
-- held (it keeps no counter of its own, so every change to a type's counts moves it too);
-- nil when the guard does not know the pool.
local function pool_available(pool)
  local stock = redis.call('HMGET', meta_key, 'pcap:' .. pool, 'pmem:' .. pool)
  if not stock[1] then
    return nil
  end
  local free = tonumber(stock[1])
  for ticket_type in string.gmatch(stock[2] or '', '[^;]+') do
    local counts = redis.call('HMGET', meta_key, 'sold:' .. ticket_type, 'held:' .. ticket_type)
    free = free - tonumber(counts[1] or 0) - tonumber(counts[2] or 0)
  end
  return free
end

-- Tickets still free for one ticket type by its own capacity, then its pool (or false)
-- and the places the pool has left; nil when the guard does not know the type (or the
-- pool it names, which only a broken guard would lack: the caller rebuilds it).
local function stock_of(ticket_type)
  local stock = redis.call('HMGET', meta_key,
    'cap:' .. ticket_type, 'sold:' .. ticket_type, 'held:' .. ticket_type,
    'pool:' .. ticket_type)
  if not stock[1] then
    return nil
  end
  local own = tonumber(stock[1]) - tonumber(stock[2] or 0) - tonumber(stock[3] or 0)
  if not stock[4] then
    return own, false, nil
  end
  local pool_free = pool_available(stock[4])
  if pool_free == nil then
    return nil
  end
  return own, stock[4], pool_free
end

-- Tickets still free for one ticket type: the smaller of its own and its pool's; nil when
-- the guard does not know it.
local function available_of(ticket_type)
  local own, pool, pool_free = stock_of(ticket_type)
  if own == nil then
    return nil
  end
  if pool and pool_free < own then
    return pool_free
  end
  return own
end

-- Abandoned guards must go away; a guard in use keeps living past its last hold. The
-- deadline is pushed only when it falls short of min_ms, and then past it to extend_ms, so
-- most calls only read it. Holds and lines are probed because Redis deletes them when
-- they empty and recreates them without an expiry; the keys share one deadline.
local function keep_until(min_ms, extend_ms)
  local min_deadline = tonumber(min_ms)
  if redis.call('PEXPIRETIME', holds_key) >= min_deadline
    and redis.call('PEXPIRETIME', lines_key) >= min_deadline then
    return
  end
  local deadline = math.max(redis.call('PEXPIRETIME', meta_key), tonumber(extend_ms))
  for _, key in ipairs(KEYS) do
    redis.call('PEXPIREAT', key, deadline)
  end
end
