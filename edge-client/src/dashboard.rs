//! The local web page: a public view (what anyone can read on chain: escrow
//! over the program, deviations per hour, transaction hashes) and a private
//! view (what only this box knows: requested vs actual energy, today's
//! shares), plus `/metrics`. Charts use the vendored uPlot; no CDN.
use std::sync::Arc;

use axum::{
	extract::State,
	http::{header, StatusCode},
	response::{IntoResponse, Response},
	routing::get,
	Json, Router,
};
use serde::Serialize;
use serde_json::{json, Value};

use crate::{
	chain::Chain,
	daemon::{Context, SLOTS_PER_DAY},
	now_ms,
	outbox::Sender,
	prove::{self, Schedule},
};

const INDEX: &str = include_str!("../assets/index.html");
const SCRIPT: &str = include_str!("../assets/dashboard.js");
const STYLE: &str = include_str!("../assets/dashboard.css");
const UPLOT: &str = include_str!("../assets/vendor/uPlot.iife.min.js");
const UPLOT_STYLE: &str = include_str!("../assets/vendor/uPlot.min.css");

/// Serves the dashboard on `listener` until it fails.
pub async fn serve(
	listener: tokio::net::TcpListener,
	context: Arc<Context>,
) -> std::io::Result<()> {
	axum::serve(listener, router(context)).await
}

/// The routes.
pub fn router(context: Arc<Context>) -> Router {
	Router::new()
		.route("/", get(|| async { asset("text/html; charset=utf-8", INDEX) }))
		.route("/assets/dashboard.js", get(|| async { asset("text/javascript", SCRIPT) }))
		.route("/assets/dashboard.css", get(|| async { asset("text/css", STYLE) }))
		.route(
			"/assets/vendor/uPlot.iife.min.js",
			get(|| async { asset("text/javascript", UPLOT) }),
		)
		.route("/assets/vendor/uPlot.min.css", get(|| async { asset("text/css", UPLOT_STYLE) }))
		.route("/api/public", get(public))
		.route("/api/private", get(private))
		.route("/metrics", get(metrics))
		.with_state(context)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
	([(header::CONTENT_TYPE, content_type)], body).into_response()
}

async fn metrics(State(context): State<Arc<Context>>) -> Response {
	(
		[(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
		context.metrics.render(),
	)
		.into_response()
}

fn failure(error: impl std::fmt::Display) -> Response {
	(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response()
}

#[derive(Serialize)]
struct RegisteredHour {
	hour: u32,
	deviation_wh: u64,
	penalty: String,
	escrow_after: String,
	fingerprint: String,
	transaction: Option<String>,
}

async fn public(State(context): State<Arc<Context>>) -> Response {
	match public_view(&context).await {
		Ok(view) => Json(view).into_response(),
		Err(error) => failure(error),
	}
}

async fn public_view(context: &Context) -> anyhow::Result<Value> {
	let chain = context.chain.read().await.clone();
	let mut node = json!({ "connected": false, "best_block": null, "finalized_block": null });
	let mut programs = Vec::new();
	// The final transaction of each proven hour, through its outbox entry.
	let store = &context.store;
	let transaction = |program: u64, hour: u32| -> anyhow::Result<Option<String>> {
		match store.state::<u64>(&prove::entry_key(program, hour))? {
			Some(id) => Ok(store.final_transaction(id)?),
			None => Ok(None),
		}
	};
	if let Some(chain) = chain {
		if let (Ok(best), Ok(finalized)) = (chain.best().await, chain.finalized().await) {
			node = json!({
				"connected": true,
				"best_block": Chain::number(&best),
				"finalized_block": Chain::number(&finalized),
			});
			for program in &context.config.demand_response.programs {
				let Ok(Some(state)) = Chain::program(&best, program.id).await else { continue };
				let mut escrow = state.program.reward;
				let registered: Vec<RegisteredHour> = state
					.hours
					.iter()
					.map(|(hour, record)| {
						escrow = escrow.saturating_sub(record.penalty);
						Ok(RegisteredHour {
							hour: *hour,
							deviation_wh: record.deviation,
							penalty: record.penalty.to_string(),
							escrow_after: escrow.to_string(),
							fingerprint: format!("0x{}", hex::encode(record.fingerprint)),
							transaction: transaction(program.id, *hour)?,
						})
					})
					.collect::<anyhow::Result<_>>()?;
				programs.push(json!({
					"program_id": program.id,
					"status": format!("{:?}", state.program.status),
					"start_ms": state.program.start,
					"hour_length_ms": state.hour_length,
					"hours": state.program.hours,
					"reward": state.program.reward.to_string(),
					"escrow": state.program.escrow.to_string(),
					"registered": registered,
				}));
			}
		}
	}
	Ok(json!({
		"now_ms": now_ms(),
		"node": node,
		"outbox": context.store.outbox_counts()?,
		"programs": programs,
	}))
}

async fn private(State(context): State<Arc<Context>>) -> Response {
	match private_view(&context).await {
		Ok(view) => Json(view).into_response(),
		Err(error) => failure(error),
	}
}

async fn private_view(context: &Context) -> anyhow::Result<Value> {
	let store = &context.store;
	let mut programs = Vec::new();
	for program in &context.config.demand_response.programs {
		let Some(secret) = context.secrets.get(&program.id) else { continue };
		let schedule: Option<Schedule> = store.state(&prove::schedule_key(program.id))?;
		let readings_per_hour = context.proving_key.as_ref().map_or(4, |key| key.readings_per_hour);
		let mut actual = Vec::new();
		for hour in 0..secret.request.len() as u32 {
			let value = match &schedule {
				Some(schedule) if hour < schedule.hours => {
					prove::hour_readings(store, schedule, hour, readings_per_hour)?
						.map(|readings| readings.iter().sum::<u64>())
				},
				_ => None,
			};
			actual.push(value);
		}
		programs.push(json!({
			"program_id": program.id,
			"requested_wh": secret.request,
			"actual_wh": actual,
		}));
	}

	let interval_ms = context.config.meter.interval_ms;
	let pseudonyms: Vec<_> = (0..context.keys.pseudonyms.len() as u32)
		.filter_map(|index| context.keys.account(Sender::Pseudonym(index)))
		.collect();
	let last = store.last_reading()?;
	let day = last.map(|reading| reading.start_ms / interval_ms / SLOTS_PER_DAY);
	let mut slots = Vec::new();
	if let Some(day) = day {
		let first = day * SLOTS_PER_DAY;
		for (slot, shares) in store.shares(first..first + SLOTS_PER_DAY)? {
			let mut done = Vec::with_capacity(shares.entries.len());
			for id in &shares.entries {
				done.extend(store.final_transaction(*id)?);
			}
			slots.push(json!({
				"slot_of_day": slot - first,
				"net_wh": shares.net_wh,
				"shares_wh": shares.shares_wh,
				"included": done.len(),
				"transactions": done,
			}));
		}
	}
	let mut accounts = Vec::new();
	if let Some(chain) = context.chain.read().await.clone() {
		if let Ok(best) = chain.best().await {
			for account in &pseudonyms {
				if let Ok((debt, credit)) = Chain::debt_and_credit(&best, account).await {
					accounts.push(json!({
						"account": account.to_string(),
						"debt": debt.to_string(),
						"credit": credit.to_string(),
					}));
				}
			}
		}
	}
	Ok(json!({
		"programs": programs,
		"trading": {
			"day": day,
			"pseudonyms": pseudonyms.iter().map(|account| account.to_string()).collect::<Vec<_>>(),
			"slots": slots,
			"accounts": accounts,
		},
	}))
}
