//! How the guard lays an event out in Redis: key names, the Lua scripts run on them, and
//! the encoding of lines and replies between Rust and Lua.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use carneau_domain::ids::{EventId, TicketTypeId};
use carneau_domain::inventory::CodeUse;
use carneau_domain::voucher::VoucherCode;
use fred::types::scripts::Script;
use fred::types::Value;

use super::{unexpected, Admission, GuardError, GuardLine, GuardSnapshot};

/// The four keys of one event's guard. They share the hash tag `{<event_id>}`, so they
/// live in one cluster slot and a script may touch them together.
pub(super) struct EventKeys {
    /// Hash: `loaded` marker plus `cap:`, `sold:`, `held:` and `pool:` per ticket type,
    /// `pcap:` and `pmem:` per capacity pool.
    meta: String,
    /// Sorted set: reservation id scored by the hold's expiry ms.
    holds: String,
    /// Hash: reservation id to its encoded lines, so release and expiry know quantities.
    lines: String,
    /// Sorted set: log versions of the latest facts followed in place, scored by version.
    followed: String,
}

impl EventKeys {
    pub(super) fn new(prefix: &str, event_id: EventId) -> Self {
        let base = format!("{prefix}guard:{{{event_id}}}");
        Self {
            meta: format!("{base}:meta"),
            holds: format!("{base}:holds"),
            lines: format!("{base}:lines"),
            followed: format!("{base}:followed"),
        }
    }

    /// The hash of counters, with the `loaded` marker.
    pub(super) fn meta(self) -> String {
        self.meta
    }

    /// In the order every script expects them in KEYS.
    pub(super) fn all(self) -> Vec<String> {
        vec![self.meta, self.holds, self.lines, self.followed]
    }
}

/// The guard's scripts, each prefixed with the shared Lua functions of `holds.lua`.
pub(super) struct Scripts {
    pub(super) admit: Script,
    pub(super) release: Script,
    pub(super) install: Script,
    pub(super) set_capacity: Script,
    pub(super) available: Script,
    pub(super) follow: Script,
}

static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    admit: Script::from_lua(concat!(
        include_str!("holds.lua"),
        include_str!("admit.lua")
    )),
    release: Script::from_lua(concat!(
        include_str!("holds.lua"),
        include_str!("release.lua")
    )),
    install: Script::from_lua(concat!(
        include_str!("holds.lua"),
        include_str!("install.lua")
    )),
    set_capacity: Script::from_lua(concat!(
        include_str!("holds.lua"),
        include_str!("set_capacity.lua")
    )),
    available: Script::from_lua(concat!(
        include_str!("holds.lua"),
        include_str!("available.lua")
    )),
    follow: Script::from_lua(concat!(
        include_str!("holds.lua"),
        include_str!("follow.lua")
    )),
});

impl Scripts {
    /// The scripts, hashed once per process.
    pub(super) fn get() -> &'static Scripts {
        &SCRIPTS
    }
}

/// Sums lines of the same ticket type (first appearance keeps its place) and drops empty
/// ones, so the script checks each ticket type once against its whole quantity.
pub(super) fn merge_lines(lines: &[GuardLine]) -> Vec<GuardLine> {
    let mut merged: Vec<GuardLine> = Vec::with_capacity(lines.len());
    for line in lines.iter().filter(|line| line.quantity > 0) {
        match merged
            .iter_mut()
            .find(|seen| seen.ticket_type_id == line.ticket_type_id)
        {
            Some(seen) => seen.quantity = seen.quantity.saturating_add(line.quantity),
            None => merged.push(*line),
        }
    }
    merged
}

/// `<ticket type>=<quantity>;...`, the form `holds.lua` decodes.
pub(super) fn encode_lines(lines: &[GuardLine]) -> String {
    lines
        .iter()
        .map(|line| format!("{}={}", line.ticket_type_id, line.quantity))
        .collect::<Vec<_>>()
        .join(";")
}

/// A hold's lines with its promo code's uses as one more line, `c:<code>=<uses>`: the
/// scripts count a code as a ticket type whose capacity is its limit of uses, so holding,
/// lapsing, releasing, selling and returning move its uses as they move tickets. Codes
/// are letters, digits and dashes, so the name never holds the encoding's `;` or `=`.
pub(super) fn encode_hold(lines: &[GuardLine], code_use: Option<&CodeUse>) -> String {
    let mut encoded = encode_lines(lines);
    if let Some(code_use) = code_use.filter(|code_use| code_use.uses > 0) {
        encoded.push_str(&format!(";{}={}", code_line(&code_use.code), code_use.uses));
    }
    encoded
}

/// The name the scripts count a promo code's uses under.
pub(super) fn code_line(code: &VoucherCode) -> String {
    format!("c:{code}")
}

