//! What the door reads: the lists a scanner downloads before doors open (and polls while
//! online), the live admission counts and the double entries offline scanners reported.
//! All from read models (a moment behind the log) and the event as loaded for the access
//! check; the log decides admissions, these only inform.

use axum::extract::State;
use axum::http::header::{ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use carneau_domain::event::Event;
use carneau_domain::ids::EventId;
use carneau_domain::ticket_code::TICKET_CODE_FORMAT;
use carneau_domain::Actor;
use carneau_projections::tickets;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::actor::ActorView;
use super::door::{SignatureAlgorithm, TAG};
use crate::door_access::DoorAgent;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::responses::{NotFoundProblem, ServerProblems, SignedInProblems};
use crate::problem::ApiError;
use crate::state::AppState;

/// A ticket type, as a scanner names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScannerTicketType {
    /// The ticket type.
    pub ticket_type_id: Uuid,
    /// Its name.
    pub name: String,
}

/// A ticket already admitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdmittedTicket {
    /// The ticket.
    pub ticket_id: Uuid,
    /// When it was scanned in.
    pub admitted_at: DateTime<Utc>,
    /// The device, when it was admitted offline.
    pub device_id: Option<String>,
}

/// Who a valid ticket is for: the name the scanner shows with its verdict offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScannerAttendee {
    /// The ticket.
    pub ticket_id: Uuid,
    /// Its attendee's name, as last corrected.
    pub name: String,
}

/// Everything a scanner needs to judge codes of one event without a network.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScannerData {
    /// The event.
    pub event_id: Uuid,
    /// Its title.
    pub title: String,
    /// When its doors open.
    pub starts_at: DateTime<Utc>,
    /// The IANA zone its times are shown in.
    pub time_zone: String,
    /// How codes are signed.
    pub algorithm: SignatureAlgorithm,
    /// The event's public key: 32 bytes, base64url without padding.
    pub public_key: String,
    /// How a code is laid out and what the signature covers.
    pub code_format: String,
    /// Its ticket types, in the organiser's order.
    pub ticket_types: Vec<ScannerTicketType>,
    /// Tickets whose codes no longer admit (refunded), by id.
    pub revoked_ticket_ids: Vec<Uuid>,
    /// Tickets already admitted, by id.
    pub admitted: Vec<AdmittedTicket>,
    /// The names of the tickets not refunded, by id, when the event asks for them
    /// (tickets without a name are absent; emails are never sent to a scanner). Covered
    /// by the `ETag` like the other lists: a corrected name changes it.
    pub attendees: Vec<ScannerAttendee>,
    /// When these lists were read.
    pub refreshed_at: DateTime<Utc>,
}

/// The event's key, ticket types, revoked and admitted tickets and the tickets' attendee
/// names: what a scanner keeps to judge codes offline and say who a ticket is for. Cheap
/// to poll every few seconds: the event as loaded for the access check and two index
/// scans of the tickets read model; the `ETag` covers
/// everything but `refreshed_at`, so a poll sending it back in `If-None-Match` gets
/// `304 Not Modified` without a body while nothing changed. For the event's organiser,
/// admins and its door staff.
#[utoipa::path(get, path = "/door/events/{event_id}/scanner-data", tag = TAG,
    params(("event_id" = Uuid, Path, description = "The event."),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of the lists the scanner holds.")),
    responses(
        (status = 200, description = "The scanner's lists.", body = ScannerData,
            headers(("ETag" = String, description = "Changes when the lists change."))),
        (status = 304, description = "The lists are those of `If-None-Match`."),
        (status = 403, description = "Not allowed at this door (`not-door-staff`).",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        SignedInProblems, NotFoundProblem, ServerProblems,
    ),
    security(("session_cookie" = []), ("session_bearer" = [])))]
