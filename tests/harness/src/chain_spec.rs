//! The chain spec a local network starts from: the node's `local` preset
//! (four validators, who are also the consortium's members), cut to the
//! validators that are spawned and with the run's genesis fields, built raw
//! by the node itself. zombienet then uses it as it is: it does not rewrite
//! a raw spec's session keys (it would give them to `//Alice//stash` …,
//! accounts that are not the consortium's validators).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, ensure, Context, Result};
use serde_json::Value;

/// One field of a pallet's genesis config, in the preset's JSON names
/// (`energyMarket.slotLengthMs`, `demandResponse.hourLength`).
#[derive(Clone, Debug)]
pub struct GenesisField {
	/// The pallet's genesis key (`energyMarket`).
	pub pallet: String,
	/// The field (`slotLengthMs`).
	pub field: String,
	/// Its value.
	pub value: serde_json::Value,
}

impl GenesisField {
	/// `pallet.field = value`.
	pub fn new(pallet: &str, field: &str, value: impl Into<serde_json::Value>) -> Self {
		Self { pallet: pallet.into(), field: field.into(), value: value.into() }
	}
}

/// The genesis lists that name the validators, in the preset's order.
const VALIDATOR_LISTS: [(&str, &str); 3] =
	[("session", "keys"), ("validatorSet", "validators"), ("councilMembership", "members")];

/// Builds `local` for the first `validators` validators with `genesis` set,
/// raw, into `dir`, with the node binary `node`; returns the raw spec's path.
/// With `code`, the chain starts with that runtime (a compressed wasm, e.g.
/// an earlier release), whose own genesis builder then builds the state.
pub fn local_raw(
	node: &Path,
	validators: usize,
	genesis: &[GenesisField],
	code: Option<&Path>,
	dir: &Path,
) -> Result<PathBuf> {
	std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
	let plain = build_spec(node, &["--chain", "local", "--disable-default-bootnode"])?;
	let mut spec: Value = serde_json::from_slice(&plain).context("the node's plain local spec")?;
	patch(&mut spec, validators, genesis)?;
	if let Some(code) = code {
		let wasm = std::fs::read(code).with_context(|| format!("reading {}", code.display()))?;
		*spec
			.pointer_mut("/genesis/runtimeGenesis/code")
			.ok_or_else(|| anyhow!("the plain spec has no genesis.runtimeGenesis.code"))? =
			Value::String(format!("0x{}", hex::encode(wasm)));
	}
	let plain_path = dir.join("local-plain.json");
	std::fs::write(&plain_path, serde_json::to_vec_pretty(&spec)?)?;
	let plain_arg = plain_path.display().to_string();
	let raw = build_spec(node, &["--chain", &plain_arg, "--raw", "--disable-default-bootnode"])?;
	let raw_path = dir.join("local-raw.json");
	std::fs::write(&raw_path, raw)?;
	Ok(raw_path)
}

/// The runtime `node` embeds (the genesis code of its `local` spec): the
/// compressed wasm an upgrade to this build applies.
pub fn node_code(node: &Path) -> Result<Vec<u8>> {
	let plain = build_spec(node, &["--chain", "local", "--disable-default-bootnode"])?;
	let spec: Value = serde_json::from_slice(&plain).context("the node's plain local spec")?;
	let code = spec
		.pointer("/genesis/runtimeGenesis/code")
		.and_then(Value::as_str)
		.ok_or_else(|| anyhow!("the plain spec has no genesis.runtimeGenesis.code"))?;
	hex::decode(code.trim_start_matches("0x")).context("the genesis code is not hex")
}

/// `<node> build-spec <args>`'s output.
fn build_spec(node: &Path, args: &[&str]) -> Result<Vec<u8>> {
	let output = Command::new(node)
		.arg("build-spec")
		.args(args)
		.output()
		.with_context(|| format!("running {} build-spec", node.display()))?;
	if !output.status.success() {
		bail!("build-spec {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
	}
	Ok(output.stdout)
}

/// Keeps the first `validators` validators and sets the genesis fields in a
/// plain spec's preset patch.
pub fn patch(spec: &mut Value, validators: usize, genesis: &[GenesisField]) -> Result<()> {
	let runtime = spec
		.pointer_mut("/genesis/runtimeGenesis")
		.ok_or_else(|| anyhow!("the plain spec has no genesis.runtimeGenesis"))?;
	let patch = runtime
		.get_mut("patch")
		.and_then(Value::as_object_mut)
		.ok_or_else(|| anyhow!("the plain spec's genesis is not a preset patch"))?;
	for (pallet, list) in VALIDATOR_LISTS {
		let entries = patch
			.get_mut(pallet)
			.and_then(|config| config.get_mut(list))
			.and_then(Value::as_array_mut)
			.ok_or_else(|| anyhow!("the local preset has no {pallet}.{list}"))?;
		ensure!(
			(1..=entries.len()).contains(&validators),
			"the local preset has {} validators, not {validators}",
			entries.len()
		);
		entries.truncate(validators);
	}
	set_fields(patch, genesis)
}

/// Sets genesis fields in a preset patch.
pub fn set_fields(
	patch: &mut serde_json::Map<String, Value>,
	genesis: &[GenesisField],
) -> Result<()> {
	for GenesisField { pallet, field, value } in genesis {
		patch
			.entry(pallet.clone())
			.or_insert_with(|| Value::Object(Default::default()))
			.as_object_mut()
			.ok_or_else(|| anyhow!("genesis.{pallet} is not an object"))?
			.insert(field.clone(), value.clone());
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use serde_json::json;

	fn plain() -> Value {
		json!({ "genesis": { "runtimeGenesis": { "code": "0x00", "patch": {
			"session": { "keys": [["a", "a", {}], ["b", "b", {}], ["c", "c", {}], ["d", "d", {}]] },
			"validatorSet": { "validators": ["a", "b", "c", "d"], "sessionLength": 10 },
			"councilMembership": { "members": ["a", "b", "c", "d"] },
			"energyMarket": { "slotLengthMs": 6000 }
		}}}})
	}

	#[test]
	fn the_spec_keeps_the_spawned_validators_and_takes_the_genesis_fields() {
		let mut spec = plain();
		let fields = [
			GenesisField::new("energyMarket", "slotLengthMs", 2_000),
			GenesisField::new("demandResponse", "hourLength", 8_000),
		];
		patch(&mut spec, 2, &fields).expect("patched");
		let patch = &spec["genesis"]["runtimeGenesis"]["patch"];
		assert_eq!(patch["validatorSet"]["validators"], json!(["a", "b"]));
		assert_eq!(patch["councilMembership"]["members"], json!(["a", "b"]));
		assert_eq!(patch["session"]["keys"].as_array().map(Vec::len), Some(2));
		assert_eq!(patch["validatorSet"]["sessionLength"], json!(10));
		assert_eq!(patch["energyMarket"]["slotLengthMs"], json!(2_000));
		assert_eq!(patch["demandResponse"]["hourLength"], json!(8_000));
	}

	#[test]
	fn a_spec_without_the_validators_or_with_too_few_is_refused() {
		assert!(patch(&mut plain(), 0, &[]).is_err());
		assert!(patch(&mut plain(), 5, &[]).is_err());
		assert!(patch(&mut json!({ "genesis": {} }), 1, &[]).is_err());
	}
}
