//! PostgreSQL's `jsonb` text of a JSON document, worked out in our process.
//!
//! The chain covers each event's JSON as PostgreSQL prints it as `jsonb` (see
//! [`super::chain`]). Asking PostgreSQL for it (`payload::jsonb::text`) made the database
//! parse every row into a `jsonb` tree and print it again: the biggest single cost left
//! on its cores in a paying rush (docs/benchmarks.md, "The seal's JSON text"). The text
//! is the same when the sealer's process makes it from the stored JSON, by
//! PostgreSQL's rules:
//! - an object's keys sorted shortest first, then bytewise; a repeated key keeps its
//!   last value;
//! - `": "` after a key and `", "` between members and elements, no other whitespace;
//! - strings with their escapes decoded, then escaped as PostgreSQL's `escape_json`
//!   does: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other control characters as
//!   `\u00xx`, everything else as is;
//! - numbers as `numeric` prints them: the exponent applied, the digits after the point
//!   kept (`1.50` stays, `1.5e3` is `1500`, `1e-2` is `0.01`), no negative zero.
//!
//! A document outside what this takes on answers `None` and its text is asked of
//! PostgreSQL instead ([`super::canonical_rows`]): anything not JSON, a `\u` escape of a
//! character outside ASCII (its meaning depends on the database's encoding), a `\u0000`
//! (`jsonb` refuses it), an exponent beyond ±[`MAX_EXPONENT`], a number longer than
//! [`MAX_DIGITS`] digits or nesting deeper than [`MAX_DEPTH`]. The test `seals_jsonb_text` holds this to PostgreSQL's own output.

mod parser;

use std::borrow::Cow;
use std::fmt::Write as _;

use parser::Parser;

/// Exponents this takes on; beyond, PostgreSQL decides (it refuses some).
pub const MAX_EXPONENT: i64 = 1_000;
/// Digits of a number this takes on; beyond, PostgreSQL decides.
pub const MAX_DIGITS: usize = 1_000;
/// Nesting this takes on; beyond, PostgreSQL decides (it has its own limit).
pub const MAX_DEPTH: usize = 512;

/// PostgreSQL's `json::jsonb::text` of `json`, or `None` if PostgreSQL should say.
pub fn jsonb_text(json: &str) -> Option<String> {
    let value = Parser::new(json).document()?;
    let mut out = String::with_capacity(json.len() + json.len() / 8);
    value.write(&mut out);
    Some(out)
}

/// A parsed value; strings and numbers borrow the document where they can.
pub(super) enum Value<'a> {
    Literal(&'static str),
    Number(&'a str),
    String(Cow<'a, str>),
    Array(Vec<Value<'a>>),
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

impl Value<'_> {
    fn write(&self, out: &mut String) {
        match self {
            Value::Literal(literal) => out.push_str(literal),
            Value::Number(number) => write_numeric(number, out),
            Value::String(text) => write_string(text, out),
            Value::Array(elements) => {
                out.push('[');
                for (index, element) in elements.iter().enumerate() {
                    if index > 0 {
                        out.push_str(", ");
                    }
                    element.write(out);
                }
                out.push(']');
            }
            Value::Object(members) => {
                out.push('{');
                for (index, (key, value)) in members.iter().enumerate() {
                    if index > 0 {
                        out.push_str(", ");
                    }
                    write_string(key, out);
                    out.push_str(": ");
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// `number` (valid JSON, exponent within bounds) as `numeric_out` prints it.
fn write_numeric(number: &str, out: &mut String) {
    let (negative, unsigned) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (
            &unsigned[..at],
            unsigned[at + 1..].parse::<i64>().unwrap_or(0),
        ),
        None => (unsigned, 0),
    };
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // The value is `digits` × 10^-scale, and numeric keeps max(scale, 0) decimals.
    let digits: String = [integer, fraction].concat();
    let scale = i64::try_from(fraction.len()).unwrap_or(i64::MAX) - exponent;
    let (whole, decimals) = if scale <= 0 {
        let zeros = usize::try_from(-scale).unwrap_or(0);
        (format!("{digits}{}", "0".repeat(zeros)), String::new())
    } else {
        let scale = usize::try_from(scale).unwrap_or(0);
        if digits.len() > scale {
            let (whole, decimals) = digits.split_at(digits.len() - scale);
            (whole.to_owned(), decimals.to_owned())
        } else {
            (
                String::new(),
                format!("{}{digits}", "0".repeat(scale - digits.len())),
            )
        }
    };
    let whole = whole.trim_start_matches('0');
    let zero = whole.is_empty() && decimals.bytes().all(|digit| digit == b'0');
    if negative && !zero {
        out.push('-');
    }
    out.push_str(if whole.is_empty() { "0" } else { whole });
    if !decimals.is_empty() {
        out.push('.');
        out.push_str(&decimals);
    }
}

/// `text` quoted as PostgreSQL's `escape_json` quotes it.
fn write_string(text: &str, out: &mut String) {
    out.push('"');
    let mut run_start = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            byte if byte < b' ' => "",
            _ => continue,
        };
        out.push_str(&text[run_start..at]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(escape);
        }
        run_start = at + 1;
    }
    out.push_str(&text[run_start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::jsonb_text;

    #[test]
    fn keys_are_sorted_shortest_first_and_the_last_repeat_wins() {
        assert_eq!(
            jsonb_text(r#"{"b":1,"a":2,"aa":3,"a":4}"#).as_deref(),
            Some(r#"{"a": 4, "b": 1, "aa": 3}"#)
        );
    }

    #[test]
    fn numbers_print_as_numeric_does() {
        for (json, printed) in [
            ("-0", "0"),
            ("-0.0", "0.0"),
            ("0e-5", "0.00000"),
            ("1.50e1", "15.0"),
            ("1.5e3", "1500"),
            ("-12.34e-3", "-0.01234"),
            ("1E+2", "100"),
            ("12345678901234567890123", "12345678901234567890123"),
        ] {
            assert_eq!(jsonb_text(json).as_deref(), Some(printed), "{json}");
        }
    }

    #[test]
    fn strings_are_decoded_then_escaped_as_postgresql_does() {
        assert_eq!(
            jsonb_text(r#"["\u0001\u001F\/x", "tab\there", "é"]"#).as_deref(),
            Some(r#"["\u0001\u001f/x", "tab\there", "é"]"#)
        );
    }

    #[test]
    fn what_postgresql_should_decide_is_left_to_it() {
        for json in [
            r#""\u0000""#,
            r#""\u00e9""#,
            "1e1001",
            "01",
            "1.",
            "[1,]",
            "{\"a\" 1}",
            "nul",
            "1 2",
            "\"raw\ttab\"",
        ] {
            assert_eq!(jsonb_text(json), None, "{json}");
        }
    }
}
