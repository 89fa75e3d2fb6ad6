//! The logic behind the calls.
use crate::{pallet::*, types::*, weights::WeightInfo};
use alloc::{collections::BTreeSet, vec::Vec};
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
		UnixTime,
	},
};
use gridveil_groth16::{scalar_bytes_from_u64, scalar_from_bytes};
use pallet_meter_registry::{
	AttestationCheck, AttestationError, MeterAttestations, SignatureError,
};
use pallet_zk_verifier::{Groth16Verifier, ProofError, PublicInput, Statement};
use sp_runtime::{
	traits::{Saturating, Verify, Zero},
	SaturatedConversion,
};

/// Public inputs of the deviation circuit.
pub const DEVIATION_PUBLIC_INPUTS: u32 = 6;

impl<T: Config> Pallet<T> {
	/// The block timestamp, ms since the Unix epoch.
	pub(crate) fn now() -> Moment {
		T::Time::now().as_millis().saturated_into()
	}

	/// Puts the reward on hold and records the offer.
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn do_offer_program(
		aggregator: T::AccountId,
		prosumer: T::AccountId,
		key_id: KeyId,
		commitment: Scalar,
		reward: BalanceOf<T>,
		rate_per_wh: BalanceOf<T>,
		start: Moment,
		hours: u32,
	) -> DispatchResult {
		ensure!(hours > 0, Error::<T>::NoHours);
		ensure!(hours <= T::MaxProgramHours::get(), Error::<T>::TooManyHours);
		ensure!(!reward.is_zero(), Error::<T>::RewardZero);
		ensure!(aggregator != prosumer, Error::<T>::AggregatorIsProsumer);
		ensure!(!Excluded::<T>::contains_key(&prosumer), Error::<T>::ProsumerExcluded);
		ensure!(start > Self::now(), Error::<T>::StartInPast);
		ensure!(start % HourLength::<T>::get().max(1) == 0, Error::<T>::StartNotOnHour);
		match T::Verifier::public_inputs(key_id) {
			None => return Err(Error::<T>::UnknownKey.into()),
			Some(inputs) => {
				ensure!(inputs == DEVIATION_PUBLIC_INPUTS, Error::<T>::NotADeviationKey)
			},
		}
		ensure!(scalar_from_bytes(&commitment).is_some(), Error::<T>::CommitmentNotInField);
		let program = Program {
			aggregator,
			prosumer,
			key_id,
			commitment,
			reward,
			rate_per_wh,
			start,
			hours,
			status: ProgramStatus::Offered,
			escrow: reward,
			next_hour: 0,
			last_fingerprint: [0; 32],
			meter: None,
			registered_hours: 0,
		};
		ensure!(
			program.due(HourLength::<T>::get(), T::GraceHours::get()).is_some(),
			Error::<T>::ProgramTooLong
		);
		let program_id = NextProgramId::<T>::get();
		let next = program_id.checked_add(1).ok_or(Error::<T>::ProgramIdsExhausted)?;

		T::Currency::hold(&HoldReason::ProgramEscrow.into(), &program.aggregator, reward)?;
		NextProgramId::<T>::put(next);
		Self::deposit_event(Event::ProgramOffered {
			program_id,
			aggregator: program.aggregator.clone(),
			prosumer: program.prosumer.clone(),
			reward,
			rate_per_wh,
			start,
			hours,
		});
		Programs::<T>::insert(program_id, program);
		Ok(())
	}

	/// Releases an unaccepted offer's reward and forgets the offer.
	pub(crate) fn do_withdraw_offer(
		aggregator: T::AccountId,
		program_id: ProgramId,
	) -> DispatchResult {
		let program = Programs::<T>::get(program_id).ok_or(Error::<T>::UnknownProgram)?;
		ensure!(program.aggregator == aggregator, Error::<T>::NotAggregator);
		ensure!(program.status == ProgramStatus::Offered, Error::<T>::NotOffered);
		T::Currency::release(
			&HoldReason::ProgramEscrow.into(),
			&aggregator,
			program.reward,
			Precision::Exact,
		)?;
		Programs::<T>::remove(program_id);
		Self::deposit_event(Event::OfferWithdrawn { program_id, reward: program.reward });
		Ok(())
	}

