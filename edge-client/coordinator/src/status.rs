//! The coordinator's small web service: a status page (`/`, `/api/status`),
//! `/metrics`, and `POST /readings`, where the members' meters (or the boxes
//! relaying them) hand in their signed slot readings.
use std::sync::Arc;

use axum::{
	extract::State,
	http::{header, StatusCode},
	response::{Html, IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use gridveil_offchain::{
	chain::{AtBlock, Chain, ChainError, MarketClock, SharedChain},
	now_ms,
	outbox::{self, OutboxCounts},
	shares::SignedShare,
	store::Store,
};
use serde::Serialize;

use crate::{
	check::CHECK_CURSOR,
	members::Member,
	metrics::Metrics,
	readings::{self, SlotReading},
	register::registered_key,
	relay::{self, Directory},
};

/// What the service reads.
pub struct Status {
	/// The store.
	pub store: Arc<Store>,
	/// Metrics.
	pub metrics: Arc<Metrics>,
	/// The members.
	pub members: Arc<Vec<Member>>,
	/// The group's id.
	pub group: u32,
	/// The node connection, when there is one.
	pub chain: SharedChain,
	/// Wakes the stages (a reading or a share came in).
	pub wake: Arc<tokio::sync::Notify>,
	/// The members' day pseudonyms.
	pub directory: Directory,
	/// The chain's genesis hash, once read.
	pub genesis: tokio::sync::OnceCell<[u8; 32]>,
}

/// Serves until it fails.
pub async fn serve(listener: tokio::net::TcpListener, status: Arc<Status>) -> std::io::Result<()> {
	axum::serve(listener, router(status)).await
}

/// The routes.
pub fn router(status: Arc<Status>) -> Router {
	Router::new()
		.route("/", get(page))
		.route("/api/status", get(api_status))
		.route("/metrics", get(metrics))
		.route("/readings", post(accept_readings))
		.route("/shares", post(accept_shares))
		.with_state(status)
}

async fn metrics(State(status): State<Arc<Status>>) -> Response {
	(
		[(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
		status.metrics.render(),
	)
		.into_response()
}

/// `/api/status`.
#[derive(Serialize)]
struct StatusView {
	/// The coordinator's clock, ms.
	now_ms: u64,
	/// The group.
	group: u32,
	/// Members in the member file.
	members: usize,
	/// Whether the node answers, and its best block.
	best_block: Option<u64>,
	/// The trading days around today whose registration is queued.
	registered_days: Vec<u32>,
	/// The next slot whose shares will be checked.
	next_slot_to_check: Option<u32>,
	/// Outbox sizes.
	outbox: OutboxCounts,
}

async fn view(status: &Status) -> anyhow::Result<StatusView> {
	let connected = status.chain.read().await.clone();
	let mut best_block = None;
	let mut today = None;
	if let Some(chain) = connected {
		if let Ok(block) = chain.best().await {
			best_block = Some(Chain::number(&block));
			if let (Ok(now), Ok(clock)) =
				(Chain::time_at(&block).await, Chain::market_clock(&block).await)
			{
				today = u32::try_from(now / clock.day_length_ms().max(1)).ok();
			}
		}
	}
	let mut registered_days = Vec::new();
	if let Some(today) = today {
		for day in today.saturating_sub(1)..=today.saturating_add(2) {
			if status.store.state::<bool>(&registered_key(day))?.unwrap_or(false) {
				registered_days.push(day);
			}
		}
	}
	Ok(StatusView {
		now_ms: now_ms(),
		group: status.group,
		members: status.members.len(),
		best_block,
		registered_days,
		next_slot_to_check: status.store.state(CHECK_CURSOR)?,
		outbox: outbox::counts(&status.store)?,
	})
}

async fn api_status(State(status): State<Arc<Status>>) -> Response {
	match view(&status).await {
		Ok(view) => Json(view).into_response(),
		Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
	}
}

async fn page(State(status): State<Arc<Status>>) -> Response {
	let view = match view(&status).await {
		Ok(view) => view,
		Err(error) => {
			return (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response()
		},
	};
	let best = view.best_block.map_or("node unreachable".to_string(), |block| format!("#{block}"));
	let days: Vec<String> = view.registered_days.iter().map(u32::to_string).collect();
	Html(format!(
		"<!doctype html><html><head><meta charset=\"utf-8\"><title>GridVeil coordinator</title>\
		 <meta http-equiv=\"refresh\" content=\"10\"></head><body>\
		 <h1>Coordinator of group {group}</h1><table>\
		 <tr><th align=left>members</th><td>{members}</td></tr>\
		 <tr><th align=left>best block</th><td>{best}</td></tr>\
		 <tr><th align=left>days registered</th><td>{days}</td></tr>\
		 <tr><th align=left>next slot to check</th><td>{next}</td></tr>\
		 <tr><th align=left>outbox</th><td>{pending} pending, {in_flight} in flight, {retired} final, {expired} refused</td></tr>\
		 <tr><th align=left>oldest pending</th><td>{oldest}</td></tr>\
		 </table><p><a href=\"/metrics\">metrics</a> · <a href=\"/api/status\">JSON</a></p>\
		 </body></html>",
		group = view.group,
		members = view.members,
		days = if days.is_empty() { "none".into() } else { days.join(", ") },
		next = view.next_slot_to_check.map_or("–".into(), |slot| slot.to_string()),
		pending = view.outbox.pending,
		in_flight = view.outbox.in_flight,
		retired = view.outbox.retired,
		expired = view.outbox.expired,
		oldest = view.outbox.oldest_pending.as_ref().map_or("–".into(), |entry| format!(
			"{} (entry {}, {}, sent {} times)",
			entry.kind,
			entry.id,
			entry.nonce.map_or("not signed".into(), |nonce| format!("nonce {nonce}")),
			entry.sends
		)),
	))
	.into_response()
}

/// One reading's outcome, in the order they came.
#[derive(Serialize)]
struct ReadingOutcome {
	/// The slot it is kept for, if it was kept.
	slot: Option<u32>,
	/// Why not.
	refused: Option<String>,
}

/// What a handed-in reading or share is checked against: the best block,
/// its market clock and time, and the genesis hash.
struct ChainView {
	block: AtBlock,
	clock: MarketClock,
	now: u64,
	genesis: [u8; 32],
}

/// The chain's view now, or the answer that tells the sender to come back.
async fn chain_view(status: &Status) -> Result<ChainView, Response> {
	let Some(chain) = status.chain.read().await.clone() else {
		return Err((StatusCode::SERVICE_UNAVAILABLE, "the node is unreachable; send again")
			.into_response());
	};
	let read = async {
		let block = chain.best().await?;
		let clock = Chain::market_clock(&block).await?;
		let now = Chain::time_at(&block).await?;
		let genesis = *status.genesis.get_or_try_init(|| chain.genesis_hash()).await?;
		Ok::<_, ChainError>(ChainView { block, clock, now, genesis })
	};
	read.await.map_err(|error| (StatusCode::SERVICE_UNAVAILABLE, error.to_string()).into_response())
}

async fn accept_readings(
	State(status): State<Arc<Status>>,
	Json(readings): Json<Vec<SlotReading>>,
) -> Response {
	let ChainView { block, clock, .. } = match chain_view(&status).await {
		Ok(view) => view,
		Err(answer) => return answer,
	};
	let mut outcomes = Vec::with_capacity(readings.len());
	for reading in readings {
		match readings::accept(
			&status.store,
			&block,
			&status.members,
			clock.slot_length_ms,
			reading,
		)
		.await
		{
			Ok(slot) => {
				status.metrics.reading_accepted();
				outcomes.push(ReadingOutcome { slot: Some(slot), refused: None });
			},
			Err(refused) => {
				status.metrics.reading_refused(refused.reason());
				tracing::warn!(reason = refused.reason(), "a slot reading was refused");
				outcomes.push(ReadingOutcome { slot: None, refused: Some(refused.to_string()) });
			},
		}
	}
	status.wake.notify_one();
	Json(outcomes).into_response()
}

/// The answer for one share: why it was refused, if it was.
#[derive(Serialize)]
struct ShareOutcome {
	refused: Option<String>,
}

async fn accept_shares(
	State(status): State<Arc<Status>>,
	Json(shares): Json<Vec<SignedShare>>,
) -> Response {
	let ChainView { block, clock, now, genesis } = match chain_view(&status).await {
		Ok(view) => view,
		Err(answer) => return answer,
	};
	let mut outcomes = Vec::with_capacity(shares.len());
	for share in &shares {
		let accepted = relay::accept(
			&status.store,
			&block,
			&genesis,
			&status.members,
			&status.directory,
			&clock,
			now,
			share,
		)
		.await;
		match accepted {
			Ok(()) => {
				status.metrics.share_taken();
				outcomes.push(ShareOutcome { refused: None });
			},
			Err(refused) => {
				status.metrics.share_refused(refused.reason());
				tracing::warn!(reason = refused.reason(), "a share was refused");
				outcomes.push(ShareOutcome { refused: Some(refused.to_string()) });
			},
		}
	}
	status.wake.notify_one();
	Json(outcomes).into_response()
}
