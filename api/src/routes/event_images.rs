//! Event images: the organiser uploads (multipart), describes, orders and removes them;
//! everybody fetches the renditions of a published event's images, cacheable for a year
//! (a new upload is a new id, so the bytes under a URL never change).

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use carneau_commands::event_images::{ImageRejection, UploadError, STORED_CONTENT_TYPE};
use carneau_domain::event::{EventCommand, EventImage};
use carneau_domain::ids::{EventId, EventImageId};
use carneau_domain::text::AltText;
use carneau_projections::catalogue::{public_image, EventDetail};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{command_context, require_event_manager, OrganiserSession};
use crate::extract::{ApiJson, ApiPath, IdempotencyKeyHeader, IfMatchVersion};
use crate::problem::mapping::command_problem;
use crate::problem::responses::{
    BodyProblems, ConflictProblem, NotFoundProblem, RoleProblems, ServerProblems,
};
use crate::problem::{ApiError, FieldError};
use crate::routes::organiser::{event_response, run};
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "event images";

/// How long the public renditions may be cached: a year, the longest HTTP allows.
const PUBLIC_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";
/// The organiser's renditions (drafts included): only their browser keeps them.
const PRIVATE_CACHE_CONTROL: &str = "private, max-age=3600";

/// The image routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_image))
        .routes(routes!(change_alt_text, remove_image))
        .routes(routes!(reorder_images))
        .routes(routes!(organiser_image))
        .routes(routes!(public_image_bytes))
}

/// The form of an upload (`multipart/form-data`), for the OpenAPI document.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadImageForm {
    /// The image: JPEG, PNG or WebP, at most `CARNEAU_IMAGE_MAX_BYTES` (10 MiB by
    /// default), at most 8000 pixels a side and 40 megapixels.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// What the image shows, for people who cannot see it: 1 to 300 characters. Required:
    /// a poster carries the event's name, date and place, which a screen reader must be
    /// able to say.
    alt: String,
}

/// New alt text for an image.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeAltTextRequest {
    /// What the image shows: 1 to 300 characters.
    alt: String,
}

/// The event's images in their new order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReorderImagesRequest {
    /// Every image id of the event, each once; the first becomes the poster.
    image_ids: Vec<uuid::Uuid>,
}

fn parse_alt(raw: &str) -> Result<AltText, ApiError> {
    AltText::parse(raw)
        .map_err(|error| ApiError::validation(vec![FieldError::new("alt", error.message())]))
}

/// The problem for a file that is not an image we take: always 422, with its own type.
pub(crate) fn rejection_problem(rejection: &ImageRejection) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        rejection.kind(),
        "Unusable image",
        rejection.to_string(),
    )
    .with_field_errors(vec![FieldError::new("file", rejection.to_string())])
}

fn upload_problem(error: UploadError) -> ApiError {
    match error {
        UploadError::Rejected(rejection) => rejection_problem(&rejection),
        UploadError::Command(error) => command_problem(error),
        UploadError::Store(error) => {
            tracing::warn!(error = format!("{:#}", error.0), "the image store failed");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "image-store-unavailable",
                "Try again",
                "The image could not be stored right now. Try again in a moment.",
            )
            .with_header(
                axum::http::header::RETRY_AFTER,
                HeaderValue::from_static("1"),
            )
            .nothing_changed()
        }
    }
}

