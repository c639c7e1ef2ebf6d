-- ARGV: now_ms, ticket type. Replies nil when the guard or the ticket type is not loaded.
if not is_loaded() then
  return nil
end
purge_lapsed(ARGV[1])
local available = available_of(ARGV[2])
if available == nil then
  return nil
end
return math.max(available, 0)
