//! serde's refusals ("invalid type: string \"abc\", expected i64") rewritten as what a
//! person can act on ("must be a whole number"). The field is named by the caller.

/// What a request field's value must be, from serde's (or chrono's) message about it.
/// Messages written for people already (the domain's own rules) pass through unchanged.
pub fn for_people(raw: &str) -> String {
    if let Some(expected) = raw
        .strip_prefix("invalid type: ")
        .or_else(|| raw.strip_prefix("invalid value: "))
        .and_then(|rest| rest.rsplit_once(", expected "))
        .map(|(_, expected)| expected)
    {
        return must_be(expected);
    }
    if raw.starts_with("missing field `") {
        return "is required".to_owned();
    }
    if raw.starts_with("unknown field `") {
        return "is not a field of this request".to_owned();
    }
    if raw.starts_with("unknown variant `") {
        return match raw.split_once(", expected ") {
            Some((_, allowed)) => format!("must be {}", allowed.replace('`', "\"")),
            None => "is not one of the allowed values".to_owned(),
        };
    }
    // Query strings are parsed with `str::parse`, whose errors name no type.
    if [
        "invalid digit found in string",
        "cannot parse integer from empty string",
        "number too large to fit in target type",
        "number too small to fit in target type",
    ]
    .contains(&raw)
    {
        return "must be a whole number".to_owned();
    }
    if raw == "invalid float literal" {
        return "must be a number".to_owned();
    }
    if is_date_time_message(raw) {
        return "must be a date and time such as 2030-06-01T19:00:00Z".to_owned();
    }
    raw.to_owned()
}

/// The shape serde expected, in words: `u32` is a whole number within its bounds.
fn must_be(expected: &str) -> String {
    let range = |min: &str, max: &str| format!("must be a whole number from {min} to {max}");
    match expected {
        "u8" => range("0", "255"),
        "u16" => range("0", "65535"),
        "u32" => range("0", "4294967295"),
        "u64" | "usize" => range("0", "18446744073709551615"),
        "i16" => range("-32768", "32767"),
        "i32" => range("-2147483648", "2147483647"),
        "i64" | "isize" => range("-9223372036854775808", "9223372036854775807"),
        "f32" | "f64" => "must be a number".to_owned(),
        "a boolean" => "must be true or false".to_owned(),
        "a string" | "a borrowed string" | "a char" => "must be text".to_owned(),
        "a sequence" => "must be a list".to_owned(),
        "a UUID string" => "must be an id (a UUID)".to_owned(),
        other if other.starts_with("struct ") || other == "a map" => "must be an object".to_owned(),
        other if is_date_time_message(other) || other.contains("date") => {
            "must be a date and time such as 2030-06-01T19:00:00Z".to_owned()
        }
        other => format!("must be {}", other.replace('`', "\"")),
    }
}

/// chrono's parse errors, which say nothing of what a date should look like.
fn is_date_time_message(message: &str) -> bool {
    [
        "premature end of input",
        "input contains invalid characters",
        "input is out of range",
        "input is not enough for unique date and time",
        "trailing input",
        "no possible date and time matching input",
        "bad or unsupported format string",
    ]
    .contains(&message)
}

#[cfg(test)]
mod tests {
    use super::for_people;

    #[test]
    fn speaks_of_numbers_not_rust_types() {
        assert_eq!(
            for_people("invalid value: integer `99999999999`, expected u32"),
            "must be a whole number from 0 to 4294967295"
        );
        assert_eq!(
            for_people("invalid type: string \"abc\", expected i64"),
            "must be a whole number from -9223372036854775808 to 9223372036854775807"
        );
    }

    #[test]
    fn speaks_of_dates_not_parser_states() {
        assert_eq!(
            for_people("premature end of input"),
            "must be a date and time such as 2030-06-01T19:00:00Z"
        );
    }

    #[test]
    fn keeps_the_domain_own_sentences() {
        assert_eq!(
            for_people("must be 1 to 1000000 tickets"),
            "must be 1 to 1000000 tickets"
        );
        assert_eq!(for_people("missing field `title`"), "is required");
    }
}
