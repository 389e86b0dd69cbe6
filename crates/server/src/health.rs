//! `/healthz`: 200 `ok` while the store answers, 503 with the reason when it does not (the
//! database is down or unreachable, or the hub is stuck), so a load balancer takes the node out.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use tokio::sync::{mpsc, oneshot};

use crate::hub::Command;

/// How long the hub may take to check the store before the node counts as unhealthy.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// `GET /healthz`.
pub async fn check(State(hub): State<mpsc::Sender<Command>>) -> (StatusCode, String) {
    let (reply, answer) = oneshot::channel();
    let asked = hub.send(Command::Health { reply }).await.is_ok();
    let checked = match tokio::time::timeout(CHECK_TIMEOUT, answer).await {
        _ if !asked => Err("the server is shutting down".to_owned()),
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err("the server is shutting down".to_owned()),
        Err(_) => Err(format!("the store did not answer within {CHECK_TIMEOUT:?}")),
    };
    match checked {
        Ok(()) => (StatusCode::OK, "ok".to_owned()),
        Err(why) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("store unavailable: {why}"),
        ),
    }
}
