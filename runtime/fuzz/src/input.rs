//! The input format: records of `(lapse: u8, origin: u8, call: RuntimeCall)`,
//! SCALE-encoded one after the other, and the calls the harness leaves out.
use codec::{DecodeLimit, Encode};
use frame_support::traits::GetCallMetadata;
use gridveil_runtime::{AccountId, Balance, RuntimeCall};
use sp_keyring::Sr25519Keyring;
use std::sync::LazyLock;

/// Most records one input may hold; the bytes after them are ignored.
pub const MAX_RECORDS: usize = 64;

/// Nesting depth allowed while decoding a call (sudo inside sudo inside …).
pub const MAX_CALL_DEPTH: u32 = 32;

/// Largest balance `Balances::force_set_balance` may set: root can mint, and
/// 64 such mints stay far below `u128::MAX`, where the issuance counter would
/// saturate and no longer equal the sum of the accounts.
pub const MAX_FORCED_BALANCE: Balance = 1 << 100;

/// Origin byte of Alice: endowed, the chain's sudo key and the market's operator.
pub const ALICE: u8 = 0;
/// Origin byte of Bob (endowed).
pub const BOB: u8 = 1;
/// Origin byte of Charlie (endowed).
pub const CHARLIE: u8 = 2;
/// Origin byte of Dave (endowed).
pub const DAVE: u8 = 3;
/// Origin byte of Eve (endowed).
pub const EVE: u8 = 4;
/// Origin byte of Ferdie (endowed).
pub const FERDIE: u8 = 5;
/// Origin byte of the first pseudonym: an account with no endowment, as the
/// market's pseudonyms are.
pub const PSEUDONYM_A: u8 = 6;
/// Origin byte of the second pseudonym (no endowment; sorts after the first).
pub const PSEUDONYM_B: u8 = 7;
/// Origin byte of the root origin.
pub const ROOT: u8 = 8;
/// Origin byte of a transaction without a signer: the call is dispatched only
/// if its authorization (`AuthorizeCall`) or the runtime's `ValidateUnsigned`
/// accepts it.
pub const UNSIGNED: u8 = 9;
/// Number of origins; an origin byte is taken modulo this.
pub const ORIGIN_CHOICES: u8 = 10;

/// Number of signing accounts (origin bytes `0..SIGNERS`).
const SIGNERS: usize = 8;

/// Names of the origins, by origin byte, for traces and messages.
const ORIGIN_NAMES: [&str; ORIGIN_CHOICES as usize] = [
	"Alice",
	"Bob",
	"Charlie",
	"Dave",
	"Eve",
	"Ferdie",
	"PseudonymA",
	"PseudonymB",
	"Root",
	"Unsigned",
];

/// The signing accounts, derived once (sr25519 derivation is slow).
static ACCOUNTS: LazyLock<[AccountId; SIGNERS]> = LazyLock::new(|| {
	[
		Sr25519Keyring::Alice.to_account_id(),
		Sr25519Keyring::Bob.to_account_id(),
		Sr25519Keyring::Charlie.to_account_id(),
		Sr25519Keyring::Dave.to_account_id(),
		Sr25519Keyring::Eve.to_account_id(),
		Sr25519Keyring::Ferdie.to_account_id(),
		AccountId::new([0xb1; 32]),
		AccountId::new([0xb2; 32]),
	]
});

/// Who dispatches a record's call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
	/// A signed origin.
	Signed(AccountId),
	/// The root origin.
	Root,
	/// No origin: an unsigned transaction, validated first.
	Unsigned,
}

/// One step of an input.
#[derive(Clone, Debug)]
pub struct Record {
	/// 0: the call goes into the current block. `n > 0`: the current block is
	/// finalized and the call goes into the next one, `n` slots (`n` × 6 s)
	/// later.
	pub lapse: u8,
	/// The origin byte, already reduced modulo [`ORIGIN_CHOICES`].
	pub origin: u8,
	/// The call.
	pub call: RuntimeCall,
}

impl Record {
	/// The origin the call is dispatched with.
	pub fn dispatch_origin(&self) -> Origin {
		match self.origin {
			ROOT => Origin::Root,
			UNSIGNED => Origin::Unsigned,
			signer => Origin::Signed(account(signer)),
		}
	}
}

/// The account behind a signing origin byte (`0..8`, taken modulo 8).
pub fn account(origin: u8) -> AccountId {
	ACCOUNTS[usize::from(origin) % SIGNERS].clone()
}

/// The name of an origin byte, for traces.
pub fn origin_name(origin: u8) -> &'static str {
	ORIGIN_NAMES[usize::from(origin % ORIGIN_CHOICES)]
}

/// Decodes records until the bytes run out, a record does not decode, or
/// [`MAX_RECORDS`] have been read. Records whose call [`is_allowed`] refuses
/// are dropped, lapse and all.
pub fn decode(mut input: &[u8]) -> Vec<Record> {
	let mut records = Vec::new();
	for _ in 0..MAX_RECORDS {
		if input.is_empty() {
			break;
		}
		let Ok((lapse, origin, call)) =
			<(u8, u8, RuntimeCall)>::decode_with_depth_limit(MAX_CALL_DEPTH, &mut input)
		else {
			break;
		};
		if is_allowed(&call) {
			records.push(Record { lapse, origin: origin % ORIGIN_CHOICES, call });
		}
	}
	records
}

/// One record in the input format.
pub fn encode_record(lapse: u8, origin: u8, call: &RuntimeCall) -> Vec<u8> {
	(lapse, origin, call).encode()
}

/// Whether the harness runs `call`. Left out are the calls that break the
/// harness or an invariant by design: everything in System (`set_code`,
/// `kill_storage`, …), Timestamp (the harness sets the time), GRANDPA, sudo's
/// `set_key` and `remove_key`, `Balances::force_adjust_total_issuance` (it
/// moves the issuance away from the accounts on purpose) and mints above
/// [`MAX_FORCED_BALANCE`]. Calls inside sudo are held to the same rule.
pub fn is_allowed(call: &RuntimeCall) -> bool {
	match call {
		RuntimeCall::System(_) | RuntimeCall::Timestamp(_) | RuntimeCall::Grandpa(_) => false,
		RuntimeCall::Sudo(
			pallet_sudo::Call::set_key { .. } | pallet_sudo::Call::remove_key { .. },
		) => false,
		RuntimeCall::Balances(pallet_balances::Call::force_adjust_total_issuance { .. }) => false,
		RuntimeCall::Balances(pallet_balances::Call::force_set_balance { new_free, .. }) => {
			*new_free <= MAX_FORCED_BALANCE
		},
		_ => sudo_inner(call).is_none_or(is_allowed),
	}
}

/// The call a sudo call dispatches (`sudo`, `sudo_as`, `sudo_unchecked_weight`).
pub fn sudo_inner(call: &RuntimeCall) -> Option<&RuntimeCall> {
	match call {
		RuntimeCall::Sudo(
			pallet_sudo::Call::sudo { call }
			| pallet_sudo::Call::sudo_unchecked_weight { call, .. }
			| pallet_sudo::Call::sudo_as { call, .. },
		) => Some(&**call),
		_ => None,
	}
}

/// `Pallet.call`, with the call a sudo call dispatches in brackets:
/// `Sudo.sudo(EnergyMarket.open_day)`.
pub fn describe(call: &RuntimeCall) -> String {
	let metadata = call.get_call_metadata();
	let name = format!("{}.{}", metadata.pallet_name, metadata.function_name);
	match sudo_inner(call) {
		Some(inner) => format!("{name}({})", describe(inner)),
		None => name,
	}
}
