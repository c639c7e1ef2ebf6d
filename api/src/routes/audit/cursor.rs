//! The log cursor as clients see it: an opaque token for a [`LogPosition`], so the pair
//! (transaction, position) travels whole and clients do not build cursors of their own.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use carneau_projections::LogPosition;

/// What a cursor decodes to before base64: a tag naming the form, then the pair.
const CURSOR_TAG: &str = "log1";

/// The opaque cursor of `position`: reading `after` it continues right behind it.
pub fn encode_cursor(position: LogPosition) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{CURSOR_TAG}:{}:{}",
        position.transaction_id, position.global_position
    ))
}

/// The position a cursor stands for; `None` when it is not one this API issued.
pub fn decode_cursor(cursor: &str) -> Option<LogPosition> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.split(':');
    if parts.next()? != CURSOR_TAG {
        return None;
    }
    let transaction_id = parts.next()?.parse().ok()?;
    let global_position: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || global_position < 0 {
        return None;
    }
    Some(LogPosition {
        transaction_id,
        global_position,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_decodes_to_the_position_it_was_made_from() {
        let position = LogPosition {
            transaction_id: 18_446_744_073_709_551_000,
            global_position: 42,
        };
        assert_eq!(decode_cursor(&encode_cursor(position)), Some(position));
    }

    #[test]
    fn refuses_what_is_not_a_cursor() {
        for bad in ["", "42", "bG9nMTox", "bG9nMToxOjI6Mw", "eDoxOjI", "!!!"] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
    }
}
