//! Chain specifications: the built-in networks and chain spec files.

use std::path::Path;

use gridveil_runtime::WASM_BINARY;
use sc_service::ChainType;
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};

/// A chain specification of the GridVeil runtime.
pub type ChainSpec = sc_service::GenericChainSpec;

/// The built-in networks, by the name given to `--chain`.
const BUILT_IN: &[(&str, &str)] = &[
	("dev", DEV_RUNTIME_PRESET),
	(DEV_RUNTIME_PRESET, DEV_RUNTIME_PRESET),
	("local", LOCAL_TESTNET_RUNTIME_PRESET),
	(LOCAL_TESTNET_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET),
];

/// Token properties polkadot.js apps shows.
fn properties() -> sc_chain_spec::Properties {
	let mut properties = sc_chain_spec::Properties::new();
	properties.insert("tokenSymbol".into(), "VEIL".into());
	properties.insert("tokenDecimals".into(), 12.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

/// The chain spec of one of the runtime's genesis presets.
fn from_preset(preset: &str) -> Result<ChainSpec, String> {
	let code = WASM_BINARY.ok_or_else(|| {
		"this node was built without the runtime's wasm (SKIP_WASM_BUILD was set): rebuild it \
		 without SKIP_WASM_BUILD, or pass a chain spec file"
			.to_string()
	})?;
	let (name, id, chain_type) = match preset {
		DEV_RUNTIME_PRESET => ("GridVeil Development", "gridveil_dev", ChainType::Development),
		_ => ("GridVeil Local Testnet", "gridveil_local", ChainType::Local),
	};
	Ok(ChainSpec::builder(code, None)
		.with_name(name)
		.with_id(id)
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// Resolves `--chain`: a built-in network name or the path of a chain spec
/// JSON file. Anything else is refused with the list of what is accepted.
pub fn load(id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
	let id = if id.is_empty() { "local" } else { id };
	if let Some((_, preset)) = BUILT_IN.iter().find(|(name, _)| *name == id) {
		return Ok(Box::new(from_preset(preset)?));
	}
	let path = Path::new(id);
	if !path.is_file() {
		let names: Vec<&str> = BUILT_IN.iter().map(|(name, _)| *name).collect();
		return Err(format!(
			"unknown chain `{id}`: expected one of {} or the path of a chain spec JSON file",
			names.join(", ")
		));
	}
	let spec = ChainSpec::from_json_file(path.to_path_buf())
		.map_err(|error| format!("invalid chain spec file `{id}`: {error}"))?;
	Ok(Box::new(spec))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_built_in_chain_names_a_preset_of_the_runtime() {
		let presets = gridveil_runtime::genesis_config_presets::preset_names();
		for (name, preset) in BUILT_IN {
			assert!(
				presets.iter().any(|known| known.as_str() == *preset),
				"`{name}` names preset `{preset}`, which the runtime does not have"
			);
			let spec = load(name).unwrap_or_else(|error| panic!("`{name}` does not load: {error}"));
			assert!(spec.id().starts_with("gridveil_"), "unexpected chain id {}", spec.id());
		}
	}

	#[test]
	fn unknown_chain_name_is_refused_with_the_accepted_names() {
		let error = load("mainnet-please").err().expect("an unknown name must be refused");
		assert!(error.contains("unknown chain `mainnet-please`"), "{error}");
		assert!(error.contains("dev") && error.contains("local_testnet"), "{error}");
	}
}
