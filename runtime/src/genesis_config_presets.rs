//! Named genesis states: `development` (one validator, Alice) and
//! `local_testnet` (four validators: Alice, Bob, Charlie, Dave).

use alloc::{vec, vec::Vec};

use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

use crate::{
	AccountId, Balance, BalancesConfig, BlockNumber, CouncilMembershipConfig, DemandResponseConfig,
	EnergyMarketConfig, RuntimeGenesisConfig, SessionConfig, SessionKeys, SudoConfig,
	ValidatorSetConfig, UNIT,
};

/// A demand-response hour on the development and test chains: 24 s (four
/// 6-second blocks, room for a device to prove and see its submission
/// finalized within the hour), so a 24-hour program runs in under ten
/// minutes. Chains without a preset use the production hour of 3,600 s.
pub const TEST_HOUR_LENGTH_MS: u64 = 24_000;

/// A trading slot on the development and test chains: 6 s (one block), so
/// the 96 slots of a day take 9.6 minutes, the same as 24 demand-response
/// hours. Chains without a preset use the production slot of 15 minutes.
pub const TEST_SLOT_LENGTH_MS: u64 = 6_000;

/// Slots after a slot during which its shares may still be reported on the
/// development and test chains: two blocks.
pub const TEST_REPORT_GRACE_SLOTS: u32 = 2;

/// A session on the development and test chains: ten 6-second blocks, so a
/// validator added or removed by governance validates or stops within two
/// minutes. Chains without a preset use the production hour (600 blocks).
pub const TEST_SESSION_LENGTH: BlockNumber = 10;

/// What each well-known development account starts with.
const ENDOWMENT: Balance = 1_000_000 * UNIT;

/// A validator's development keys: sr25519 for Aura, ed25519 for GRANDPA,
/// both from the same well-known seed (`//Alice`, …).
type Validator = (Sr25519Keyring, Ed25519Keyring);

/// The validator of the `development` preset.
pub const DEVELOPMENT_VALIDATORS: [Validator; 1] = [(Sr25519Keyring::Alice, Ed25519Keyring::Alice)];

/// The validators of the `local_testnet` preset, in authoring order.
pub const LOCAL_TESTNET_VALIDATORS: [Validator; 4] = [
	(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
	(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
	(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
	(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
];

/// A genesis state with the given validators (who are also the
/// consortium's members), endowed accounts and sudo key, if any.
fn genesis(validators: &[Validator], endowed: Vec<AccountId>, root: Option<AccountId>) -> Value {
	let accounts: Vec<AccountId> =
		validators.iter().map(|(authoring, _)| authoring.to_account_id()).collect();
	let keys: Vec<(AccountId, AccountId, SessionKeys)> = validators
		.iter()
		.map(|(authoring, finality)| {
			let account = authoring.to_account_id();
			let keys = SessionKeys {
				aura: AuraId::from(authoring.public()),
				grandpa: GrandpaId::from(finality.public()),
			};
			(account.clone(), account, keys)
		})
		.collect();
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.into_iter().map(|account| (account, ENDOWMENT)).collect::<Vec<_>>(),
		},
		validator_set: ValidatorSetConfig {
			validators: accounts.clone(),
			session_length: TEST_SESSION_LENGTH,
		},
		session: SessionConfig { keys },
		council_membership: CouncilMembershipConfig {
			// The presets have at most four validators, well under the bound.
			members: frame_support::BoundedVec::truncate_from(accounts),
		},
		sudo: SudoConfig { key: root },
		demand_response: DemandResponseConfig { hour_length: TEST_HOUR_LENGTH_MS },
		energy_market: EnergyMarketConfig {
			slot_length_ms: TEST_SLOT_LENGTH_MS,
			report_grace_slots: TEST_REPORT_GRACE_SLOTS,
		},
	})
}

/// Every well-known development account (Alice … Ferdie, One, Two and their stashes).
fn well_known_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter().map(|account| account.to_account_id()).collect()
}

/// One validator (Alice), who is also the consortium's only member and sudo:
/// the one chain with a sudo key.
pub fn development_config_genesis() -> Value {
	genesis(
		&DEVELOPMENT_VALIDATORS,
		well_known_accounts(),
		Some(Sr25519Keyring::Alice.to_account_id()),
	)
}

/// Four validators (Alice, Bob, Charlie, Dave), who are the consortium's
/// members; no sudo key: the consortium's motions govern.
pub fn local_testnet_genesis() -> Value {
	genesis(&LOCAL_TESTNET_VALIDATORS, well_known_accounts(), None)
}

/// The JSON patch of the preset named `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet_genesis(),
		_ => return None,
	};
	serde_json::to_vec(&patch).ok()
}

/// The names of the presets this runtime has.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
