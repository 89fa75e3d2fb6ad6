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
use gridveil_offchain::{
	chain::{Chain, ProgramStatus, SharedChain, Token, SLOTS_PER_DAY},
	now_ms,
	outbox::{self, OutboxCounts},
};
use serde::Serialize;

use crate::{
	metrics::Metrics,
	prove::{self, ProgramSecret, Schedule},
	store::Store,
	submit::{Keys, Sender},
};

const INDEX: &str = include_str!("../assets/index.html");
const SCRIPT: &str = include_str!("../assets/dashboard.js");
const STYLE: &str = include_str!("../assets/dashboard.css");
const UPLOT: &str = include_str!("../assets/vendor/uPlot.iife.min.js");
const UPLOT_STYLE: &str = include_str!("../assets/vendor/uPlot.min.css");

/// What the page reads.
pub struct Dashboard {
	/// The store.
	pub store: Arc<Store>,
	/// Metrics.
	pub metrics: Arc<Metrics>,
	/// Keys (the pseudonyms' accounts).
	pub keys: Arc<Keys>,
	/// The node connection, when there is one.
	pub chain: SharedChain,
	/// The programs' private requests, by id, in the configuration's order.
	pub programs: Vec<(u64, ProgramSecret)>,
	/// Readings in a program hour.
	pub readings_per_hour: usize,
	/// Length of one meter reading interval, ms.
	pub interval_ms: u64,
}

/// Serves the dashboard on `listener` until it fails.
pub async fn serve(
	listener: tokio::net::TcpListener,
	dashboard: Arc<Dashboard>,
) -> std::io::Result<()> {
	axum::serve(listener, router(dashboard)).await
}

/// The routes.
pub fn router(dashboard: Arc<Dashboard>) -> Router {
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
		.with_state(dashboard)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
	([(header::CONTENT_TYPE, content_type)], body).into_response()
}

async fn metrics(State(dashboard): State<Arc<Dashboard>>) -> Response {
	(
		[(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
		dashboard.metrics.render(),
	)
		.into_response()
}

fn failure(error: impl std::fmt::Display) -> Response {
	(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response()
}

/// `/api/public`: what anyone can read on chain, and the outbox.
#[derive(Serialize)]
struct PublicView {
	/// The box's clock, ms.
	now_ms: u64,
	/// The node connection.
	node: NodeStatus,
	/// The chain's token (`system_properties`), for amounts; `None` while
	/// the node is away or names none.
	token: Option<Token>,
	/// Outbox sizes.
	outbox: OutboxCounts,
	/// The box's programs as the chain has them.
	programs: Vec<PublicProgram>,
}

/// The node connection.
#[derive(Serialize)]
struct NodeStatus {
	/// Whether the node answers.
	connected: bool,
	/// Its best block.
	best_block: Option<u64>,
	/// Its last finalized block.
	finalized_block: Option<u64>,
}

/// A program as the chain has it.
#[derive(Serialize)]
struct PublicProgram {
	program_id: u64,
	status: ProgramStatus,
	start_ms: u64,
	hour_length_ms: u64,
	hours: u32,
	/// Planck, decimal (u128 does not fit a JSON number).
	reward: String,
	/// Planck, decimal.
	escrow: String,
	registered: Vec<RegisteredHour>,
}

/// One hour registered on chain.
#[derive(Serialize)]
struct RegisteredHour {
	hour: u32,
	deviation_wh: u64,
	/// Planck, decimal.
	penalty: String,
	/// Planck, decimal.
	escrow_after: String,
	fingerprint: String,
	/// The final transaction that registered it, if the box sent it.
	transaction: Option<String>,
}

/// `/api/private`: what only this box knows.
#[derive(Serialize)]
struct PrivateView {
	programs: Vec<PrivateProgram>,
	trading: TradingView,
}

/// Requested vs actual energy of one program.
#[derive(Serialize)]
struct PrivateProgram {
	program_id: u64,
	requested_wh: Vec<u64>,
	/// Per hour; `None` until all its readings are stored.
	actual_wh: Vec<Option<u64>>,
	/// Hours left unproven because they do not match the meter's signed
	/// fingerprints.
	alarms: Vec<AlarmView>,
}

/// An hour the box refused to prove.
#[derive(Serialize)]
struct AlarmView {
	hour: u32,
	alarm: prove::HourAlarm,
}

/// Today's trading.
#[derive(Serialize)]
struct TradingView {
	/// The day of the last reading.
	day: Option<u64>,
	/// The pseudonyms' addresses, by index.
	pseudonyms: Vec<String>,
	slots: Vec<SlotView>,
	accounts: Vec<AccountView>,
}

/// One split slot of today.
#[derive(Serialize)]
struct SlotView {
	slot_of_day: u64,
	net_wh: i64,
	shares_wh: Vec<i64>,
	/// Shares final on chain.
	included: usize,
	/// Their transactions.
	transactions: Vec<String>,
}

/// A pseudonym's debt and credit with the market.
#[derive(Serialize)]
struct AccountView {
	account: String,
	/// Planck, decimal.
	debt: String,
	/// Planck, decimal.
	credit: String,
}

async fn public(State(dashboard): State<Arc<Dashboard>>) -> Response {
	match public_view(&dashboard).await {
		Ok(view) => Json(view).into_response(),
		Err(error) => failure(error),
	}
}

async fn public_view(dashboard: &Dashboard) -> anyhow::Result<PublicView> {
	let chain = dashboard.chain.read().await.clone();
	let mut node = NodeStatus { connected: false, best_block: None, finalized_block: None };
	let mut token = None;
	let mut programs = Vec::new();
	// The final transaction of each proven hour, through its outbox entry.
	let store = &dashboard.store;
	let transaction = |program: u64, hour: u32| -> anyhow::Result<Option<String>> {
		match store.state::<u64>(&prove::entry_key(program, hour))? {
			Some(id) => Ok(outbox::final_transaction(store, id)?),
			None => Ok(None),
		}
	};
	if let Some(chain) = chain {
		if let (Ok(best), Ok(finalized)) = (chain.best().await, chain.finalized().await) {
			node = NodeStatus {
				connected: true,
				best_block: Some(Chain::number(&best)),
				finalized_block: Some(Chain::number(&finalized)),
			};
			token = chain.token().await.ok().flatten();
			for (program_id, _) in &dashboard.programs {
				let program_id = *program_id;
				let Ok(Some(state)) = Chain::program(&best, program_id).await else { continue };
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
							transaction: transaction(program_id, *hour)?,
						})
					})
					.collect::<anyhow::Result<_>>()?;
				programs.push(PublicProgram {
					program_id,
					status: state.program.status,
					start_ms: state.program.start,
					hour_length_ms: state.hour_length,
					hours: state.program.hours,
					reward: state.program.reward.to_string(),
					escrow: state.program.escrow.to_string(),
					registered,
				});
			}
		}
	}
	Ok(PublicView { now_ms: now_ms(), node, token, outbox: outbox::counts(store)?, programs })
}