/// The file and the alt text of an upload. A body cut off by the size limit is the
/// file's size problem (422), like a file over the image limit.
async fn read_form(
    multipart: Result<Multipart, MultipartRejection>,
    max_bytes: u64,
) -> Result<(Vec<u8>, String), ApiError> {
    let too_large = || {
        rejection_problem(&ImageRejection::TooLarge {
            size_bytes: None,
            max_bytes,
        })
    };
    let mut multipart = multipart.map_err(|_| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "Send the image as multipart/form-data with a `file` part and an `alt` part.",
        )
    })?;
    let mut file = None;
    let mut alt = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(too_large())
            }
            Err(_) => {
                return Err(ApiError::bad_request(
                    "malformed-multipart",
                    "The upload could not be read as multipart/form-data.",
                ))
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(too_large())
            }
            Err(_) => {
                return Err(ApiError::bad_request(
                    "malformed-multipart",
                    "The upload could not be read as multipart/form-data.",
                ))
            }
        };
        match name.as_str() {
            "file" => file = Some(bytes.to_vec()),
            "alt" => alt = Some(String::from_utf8_lossy(&bytes).into_owned()),
            _ => {}
        }
    }
    let mut errors = Vec::new();
    if file.as_ref().is_none_or(Vec::is_empty) {
        errors.push(FieldError::new(
            "file",
            "is required: choose a JPEG, PNG or WebP image",
        ));
    }
    if alt.as_deref().is_none_or(|alt| alt.trim().is_empty()) {
        errors.push(FieldError::new(
            "alt",
            "is required: describe what the image shows in 1 to 300 characters",
        ));
    }
    match (file, alt) {
        (Some(file), Some(alt)) if errors.is_empty() => Ok((file, alt)),
        _ => Err(ApiError::validation(errors)),
    }
}

/// Uploads an image; it goes after the others (the first is the poster). The file is
/// decoded and re-encoded as JPEG at the widths the pages use, so none of its metadata
/// survives. A file that is not a usable image is a 422 with its own type
/// (`image-too-large`, `image-format-unsupported`, `image-unreadable`,
/// `image-too-many-pixels`). With an `Idempotency-Key`, a retry adds nothing twice.
#[utoipa::path(post, path = "/organiser/events/{event_id}/images", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("Idempotency-Key" = Option<String>, Header,
            description = "Makes retries safe: the same key adds the image once.")),
    request_body(content = UploadImageForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Added; the event after the change.", body = EventDetail),
        (status = 200, description = "Already added by an earlier request with this key.",
            body = EventDetail),
        BodyProblems, NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn upload_image(
    OrganiserSession(session): OrganiserSession,
    state: axum::extract::State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    // Whose event it is comes before what was sent: a stranger learns nothing from 422s.
    require_event_manager(&state, &session.principal, event_id).await?;
    let (file, alt) = read_form(multipart, state.event_images.max_bytes()).await?;
    let alt = parse_alt(&alt)?;
    let (executed, _image_id, added) = state
        .event_images
        .upload(
            event_id,
            key.as_ref(),
            file,
            alt,
            &command_context(&session.principal),
        )
        .await
        .map_err(upload_problem)?;
    let status = crate::routes::created_or_repeated(added);
    event_response(&state, status, &executed, false).await
}

/// Changes the alt text of an image.
#[utoipa::path(patch, path = "/organiser/events/{event_id}/images/{image_id}", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("image_id" = uuid::Uuid, Path, description = "The image's id."),
        ("If-Match" = Option<String>, Header, description = "Apply only at this ETag.")),
    request_body = ChangeAltTextRequest,
    responses(
        (status = 200, description = "The event after the change.", body = EventDetail),
        BodyProblems, NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn change_alt_text(
    OrganiserSession(session): OrganiserSession,
    state: axum::extract::State<AppState>,
    ApiPath((event_id, image_id)): ApiPath<(EventId, EventImageId)>,
    if_match: IfMatchVersion,
    ApiJson(request): ApiJson<ChangeAltTextRequest>,
) -> Result<Response, ApiError> {
    let alt = parse_alt(&request.alt)?;
    let command = EventCommand::ChangeImageAltText { image_id, alt };
    run(&state, &session.principal, event_id, command, if_match).await
}

/// Takes an image off the event. Its bytes are deleted from the store unless another
/// image (of any event) is the same file; bytes stored in the last 15 minutes, which an
/// upload in flight may be about to name, are left to the hourly sweep.
#[utoipa::path(delete, path = "/organiser/events/{event_id}/images/{image_id}", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("image_id" = uuid::Uuid, Path, description = "The image's id."),
        ("If-Match" = Option<String>, Header, description = "Apply only at this ETag.")),
    responses(
        (status = 200, description = "The event after the change.", body = EventDetail),
        NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn remove_image(
    OrganiserSession(session): OrganiserSession,
    state: axum::extract::State<AppState>,
    ApiPath((event_id, image_id)): ApiPath<(EventId, EventImageId)>,
    if_match: IfMatchVersion,
) -> Result<Response, ApiError> {
    let executed = state
        .event_images
        .remove(
            event_id,
            image_id,
            if_match.0,
            &command_context(&session.principal),
        )
        .await
        .map_err(command_problem)?;
    state.reservations.catalogue_changed(event_id).await;
    event_response(&state, StatusCode::OK, &executed, false).await
}

/// Puts the images in a new order: every image id of the event, each once (422
/// `image-order-mismatch` otherwise). The first is the poster.
#[utoipa::path(put, path = "/organiser/events/{event_id}/image-order", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("If-Match" = Option<String>, Header, description = "Apply only at this ETag.")),
    request_body = ReorderImagesRequest,
    responses(
        (status = 200, description = "The event after the change.", body = EventDetail),
        BodyProblems, NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn reorder_images(
    OrganiserSession(session): OrganiserSession,
    state: axum::extract::State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
    if_match: IfMatchVersion,
    ApiJson(request): ApiJson<ReorderImagesRequest>,
) -> Result<Response, ApiError> {
    let order = request
        .image_ids
        .into_iter()
        .map(EventImageId::from_uuid)
        .collect();
    let command = EventCommand::ReorderImages(order);
    run(&state, &session.principal, event_id, command, if_match).await
}

/// One rendition of an image of the caller's event, drafts included.
#[utoipa::path(get, path = "/organiser/events/{event_id}/images/{image_id}/{width}", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("image_id" = uuid::Uuid, Path, description = "The image's id."),
        ("width" = u32, Path, description = "One of the image's stored widths.")),
    responses(
        (status = 200, description = "The JPEG.", content_type = "image/jpeg", body = Vec<u8>,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match)."),
        NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn organiser_image(
    OrganiserSession(session): OrganiserSession,
    state: axum::extract::State<AppState>,
    ApiPath((event_id, image_id, width)): ApiPath<(EventId, EventImageId, u32)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let event = require_event_manager(&state, &session.principal, event_id).await?;
    let image = event.images().iter().find(|image| image.id == image_id);
    serve(&state, image, width, PRIVATE_CACHE_CONTROL, &headers).await
}

/// One rendition of an image of a published (or cancelled) event, for `<img srcset>`:
/// `Cache-Control: public, max-age=31536000, immutable`.
#[utoipa::path(get, path = "/events/{event_id}/images/{image_id}/{width}", tag = TAG,
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("image_id" = uuid::Uuid, Path, description = "The image's id."),
        ("width" = u32, Path, description = "One of the image's stored widths.")),
    responses(
        (status = 200, description = "The JPEG.", content_type = "image/jpeg", body = Vec<u8>,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match)."),
        NotFoundProblem, ServerProblems,
    ))]
