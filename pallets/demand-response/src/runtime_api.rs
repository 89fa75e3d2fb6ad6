//! The runtime API dashboards and the edge client call.
use crate::types::{ProgramId, ProgramState};
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Public state of demand-response programs.
	pub trait DemandResponseApi<AccountId, Balance>
	where
		AccountId: Codec,
		Balance: Codec,
	{
		/// A program's status, escrow, registered hours (deviation, fingerprint,
		/// penalty) and timing; `None` if there is no such program.
		fn program(program_id: ProgramId) -> Option<ProgramState<AccountId, Balance>>;
	}
}