	/// Checks the meter, moves the held reward to the prosumer as its escrow
	/// and queues the program's settlement.
	pub(crate) fn do_accept_program(
		prosumer: T::AccountId,
		program_id: ProgramId,
		meter_id: MeterId,
	) -> DispatchResult {
		let mut program = Programs::<T>::get(program_id).ok_or(Error::<T>::UnknownProgram)?;
		ensure!(program.prosumer == prosumer, Error::<T>::NotProsumer);
		ensure!(program.status == ProgramStatus::Offered, Error::<T>::NotOffered);
		ensure!(!Excluded::<T>::contains_key(&prosumer), Error::<T>::ProsumerExcluded);
		ensure!(Self::now() < program.start, Error::<T>::OfferExpired);
		T::Meters::check_meter(meter_id, &prosumer).map_err(attestation_error::<T>)?;
		let period = Self::settlement_period(&program).ok_or(Error::<T>::ProgramTooLong)?;

		T::Currency::transfer_on_hold(
			&HoldReason::ProgramEscrow.into(),
			&program.aggregator,
			&prosumer,
			program.reward,
			Precision::Exact,
			Restriction::OnHold,
			Fortitude::Polite,
		)?;
		// The escrow has equalled the reward since the offer.
		program.status = ProgramStatus::Active;
		program.meter = Some(meter_id);
		Self::queue_settlement(period, program_id);
		Self::deposit_event(Event::ProgramAccepted {
			program_id,
			escrow: program.escrow,
			meter_id,
		});
		Programs::<T>::insert(program_id, program);
		Ok(())
	}

	/// Records `device` as a device of `prosumer`.
	pub(crate) fn do_authorize_device(
		prosumer: T::AccountId,
		device: T::AccountId,
	) -> DispatchResult {
		ensure!(device != prosumer, Error::<T>::DeviceIsProsumer);
		ensure!(!Devices::<T>::contains_key(&device), Error::<T>::DeviceAlreadyAuthorized);
		let count = DeviceCount::<T>::get(&prosumer);
		ensure!(count < T::MaxDevicesPerProsumer::get(), Error::<T>::TooManyDevices);
		Devices::<T>::insert(&device, &prosumer);
		DeviceCount::<T>::insert(&prosumer, count.saturating_add(1));
		Self::deposit_event(Event::DeviceAuthorized { prosumer, device });
		Ok(())
	}

	/// Forgets one of `prosumer`'s devices.
	pub(crate) fn do_revoke_device(prosumer: T::AccountId, device: T::AccountId) -> DispatchResult {
		ensure!(Devices::<T>::get(&device).as_ref() == Some(&prosumer), Error::<T>::UnknownDevice);
		Devices::<T>::remove(&device);
		let count = DeviceCount::<T>::get(&prosumer).saturating_sub(1);
		if count == 0 {
			DeviceCount::<T>::remove(&prosumer);
		} else {
			DeviceCount::<T>::insert(&prosumer, count);
		}
		Self::deposit_event(Event::DeviceRevoked { prosumer, device });
		Ok(())
	}

	/// Checks the submission and the meter's attestation, verifies the proof
	/// against inputs built from storage, and applies the penalty or the
	/// forfeiture.
	pub(crate) fn do_submit_deviation(
		signer: T::AccountId,
		program_id: ProgramId,
		hour: u32,
		deviation: u64,
		fingerprint: Scalar,
		proof: &ProofBytes,
		attestation: &HourAttestation,
	) -> DispatchResultWithPostInfo {
		let mut attestations = Vec::with_capacity(2);
		let (program, inputs, start) = Self::checked_submission(
			&signer,
			program_id,
			hour,
			deviation,
			fingerprint,
			attestation,
			&mut attestations,
		)?;
		Self::verify_attestations(&attestations)?;
		let verdict = T::Verifier::verify(program.key_id, proof, &inputs);
		Self::apply_verdict(program_id, program, hour, deviation, fingerprint, verdict)?;
		let charged =
			T::WeightInfo::submit_deviation().max(T::WeightInfo::submit_deviation_forfeiting());
		Ok(match start {
			HourStart::Attested => None,
			HourStart::Continued => Some(charged.saturating_sub(Self::start_check_weight())),
		}
		.into())
	}

