//! The committed OpenAPI document (`openapi/openapi.json`) must be what the code produces,
//! so clients generated from it match the server.

use std::path::Path;

const REGENERATE: &str =
    "cargo run -p carneau-api --bin carneau -- openapi --output openapi/openapi.json";

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
    let mut expected = serde_json::to_string_pretty(&carneau_api::openapi()).unwrap();
    expected.push('\n');
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "openapi/openapi.json is out of date with the routes; run `{REGENERATE}` and commit the result"
    );
}

#[test]
fn the_document_is_deterministic_and_has_no_servers() {
    let first = serde_json::to_string(&carneau_api::openapi()).unwrap();
    let second = serde_json::to_string(&carneau_api::openapi()).unwrap();
    assert_eq!(first, second);
    let document: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert!(document.get("servers").is_none());
    assert_eq!(document["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        document["components"]["securitySchemes"]["session_bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(
        document["components"]["securitySchemes"]["session_cookie"]["name"],
        "carneau_session"
    );
}

#[test]
fn the_exports_are_documented_with_the_media_type_the_server_sends() {
    let document = serde_json::to_value(carneau_api::openapi()).unwrap();
    for path in [
        "/organiser/events/{event_id}/orders.csv",
        "/organiser/events/{event_id}/attendees.csv",
    ] {
        let content = &document["paths"][path]["get"]["responses"]["200"]["content"];
        let types: Vec<&String> = content.as_object().expect(path).keys().collect();
        assert_eq!(
            types,
            [carneau_api::csv_export::CSV_MEDIA_TYPE],
            "{path}: {content}"
        );
    }
}