async fn private(State(dashboard): State<Arc<Dashboard>>) -> Response {
	match private_view(&dashboard).await {
		Ok(view) => Json(view).into_response(),
		Err(error) => failure(error),
	}
}

async fn private_view(dashboard: &Dashboard) -> anyhow::Result<PrivateView> {
	let store = &dashboard.store;
	let mut programs = Vec::new();
	for (program_id, secret) in &dashboard.programs {
		let schedule: Option<Schedule> = store.state(&prove::schedule_key(*program_id))?;
		let mut actual = Vec::new();
		let mut alarms = Vec::new();
		for hour in 0..secret.request.len() as u32 {
			if let Some(alarm) = store.state(&prove::alarm_key(*program_id, hour))? {
				alarms.push(AlarmView { hour, alarm });
			}
			let value = match &schedule {
				Some(schedule) if hour < schedule.hours => {
					prove::hour_readings(store, schedule, hour, dashboard.readings_per_hour)?
						.map(|readings| readings.iter().sum::<u64>())
				},
				_ => None,
			};
			actual.push(value);
		}
		programs.push(PrivateProgram {
			program_id: *program_id,
			requested_wh: secret.request.to_vec(),
			actual_wh: actual,
			alarms,
		});
	}

	let interval_ms = dashboard.interval_ms;
	let last = store.last_reading()?;
	let day = last.map(|reading| reading.start_ms / interval_ms / SLOTS_PER_DAY);
	// The pseudonyms of the day shown: a fresh set every day.
	let pseudonyms: Vec<_> = day
		.and_then(|day| u32::try_from(day).ok())
		.map(|day| {
			(0..dashboard.keys.ledgers.len() as u32)
				.filter_map(|ledger| dashboard.keys.account(Sender::Pseudonym { ledger, day }))
				.collect()
		})
		.unwrap_or_default();
	let mut slots = Vec::new();
	if let Some(day) = day {
		let first = day * SLOTS_PER_DAY;
		for (slot, shares) in store.shares(first..first + SLOTS_PER_DAY)? {
			let mut done = Vec::with_capacity(shares.entries.len());
			for id in &shares.entries {
				done.extend(outbox::final_transaction(store, *id)?);
			}
			slots.push(SlotView {
				slot_of_day: slot - first,
				net_wh: shares.net_wh,
				shares_wh: shares.shares_wh,
				included: done.len(),
				transactions: done,
			});
		}
	}
	let mut accounts = Vec::new();
	if let Some(chain) = dashboard.chain.read().await.clone() {
		if let Ok(best) = chain.best().await {
			for account in &pseudonyms {
				if let Ok((debt, credit)) = Chain::debt_and_credit(&best, account).await {
					accounts.push(AccountView {
						account: account.to_string(),
						debt: debt.to_string(),
						credit: credit.to_string(),
					});
				}
			}
		}
	}
	Ok(PrivateView {
		programs,
		trading: TradingView {
			day,
			pseudonyms: pseudonyms.iter().map(|account| account.to_string()).collect(),
			slots,
			accounts,
		},
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::store::{put_shares, Reading, SlotShares};
	use gridveil_circuits::poseidon::HOURS;
	use gridveil_groth16::Scalar;
	use subxt_signer::sr25519::Keypair;
	use tokio::sync::RwLock;

	#[test]
	fn the_public_view_has_the_fields_the_page_reads() {
		let view = PublicView {
			now_ms: 7,
			node: NodeStatus { connected: false, best_block: None, finalized_block: None },
			token: Some(Token { symbol: "VEIL".into(), decimals: 12 }),
			outbox: OutboxCounts { pending: 2, ..OutboxCounts::default() },
			programs: vec![PublicProgram {
				program_id: 0,
				status: ProgramStatus::Active,
				start_ms: 1,
				hour_length_ms: 2,
				hours: 3,
				reward: "3000".into(),
				escrow: "2000".into(),
				registered: vec![RegisteredHour {
					hour: 0,
					deviation_wh: 5,
					penalty: "1000".into(),
					escrow_after: "2000".into(),
					fingerprint: "0x00".into(),
					transaction: None,
				}],
			}],
		};
		let json = serde_json::to_value(&view).unwrap();
		assert_eq!(json["node"]["connected"], false);
		assert!(json["node"]["best_block"].is_null());
		assert_eq!(json["token"], serde_json::json!({ "symbol": "VEIL", "decimals": 12 }));
		assert_eq!(json["outbox"]["pending"], 2);
		assert_eq!(json["outbox"]["in_flight"], 0);
		assert_eq!(json["programs"][0]["status"], "Active");
		assert_eq!(json["programs"][0]["registered"][0]["escrow_after"], "2000");
		assert!(json["programs"][0]["registered"][0]["transaction"].is_null());
	}

	#[tokio::test]
	async fn the_private_view_shows_todays_shares_and_the_requests_without_a_node() {
		let dir = tempfile::tempdir().unwrap();
		let store = Arc::new(Store::open(&dir.path().join("edge.redb")).unwrap());
		let interval_ms = 1_000;
		let start = (SLOTS_PER_DAY + 3) * interval_ms;
		store.append_reading(Reading { start_ms: start, import_wh: 9, export_wh: 0 }).unwrap();
		let shares = SlotShares { net_wh: 9, shares_wh: vec![4, 5], entries: vec![0, 1] };
		store.write(|writer| put_shares(writer, SLOTS_PER_DAY + 3, &shares)).unwrap();
		let key = |uri: &str| Keypair::from_uri(&uri.parse().unwrap()).unwrap();
		let secret = ProgramSecret { request: [100; HOURS], salt: Scalar::from(1u64) };
		let dashboard = Dashboard {
			store,
			metrics: Arc::new(Metrics::new()),
			keys: Arc::new(Keys { device: key("//Dave"), ledgers: vec![key("//P0"), key("//P1")] }),
			chain: Arc::new(RwLock::new(None)),
			programs: vec![(0, secret)],
			readings_per_hour: 4,
			interval_ms,
		};
		let json = serde_json::to_value(private_view(&dashboard).await.unwrap()).unwrap();
		assert_eq!(json["programs"][0]["requested_wh"][HOURS - 1], 100);
		assert!(json["programs"][0]["actual_wh"][0].is_null());
		assert_eq!(json["trading"]["day"], 1);
		assert_eq!(json["trading"]["pseudonyms"].as_array().unwrap().len(), 2);
		let slot = &json["trading"]["slots"][0];
		assert_eq!(slot["slot_of_day"], 3);
		assert_eq!(slot["shares_wh"], serde_json::json!([4, 5]));
		assert_eq!(slot["included"], 0);
		assert_eq!(json["trading"]["accounts"], serde_json::json!([]));
	}
}
