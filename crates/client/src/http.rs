//! What every HTTP request of the client shares: the identity's Bearer token, and reading an
//! answer (JSON, bytes, or the server's [`Rejection`] explaining why not).

use poll_promise::Promise;
use serde::de::DeserializeOwned;

use chinwag_protocol::Rejection;
use chinwag_protocol::api::http_base;

use crate::error::ClientError;

/// A request answered later: polled on each pump, so a slow server never blocks a frame.
pub(crate) type Answer<T> = Promise<Result<T, ClientError>>;

/// Sends `request` (made for the HTTP base of the server at `ws_url`: `build` gets it and
/// returns the request) as the identity `token`; `read` turns the response into the answer,
/// and `wake` runs once it is in (to repaint).
pub(crate) fn fetch<T: Send + 'static>(
    ws_url: &str,
    token: &str,
    build: impl FnOnce(&str) -> ehttp::Request,
    read: impl FnOnce(ehttp::Response) -> Result<T, ClientError> + Send + 'static,
    wake: impl FnOnce() + Send + 'static,
) -> Answer<T> {
    let Some(base) = http_base(ws_url) else {
        return Promise::from_ready(Err(ClientError::NotWebSocketUrl(ws_url.to_owned())));
    };
    let request = build(&base).with_header("Authorization", format!("Bearer {token}"));
    let (sender, promise) = Promise::new();
    ehttp::fetch(request, move |result| {
        sender.send(result.map_err(ClientError::Network).and_then(read));
        wake();
    });
    promise
}

/// The JSON body of a successful response, or why there is none.
pub(crate) fn read_json<T: DeserializeOwned>(response: ehttp::Response) -> Result<T, ClientError> {
    if response.ok {
        Ok(serde_json::from_slice(&response.bytes)?)
    } else {
        Err(refusal(&response))
    }
}

/// The body of a successful response, or why there is none.
pub(crate) fn read_bytes(response: ehttp::Response) -> Result<Vec<u8>, ClientError> {
    if response.ok {
        Ok(response.bytes)
    } else {
        Err(refusal(&response))
    }
}

/// The server's explanation of an error response, or its status when it gave none.
fn refusal(response: &ehttp::Response) -> ClientError {
    serde_json::from_slice::<Rejection>(&response.bytes).map_or_else(
        |_| ClientError::Http {
            status: response.status,
            status_text: response.status_text.clone(),
        },
        ClientError::Refused,
    )
}