pub(super) async fn scanner_data(
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
    agent: DoorAgent,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let event = agent.require(&state, event_id).await?;
    let refreshed_at = Utc::now();
    let door_tickets = tickets::door_tickets(&state.pool, event_id.as_uuid()).await?;
    let attendees = tickets::door_attendees(&state.pool, event_id.as_uuid()).await?;
    let details = event.details();
    let mut data = ScannerData {
        event_id: event_id.as_uuid(),
        title: details
            .map(|d| d.title.as_str().to_owned())
            .unwrap_or_default(),
        starts_at: details.map_or(DateTime::UNIX_EPOCH, |d| d.starts_at),
        time_zone: details
            .map(|d| d.time_zone.as_str().to_owned())
            .unwrap_or_default(),
        algorithm: SignatureAlgorithm::Ed25519,
        public_key: URL_SAFE_NO_PAD.encode(state.ticket_codes.verifying_key(event_id).to_bytes()),
        code_format: TICKET_CODE_FORMAT.to_owned(),
        ticket_types: ticket_types(&event),
        revoked_ticket_ids: door_tickets
            .iter()
            .filter(|t| t.revoked_at.is_some())
            .map(|t| t.ticket_id)
            .collect(),
        admitted: door_tickets
            .iter()
            .filter_map(|t| {
                t.checked_in_at.map(|admitted_at| AdmittedTicket {
                    ticket_id: t.ticket_id,
                    admitted_at,
                    device_id: t.checked_in_device.clone(),
                })
            })
            .collect(),
        attendees: attendees
            .into_iter()
            .map(|attendee| ScannerAttendee {
                ticket_id: attendee.ticket_id,
                name: attendee.name,
            })
            .collect(),
        refreshed_at: DateTime::UNIX_EPOCH,
    };
    let etag = lists_etag(&data)?;
    let unchanged = headers
        .get(IF_NONE_MATCH)
        .is_some_and(|sent| sent.as_bytes() == etag.as_bytes());
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, [(ETAG, etag)]).into_response());
    }
    data.refreshed_at = refreshed_at;
    Ok(([(ETAG, etag)], ApiJson(data)).into_response())
}

/// A weak `ETag` of the lists (the body with `refreshed_at` at the epoch).
fn lists_etag(data: &ScannerData) -> Result<HeaderValue, ApiError> {
    let body = serde_json::to_vec(data).map_err(|error| ApiError::internal(error.into()))?;
    let digest = Sha256::digest(&body);
    let tag: String = digest[..12]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    HeaderValue::from_str(&format!("W/\"{tag}\"")).map_err(|error| ApiError::internal(error.into()))
}

fn ticket_types(event: &Event) -> Vec<ScannerTicketType> {
    event
        .ticket_types()
        .iter()
        .map(|ticket_type| ScannerTicketType {
            ticket_type_id: ticket_type.id.as_uuid(),
            name: ticket_type.name.as_str().to_owned(),
        })
        .collect()
}

/// Admissions against tickets sold for one ticket type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TicketTypeCheckIns {
    /// The ticket type.
    pub ticket_type_id: Uuid,
    /// Its name.
    pub name: String,
    /// Tickets admitted (refunded since or not: their holders are inside).
    pub admitted: i64,
    /// Tickets issued and not refunded.
    pub sold: i64,
}

/// An event's live admission counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CheckInCounts {
    /// The event.
    pub event_id: Uuid,
    /// Tickets admitted, all types.
    pub admitted: i64,
    /// Tickets sold and not refunded, all types.
    pub sold: i64,
    /// Per ticket type, in the organiser's order (types removed since last).
    pub ticket_types: Vec<TicketTypeCheckIns>,
    /// When they were counted.
    pub counted_at: DateTime<Utc>,
}

/// Admitted against sold (not refunded) tickets, per ticket type and in total, from the
/// tickets read model. For the event's organiser, admins and its door staff.
#[utoipa::path(get, path = "/door/events/{event_id}/check-in-counts", tag = TAG,
    params(("event_id" = Uuid, Path, description = "The event.")),
    responses(
        (status = 200, description = "The counts.", body = CheckInCounts),
        (status = 403, description = "Not allowed at this door (`not-door-staff`).",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        SignedInProblems, NotFoundProblem, ServerProblems,
    ),
    security(("session_cookie" = []), ("session_bearer" = [])))]