	/// What checking an hour's start attestation costs: one more signature
	/// in the call's batch of meter signatures, the meter already read for
	/// the hour's end. Refunded for every hour that continues the last
	/// registered one, which needs no such check (every hour but a program's
	/// first, unless one went missing); the benchmarks check one for every
	/// hour.
	pub(crate) fn start_check_weight() -> Weight {
		T::Meters::verify_attestations_weight(2)
			.saturating_sub(T::Meters::verify_attestations_weight(1))
			.saturating_sub(T::DbWeight::get().reads(1))
	}

	/// Verifies the meter signatures of a submission or a batch at once:
	/// the first refused one, in order, is the call's error.
	fn verify_attestations(attestations: &[AttestationCheckOf<T>]) -> DispatchResult {
		match T::Meters::verify_attestations(attestations).into_iter().find_map(Result::err) {
			Some(error) => Err(attestation_error::<T>(error)),
			None => Ok(()),
		}
	}

	/// Checks every entry of a relayed batch (signature, then the rules of a
	/// single submission), verifies all proofs together, and applies each
	/// verdict. Any refused entry returns an error before anything is applied;
	/// an error while applying rolls the whole call back.
	pub(crate) fn do_submit_deviations(
		relayer: T::AccountId,
		entries: Vec<SignedDeviationOf<T>>,
	) -> DispatchResultWithPostInfo {
		ensure!(!entries.is_empty(), Error::<T>::EmptyBatch);
		// The batch's key: the first entry's program's.
		let mut batch_key = None;
		let mut seen = BTreeSet::new();
		let mut checked = Vec::with_capacity(entries.len());
		let mut continued = 0u32;
		let mut attestations = Vec::with_capacity(entries.len().saturating_mul(2));
		for entry in &entries {
			ensure!(
				entry.signature.verify(&entry.payload()[..], &entry.signer),
				Error::<T>::BadSignature
			);
			ensure!(seen.insert(entry.program_id), Error::<T>::ProgramTwiceInBatch);
			let (program, inputs, start) = Self::checked_submission(
				&entry.signer,
				entry.program_id,
				entry.hour,
				entry.deviation,
				entry.fingerprint,
				&entry.attestation,
				&mut attestations,
			)?;
			let key_id = *batch_key.get_or_insert(program.key_id);
			ensure!(program.key_id == key_id, Error::<T>::MixedKeysInBatch);
			if start == HourStart::Continued {
				continued.saturating_inc();
			}
			checked.push((program, inputs));
		}
		Self::verify_attestations(&attestations)?;
		let statements: Vec<Statement<'_>> = entries
			.iter()
			.zip(&checked)
			.map(|(entry, (_, inputs))| (&entry.proof, &inputs[..]))
			.collect();
		let key_id = batch_key.ok_or(Error::<T>::EmptyBatch)?;
		let verdicts = T::Verifier::verify_batch(key_id, &statements);
		for verdict in &verdicts {
			match verdict {
				Err(ProofError::Malformed(_)) => return Err(Error::<T>::MalformedProof.into()),
				Err(ProofError::UnknownKey) => return Err(Error::<T>::UnknownKey.into()),
				Ok(()) | Err(ProofError::Invalid) => {},
			}
		}
		let all_held = verdicts.iter().all(Result::is_ok);
		let mut forfeited = 0u32;
		for ((entry, (program, _)), verdict) in entries.iter().zip(checked).zip(verdicts) {
			if verdict == Err(ProofError::Invalid) {
				forfeited.saturating_inc();
			}
			Self::apply_verdict(
				entry.program_id,
				program,
				entry.hour,
				entry.deviation,
				entry.fingerprint,
				verdict,
			)?;
		}
		let count = entries.len() as u32;
		Self::deposit_event(Event::DeviationBatchProcessed {
			relayer,
			registered: count.saturating_sub(forfeited),
			forfeited,
		});
		// A batch that held never ran the one-by-one fallback; no hour that
		// continued its program's last one checked a start attestation.
		let charged = match all_held {
			true => T::WeightInfo::submit_deviations(count),
			false => Self::batch_weight(count),
		};
		let unused = Self::start_check_weight().saturating_mul(u64::from(continued));
		Ok(Some(charged.saturating_sub(unused)).into())
	}

