//! Types of the demand-response pallet.
use crate::Config;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::traits::fungible;
use scale_info::TypeInfo;
use sp_runtime::{traits::AtLeast32BitUnsigned, SaturatedConversion};

pub use pallet_meter_registry::{MeterId, MeterSignature};
pub use pallet_zk_verifier::KeyId;

/// Identifier of a demand-response program (the deviation circuit's `program_id`).
pub type ProgramId = u64;

/// A BN254 scalar as the chain stores it: 32 bytes, little-endian, below the
/// field modulus. Commitments and fingerprints are such scalars.
pub type Scalar = [u8; gridveil_groth16::SCALAR_BYTES];

/// A compressed Groth16 proof: 128 bytes.
pub type ProofBytes = [u8; gridveil_groth16::PROOF_BYTES];

/// Milliseconds since the Unix epoch, as the block timestamp counts them.
pub type Moment = u64;

/// A balance of the currency rewards are paid in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A program as this runtime stores it.
pub type ProgramOf<T> = Program<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

/// A relayed deviation as this runtime's calls carry it.
pub type SignedDeviationOf<T> =
	SignedDeviation<<T as frame_system::Config>::AccountId, <T as Config>::DeviationSignature>;

/// An hour's registered deviation as this runtime stores it.
pub type HourRecordOf<T> = HourRecord<BalanceOf<T>>;

/// Where a program is in its life.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum ProgramStatus {
	/// Offered by the aggregator, the reward on hold; waiting for the prosumer.
	Offered,
	/// Accepted: the reward is the prosumer's escrow, hourly deviations are due.
	Active,
	/// Settled: missing hours returned to the aggregator, the rest released to
	/// the prosumer.
	Completed,
	/// An invalid proof was submitted: the escrow went to the aggregator and
	/// the prosumer is excluded.
	Forfeited,
}

/// A demand-response program between an aggregator and a prosumer. The
/// request itself is never on chain: only its commitment.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Program<AccountId, Balance> {
	/// Who offered the program and receives penalties.
	pub aggregator: AccountId,
	/// Who delivers the flexibility and proves its deviations.
	pub prosumer: AccountId,
	/// The verifying key (in the verifier pallet) the hourly proofs are checked with.
	pub key_id: KeyId,
	/// Poseidon commitment to the private 24-hour request and its salt.
	pub commitment: Scalar,
	/// The reward the aggregator put up.
	pub reward: Balance,
	/// Penalty per Wh of deviation.
	pub rate_per_wh: Balance,
	/// When hour 0 begins (ms since the Unix epoch).
	pub start: Moment,
	/// How many hours the program runs.
	pub hours: u32,
	/// Where the program is in its life.
	pub status: ProgramStatus,
	/// What is left of the reward, held on the prosumer's account once accepted.
	pub escrow: Balance,
	/// The earliest hour a deviation may still be registered for: one past
	/// the last registered hour (hours are registered in order; an hour
	/// passed over stays missing).
	pub next_hour: u32,
	/// Fingerprint after the last registered hour (zero before the first): the
	/// previous fingerprint of a proof for the hour right after it.
	pub last_fingerprint: Scalar,
	/// The meter whose signed fingerprints the hours must match, named by the
	/// prosumer on accept.
	pub meter: Option<MeterId>,
	/// Hours registered so far.
	pub registered_hours: u32,
}

impl<AccountId, Balance> Program<AccountId, Balance> {
	/// When hour `hour` ends (ms), `None` on overflow.
	pub fn hour_end(&self, hour: u32, hour_length: Moment) -> Option<Moment> {
		hour_length.checked_mul(u64::from(hour).checked_add(1)?)?.checked_add(self.start)
	}

	/// When hour `hour` begins (ms), `None` on overflow.
	pub fn hour_start(&self, hour: u32, hour_length: Moment) -> Option<Moment> {
		hour_length.checked_mul(u64::from(hour))?.checked_add(self.start)
	}

	/// Whether a deviation for `hour` continues the fingerprint chain of the
	/// last registered hour (the one right before it).
	pub fn continues_chain(&self, hour: u32) -> bool {
		self.registered_hours > 0 && hour == self.next_hour
	}

	/// The last moment deviations are accepted: the end of the last hour plus
	/// `grace_hours`. Settlement is due from then on.
	pub fn due(&self, hour_length: Moment, grace_hours: u32) -> Option<Moment> {
		let hours = self.hours.checked_add(grace_hours)?;
		hour_length.checked_mul(u64::from(hours))?.checked_add(self.start)
	}

	/// Hours with no registered deviation.
	pub fn missing_hours(&self) -> u32 {
		self.hours.saturating_sub(self.registered_hours)
	}
}

impl<AccountId, Balance: AtLeast32BitUnsigned + Copy> Program<AccountId, Balance> {
	/// What a registered deviation costs: `min(escrow, deviation × rate)`.
	/// Saturating: the escrow caps it anyway.
	pub fn penalty(&self, deviation: u64) -> Balance {
		self.rate_per_wh.saturating_mul(deviation.saturated_into()).min(self.escrow)
	}

