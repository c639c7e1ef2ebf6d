-- ARGV: 'if_missing' | 'replace', keep_until_ms, the log version the snapshot was read at,
-- number of ticket types, then per ticket type (id, capacity, sold, held), then per hold
-- (reservation id, expires_at_ms, lines). Marks of facts followed in place (follow.lua)
-- go with the old meta hash: the snapshot counts every fact up to its version.
if ARGV[1] == 'if_missing' and redis.call('EXISTS', meta_key) == 1 then
  return 0
end
redis.call('DEL', meta_key, holds_key, lines_key)
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
while next_arg <= #ARGV do
  redis.call('ZADD', holds_key, ARGV[next_arg + 1], ARGV[next_arg])
  redis.call('HSET', lines_key, ARGV[next_arg], ARGV[next_arg + 2])
  redis.call('HINCRBY', meta_key, 'count', 1)
  next_arg = next_arg + 3
end
keep_until(ARGV[2], ARGV[2])
return 1
