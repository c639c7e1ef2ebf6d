-- ARGV: reservation_id. Idempotent: an unknown or lapsed hold is a no-op.
drop_hold(ARGV[1])
return 1
