#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod dispatchable_impls;
mod hooks;
mod impls;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

/// An hour in production: 3,600 s, in milliseconds.
pub const PRODUCTION_HOUR_LENGTH: Moment = 3_600_000;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, UnixTime},
	};
	use frame_system::pallet_prelude::*;
	use pallet_meter_registry::MeterAttestations;
	use pallet_zk_verifier::Groth16Verifier;
	use sp_runtime::traits::{IdentifyAccount, StaticLookup, Verify};

	/// How a call names an account (polkadot.js apps' address field).
	pub type AccountIdLookupOf<T> = <<T as frame_system::Config>::Lookup as StaticLookup>::Source;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The currency rewards, escrows and penalties are paid in.
		type Currency: fungible::Inspect<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The runtime's hold reasons, of which [`HoldReason`] is part.
		type RuntimeHoldReason: From<HoldReason>;
		/// Verifies the hourly deviation proofs (the zk-verifier pallet).
		type Verifier: Groth16Verifier;
		/// Checks the meters' signed fingerprints (the meter-registry pallet).
		type Meters: MeterAttestations<Self::AccountId>;
		/// The block timestamp: program hours follow it.
		type Time: UnixTime;
		/// Most hours a program may run. The deviation circuit proves hours 0 to 23,
		/// so this is at most 24.
		#[pallet::constant]
		type MaxProgramHours: Get<u32>;
		/// Hours after a program's last hour during which deviations are still
		/// accepted (a device catching up after an outage); settlement is due after.
		#[pallet::constant]
		type GraceHours: Get<u32>;
		/// Hours (of [`HourLength`]) a settled or forfeited program and its
		/// hour records stay on chain as the public record (boxes audit against
		/// them, aggregators reconcile), before `on_idle` removes them.
		#[pallet::constant]
		type RecordRetentionHours: Get<u32>;
		/// Most device keys one prosumer may authorise.
		#[pallet::constant]
		type MaxDevicesPerProsumer: Get<u32>;
		/// Most deviations one relayed batch ([`Pallet::submit_deviations`]) may carry.
		#[pallet::constant]
		type MaxDeviationBatch: Get<u32>;
		/// The signature a prosumer or device puts on each deviation of a
		/// relayed batch (the runtime's `MultiSignature`).
		type DeviationSignature: Verify<Signer = Self::DeviationSigner>
			+ Parameter
			+ DecodeWithMemTracking;
		/// The public key behind a [`Config::DeviationSignature`]; it names the signer's account.
		type DeviationSigner: IdentifyAccount<AccountId = Self::AccountId>;
		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;
		/// Sets the clock and signs deviations for benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, Self::DeviationSignature>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A program's reward: on the aggregator while offered, then the
		/// prosumer's escrow until settlement.
		ProgramEscrow,
	}

	/// Programs by id: parties, commitment, reward, escrow and progress. Offers
	/// that are withdrawn are removed; settled and forfeited programs stay as
	/// the public record for [`Config::RecordRetentionHours`], then `on_idle`
	/// removes them with their hour records.
	#[pallet::storage]
	pub type Programs<T: Config> = StorageMap<_, Twox64Concat, ProgramId, ProgramOf<T>>;

	/// The id the next offered program receives.
	#[pallet::storage]
	pub type NextProgramId<T: Config> = StorageValue<_, ProgramId, ValueQuery>;

	/// The registered hours of each program: deviation (Wh), fingerprint and penalty.
	#[pallet::storage]
	pub type HourRecords<T: Config> =
		StorageDoubleMap<_, Twox64Concat, ProgramId, Twox64Concat, u32, HourRecordOf<T>>;

	/// Device keys: the prosumer each device submits deviations for.
	#[pallet::storage]
	pub type Devices<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId>;

	/// How many device keys each prosumer has authorised.
	#[pallet::storage]
	pub type DeviceCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Prosumers excluded for submitting an invalid proof, with the program in
	/// which they did. They cannot accept or be offered programs, nor submit.
	#[pallet::storage]
	pub type Excluded<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, ProgramId>;

	/// Length of a program hour in milliseconds: 3,600,000 in production, a few
	/// seconds on development and test chains. Set at genesis.
	#[pallet::storage]
	pub type HourLength<T: Config> = StorageValue<_, Moment, ValueQuery, DefaultHourLength>;

	/// Programs waiting for `on_idle`, by the hour-length period in which their
	/// next step falls due: an active program's settlement, then a settled or
	/// forfeited program's removal once [`Config::RecordRetentionHours`] have
	/// passed. `on_idle` works through them in order.
	#[pallet::storage]
	pub type PendingSettlements<T: Config> =
		StorageDoubleMap<_, Twox64Concat, u64, Twox64Concat, ProgramId, ()>;

	/// How many programs are in [`PendingSettlements`] (for settlement or removal).
	#[pallet::storage]
	pub type PendingSettlementCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// The earliest period of [`PendingSettlements`] that may still hold programs.
	#[pallet::storage]
	pub type SettlementCursor<T: Config> = StorageValue<_, u64>;

	/// The production hour, for chains whose genesis does not set one.
	#[pallet::type_value]
	pub fn DefaultHourLength() -> Moment {
		PRODUCTION_HOUR_LENGTH
	}

	/// The chain's hour length.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Milliseconds in a program hour; 0 means the production hour.
		pub hour_length: Moment,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if self.hour_length > 0 {
				HourLength::<T>::put(self.hour_length);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An aggregator offered a program; its reward is on hold.
		ProgramOffered {
			/// The new program.
			program_id: ProgramId,
			/// Who offered it.
			aggregator: T::AccountId,
			/// Who is asked to deliver the flexibility.
			prosumer: T::AccountId,
			/// The reward put on hold.
			reward: BalanceOf<T>,
			/// Penalty per Wh of deviation.
			rate_per_wh: BalanceOf<T>,
			/// When hour 0 begins (ms since the Unix epoch).
			start: Moment,
			/// How many hours it runs.
			hours: u32,
		},
		/// The aggregator withdrew an offer nobody accepted; the reward is released.
		OfferWithdrawn {
			/// The withdrawn program.
			program_id: ProgramId,
			/// The released reward.
			reward: BalanceOf<T>,
		},
		/// The prosumer accepted a program: the reward is now its escrow.
		ProgramAccepted {
			/// The accepted program.
			program_id: ProgramId,
			/// The escrow, held on the prosumer's account.
			escrow: BalanceOf<T>,
			/// The meter whose signed fingerprints the hours must match.
			meter_id: MeterId,
		},
		/// A prosumer authorised a device to submit deviations for it.
		DeviceAuthorized {
			/// The prosumer.
			prosumer: T::AccountId,
			/// The device's key.
			device: T::AccountId,
		},
		/// A prosumer revoked a device key.
		DeviceRevoked {
			/// The prosumer.
			prosumer: T::AccountId,
			/// The device's key.
			device: T::AccountId,
		},
		/// A valid proof registered an hour's deviation; its penalty went to the aggregator.
		DeviationRegistered {
			/// The program.
			program_id: ProgramId,
			/// The program hour.
			hour: u32,
			/// |requested − consumed| energy in the hour, Wh.
			deviation: u64,
			/// Fingerprint of the raw readings' hash chain after this hour.
			fingerprint: Scalar,
			/// What the deviation cost: min(escrow, deviation × rate).
			penalty: BalanceOf<T>,
			/// The escrow left.
			escrow: BalanceOf<T>,
		},
		/// An invalid proof was submitted: the whole escrow went to the
		/// aggregator and the program ended.
		ProgramForfeited {
			/// The program.
			program_id: ProgramId,
			/// The hour the invalid proof claimed.
			hour: u32,
			/// The escrow paid to the aggregator.
			forfeited: BalanceOf<T>,
		},
		/// A prosumer was excluded for submitting an invalid proof.
		ProsumerExcluded {
			/// The prosumer.
			prosumer: T::AccountId,
			/// The program in which the invalid proof was submitted.
			program_id: ProgramId,
		},
		/// A relayer's batch of signed deviations was processed: each entry
		/// also has its own `DeviationRegistered` or `ProgramForfeited` event.
		DeviationBatchProcessed {
			/// Who submitted the batch and paid for it.
			relayer: T::AccountId,
			/// Entries whose proofs held.
			registered: u32,
			/// Entries whose proofs were false: their programs were forfeited.
			forfeited: u32,
		},
		/// A program was settled.
		ProgramSettled {
			/// The program.
			program_id: ProgramId,
			/// Hours for which no deviation was registered.
			missing_hours: u32,
			/// Returned to the aggregator: reward ÷ hours per missing hour.
			returned: BalanceOf<T>,
			/// Released to the prosumer: the escrow left.
			released: BalanceOf<T>,
		},
		/// A settled or forfeited program's retention ended: `on_idle` removed
		/// it and its hour records.
		ProgramRemoved {
			/// The program.
			program_id: ProgramId,
			/// How many hour records went with it.
			hour_records: u32,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// A program must run at least one hour.
		NoHours,
		/// A program may not run more than `MaxProgramHours` hours.
		TooManyHours,
		/// The reward must be more than zero.
		RewardZero,
		/// A program must start in the future.
		StartInPast,
		/// A program must start on a whole hour of the chain's clock (a
		/// multiple of the hour length since the Unix epoch): meters sign
		/// their fingerprints at the end of each such hour.
		StartNotOnHour,
		/// The program's hours reach beyond what timestamps can count.
		ProgramTooLong,
		/// An aggregator cannot offer a program to itself.
		AggregatorIsProsumer,
		/// No verifying key is registered under this id.
		UnknownKey,
		/// The key does not have the deviation circuit's six public inputs.
		NotADeviationKey,
		/// The commitment is not a BN254 scalar (32 bytes little-endian, below
		/// the field modulus).
		CommitmentNotInField,
		/// Every program id has been used.
		ProgramIdsExhausted,
		/// No program has this id.
		UnknownProgram,
		/// Only the aggregator who offered the program may do this.
		NotAggregator,
		/// Only the program's prosumer may do this.
		NotProsumer,
		/// The program is not an open offer (already accepted, settled or forfeited).
		NotOffered,
		/// The offer can no longer be accepted: its first hour has begun.
		OfferExpired,
		/// The prosumer was excluded for submitting an invalid proof.
		ProsumerExcluded,
		/// This key is already authorised as a device.
		DeviceAlreadyAuthorized,
		/// A prosumer's own account is not a device key.
		DeviceIsProsumer,
		/// The prosumer already has `MaxDevicesPerProsumer` devices.
		TooManyDevices,
		/// This key is not a device of the caller.
		UnknownDevice,
		/// Only the program's prosumer or one of its devices may submit deviations.
		NotAuthorizedSigner,
		/// The program is not active (not yet accepted, or already ended).
		ProgramNotActive,
		/// The program has no such hour.
		HourOutOfRange,
		/// This hour has not ended yet.
		HourNotEnded,
		/// This hour's deviation, or a later hour's, is already registered:
		/// hours are registered in order.
		HourAlreadySubmitted,
		/// The program's end plus the grace period has passed: no more deviations.
		SubmissionWindowClosed,
		/// The fingerprint is not a BN254 scalar.
		FingerprintNotInField,
		/// The proof's bytes are not a well-formed Groth16 proof (a coordinate
		/// not below the field modulus, a point off the curve or outside the subgroup).
		MalformedProof,
		/// The program cannot be settled yet: hours are still open and the
		/// grace period has not passed.
		SettlementNotDue,
		/// A batch must carry at least one deviation.
		EmptyBatch,
		/// An entry's signature is not its signer's over its deviation.
		BadSignature,
		/// A batch may carry one deviation per program (the next hour's proof
		/// continues from this one's fingerprint).
		ProgramTwiceInBatch,
		/// All programs in a batch must use the same verifying key (they are
		/// verified together); submit one batch per key.
		MixedKeysInBatch,
		/// No meter is registered under this id.
		UnknownMeter,
		/// The meter was revoked by the registrar.
		MeterRevoked,
		/// The meter measures another prosumer's readings.
		ForeignMeter,
		/// The program was accepted without a meter (before meters attested
		/// readings): its hours can no longer be registered.
		ProgramHasNoMeter,
		/// The meter's signature is not 64 bytes of `r ‖ s` with both in `1..n`.
		MalformedMeterSignature,
		/// The meter's signature is high-S (`s > n/2`): submit its low-S twin `n − s`.
		HighSMeterSignature,
		/// The meter's signature is not the meter's over this hour's end and
		/// fingerprint (another hour's, another meter's, or a forgery).
		BadMeterSignature,
		/// This hour does not continue the last registered one (hour 0, or
		/// after a missing hour): the attestation must carry the meter's
		/// fingerprint at the hour's start.
		PreviousAttestationMissing,
		/// The attested fingerprint at the hour's start is not the last
		/// registered hour's fingerprint.
		PreviousFingerprintMismatch,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Settles due programs, and removes those whose retention has
		/// passed, while the block has weight to spare.
		fn on_idle(_block: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::settle_due_programs(remaining)
		}

		fn integrity_test() {
			assert!(
				(1..=24).contains(&T::MaxProgramHours::get()),
				"the deviation circuit proves hours 0 to 23: MaxProgramHours must be 1 to 24"
			);
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Offers `prosumer` a demand-response program: `hours` hours from
		/// `start` (ms since the Unix epoch), proofs checked with verifying key
		/// `key_id`, the private request bound by `commitment` (a Poseidon
		/// commitment the prosumer's edge device can open). `reward` is put on
		/// hold from the caller; each Wh of deviation costs `rate_per_wh`.
		#[pallet::call_index(0)]
		#[allow(clippy::too_many_arguments)]
		pub fn offer_program(
			origin: OriginFor<T>,
			prosumer: AccountIdLookupOf<T>,
			key_id: KeyId,
			commitment: Scalar,
			#[pallet::compact] reward: BalanceOf<T>,
			#[pallet::compact] rate_per_wh: BalanceOf<T>,
			start: Moment,
			hours: u32,
		) -> DispatchResult {
			let aggregator = ensure_signed(origin)?;
			let prosumer = T::Lookup::lookup(prosumer)?;
			Self::do_offer_program(
				aggregator,
				prosumer,
				key_id,
				commitment,
				reward,
				rate_per_wh,
				start,
				hours,
			)
		}

		/// Withdraws an offer the prosumer has not accepted; the reward is released.
		#[pallet::call_index(1)]
		pub fn withdraw_offer(origin: OriginFor<T>, program_id: ProgramId) -> DispatchResult {
			let aggregator = ensure_signed(origin)?;
			Self::do_withdraw_offer(aggregator, program_id)
		}

		/// Accepts an offered program before its first hour begins, naming the
		/// caller's meter (registered to the caller in the meter registry):
		/// every hour's fingerprint must be the one this meter signs. The
		/// reward becomes the caller's escrow, held on its account until
		/// settlement.
		#[pallet::call_index(2)]
		pub fn accept_program(
			origin: OriginFor<T>,
			program_id: ProgramId,
			meter_id: MeterId,
		) -> DispatchResult {
			let prosumer = ensure_signed(origin)?;
			Self::do_accept_program(prosumer, program_id, meter_id)
		}

		/// Authorises `device` (the edge box's own key) to submit deviations for
		/// the caller's programs, so the box never holds the prosumer's key.
		#[pallet::call_index(3)]
		pub fn authorize_device(
			origin: OriginFor<T>,
			device: AccountIdLookupOf<T>,
		) -> DispatchResult {
			let prosumer = ensure_signed(origin)?;
			let device = T::Lookup::lookup(device)?;
			Self::do_authorize_device(prosumer, device)
		}

		/// Revokes one of the caller's device keys.
		#[pallet::call_index(4)]
		pub fn revoke_device(origin: OriginFor<T>, device: AccountIdLookupOf<T>) -> DispatchResult {
			let prosumer = ensure_signed(origin)?;
			let device = T::Lookup::lookup(device)?;
			Self::do_revoke_device(prosumer, device)
		}

		/// Registers hour `hour`'s deviation (Wh) with a Groth16 proof that it is
		/// |request[hour] − Σ readings| for the committed request and for the
		/// readings whose blinded hash chain runs from the previous fingerprint
		/// to `fingerprint`. The program's meter must have signed `fingerprint`
		/// at the hour's end (`attestation.signature`); the previous fingerprint
		/// is the last registered one, or, for hour 0 and after a missing hour,
		/// the one the meter signed at the hour's start (`attestation.previous`).
		/// Signed by the prosumer or one of its devices, after the hour ends and
		/// before the program's end plus the grace period, hours in order. A
		/// missing, wrong, foreign or revoked meter signature is refused and
		/// changes nothing. A valid proof costs min(escrow, deviation × rate); a
		/// well-formed proof that is false forfeits the whole escrow to the
		/// aggregator and excludes the prosumer (the call succeeds so that this
		/// sticks). An hour that continues the last registered one needs no
		/// start attestation, and that check is refunded.
		#[pallet::call_index(5)]
		#[pallet::weight(
			T::WeightInfo::submit_deviation().max(T::WeightInfo::submit_deviation_forfeiting())
		)]
		pub fn submit_deviation(
			origin: OriginFor<T>,
			program_id: ProgramId,
			hour: u32,
			deviation: u64,
			fingerprint: Scalar,
			proof: ProofBytes,
			attestation: HourAttestation,
		) -> DispatchResultWithPostInfo {
			let signer = ensure_signed(origin)?;
			Self::do_submit_deviation(
				signer,
				program_id,
				hour,
				deviation,
				fingerprint,
				&proof,
				&attestation,
			)
		}

		/// Registers a batch of hourly deviations submitted by a relayer, who
		/// pays; each entry is signed by its program's prosumer or one of its
		/// devices over [`deviation_payload`], and obeys the rules of
		/// [`Pallet::submit_deviation`]. One deviation per program, all
		/// programs under one verifying key. The proofs are verified together
		/// (one random linear combination); if that fails they are verified
		/// one by one and each false one forfeits its own program only. An
		/// entry that breaks a rule, is badly signed or has a malformed proof
		/// refuses the whole batch and changes nothing. A batch whose proofs
		/// all hold is charged the batch verification, refunding the fallback;
		/// every entry that continues its program's last hour has its start
		/// attestation's check refunded.
		#[pallet::call_index(7)]
		#[pallet::weight(Pallet::<T>::batch_weight(entries.len() as u32))]
		pub fn submit_deviations(
			origin: OriginFor<T>,
			entries: BoundedVec<SignedDeviationOf<T>, T::MaxDeviationBatch>,
		) -> DispatchResultWithPostInfo {
			let relayer = ensure_signed(origin)?;
			Self::do_submit_deviations(relayer, entries.into_inner())
		}

		/// Settles a program once its end plus the grace period has passed (or
		/// every hour is registered): each missing hour returns reward ÷ hours to
		/// the aggregator, the rest of the escrow is released to the prosumer.
		/// Anyone may call it; `on_idle` does it too when blocks have room.
		#[pallet::call_index(6)]
		pub fn settle(origin: OriginFor<T>, program_id: ProgramId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_settle(program_id)
		}
	}
}
