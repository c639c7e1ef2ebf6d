//! Settings of event images: where their bytes are stored and how large an upload may be.

use std::path::PathBuf;

use carneau_commands::event_images::{
    S3Credentials, S3Settings, DEFAULT_MAX_IMAGE_BYTES, DEFAULT_S3_REGION,
};

use super::ConfigError;

/// Where the renditions of event images are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageStoreSetting {
    /// In PostgreSQL (`event_image_blobs`): the default, nothing more to run or back up.
    Postgres,
    /// As files under a local directory (`dir:/var/lib/carneau/images`), which may be
    /// a mounted network volume shared by several API processes.
    Directory(PathBuf),
    /// As objects of an S3-compatible bucket (`s3://bucket/prefix`), reached with
    /// `CARNEAU_IMAGE_S3_ENDPOINT`, `CARNEAU_IMAGE_S3_REGION`, `AWS_ACCESS_KEY_ID` and
    /// `AWS_SECRET_ACCESS_KEY`.
    S3(S3Settings),
}

/// The image settings.
#[derive(Debug, Clone)]
pub struct ImagesConfig {
    /// `CARNEAU_IMAGE_STORE`: `postgres` (default), `dir:PATH` or `s3://BUCKET[/PREFIX]`.
    pub store: ImageStoreSetting,
    /// `CARNEAU_IMAGE_MAX_BYTES`: the largest upload (default 10 MiB, at most 50 MiB).
    pub max_bytes: u64,
}

/// The largest upload limit that may be configured: beyond it, decoding one upload
/// would hold too much memory.
const MAX_CONFIGURABLE_BYTES: u64 = 50 * 1024 * 1024;

impl ImagesConfig {
    /// Reads the settings through `read` (empty values already count as unset).
    pub(super) fn from_read(
        read: &impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
    ) -> Result<Self, ConfigError> {
        let store =
            match read("CARNEAU_IMAGE_STORE")?.as_deref().map(str::trim) {
                None | Some("postgres") => ImageStoreSetting::Postgres,
                Some(other) => {
                    if let Some(location) = other.strip_prefix("s3://") {
                        ImageStoreSetting::S3(s3_settings(location, read)?)
                    } else {
                        match other.strip_prefix("dir:") {
                            Some(path) if !path.trim().is_empty() => {
                                ImageStoreSetting::Directory(PathBuf::from(path.trim()))
                            }
                            _ => return Err(ConfigError::new(
                                "CARNEAU_IMAGE_STORE",
                                "must be `postgres`, `dir:/a/directory` or `s3://bucket/prefix`",
                            )),
                        }
                    }
                }
            };
        let max_bytes = match read("CARNEAU_IMAGE_MAX_BYTES")? {
            None => DEFAULT_MAX_IMAGE_BYTES,
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|bytes| (1024..=MAX_CONFIGURABLE_BYTES).contains(bytes))
                .ok_or_else(|| {
                    ConfigError::new(
                        "CARNEAU_IMAGE_MAX_BYTES",
                        "must be 1024 to 52428800 bytes (50 MiB)",
                    )
                })?,
        };
        Ok(Self { store, max_bytes })
    }
}

/// The bucket settings of `CARNEAU_IMAGE_STORE=s3://{location}` and the variables beside it.
fn s3_settings(
    location: &str,
    read: &impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
) -> Result<S3Settings, ConfigError> {
    let (bucket, prefix) = match location.split_once('/') {
        Some((bucket, prefix)) => (bucket, prefix.trim_matches('/')),
        None => (location, ""),
    };
    if !is_bucket_name(bucket) {
        return Err(ConfigError::new(
            "CARNEAU_IMAGE_STORE",
            "must name a bucket after s3:// (3 to 63 lowercase letters, digits, dots and \
             hyphens)",
        ));
    }
    let prefix_ok = prefix.split('/').all(|segment| {
        !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    });
    if !prefix.is_empty() && !prefix_ok {
        return Err(ConfigError::new(
            "CARNEAU_IMAGE_STORE",
            "the prefix after the bucket may hold letters, digits, `-`, `_`, `.` and `/` \
             between folder names",
        ));
    }
    let endpoint = read("CARNEAU_IMAGE_S3_ENDPOINT")?
        .map(|endpoint| endpoint.trim().trim_end_matches('/').to_owned());
    if let Some(endpoint) = &endpoint {
        let host = endpoint
            .strip_prefix("https://")
            .or_else(|| endpoint.strip_prefix("http://"));
        if host.is_none_or(|host| host.is_empty() || host.contains(char::is_whitespace)) {
            return Err(ConfigError::new(
                "CARNEAU_IMAGE_S3_ENDPOINT",
                "must be an http:// or https:// URL",
            ));
        }
    }
    let region = read("CARNEAU_IMAGE_S3_REGION")?
        .map(|region| region.trim().to_owned())
        .unwrap_or_else(|| DEFAULT_S3_REGION.to_owned());
    let credentials = match (read("AWS_ACCESS_KEY_ID")?, read("AWS_SECRET_ACCESS_KEY")?) {
        (Some(access_key_id), Some(secret_access_key)) => Some(S3Credentials {
            access_key_id: access_key_id.trim().to_owned(),
            secret_access_key: secret_access_key.trim().to_owned(),
        }),
        (None, None) => None,
        (Some(_), None) => {
            return Err(ConfigError::new(
                "AWS_SECRET_ACCESS_KEY",
                "must be set with AWS_ACCESS_KEY_ID",
            ))
        }
        (None, Some(_)) => {
            return Err(ConfigError::new(
                "AWS_ACCESS_KEY_ID",
                "must be set with AWS_SECRET_ACCESS_KEY",
            ))
        }
    };
    Ok(S3Settings {
        bucket: bucket.to_owned(),
        prefix: (!prefix.is_empty()).then(|| prefix.to_owned()),
        endpoint,
        region,
        credentials,
    })
}

