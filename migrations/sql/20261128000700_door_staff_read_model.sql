-- The door-staff read model, built by the `door_staff` projector from Account facts:
-- who may check tickets in at which event's door, for the organiser's list. The log
-- (DoorStaffGranted / DoorStaffRevoked) stays the truth; sessions read the account's own
-- history, never this table.

-- Every account's address and name as registered (neither changes afterwards), so a
-- listing names its staff without replaying their histories.
CREATE TABLE door_staff_accounts
(
    account_id uuid PRIMARY KEY,
    email      text NOT NULL,
    name       text NOT NULL
);

-- One row per live grant; a revocation deletes it.
CREATE TABLE door_staff
(
    event_id   uuid        NOT NULL,
    account_id uuid        NOT NULL,
    granted_at timestamptz NOT NULL,
    PRIMARY KEY (event_id, account_id)
);
