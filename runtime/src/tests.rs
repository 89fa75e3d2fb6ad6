//! The runtime's own rules (not a pallet's), on a bare state.
use crate::*;
use frame_system::LastRuntimeUpgradeInfo;
use sp_runtime::{
	transaction_validity::{
		InvalidTransaction, TransactionSource, TransactionValidityError, UnknownTransaction,
	},
	BuildStorage,
};

fn state() -> sp_io::TestExternalities {
	frame_system::GenesisConfig::<Runtime>::default()
		.build_storage()
		.expect("frame-system's genesis builds")
		.into()
}

/// Records that the migrations last ran under `spec_version`.
fn migrations_ran_under(spec_version: u32) {
	frame_system::LastRuntimeUpgrade::<Runtime>::put(LastRuntimeUpgradeInfo {
		spec_version: spec_version.into(),
		spec_name: VERSION.spec_name.clone(),
	});
}

/// A bare remark: no pallet validates it, under any code.
fn bare_remark() -> UncheckedExtrinsic {
	UncheckedExtrinsic::new_bare(RuntimeCall::System(frame_system::Call::remark {
		remark: Vec::new(),
	}))
}

#[test]
fn the_pool_waits_until_the_new_codes_migrations_have_run() {
	state().execute_with(|| {
		let validate =
			|| validate_transaction(TransactionSource::External, bare_remark(), Default::default());
		migrations_ran_under(VERSION.spec_version);
		assert!(!migrations_pending());
		assert_eq!(
			validate(),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Call)),
			"judged by the code"
		);
		// The block that set this code over the previous spec's.
		migrations_ran_under(VERSION.spec_version - 1);
		assert!(migrations_pending());
		assert_eq!(
			validate(),
			Err(TransactionValidityError::Unknown(UnknownTransaction::Custom(MIGRATIONS_PENDING)))
		);
	});
}