/// Whether `name` is a valid S3 bucket name: 3 to 63 lowercase letters, digits, dots and
/// hyphens, starting and ending with a letter or digit.
fn is_bucket_name(name: &str) -> bool {
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (3..=63).contains(&name.len())
        && edge_ok(name.chars().next())
        && edge_ok(name.chars().last())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn images_from(pairs: &[(&'static str, &str)]) -> Result<ImagesConfig, ConfigError> {
        let vars: HashMap<&str, String> = pairs
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned()))
            .collect();
        ImagesConfig::from_read(&|name| Ok(vars.get(name).cloned()))
    }

    #[test]
    fn an_s3_store_reads_its_bucket_prefix_endpoint_and_keys() {
        let config = images_from(&[
            ("CARNEAU_IMAGE_STORE", "s3://carneau-images/prod/events/"),
            ("CARNEAU_IMAGE_S3_ENDPOINT", "http://127.0.0.1:9000/"),
            ("CARNEAU_IMAGE_S3_REGION", "eu-west-3"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG"),
        ])
        .unwrap();
        let ImageStoreSetting::S3(s3) = &config.store else {
            panic!("not an S3 store: {:?}", config.store);
        };
        assert_eq!(s3.bucket, "carneau-images");
        assert_eq!(s3.prefix.as_deref(), Some("prod/events"));
        assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(s3.region, "eu-west-3");
        let shown = format!("{config:?}");
        assert!(shown.contains("AKIDEXAMPLE"), "{shown}");
        assert!(
            !shown.contains("wJalrXUtnFEMI"),
            "the secret leaked: {shown}"
        );
    }

    #[test]
    fn an_s3_store_without_keys_or_region_uses_the_defaults() {
        let config = images_from(&[("CARNEAU_IMAGE_STORE", "s3://images")]).unwrap();
        let ImageStoreSetting::S3(s3) = config.store else {
            panic!("not an S3 store");
        };
        assert_eq!(s3.prefix, None);
        assert_eq!(s3.endpoint, None);
        assert_eq!(s3.region, DEFAULT_S3_REGION);
        assert_eq!(s3.credentials, None);
    }

    #[test]
    fn a_bad_s3_setting_names_its_variable() {
        let cases: [(&[(&'static str, &str)], &str); 6] = [
            (&[("CARNEAU_IMAGE_STORE", "s3://")], "CARNEAU_IMAGE_STORE"),
            (
                &[("CARNEAU_IMAGE_STORE", "s3://Big_Bucket")],
                "CARNEAU_IMAGE_STORE",
            ),
            (
                &[("CARNEAU_IMAGE_STORE", "s3://images/a/../b")],
                "CARNEAU_IMAGE_STORE",
            ),
            (
                &[
                    ("CARNEAU_IMAGE_STORE", "s3://images"),
                    ("CARNEAU_IMAGE_S3_ENDPOINT", "minio:9000"),
                ],
                "CARNEAU_IMAGE_S3_ENDPOINT",
            ),
            (
                &[
                    ("CARNEAU_IMAGE_STORE", "s3://images"),
                    ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                ],
                "AWS_SECRET_ACCESS_KEY",
            ),
            (
                &[
                    ("CARNEAU_IMAGE_STORE", "s3://images"),
                    ("AWS_SECRET_ACCESS_KEY", "hush-hush-secret"),
                ],
                "AWS_ACCESS_KEY_ID",
            ),
        ];
        for (pairs, variable) in cases {
            let refused = images_from(pairs).unwrap_err();
            assert_eq!(refused.setting, variable, "{pairs:?}");
            assert!(!refused.to_string().contains("hush-hush"), "{refused}");
        }
    }
}
