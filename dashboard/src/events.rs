//! `/api/runs/<run>/events`: the run's events as server-sent events, as they are recorded.
//!
//! The stream polls the database for events after the last one sent (`memory` appends every
//! event in the transaction of its record, from whichever process drives the run), so a run
//! driven by another process shows up live. Each event is sent with its database id as the
//! SSE `id` (a reconnecting browser resumes after it through `Last-Event-ID`), its kind as
//! the SSE `event`, and as data the event's JSON with `id` and `at` (ms since the epoch)
//! added. Start with `?after=<id>` (or `Last-Event-ID`); default: from the first event.
//! Streams end when the server shuts down; at most `max_streams` run at once (503 beyond).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use memory::{Memory, StoredEvent};
use serde::Deserialize;
use tokio::sync::{watch, OwnedSemaphorePermit};

use crate::load::{self, HttpError};
use crate::state::AppState;

/// Events read from the database at a time.
const BATCH: u32 = 200;
/// A comment line sent when nothing happened for this long, so proxies keep the stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

#[derive(Deserialize)]
pub(crate) struct After {
    after: Option<i64>,
}

struct Follow {
    memory: Memory,
    run: i64,
    last: i64,
    buffered: VecDeque<StoredEvent>,
    interval: Duration,
    stopping: watch::Receiver<bool>,
    /// Held for the stream's life: counts it against the limit.
    _permit: OwnedSemaphorePermit,
    failed: bool,
}

pub(crate) async fn events(
    State(state): State<AppState>,
    Path(run): Path<i64>,
    Query(query): Query<After>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, HttpError> {
    let memory = load::memory(&state).await.map_err(HttpError::json)?;
    memory
        .run_summary(run)
        .await
        .map_err(|e| HttpError::from(e).json())?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let after = resume.or(query.after).unwrap_or(0).max(0);
    let permit = state.streams().try_acquire_owned().map_err(|_| HttpError {
        status: StatusCode::SERVICE_UNAVAILABLE,
        message: "too many event streams are open; close one and retry".into(),
        json: true,
    })?;
    let follow = Follow {
        memory: memory.clone(),
        run,
        last: after,
        buffered: VecDeque::new(),
        interval: state.poll_interval(),
        stopping: state.stopping(),
        _permit: permit,
        failed: false,
    };
    let stream = stream::unfold(follow, |mut f| async move {
        let event = next_event(&mut f).await?;
        Some((Ok(event), f))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// The next event to send, waiting for one to be recorded; `None` ends the stream (the
/// server is stopping, or reading failed after the error was sent).
async fn next_event(f: &mut Follow) -> Option<Event> {
    loop {
        if f.failed || *f.stopping.borrow() {
            return None;
        }
        if let Some(e) = f.buffered.pop_front() {
            return Some(sse_event(&e));
        }
        match f.memory.events_since(f.run, f.last, BATCH).await {
            Ok(batch) if !batch.is_empty() => {
                f.last = batch.last().map_or(f.last, |e| e.id);
                f.buffered.extend(batch);
                continue;
            }
            Ok(_) => {}
            Err(e) => {
                // Sent once, then the stream ends; the browser reconnects after its last id.
                tracing::error!("event stream of run {}: {e}", f.run);
                f.failed = true;
                return Some(Event::default().event("error").data(e.to_string()));
            }
        }
        tokio::select! {
            // Shutdown: end the stream now rather than after the next poll.
            _ = f.stopping.changed() => return None,
            () = tokio::time::sleep(f.interval) => {}
        }
    }
}

fn sse_event(e: &StoredEvent) -> Event {
    let mut data = serde_json::to_value(&e.event).unwrap_or(serde_json::Value::Null);
    if let Some(obj) = data.as_object_mut() {
        obj.insert("id".into(), e.id.into());
        obj.insert("at".into(), e.at.into());
    }
    Event::default()
        .id(e.id.to_string())
        .event(e.event.kind())
        .data(data.to_string())
}
