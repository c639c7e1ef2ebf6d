-- ARGV: ticket type, capacity. A guard that is not loaded stays absent: the next load
-- reads the new capacity from the log anyway.
if redis.call('EXISTS', meta_key) == 0 then
  return 0
end
local ticket_type = ARGV[1]
redis.call('HSET', meta_key, 'cap:' .. ticket_type, ARGV[2])
redis.call('HSETNX', meta_key, 'sold:' .. ticket_type, 0)
redis.call('HSETNX', meta_key, 'held:' .. ticket_type, 0)
return 1
