-- ARGV: reservation_id, 'release' | 'confirm'. Idempotent: an unknown hold is a no-op.
local dropped = drop_hold(ARGV[1], ARGV[2] == 'confirm')
return dropped and 1 or 0