/// ARGV of `install.lua`: mode, deadline, log version, the ticket types with their held
/// counts derived from the holds, the capacity pools, then the holds.
pub(super) fn install_args(
    mode: &str,
    keep_until_ms: i64,
    snapshot: &GuardSnapshot,
) -> Result<Vec<String>, GuardError> {
    let mut held: HashMap<TicketTypeId, u64> = snapshot
        .ticket_types
        .iter()
        .map(|stock| (stock.ticket_type_id, 0))
        .collect();
    let mut hold_args = Vec::with_capacity(snapshot.holds.len() * 3);
    let mut codes: HashMap<&VoucherCode, (u32, u64)> = snapshot
        .codes
        .iter()
        .map(|stock| (&stock.code, (stock.spent, 0)))
        .collect();
    for hold in &snapshot.holds {
        let lines = merge_lines(&hold.lines);
        if lines.is_empty() {
            continue;
        }
        if let Some(code_use) = &hold.code_use {
            codes.entry(&code_use.code).or_insert((0, 0)).1 += u64::from(code_use.uses);
        }
        for line in &lines {
            let count = held
                .get_mut(&line.ticket_type_id)
                .ok_or(GuardError::InvalidRequest(
                    "a hold in the snapshot names a ticket type the snapshot lacks",
                ))?;
            *count += u64::from(line.quantity);
        }
        hold_args.push(hold.reservation_id.to_string());
        hold_args.push(hold.expires_at_ms.to_string());
        hold_args.push(encode_hold(&lines, hold.code_use.as_ref()));
    }
    if held.len() != snapshot.ticket_types.len() {
        return Err(GuardError::InvalidRequest(
            "a ticket type appears twice in the snapshot",
        ));
    }
    let known: HashSet<TicketTypeId> = held.keys().copied().collect();
    let mut pooled = HashSet::new();
    let mut pool_args = Vec::with_capacity(1 + snapshot.pools.len() * 3);
    pool_args.push(snapshot.pools.len().to_string());
    for pool in &snapshot.pools {
        // The scripts find a type's pool by one field per type: a type in two pools, or a
        // pool of a type the guard lacks, would admit past a limit it cannot see.
        for ticket_type_id in &pool.ticket_types {
            if !known.contains(ticket_type_id) || !pooled.insert(*ticket_type_id) {
                return Err(GuardError::InvalidRequest(
                    "a capacity pool names a ticket type missing from the snapshot or in another pool",
                ));
            }
        }
        pool_args.push(pool.pool_id.to_string());
        pool_args.push(pool.capacity.to_string());
        pool_args.push(
            pool.ticket_types
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(";"),
        );
    }
    let mut args =
        Vec::with_capacity(4 + snapshot.ticket_types.len() * 4 + pool_args.len() + hold_args.len());
    args.push(mode.to_owned());
    args.push(keep_until_ms.to_string());
    args.push(snapshot.log_version.to_string());
    args.push(snapshot.ticket_types.len().to_string());
    for stock in &snapshot.ticket_types {
        args.push(stock.ticket_type_id.to_string());
        args.push(stock.capacity.to_string());
        args.push(stock.sold.to_string());
        args.push(
            held.get(&stock.ticket_type_id)
                .copied()
                .unwrap_or(0)
                .to_string(),
        );
    }
    args.extend(pool_args);
    args.push(codes.len().to_string());
    for (code, (spent, held)) in codes {
        args.push(code_line(code));
        args.push(spent.to_string());
        args.push(held.to_string());
    }
    args.extend(hold_args);
    Ok(args)
}

/// Reads the reply of `admit.lua`: a tag, then the ticket type (or a code's line) and count
/// where relevant.
pub(super) fn decode_admission(reply: Vec<Value>) -> Result<Admission, GuardError> {
    let tag = reply.first().and_then(Value::as_string);
    let about_code = reply
        .get(1)
        .and_then(Value::as_string)
        .is_some_and(|name| name.starts_with("c:"));
    let ticket_type = || {
        reply
            .get(1)
            .and_then(Value::as_string)
            .and_then(|id| id.parse::<TicketTypeId>().ok())
            .ok_or_else(|| unexpected(&reply))
    };
    match tag.as_deref() {
        Some("admitted") => Ok(Admission::Admitted),
        Some("admitted_without_code") => Ok(Admission::AdmittedWithoutCode),
        Some("already_admitted") => Ok(Admission::AlreadyAdmitted),
        Some("not_loaded") => Ok(Admission::NotLoaded),
        Some("unknown_ticket_type") => Ok(Admission::UnknownTicketType {
            ticket_type_id: ticket_type()?,
        }),
        Some("sold_out") => {
            let available = reply
                .get(2)
                .and_then(Value::as_u64)
                .and_then(|free| u32::try_from(free).ok())
                .ok_or_else(|| unexpected(&reply))?;
            if about_code {
                return Ok(Admission::CodeUsedUp { left: available });
            }
            Ok(Admission::SoldOut {
                ticket_type_id: ticket_type()?,
                available,
            })
        }
        _ => Err(unexpected(&reply)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_lines_of_one_ticket_type_and_drops_empty_ones() {
        let a = TicketTypeId::new();
        let b = TicketTypeId::new();
        let line = |ticket_type_id, quantity| GuardLine {
            ticket_type_id,
            quantity,
        };
        let merged = merge_lines(&[line(a, 2), line(b, 0), line(a, 3)]);
        assert_eq!(merged, vec![line(a, 5)]);
        assert_eq!(encode_lines(&merged), format!("{a}=5"));
    }

    #[test]
    fn keys_of_one_event_share_one_hash_tag() {
        let event_id = EventId::new();
        let keys = EventKeys::new("p:", event_id).all();
        for key in &keys {
            assert!(
                key.starts_with(&format!("p:guard:{{{event_id}}}:")),
                "{key}"
            );
        }
    }
}
