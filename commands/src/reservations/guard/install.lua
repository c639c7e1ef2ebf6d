-- ARGV: 'if_missing' | 'replace', keep_until_ms, the log version the snapshot was read at,
-- number of ticket types, then per ticket type (id, capacity, sold, held), number of
-- capacity pools, then per pool (id, capacity, its ticket types "<id>;<id>"), number of
-- promo codes, then per code (its line name "c:<code>", uses spent, uses held: its limit is
-- set on its first admission, see set_capacity.lua), then per hold (reservation id,
-- expires_at_ms, lines). Replies 1 (installed), 0 (a guard exists and
-- 'if_missing' keeps it) or -1 (stale: the guard in place counts a fact the snapshot was
-- read before; the caller reads the log again). Marks of facts followed in place
-- (follow.lua) go with the old guard: the snapshot counts every fact up to its version.
local snapshot_version = tonumber(ARGV[3])
if redis.call('EXISTS', meta_key) == 1 and is_loaded() then
  if ARGV[1] == 'if_missing' then
    return 0
  end
  -- Installing a snapshot older than what the guard already counts would wipe facts
  -- followed in place since (a refund's return: its tickets would look sold until the
  -- next rebuild), and nobody follows them again.
  local loaded_version = tonumber(redis.call('HGET', meta_key, 'version') or 0)
  local latest = redis.call('ZRANGE', followed_key, -1, -1)[1]
  if loaded_version > snapshot_version or tonumber(latest or 0) > snapshot_version then
    return -1
  end
end
redis.call('DEL', meta_key, holds_key, lines_key, followed_key)
redis.call('HSET', meta_key, 'loaded', '1', 'count', 0, 'version', ARGV[3])
local next_arg = 5
for _ = 1, tonumber(ARGV[4]) do
  local ticket_type = ARGV[next_arg]
  redis.call('HSET', meta_key,
    'cap:' .. ticket_type, ARGV[next_arg + 1],
    'sold:' .. ticket_type, ARGV[next_arg + 2],
    'held:' .. ticket_type, ARGV[next_arg + 3])
  next_arg = next_arg + 4
end
local pools = tonumber(ARGV[next_arg])
next_arg = next_arg + 1
for _ = 1, pools do
  local pool = ARGV[next_arg]
  redis.call('HSET', meta_key, 'pcap:' .. pool, ARGV[next_arg + 1], 'pmem:' .. pool, ARGV[next_arg + 2])
  for ticket_type in string.gmatch(ARGV[next_arg + 2], '[^;]+') do
    redis.call('HSET', meta_key, 'pool:' .. ticket_type, pool)
  end
  next_arg = next_arg + 3
end
local codes = tonumber(ARGV[next_arg])
next_arg = next_arg + 1
for _ = 1, codes do
  local code = ARGV[next_arg]
  redis.call('HSET', meta_key, 'sold:' .. code, ARGV[next_arg + 1], 'held:' .. code, ARGV[next_arg + 2])
  next_arg = next_arg + 3
end
while next_arg <= #ARGV do
  redis.call('ZADD', holds_key, ARGV[next_arg + 1], ARGV[next_arg])
  redis.call('HSET', lines_key, ARGV[next_arg], ARGV[next_arg + 2])
  redis.call('HINCRBY', meta_key, 'count', 1)
  next_arg = next_arg + 3
end
keep_until(ARGV[2], ARGV[2])
return 1