	/// What [`Pallet::submit_deviations`] may cost for `entries` entries: the
	/// larger of a batch that holds and one that falls back to one-by-one
	/// verification with every proof false.
	pub(crate) fn batch_weight(entries: u32) -> Weight {
		T::WeightInfo::submit_deviations(entries)
			.max(T::WeightInfo::submit_deviations_forfeiting(entries))
	}

	/// The checks a deviation must pass before its proof is verified: the
	/// signer may submit for the program, the program is active, no later
	/// hour is registered, the hour has ended, the window is open, the
	/// fingerprints are scalars. The meter's signatures over them go to
	/// `attestations`, to verify with the rest of a batch's
	/// ([`Self::verify_attestations`]). Returns the program, the proof's
	/// public inputs and how the hour's start was established.
	fn checked_submission(
		signer: &T::AccountId,
		program_id: ProgramId,
		hour: u32,
		deviation: u64,
		fingerprint: Scalar,
		attestation: &HourAttestation,
		attestations: &mut Vec<AttestationCheckOf<T>>,
	) -> Result<
		(ProgramOf<T>, [PublicInput; DEVIATION_PUBLIC_INPUTS as usize], HourStart),
		DispatchError,
	> {
		let program = Programs::<T>::get(program_id).ok_or(Error::<T>::UnknownProgram)?;
		ensure!(
			*signer == program.prosumer
				|| Devices::<T>::get(signer).as_ref() == Some(&program.prosumer),
			Error::<T>::NotAuthorizedSigner
		);
		ensure!(!Excluded::<T>::contains_key(&program.prosumer), Error::<T>::ProsumerExcluded);
		ensure!(program.status == ProgramStatus::Active, Error::<T>::ProgramNotActive);
		ensure!(hour < program.hours, Error::<T>::HourOutOfRange);
		ensure!(hour >= program.next_hour, Error::<T>::HourAlreadySubmitted);
		let hour_length = HourLength::<T>::get();
		let now = Self::now();
		let hour_end = program.hour_end(hour, hour_length).ok_or(Error::<T>::ProgramTooLong)?;
		ensure!(now >= hour_end, Error::<T>::HourNotEnded);
		let due =
			program.due(hour_length, T::GraceHours::get()).ok_or(Error::<T>::ProgramTooLong)?;
		ensure!(now < due, Error::<T>::SubmissionWindowClosed);
		ensure!(scalar_from_bytes(&fingerprint).is_some(), Error::<T>::FingerprintNotInField);
		let (previous, start) =
			Self::attested_previous(&program, hour, hour_length, attestation, attestations)?;
		let meter = program.meter.ok_or(Error::<T>::ProgramHasNoMeter)?;
		attestations.push(meter_check::<T>(
			meter,
			&program,
			hour_end,
			fingerprint,
			attestation.signature,
		));

		// The statement, in the circuit's order: program_id, commitment, hour,
		// deviation, previous_fingerprint, fingerprint.
		let inputs = [
			scalar_bytes_from_u64(program_id),
			program.commitment,
			scalar_bytes_from_u64(u64::from(hour)),
			scalar_bytes_from_u64(deviation),
			previous,
			fingerprint,
		];
		Ok((program, inputs, start))
	}

	/// The fingerprint `hour`'s proof starts from: the last registered one
	/// when the hour continues it (an attested one given with it must be
	/// equal), otherwise the one the program's meter signed at the hour's
	/// start, whose signature goes to `attestations`.
	fn attested_previous(
		program: &ProgramOf<T>,
		hour: u32,
		hour_length: Moment,
		attestation: &HourAttestation,
		attestations: &mut Vec<AttestationCheckOf<T>>,
	) -> Result<(Scalar, HourStart), DispatchError> {
		if program.continues_chain(hour) {
			if let Some(previous) = &attestation.previous {
				ensure!(
					previous.fingerprint == program.last_fingerprint,
					Error::<T>::PreviousFingerprintMismatch
				);
			}
			return Ok((program.last_fingerprint, HourStart::Continued));
		}
		let previous =
			attestation.previous.as_ref().ok_or(Error::<T>::PreviousAttestationMissing)?;
		ensure!(
			scalar_from_bytes(&previous.fingerprint).is_some(),
			Error::<T>::FingerprintNotInField
		);
		let meter = program.meter.ok_or(Error::<T>::ProgramHasNoMeter)?;
		let hour_start = program.hour_start(hour, hour_length).ok_or(Error::<T>::ProgramTooLong)?;
		attestations.push(meter_check::<T>(
			meter,
			program,
			hour_start,
			previous.fingerprint,
			previous.signature,
		));
		Ok((previous.fingerprint, HourStart::Attested))
	}

