//! Text PostgreSQL cannot store. `text` and `jsonb` refuse the NUL character (a request's
//! `%00` or `\u0000`), so a request carrying one in any field would fail at the database
//! with a 500 after part of its work was done. It is refused at the edge instead, naming
//! the field, before anything runs.

use serde_json::Value;

/// What a field holding a NUL character is told.
pub const NUL_MESSAGE: &str = "must not contain the NUL character (\\0)";

/// The first query parameter whose name or value holds a NUL character.
pub fn nul_in_query(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, value)| name.contains('\0') || value.contains('\0'))
        .map(|(name, _)| name.replace('\0', "\\0"))
}

/// The path (as serde_path_to_error writes it: `tiers[0].name`) of the first string or
/// object key of a JSON body that holds a NUL character. JSON can only carry one as the
/// escape `\u0000`, so bodies without that escape are not parsed a second time.
pub fn nul_in_json(bytes: &[u8]) -> Option<String> {
    const ESCAPE: &[u8] = b"\\u0000";
    if !bytes.windows(ESCAPE.len()).any(|window| window == ESCAPE) {
        return None;
    }
    let value: Value = serde_json::from_slice(bytes).ok()?;
    nul_in_value(&value, ".")
}

fn nul_in_value(value: &Value, path: &str) -> Option<String> {
    match value {
        Value::String(text) => text.contains('\0').then(|| path.to_owned()),
        Value::Array(items) => items.iter().enumerate().find_map(|(index, item)| {
            let inner = if path == "." {
                format!("[{index}]")
            } else {
                format!("{path}[{index}]")
            };
            nul_in_value(item, &inner)
        }),
        Value::Object(fields) => fields.iter().find_map(|(name, item)| {
            let inner = if path == "." {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            if name.contains('\0') {
                return Some(inner.replace('\0', "\\0"));
            }
            nul_in_value(item, &inner)
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_nul_in_a_query_value_or_name() {
        assert_eq!(nul_in_query("q=rock%00&limit=2"), Some("q".to_owned()));
        assert_eq!(nul_in_query("a%00b=1"), Some("a\\0b".to_owned()));
        assert_eq!(nul_in_query("q=rock&limit=2"), None);
        assert_eq!(nul_in_query(""), None);
    }

    #[test]
    fn finds_a_nul_anywhere_in_a_body() {
        let body = br#"{"title":"Gig","tiers":[{"name":"A"},{"name":"B\u0000"}]}"#;
        assert_eq!(nul_in_json(body), Some("tiers[1].name".to_owned()));
        assert_eq!(
            nul_in_json(br#"{"title":"\u0000"}"#),
            Some("title".to_owned())
        );
        assert_eq!(nul_in_json(br#"["\u0000"]"#), Some("[0]".to_owned()));
    }

    #[test]
    fn a_body_without_a_nul_passes_even_with_the_escape_spelled_out() {
        assert_eq!(nul_in_json(br#"{"title":"Gig"}"#), None);
        // An escaped backslash followed by "u0000" is the six characters \u0000, storable.
        assert_eq!(nul_in_json(br#"{"title":"\\u0000"}"#), None);
    }
}
