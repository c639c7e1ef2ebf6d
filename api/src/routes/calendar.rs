//! "Add to calendar": an event as an iCalendar file (RFC 5545) that calendar apps import.
//!
//! Times are written in UTC (`DTSTART:20270301T180000Z`), which every calendar reads and
//! shows in its user's zone; the event's own zone is named in `X-WR-TIMEZONE` for those
//! that care. Text is escaped (`\\`, `;`, `,`, new lines) and lines are folded at 75
//! octets, as the RFC asks.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use carneau_domain::ids::EventId;
use carneau_projections::catalogue::{self, EventDetail};
use chrono::{DateTime, Utc};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::ApiPath;
use crate::problem::mapping::event_not_found;
use crate::problem::responses::{NotFoundProblem, ServerProblems};
use crate::problem::ApiError;
use crate::state::AppState;

/// The longest content line, in octets, before it is folded (RFC 5545 §3.1).
const MAX_LINE_OCTETS: usize = 75;

/// The calendar route.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(event_calendar))
}

/// A published (or cancelled) event as an iCalendar file with one `VEVENT`: its title,
/// UTC start and end, venue and address, description and a link to its page.
#[utoipa::path(get, path = "/events/{event_id}/calendar.ics", tag = super::events::TAG,
    params(("event_id" = uuid::Uuid, Path, description = "The event's id.")),
    responses(
        (status = 200, description = "The event as iCalendar (RFC 5545).",
            content_type = "text/calendar", body = String),
        NotFoundProblem, ServerProblems,
    ))]
async fn event_calendar(
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
) -> Result<Response, ApiError> {
    let detail = catalogue::event_detail(&state.pool, event_id.as_uuid(), false)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(event_not_found)?;
    let page = format!(
        "{}/events/{}",
        state.config.accounts.public_url.trim_end_matches('/'),
        detail.id
    );
    let body = ics(&detail, &page, Utc::now());
    Ok((
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            (
                CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"event.ics\""),
            ),
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response())
}

/// The iCalendar text of `event`, whose page is at `page`, stamped `now`.
fn ics(event: &EventDetail, page: &str, now: DateTime<Utc>) -> String {
    let location = if event.venue.address.trim().is_empty() {
        event.venue.name.clone()
    } else {
        format!("{}, {}", event.venue.name, event.venue.address)
    };
    let status = if event.cancelled_at.is_some() {
        "CANCELLED"
    } else {
        "CONFIRMED"
    };
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Carneau//Carneau Engine//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        format!("X-WR-TIMEZONE:{}", text(&event.time_zone)),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}@carneau", event.id),
        format!("DTSTAMP:{}", utc(now)),
        format!("DTSTART:{}", utc(event.starts_at)),
        format!("DTEND:{}", utc(event.ends_at)),
        format!("SUMMARY:{}", text(&event.title)),
        format!("LOCATION:{}", text(&location)),
        format!("DESCRIPTION:{}", text(&event.description)),
        format!("URL:{page}"),
        format!("STATUS:{status}"),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    lines.iter().map(|line| fold(line)).collect()
}

/// A UTC date-time in the iCalendar form: `20270301T180000Z`.
fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value, escaped (RFC 5545 §3.3.11): backslash, semicolon, comma and new lines.
fn text(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    let normalised = value.replace("\r\n", "\n").replace('\r', "\n");
    for c in normalised.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\n' => escaped.push_str("\\n"),
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// One content line, folded at [`MAX_LINE_OCTETS`] octets (never inside a character),
/// each continuation starting with a space, ended by CRLF.
fn fold(line: &str) -> String {
    let mut folded = String::with_capacity(line.len() + 8);
    let mut octets = 0;
    for c in line.chars() {
        if octets + c.len_utf8() > MAX_LINE_OCTETS {
            folded.push_str("\r\n ");
            // The leading space counts towards the next line.
            octets = 1;
        }
        folded.push(c);
        octets += c.len_utf8();
    }
    folded.push_str("\r\n");
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_as_rfc_5545_asks() {
        assert_eq!(
            text("Jazz; live, loud\\late\nsecond line"),
            "Jazz\\; live\\, loud\\\\late\\nsecond line"
        );
        assert_eq!(text("a\r\nb"), "a\\nb");
    }

    #[test]
    fn long_lines_are_folded_at_75_octets_between_characters() {
        let line = format!("DESCRIPTION:{}", "é".repeat(60));
        let folded = fold(&line);
        assert!(folded.ends_with("\r\n"));
        for part in folded.trim_end_matches("\r\n").split("\r\n") {
            assert!(part.len() <= MAX_LINE_OCTETS, "{part:?}");
        }
        let unfolded = folded.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, line);
    }

    #[test]
    fn times_are_utc() {
        let at = "2027-03-01T19:00:00+01:00"
            .parse::<DateTime<Utc>>()
            .unwrap();
        assert_eq!(utc(at), "20270301T180000Z");
    }
}