	/// Applies a proof's verdict: a valid proof registers the hour, a false
	/// one forfeits the program, a malformed one or an unknown key is refused.
	fn apply_verdict(
		program_id: ProgramId,
		mut program: ProgramOf<T>,
		hour: u32,
		deviation: u64,
		fingerprint: Scalar,
		verdict: Result<(), ProofError>,
	) -> DispatchResult {
		match verdict {
			Ok(()) => {
				Self::register_deviation(program_id, &mut program, hour, deviation, fingerprint)
			},
			Err(ProofError::Invalid) => Self::forfeit(program_id, &mut program, hour),
			Err(ProofError::Malformed(_)) => return Err(Error::<T>::MalformedProof.into()),
			Err(ProofError::UnknownKey) => return Err(Error::<T>::UnknownKey.into()),
		}?;
		Programs::<T>::insert(program_id, program);
		Ok(())
	}

	/// A valid proof: the penalty goes to the aggregator and the hour is recorded.
	fn register_deviation(
		program_id: ProgramId,
		program: &mut ProgramOf<T>,
		hour: u32,
		deviation: u64,
		fingerprint: Scalar,
	) -> DispatchResult {
		let penalty = program.penalty(deviation);
		Self::pay_aggregator(program, penalty)?;
		program.next_hour = hour.saturating_add(1);
		program.registered_hours = program.registered_hours.saturating_add(1);
		program.last_fingerprint = fingerprint;
		HourRecords::<T>::insert(program_id, hour, HourRecord { deviation, fingerprint, penalty });
		Self::deposit_event(Event::DeviationRegistered {
			program_id,
			hour,
			deviation,
			fingerprint,
			penalty,
			escrow: program.escrow,
		});
		Ok(())
	}

	/// A false statement: the whole escrow goes to the aggregator, the program
	/// ends and the prosumer is excluded.
	fn forfeit(program_id: ProgramId, program: &mut ProgramOf<T>, hour: u32) -> DispatchResult {
		let forfeited = program.escrow;
		Self::pay_aggregator(program, forfeited)?;
		program.status = ProgramStatus::Forfeited;
		if let Some(period) = Self::settlement_period(program) {
			Self::unqueue_settlement(period, program_id);
		}
		Self::queue_removal(program_id);
		Excluded::<T>::insert(&program.prosumer, program_id);
		Self::deposit_event(Event::ProgramForfeited { program_id, hour, forfeited });
		Self::deposit_event(Event::ProsumerExcluded {
			prosumer: program.prosumer.clone(),
			program_id,
		});
		Ok(())
	}

	/// Moves `amount` of the escrow to the aggregator, free to spend.
	fn pay_aggregator(program: &mut ProgramOf<T>, amount: BalanceOf<T>) -> DispatchResult {
		if !amount.is_zero() {
			T::Currency::transfer_on_hold(
				&HoldReason::ProgramEscrow.into(),
				&program.prosumer,
				&program.aggregator,
				amount,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Force,
			)?;
		}
		program.escrow = program.escrow.saturating_sub(amount);
		Ok(())
	}

	/// Settles a program that is due, on request.
	pub(crate) fn do_settle(program_id: ProgramId) -> DispatchResult {
		let mut program = Programs::<T>::get(program_id).ok_or(Error::<T>::UnknownProgram)?;
		ensure!(program.status == ProgramStatus::Active, Error::<T>::ProgramNotActive);
		let due = program
			.due(HourLength::<T>::get(), T::GraceHours::get())
			.ok_or(Error::<T>::ProgramTooLong)?;
		ensure!(Self::now() >= due || program.missing_hours() == 0, Error::<T>::SettlementNotDue);
		if let Some(period) = Self::settlement_period(&program) {
			Self::unqueue_settlement(period, program_id);
		}
		Self::settle_program(program_id, &mut program)?;
		Programs::<T>::insert(program_id, program);
		Ok(())
	}