async fn public_image_bytes(
    state: axum::extract::State<AppState>,
    ApiPath((event_id, image_id, width)): ApiPath<(EventId, EventImageId, u32)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let image = public_image(&state.pool, event_id.as_uuid(), image_id.as_uuid()).await?;
    serve(
        &state,
        image.as_ref(),
        width,
        PUBLIC_CACHE_CONTROL,
        &headers,
    )
    .await
}

/// The rendition of `image` at `width`, or 404 for an unknown image or width.
async fn serve(
    state: &AppState,
    image: Option<&EventImage>,
    width: u32,
    cache_control: &'static str,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let Some(image) = image.filter(|image| image.widths.contains(&width)) else {
        return Err(ApiError::not_found("image"));
    };
    let etag = format!("\"{}-{width}\"", image.content_hash);
    let mut response_headers = HeaderMap::new();
    response_headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache_control));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response_headers.insert(ETAG, value);
    }
    let unchanged = headers
        .get(IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, response_headers).into_response());
    }
    let bytes = state
        .event_images
        .store()
        .get(&image.content_hash, width)
        .await
        .map_err(|error| upload_problem(UploadError::Store(error)))?
        .ok_or_else(|| {
            // A fact names bytes the store does not have: written before the fact, so
            // only an operator's deletion explains it.
            ApiError::internal(anyhow::anyhow!(
                "image {} at width {width} is missing from the image store",
                image.id
            ))
        })?;
    response_headers.insert(CONTENT_TYPE, HeaderValue::from_static(STORED_CONTENT_TYPE));
    Ok((StatusCode::OK, response_headers, bytes).into_response())
}
