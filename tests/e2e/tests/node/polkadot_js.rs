//! polkadot.js against a real `--dev` node, with no custom types: the
//! operator's tool (polkadot.js apps) reads and writes GridVeil's pallets
//! from the metadata alone.
//!
//! `tests/js/check.mjs` (`@polkadot/api` 16.5.6, pinned in
//! `tests/js/package-lock.json`) connects with no `types` option, resolves
//! every type and event of `ZkVerifier`, `MeterRegistry`, `DemandResponse`
//! and `EnergyMarket`, and submits the market operator's calls in the order
//! `docs/operator-guide.md` lists them: a verifying key made here by the
//! deviation circuit's setup, a meter's P-256 key, the main grid, a producer, an intermediate node,
//! a group and a further ledger, an operator, a batch of pseudonyms, a day
//! with an offer and its auction closed, and a liquidator key. Each call must
//! be in a block with `ExtrinsicSuccess` (and, through sudo, `Sudid` Ok);
//! afterwards every storage item of the four pallets is read and decoded.
//! `tests/js/blocks.mjs` decodes a range of blocks as apps' explorer does
//! (the market's test runs it over a liquidated day). Needs Node.js 18 or
//! later and npm; the packages come from the lockfile with `npm ci`.

use std::{
	fs::File,
	path::{Path, PathBuf},
	process::{Command, Stdio},
	time::{Duration, Instant},
};

use anyhow::{bail, ensure, Context, Result};
use gridveil_circuits::{keys, READINGS_PER_HOUR};
use gridveil_groth16::encode_verifying_key;
use gridveil_harness::{
	chain,
	node::{die_with_parent, log_tail, Node, NodeSpec},
};
use rand::{rngs::StdRng, SeedableRng};
use serde_json::Value;

/// The calls `check.mjs` submits: the guide's thirteen steps.
const OPERATOR_CALLS: u64 = 13;
/// `npm ci` on a cold cache downloads a few MB.
const NPM_TIMEOUT: Duration = Duration::from_secs(300);
/// The script gives up by itself after 180 s; this is the backstop.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(240);

/// `tests/js`, where the script and its lockfile are.
fn js_dir() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("../js")
}

/// Whether `node_modules` holds exactly what `package-lock.json` pins: npm
/// writes the installed tree to `node_modules/.package-lock.json`, which is
/// the lockfile's `packages` without the project's own entry.
fn node_modules_up_to_date(dir: &Path) -> bool {
	let read = |path: PathBuf| -> Option<Value> {
		serde_json::from_slice(&std::fs::read(path).ok()?).ok()
	};
	let (Some(mut locked), Some(installed)) = (
		read(dir.join("package-lock.json")),
		read(dir.join("node_modules").join(".package-lock.json")),
	) else {
		return false;
	};
	let Some(packages) = locked.get_mut("packages").and_then(Value::as_object_mut) else {
		return false;
	};
	packages.remove("");
	installed.get("packages") == locked.get("packages")
}

/// Runs `program args` in `dir` to completion with its output in `log`,
/// killing it after `timeout`; errors with the log tail unless it exits 0.
async fn run_logged(
	program: &str,
	args: &[&str],
	dir: &Path,
	log: &Path,
	timeout: Duration,
) -> Result<()> {
	let output = File::create(log)?;
	let mut command = Command::new(program);
	command
		.args(args)
		.current_dir(dir)
		.stdin(Stdio::null())
		.stdout(output.try_clone()?)
		.stderr(output);
	die_with_parent(&mut command);
	let mut child = command.spawn().with_context(|| {
		format!("spawning `{program}`: install Node.js 18 or later and npm (Debian: nodejs npm)")
	})?;
	let deadline = Instant::now() + timeout;
	let status = loop {
		if let Some(status) = child.try_wait()? {
			break status;
		}
		if Instant::now() > deadline {
			let _ = child.kill();
			let _ = child.wait();
			bail!("`{program} {}` ran past {timeout:?}:\n{}", args.join(" "), log_tail(log));
		}
		tokio::time::sleep(Duration::from_millis(200)).await;
	};
	ensure!(
		status.success(),
		"`{program} {}` exited with {status}:\n{}",
		args.join(" "),
		log_tail(log)
	);
	Ok(())
}

/// The summary `check.mjs` or `blocks.mjs` prints last: a JSON line that
/// starts with `{"ok":`.
fn summary(output: &str) -> Result<Value> {
	let line = output
		.lines()
		.map(str::trim)
		.rfind(|line| line.starts_with("{\"ok\":"))
		.with_context(|| format!("the script printed no summary:\n{output}"))?;
	serde_json::from_str(line).with_context(|| format!("the script ended with `{line}`"))
}

