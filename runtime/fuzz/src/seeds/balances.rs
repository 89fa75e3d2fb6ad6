//! A seed for balances and sudo: minting to and emptying accounts without an
//! endowment, burning, root transfers, `sudo_as` and `sudo_unchecked_weight`,
//! and the failures around them (no funds, no sudo key, below the existential
//! deposit).
use super::{
	script::{address, sudo, Script},
	Seed,
};
use crate::input::{ALICE, BOB, CHARLIE, DAVE, EVE, FERDIE, PSEUDONYM_A, PSEUDONYM_B, ROOT};
use frame_support::weights::Weight;
use gridveil_runtime::{AccountId, Runtime, RuntimeCall, EXISTENTIAL_DEPOSIT, UNIT};

/// Calls of the balances pallet.
type BalancesCall = pallet_balances::Call<Runtime>;
/// Calls of the sudo pallet.
type SudoCall = pallet_sudo::Call<Runtime>;

/// The balances seeds.
pub(super) fn seeds() -> Vec<Seed> {
	vec![balances_and_sudo()]
}

/// `Sudo::sudo_as(who, call)`.
fn sudo_as(who: u8, call: BalancesCall) -> RuntimeCall {
	SudoCall::sudo_as { who: address(who), call: Box::new(call.into()) }.into()
}

/// Transfers, mints, burns and sudo in two blocks.
fn balances_and_sudo() -> Seed {
	let nobody = AccountId::new([0xc0; 32]);
	let mut script = Script::new();
	script
		.operator_ok(BalancesCall::force_set_balance {
			who: address(PSEUDONYM_A),
			new_free: 10 * UNIT,
		})
		.ok(BOB, BalancesCall::transfer_keep_alive { dest: address(PSEUDONYM_B), value: 5 * UNIT })
		.ok(PSEUDONYM_B, BalancesCall::transfer_all { dest: address(BOB), keep_alive: false })
		.ok(PSEUDONYM_A, BalancesCall::burn { value: UNIT, keep_alive: true })
		.ok(
			ROOT,
			BalancesCall::force_transfer {
				source: address(CHARLIE),
				dest: address(DAVE),
				value: UNIT,
			},
		)
		.ok(
			ALICE,
			sudo_as(EVE, BalancesCall::transfer_allow_death { dest: address(FERDIE), value: UNIT }),
		)
		.fails(
			ALICE,
			sudo_as(
				PSEUDONYM_A,
				BalancesCall::transfer_allow_death { dest: address(FERDIE), value: 100 * UNIT },
			),
		)
		.ok(
			ALICE,
			SudoCall::sudo_unchecked_weight {
				call: Box::new(
					BalancesCall::force_set_balance {
						who: address(PSEUDONYM_B),
						new_free: 2 * UNIT,
					}
					.into(),
				),
				weight: Weight::from_parts(1_000_000_000, 0),
			},
		)
		.fails(
			BOB,
			BalancesCall::transfer_allow_death { dest: address(ALICE), value: 2_000_000 * UNIT },
		)
		.fails(
			CHARLIE,
			sudo(BalancesCall::force_set_balance { who: address(CHARLIE), new_free: UNIT }),
		)
		.wait(1)
		.fails(
			FERDIE,
			BalancesCall::transfer_allow_death {
				dest: nobody.into(),
				value: EXISTENTIAL_DEPOSIT / 2,
			},
		)
		.ok(FERDIE, BalancesCall::transfer_allow_death { dest: address(PSEUDONYM_A), value: UNIT });
	script.seed("balances_and_sudo")
}