	/// How settlement splits the escrow: `(returned, released)`, where each
	/// missing hour returns `reward ÷ hours` to the aggregator (at most the
	/// escrow) and the prosumer gets the rest. The two add up to the escrow.
	pub fn settlement(&self) -> (Balance, Balance) {
		let per_hour = self.reward / Balance::from(self.hours.max(1));
		let returned = per_hour.saturating_mul(self.missing_hours().into()).min(self.escrow);
		(returned, self.escrow.saturating_sub(returned))
	}
}

/// One registered hour.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct HourRecord<Balance> {
	/// |requested − consumed| energy in the hour, Wh, as proven.
	pub deviation: u64,
	/// Fingerprint of the hash chain over the raw readings after this hour.
	pub fingerprint: Scalar,
	/// What the deviation cost the prosumer.
	pub penalty: Balance,
}

/// What a signature on a relayed deviation starts with, so it can never be
/// taken for a signature on anything else (a transaction, another chain's
/// message).
pub const DEVIATION_SIGNING_CONTEXT: &[u8] = b"gridveil/demand-response/deviation/v1";

/// The bytes a prosumer or device signs for a relayed deviation: the SCALE
/// encoding of `(DEVIATION_SIGNING_CONTEXT, program_id, hour, deviation,
/// fingerprint, proof)`.
pub fn deviation_payload(
	program_id: ProgramId,
	hour: u32,
	deviation: u64,
	fingerprint: &Scalar,
	proof: &ProofBytes,
) -> alloc::vec::Vec<u8> {
	(DEVIATION_SIGNING_CONTEXT, program_id, hour, deviation, fingerprint, proof).encode()
}

/// A fingerprint of the meter's chain and the meter's signature over it.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct AttestedFingerprint {
	/// The fingerprint (a BN254 scalar, little-endian).
	pub fingerprint: Scalar,
	/// The meter's ECDSA P-256 signature over (meter, hour end, fingerprint).
	pub signature: MeterSignature,
}

/// A meter signature a submission needs checked.
pub type AttestationCheckOf<T> =
	pallet_meter_registry::AttestationCheck<<T as frame_system::Config>::AccountId>;

/// How a submitted hour's starting fingerprint was established.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum HourStart {
	/// The hour continues the last registered one: its start is that hour's
	/// fingerprint, no signature checked.
	Continued,
	/// The meter's signature over the hour's start was checked.
	Attested,
}

/// What the meter signed about an hour (`docs/meter-profile.md`).
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct HourAttestation {
	/// The meter's signature over (meter, the hour's end, the hour's fingerprint).
	pub signature: MeterSignature,
	/// The meter's fingerprint at the hour's start and its signature: needed
	/// when the hour does not continue the last registered one (hour 0, or
	/// after an hour that stayed missing); otherwise it may be left out, and
	/// must equal the last registered fingerprint if given.
	pub previous: Option<AttestedFingerprint>,
}

/// One hour's deviation in a relayed batch: what [`crate::Pallet::submit_deviation`]
/// takes, plus who signed it and the signature.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo)]
pub struct SignedDeviation<AccountId, Signature> {
	/// The program.
	pub program_id: ProgramId,
	/// The program hour.
	pub hour: u32,
	/// |requested − consumed| energy in the hour, Wh.
	pub deviation: u64,
	/// Fingerprint of the raw readings' hash chain after this hour.
	pub fingerprint: Scalar,
	/// The Groth16 proof, compressed.
	pub proof: ProofBytes,
	/// The meter's attestation of the hour (it authenticates itself, so the
	/// signer's signature need not cover it).
	pub attestation: HourAttestation,
	/// The program's prosumer or one of its devices.
	pub signer: AccountId,
	/// The signer's signature over [`deviation_payload`].
	pub signature: Signature,
}

impl<AccountId, Signature> SignedDeviation<AccountId, Signature> {
	/// The bytes [`Self::signature`] signs.
	pub fn payload(&self) -> alloc::vec::Vec<u8> {
		deviation_payload(
			self.program_id,
			self.hour,
			self.deviation,
			&self.fingerprint,
			&self.proof,
		)
	}
}

/// A program's public state for dashboards and the edge client (runtime API).
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug, TypeInfo)]
pub struct ProgramState<AccountId, Balance> {
	/// The program as stored.
	pub program: Program<AccountId, Balance>,
	/// The registered hours, in order: `(hour, record)`.
	pub hours: alloc::vec::Vec<(u32, HourRecord<Balance>)>,
	/// When each hour's window opens is `program.start + (hour + 1) × hour_length`.
	pub hour_length: Moment,
	/// When deviations stop being accepted and settlement is due (ms).
	pub due: Moment,
}

/// What the benchmarks need from the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, Signature> {
	/// Sets the block timestamp (ms since the Unix epoch).
	fn set_timestamp(moment: Moment);
	/// Signs `payload` with a new key: the key's account and the signature.
	fn sign_with_new_key(payload: &[u8]) -> Option<(AccountId, Signature)>;
}
