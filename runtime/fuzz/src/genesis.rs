//! The state every input starts from: the runtime's `development` preset,
//! built once per process the way the node builds a chain spec's genesis.
use frame_support::{genesis_builder_helper::build_state, traits::IntegrityTest};
use gridveil_runtime::{
	genesis_config_presets::development_config_genesis, AllPalletsWithSystem, RuntimeGenesisConfig,
};
use serde_json::Value;
use sp_runtime::Storage;
use std::{collections::BTreeMap, sync::LazyLock};

/// The genesis storage, built on first use.
static GENESIS: LazyLock<Storage> = LazyLock::new(build);

/// The `development` genesis storage; each input runs on a copy of it.
pub(crate) fn storage() -> &'static Storage {
	&GENESIS
}

/// Merges the `development` patch into the default genesis config (as the
/// node does with a preset), builds it with the runtime's own
/// `build_state`, runs the pallets' integrity tests, and keeps the result.
fn build() -> Storage {
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default())
		.expect("the default genesis config serializes to JSON");
	merge(&mut config, development_config_genesis());
	let json = serde_json::to_vec(&config).expect("a JSON value serializes");
	let mut externalities = sp_io::TestExternalities::new_empty();
	let top = externalities.execute_with(|| {
		build_state::<RuntimeGenesisConfig>(json)
			.unwrap_or_else(|error| panic!("the development preset does not build: {error}"));
		AllPalletsWithSystem::integrity_test();
		top_storage()
	});
	Storage { top, children_default: Default::default() }
}

/// Every key and value of the main trie (the runtime writes no child trie at
/// genesis).
fn top_storage() -> BTreeMap<Vec<u8>, Vec<u8>> {
	let mut storage = BTreeMap::new();
	let mut cursor = Vec::new();
	while let Some(key) = sp_io::storage::next_key(&cursor) {
		let value = sp_io::storage::get(&key).expect("next_key returns a key that is set");
		storage.insert(key.clone(), value.to_vec());
		cursor = key;
	}
	storage
}

/// Recursively merges `patch` into `base`: objects key by key, anything else
/// replaced (sc-chain-spec's `json_patch::merge`, which the node applies to
/// presets).
fn merge(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(base), Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(Value::Null), value);
			}
		},
		(base, patch) => *base = patch,
	}
}
