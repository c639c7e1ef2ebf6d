//! Sessions over HTTP: they expire, and signing out (here or everywhere), changing the
//! password and changing roles or door-staff access take effect on the very next request,
//! even while the session sits in the Redis cache. With Redis down, sessions are checked
//! against PostgreSQL and a revoked one stays refused.

use std::sync::Arc;

use carneau_api::auth::Principal;
use carneau_api::AppState;
use carneau_commands::accounts::SessionToken;
use carneau_domain::account::{AccountCommand, Role};
use carneau_domain::ids::EventId;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::accounts::{run_account_command, TEST_PASSWORD};
use crate::support::{
    config_on, eventually, expect_problem, serve, spawn_app, spawn_app_with, Caller, TestApp,
};

async fn me_status(app: &TestApp, token: &str) -> StatusCode {
    app.get_as("/me", Caller::Token(token)).await.status()
}

/// Who the session of `token` is, as the API resolves it.
async fn principal(app: &TestApp, token: &str) -> Principal {
    app.state
        .accounts
        .sessions()
        .resolve(&SessionToken::parse(token).unwrap())
        .await
        .unwrap()
        .unwrap()
        .principal
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_when_its_lifetime_is_over() {
    let app = spawn_app_with(&[("CARNEAU_SESSION_SECONDS", "1")]).await;
    let buyer = app.buyer().await;
    // Cached by the first request; the cached copy knows when it expires.
    assert_eq!(me_status(&app, &buyer.token).await, StatusCode::OK);
    eventually("the session to expire", || async {
        (me_status(&app, &buyer.token).await == StatusCode::UNAUTHORIZED).then_some(())
    })
    .await;
    expect_problem(
        app.get_as("/me", buyer.caller()).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_ends_this_session_at_once_and_clears_the_cookie() {
    let app = spawn_app().await;
    let buyer = app.buyer().await;
    let other_device = app.another_session(&buyer).await;
    assert_eq!(me_status(&app, &buyer.token).await, StatusCode::OK);
    // The session now sits in Redis: the next requests are answered from there.
    let cached = app.cached_values().await;
    assert!(
        cached.iter().any(|value| value.contains(&buyer.email)),
        "{cached:?}"
    );
    assert_eq!(me_status(&app, &buyer.token).await, StatusCode::OK);
    let response = app.delete_as("/sessions/current", buyer.caller()).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("carneau_session=;") && cookie.contains("Max-Age=0"),
        "{cookie}"
    );
    assert_eq!(
        me_status(&app, &buyer.token).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(me_status(&app, &other_device).await, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_everywhere_ends_every_session_at_once() {
    let app = spawn_app().await;
    let buyer = app.buyer().await;
    let other_device = app.another_session(&buyer).await;
    for token in [&buyer.token, &other_device] {
        assert_eq!(me_status(&app, token).await, StatusCode::OK);
    }
    let response = app.delete_as("/sessions", buyer.caller()).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for token in [&buyer.token, &other_device] {
        assert_eq!(me_status(&app, token).await, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_ends_the_other_sessions_and_the_old_password() {
    let app = spawn_app().await;
    let buyer = app.buyer().await;
    let other_device = app.another_session(&buyer).await;
    assert_eq!(me_status(&app, &other_device).await, StatusCode::OK);

    let wrong =
        json!({"current_password": "not my password", "new_password": "a brand new passphrase"});
    expect_problem(
        app.send(Method::PUT, "/me/password", buyer.caller(), Some(&wrong))
            .await,
        StatusCode::FORBIDDEN,
        "invalid-credentials",
    )
    .await;
    let short = json!({"current_password": TEST_PASSWORD, "new_password": "short"});
    let problem = expect_problem(
        app.send(Method::PUT, "/me/password", buyer.caller(), Some(&short))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(problem.errors[0].field, "new_password");

    let change =
        json!({"current_password": TEST_PASSWORD, "new_password": "a brand new passphrase"});
    let response = app
        .send(Method::PUT, "/me/password", buyer.caller(), Some(&change))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(me_status(&app, &buyer.token).await, StatusCode::OK);
    assert_eq!(
        me_status(&app, &other_device).await,
        StatusCode::UNAUTHORIZED
    );
    let old = app.sign_in(&buyer.email, TEST_PASSWORD).await;
    expect_problem(old, StatusCode::UNAUTHORIZED, "invalid-credentials").await;
    let new = app.sign_in(&buyer.email, "a brand new passphrase").await;
    assert_eq!(new.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_changes_hold_from_the_next_request() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let buyer = app.buyer().await;
    expect_problem(
        app.get_as("/organiser/events", buyer.caller()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let path = format!("/admin/accounts/{}/roles/organiser", buyer.id);
    let granted = app
        .send(Method::PUT, &path, admin.caller(), None::<&()>)
        .await;
    assert_eq!(granted.status(), StatusCode::OK);
    let me = app.me(buyer.caller()).await;
    assert_eq!(me["roles"], json!(["organiser"]));
    assert_eq!(
        app.get_as("/organiser/events", buyer.caller())
            .await
            .status(),
        StatusCode::OK
    );
    let revoked = app.delete_as(&path, admin.caller()).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    expect_problem(
        app.get_as("/organiser/events", buyer.caller()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // The facts are in the account's history, with who did it.
    let (actor,): (String,) = sqlx::query_as(
        "SELECT metadata->'actor'->>'account_id' FROM events \
         WHERE aggregate_type = 'Account' AND event_type = 'RoleRevoked' AND aggregate_id = $1",
    )
    .bind(buyer.id.to_string())
    .fetch_one(app.database.pool())
    .await
    .unwrap();
    assert_eq!(actor, admin.id.to_string());
    // An admin cannot demote themselves.
    let own = format!("/admin/accounts/{}/roles/admin", admin.id);
    expect_problem(
        app.delete_as(&own, admin.caller()).await,
        StatusCode::CONFLICT,
        "cannot-revoke-own-admin",
    )
    .await;
    // Finding an account by email.
    let found = app
        .get_as(
            &format!("/admin/accounts?email={}", buyer.email.to_uppercase()),
            admin.caller(),
        )
        .await;
    let found: Value = found.json().await.unwrap();
    assert_eq!(found["id"], buyer.id.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisers_grant_and_withdraw_door_staff_access_for_their_own_events() {
    let app = spawn_app().await;
    let event = app.published_event("Jazz at Dusk").await;
    let staff = app.buyer().await;
    let path = format!("/organiser/events/{}/door-staff", event.id);
    let stranger = app.other_organiser().await;
    expect_problem(
        app.post_json_as(&path, &json!({"email": staff.email}), stranger.caller())
            .await,
        StatusCode::FORBIDDEN,
        "not-event-organiser",
    )
    .await;
    let unknown = expect_problem(
        app.post_json_as(
            &path,
            &json!({"email": "nobody@example.com"}),
            Caller::Organiser,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "account-not-found",
    )
    .await;
    assert_eq!(unknown.errors[0].field, "email");
    let granted = app
        .post_json_as(
            &path,
            &json!({"email": staff.email.to_uppercase()}),
            Caller::Organiser,
        )
        .await;
    assert_eq!(granted.status(), StatusCode::OK);
    let me = app.me(staff.caller()).await;
    assert_eq!(me["door_staff_events"], json!([event.id]));
    let event_id = EventId::from_uuid(event.id);
    let staff_principal = principal(&app, &staff.token).await;
    assert!(
        carneau_api::auth::may_work_door(&app.state, &staff_principal, event_id)
            .await
            .unwrap()
    );
    let other_event = app.published_event("Blues at Noon").await;
    assert!(!carneau_api::auth::may_work_door(
        &app.state,
        &staff_principal,
        EventId::from_uuid(other_event.id)
    )
    .await
    .unwrap());

    let withdraw = format!("{path}/{}", staff.id);
    assert_eq!(
        app.delete_as(&withdraw, Caller::Organiser).await.status(),
        StatusCode::NO_CONTENT
    );
    let me = app.me(staff.caller()).await;
    assert_eq!(me["door_staff_events"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_and_admins_may_work_the_door_but_not_other_organisers_or_buyers() {
    let app = spawn_app().await;
    let event = app.published_event("Jazz at Dusk").await;
    let event_id = EventId::from_uuid(event.id);
    let cases = [
        (app.organiser.token.clone(), true),
        (app.admin().await.token, true),
        (app.door_staff(event.id).await.token, true),
        (app.other_organiser().await.token, false),
        (app.buyer().await.token, false),
    ];
    for (token, expected) in cases {
        let principal = principal(&app, &token).await;
        let may = carneau_api::auth::may_work_door(&app.state, &principal, event_id)
            .await
            .unwrap();
        assert_eq!(may, expected, "{principal:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_granted_role_is_seen_even_by_a_session_cached_before_the_grant() {
    let app = spawn_app().await;
    let buyer = app.buyer().await;
    // Warm the cache, then change the account behind the API's back (command layer).
    assert_eq!(me_status(&app, &buyer.token).await, StatusCode::OK);
    run_account_command(
        &app.state,
        buyer.account_id(),
        AccountCommand::GrantRole(Role::Admin),
    )
    .await;
    let me = app.me(buyer.caller()).await;
    assert_eq!(me["roles"], json!(["admin"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_down_sessions_are_checked_in_postgres_and_revocation_still_holds() {
    let app = spawn_app().await;
    let buyer = app.buyer().await;
    let leaving = app.buyer().await;
    // A second process on the same database whose Redis is unreachable.
    let config = Arc::new(config_on(
        &app.database,
        &app.redis,
        &[("REDIS_URL", "redis://127.0.0.1:1")],
    ));
    let dead_redis = carneau_api::state::redis_client(&config).unwrap();
    let state = AppState::new(app.database.pool().clone(), dead_redis, config).unwrap();
    let base_url = serve(carneau_api::router(state)).await;
    let get_me = |token: String| {
        let url = format!("{base_url}/me");
        let client = app.client.clone();
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(get_me(buyer.token.clone()).await, StatusCode::OK);
    // Signed out through the healthy process: the Redis-less one refuses it too.
    assert_eq!(me_status(&app, &leaving.token).await, StatusCode::OK);
    app.delete_as("/sessions/current", leaving.caller()).await;
    assert_eq!(
        get_me(leaving.token.clone()).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(get_me("garbage".to_owned()).await, StatusCode::UNAUTHORIZED);
}