pub(super) async fn check_in_counts(
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
    agent: DoorAgent,
) -> Result<ApiJson<CheckInCounts>, ApiError> {
    let event = agent.require(&state, event_id).await?;
    let counted_at = Utc::now();
    let mut counts = tickets::check_in_counts(&state.pool, event_id.as_uuid()).await?;
    let mut per_type: Vec<TicketTypeCheckIns> = ticket_types(&event)
        .into_iter()
        .map(|ticket_type| {
            let (admitted, sold) = counts
                .iter()
                .position(|count| count.ticket_type_id == ticket_type.ticket_type_id)
                .map(|at| counts.swap_remove(at))
                .map_or((0, 0), |count| (count.admitted, count.sold));
            TicketTypeCheckIns {
                ticket_type_id: ticket_type.ticket_type_id,
                name: ticket_type.name,
                admitted,
                sold,
            }
        })
        .collect();
    // Tickets of a type the organiser removed since still count.
    per_type.extend(counts.into_iter().map(|count| TicketTypeCheckIns {
        ticket_type_id: count.ticket_type_id,
        name: "Removed ticket type".to_owned(),
        admitted: count.admitted,
        sold: count.sold,
    }));
    Ok(ApiJson(CheckInCounts {
        event_id: event_id.as_uuid(),
        admitted: per_type.iter().map(|count| count.admitted).sum(),
        sold: per_type.iter().map(|count| count.sold).sum(),
        ticket_types: per_type,
        counted_at,
    }))
}

/// One scan of a double entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EntryScan {
    /// The device, when the scan was offline.
    pub device_id: Option<String>,
    /// When it was scanned.
    pub scanned_at: DateTime<Utc>,
    /// Who scanned it.
    pub scanned_by: ActorView,
}

/// Two entries on one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DoubleEntry {
    /// The ticket.
    pub ticket_id: Uuid,
    /// Its type.
    pub ticket_type_id: Option<Uuid>,
    /// The type's name.
    pub ticket_type_name: String,
    /// The ticket's admission of record.
    pub admission: EntryScan,
    /// The scan recorded after it (which may have been scanned earlier: compare times).
    pub duplicate: EntryScan,
    /// When the duplicate scan reached the server.
    pub synced_at: DateTime<Utc>,
}

/// An event's double entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DoubleEntries {
    /// The event.
    pub event_id: Uuid,
    /// In the order they were scanned.
    pub double_entries: Vec<DoubleEntry>,
}

/// Tickets two people entered on: an offline scanner let someone in on a ticket already
/// admitted. Each names both scans' devices, times and who scanned. For the event's
/// organiser, admins and its door staff.
#[utoipa::path(get, path = "/door/events/{event_id}/double-entries", tag = TAG,
    params(("event_id" = Uuid, Path, description = "The event.")),
    responses(
        (status = 200, description = "The double entries.", body = DoubleEntries),
        (status = 403, description = "Not allowed at this door (`not-door-staff`).",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        SignedInProblems, NotFoundProblem, ServerProblems,
    ),
    security(("session_cookie" = []), ("session_bearer" = [])))]
pub(super) async fn double_entries(
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
    agent: DoorAgent,
) -> Result<ApiJson<DoubleEntries>, ApiError> {
    agent.require(&state, event_id).await?;
    let rows = tickets::double_entries(&state.pool, event_id.as_uuid()).await?;
    let double_entries = rows
        .into_iter()
        .map(|row| {
            Ok(DoubleEntry {
                ticket_id: row.ticket_id,
                ticket_type_id: row.ticket_type_id,
                ticket_type_name: row.ticket_type_name,
                admission: EntryScan {
                    device_id: row.admitted_device_id,
                    scanned_at: row.admitted_at,
                    scanned_by: actor_view(row.admitted_by)?,
                },
                duplicate: EntryScan {
                    device_id: Some(row.device_id),
                    scanned_at: row.scanned_at,
                    scanned_by: actor_view(row.scanned_by)?,
                },
                synced_at: row.synced_at,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(ApiJson(DoubleEntries {
        event_id: event_id.as_uuid(),
        double_entries,
    }))
}

/// An actor the projector stored as JSON.
fn actor_view(stored: serde_json::Value) -> Result<ActorView, ApiError> {
    let actor: Actor =
        serde_json::from_value(stored).map_err(|error| ApiError::internal(error.into()))?;
    Ok(ActorView::from(&actor))
}