	/// Returns reward ÷ hours per missing hour to the aggregator and releases
	/// the rest to the prosumer.
	pub(crate) fn settle_program(
		program_id: ProgramId,
		program: &mut ProgramOf<T>,
	) -> DispatchResult {
		let missing_hours = program.missing_hours();
		let (returned, released) = program.settlement();
		Self::pay_aggregator(program, returned)?;
		if !released.is_zero() {
			T::Currency::release(
				&HoldReason::ProgramEscrow.into(),
				&program.prosumer,
				released,
				Precision::Exact,
			)?;
		}
		program.escrow = Zero::zero();
		program.status = ProgramStatus::Completed;
		Self::queue_removal(program_id);
		Self::deposit_event(Event::ProgramSettled {
			program_id,
			missing_hours,
			returned,
			released,
		});
		Ok(())
	}

	/// The hour-length period in which a program's settlement falls due
	/// (rounded up, so the whole period is due once it has begun).
	pub(crate) fn settlement_period(program: &ProgramOf<T>) -> Option<u64> {
		let hour_length = HourLength::<T>::get().max(1);
		let due = program.due(hour_length, T::GraceHours::get())?;
		Some(due.div_ceil(hour_length))
	}

	/// Adds a program to the settlement queue.
	fn queue_settlement(period: u64, program_id: ProgramId) {
		PendingSettlements::<T>::insert(period, program_id, ());
		PendingSettlementCount::<T>::mutate(|count| *count = count.saturating_add(1));
		SettlementCursor::<T>::mutate(|cursor| {
			*cursor = Some(cursor.map_or(period, |cursor| cursor.min(period)))
		});
	}

	/// Queues a settled or forfeited program for removal once
	/// [`Config::RecordRetentionHours`] whole hours have passed.
	fn queue_removal(program_id: ProgramId) {
		let period = (Self::now() / HourLength::<T>::get().max(1))
			.saturating_add(u64::from(T::RecordRetentionHours::get()))
			.saturating_add(1);
		Self::queue_settlement(period, program_id);
	}

	/// Removes a program whose retention has passed, with its hour records
	/// (at most [`Config::MaxProgramHours`]).
	pub(crate) fn remove_program(program_id: ProgramId, program: &ProgramOf<T>) {
		Programs::<T>::remove(program_id);
		// One record per registered hour, at most `MaxProgramHours`.
		let _ = HourRecords::<T>::clear_prefix(program_id, T::MaxProgramHours::get(), None);
		Self::deposit_event(Event::ProgramRemoved {
			program_id,
			hour_records: program.registered_hours,
		});
	}

	/// Removes a program from the queue of [`PendingSettlements`].
	pub(crate) fn unqueue_settlement(period: u64, program_id: ProgramId) {
		if PendingSettlements::<T>::take(period, program_id).is_some() {
			PendingSettlementCount::<T>::mutate(|count| *count = count.saturating_sub(1));
		}
	}
}

/// The check that `meter` signed `fingerprint` at `moment_ms` for the
/// program's prosumer.
fn meter_check<T: Config>(
	meter: MeterId,
	program: &ProgramOf<T>,
	moment_ms: Moment,
	fingerprint: Scalar,
	signature: MeterSignature,
) -> AttestationCheckOf<T> {
	AttestationCheck {
		meter_id: meter,
		prosumer: program.prosumer.clone(),
		moment_ms,
		fingerprint,
		signature,
	}
}

/// The pallet's error for a meter attestation the registry refused.
fn attestation_error<T: Config>(error: AttestationError) -> DispatchError {
	match error {
		AttestationError::UnknownMeter => Error::<T>::UnknownMeter,
		AttestationError::MeterRevoked => Error::<T>::MeterRevoked,
		AttestationError::ForeignMeter => Error::<T>::ForeignMeter,
		AttestationError::Malformed(SignatureError::HighS) => Error::<T>::HighSMeterSignature,
		// A registered key always decodes: the registry checks it.
		AttestationError::Malformed(
			SignatureError::MalformedSignature | SignatureError::MalformedKey,
		) => Error::<T>::MalformedMeterSignature,
		AttestationError::BadSignature => Error::<T>::BadMeterSignature,
	}
	.into()
}
