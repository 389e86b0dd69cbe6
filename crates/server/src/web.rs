//! The built web client (the `dist/` of `trunk build --release`) served at `/`, next to `/ws`,
//! so one port serves both the page and its socket (`chinwag serve --web DIR`).
//!
//! Content types come from the file extension (`.wasm` is `application/wasm`, which browsers
//! require for streaming compilation). Every file is sent with `Cache-Control: no-cache`: the
//! browser may keep a copy but revalidates it (`If-Modified-Since` → `304 Not Modified`) before
//! each use, so a new build is picked up on the next load and an unchanged one costs a round
//! trip, not a download. Trunk's hashed file names make most files new on each build anyway.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use tower_http::services::ServeDir;

use crate::ServeError;

/// Checks that `dir` holds a built web client; the error says how to build one.
pub fn check_dir(dir: &Path) -> Result<PathBuf, ServeError> {
    if dir.join("index.html").is_file() {
        Ok(dir.to_path_buf())
    } else {
        Err(ServeError::NoWebClient(dir.to_path_buf()))
    }
}

/// Serves the files under `dir`; `/` (and any directory) serves its `index.html`.
pub fn router(dir: &Path) -> Router {
    Router::new()
        .fallback_service(ServeDir::new(dir))
        .layer(axum::middleware::map_response(revalidate))
}

async fn revalidate(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