/// A count of the summary that must be positive.
fn positive(summary: &Value, field: &str) -> Result<u64> {
	let count = summary[field].as_u64().with_context(|| format!("no {field} in {summary}"))?;
	ensure!(count > 0, "{field} is {count} in {summary}");
	Ok(count)
}

/// Installs `tests/js` from its lockfile unless it is installed already;
/// one test at a time (the tests that use it run side by side).
async fn install(work: &Path) -> Result<()> {
	static INSTALLING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
	let _installing = INSTALLING.lock().await;
	let js = js_dir();
	if !node_modules_up_to_date(&js) {
		run_logged(
			"npm",
			&["ci", "--no-audit", "--no-fund"],
			&js,
			&work.join("npm.log"),
			NPM_TIMEOUT,
		)
		.await
		.context("installing tests/js from its lockfile")?;
	}
	Ok(())
}

/// A general transaction (extrinsic format 5) as `blocks.mjs` decoded it.
#[derive(Debug)]
pub(crate) struct GeneralTransaction {
	/// The block it is in.
	pub block: u64,
	/// `section.method`, as polkadot.js names the call.
	pub call: String,
	/// The call's arguments, as apps shows them.
	pub args: Value,
}

/// Decodes blocks `first..=last` of the node at `ws_url` with polkadot.js
/// as apps' explorer does (`tests/js/blocks.mjs`), every extrinsic and event
/// in full and with no custom types; returns the general transactions.
pub(crate) async fn decode_blocks(
	ws_url: &str,
	first: u64,
	last: u64,
) -> Result<Vec<GeneralTransaction>> {
	let work = tempfile::Builder::new().prefix("gridveil-blocks-js-").tempdir()?;
	install(work.path()).await?;
	let output_path = work.path().join("blocks.out");
	let outcome = run_logged(
		"node",
		&["blocks.mjs", ws_url, &first.to_string(), &last.to_string()],
		&js_dir(),
		&output_path,
		SCRIPT_TIMEOUT,
	)
	.await;
	let printed = std::fs::read_to_string(&output_path).unwrap_or_default();
	outcome.context("blocks.mjs failed")?;
	let report = summary(&printed)?;
	ensure!(report["ok"] == Value::Bool(true), "blocks.mjs reported {report}");
	let blocks = positive(&report, "blocks")?;
	ensure!(blocks == last - first + 1, "blocks.mjs decoded {blocks} blocks of {first}..={last}");
	positive(&report, "extrinsics")?;
	positive(&report, "events")?;
	let general =
		report["general"].as_array().with_context(|| format!("no general in {report}"))?;
	general
		.iter()
		.map(|entry| {
			Ok(GeneralTransaction {
				block: entry["block"].as_u64().with_context(|| format!("no block in {entry}"))?,
				call: entry["call"].as_str().with_context(|| format!("no call in {entry}"))?.into(),
				args: entry["args"].clone(),
			})
		})
		.collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn polkadot_js_reads_every_item_and_submits_the_operator_calls_with_no_custom_types(
) -> Result<()> {
	let work = tempfile::Builder::new().prefix("gridveil-polkadot-js-").tempdir()?;
	let js = js_dir();
	install(work.path()).await?;

	// The verifying key as `gridveil-circuits setup` writes it to its `.vk`
	// file, in hex as an operator pastes it into apps.
	let proving_key = keys::setup(READINGS_PER_HOUR, &mut StdRng::seed_from_u64(21))?;
	let key = encode_verifying_key(proving_key.verifying_key());
	let key_file = work.path().join("deviation.vk.hex");
	std::fs::write(&key_file, key.iter().map(|byte| format!("{byte:02x}")).collect::<String>())?;

	let node = Node::start(NodeSpec::new("polkadot-js", "dev")?.with_args(["--dev"])).await?;
	let rpc = chain::rpc(&node.ws_url()).await?;
	chain::wait_for_finalized(&rpc, 1, Duration::from_secs(90)).await?;

	let output_path = work.path().join("check.out");
	let key_arg = key_file.to_str().context("non-UTF-8 temporary path")?;
	let outcome = run_logged(
		"node",
		&["check.mjs", &node.ws_url(), key_arg],
		&js,
		&output_path,
		SCRIPT_TIMEOUT,
	)
	.await;
	let printed = std::fs::read_to_string(&output_path).unwrap_or_default();
	outcome.with_context(|| format!("check.mjs failed; node log tail:\n{}", node.log_tail()))?;

	let report = summary(&printed)?;
	ensure!(report["ok"] == Value::Bool(true), "check.mjs reported {report}");
	positive(&report, "storage_items")?;
	positive(&report, "events")?;
	let calls = positive(&report, "calls")?;
	ensure!(calls == OPERATOR_CALLS, "{calls} calls submitted, the guide lists {OPERATOR_CALLS}");
	Ok(())
}
