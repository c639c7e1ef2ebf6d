//! Rate limits as settings: `max/seconds`, read the same way wherever a limit is set.

use std::time::Duration;

use carneau_commands::rate_limit::Limit;

use super::ConfigError;

/// Reads the limit `name` through `read`, `default` when unset.
pub(super) fn read_limit(
    read: &impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
    name: &'static str,
    default: &str,
) -> Result<Limit, ConfigError> {
    let raw = read(name)?.unwrap_or_else(|| default.to_owned());
    parse_limit(&raw).ok_or_else(|| {
        ConfigError::new(name, "must be `max/seconds`, e.g. `10/300` (both above 0)")
    })
}

/// `max/seconds`, both positive.
fn parse_limit(raw: &str) -> Option<Limit> {
    let (max, seconds) = raw.trim().split_once('/')?;
    let max: u32 = max.trim().parse().ok().filter(|max| *max > 0)?;
    let seconds: u64 = seconds.trim().parse().ok().filter(|seconds| *seconds > 0)?;
    Some(Limit {
        max,
        window: Duration::from_secs(seconds),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_as_max_per_seconds() {
        assert_eq!(
            parse_limit("5/60"),
            Some(Limit {
                max: 5,
                window: Duration::from_secs(60)
            })
        );
        for bad in ["", "5", "0/60", "5/0", "x/60", "-1/60"] {
            assert_eq!(parse_limit(bad), None, "{bad}");
        }
    }
}
