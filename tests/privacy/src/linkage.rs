//! Linkage attacks the paper does not consider: grouping a prosumer's
//! pseudonyms (one in each ledger of its group) from what the chain shows,
//! so that the adversary can add their shares up again.
//!
//! Each attack scores pairs (a pseudonym of the group's first ledger, one of
//! another ledger) and links greedily, best score first; ties fall to a
//! seeded coin, so an attack that learns nothing links at random.

use std::collections::{BTreeMap, BTreeSet};

use rand::{rngs::StdRng, seq::SliceRandom, SeedableRng};
use serde::{Deserialize, Serialize};
use subxt::utils::AccountId32;

use super::chain_view::ChainView;

/// What an attack looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Attack {
	/// Links nothing: each pseudonym alone (the paper's adversary).
	None,
	/// Reports whose places in the chain's order (block, then position in
	/// the block) among a slot's reports move together from slot to slot.
	Timing,
	/// The order in which the ledgers' pseudonyms were registered.
	RegistrationOrder,
	/// The accounts that sent each pseudonym money.
	Funding,
	/// Which slots each pseudonym reported, and so its nonce at each slot.
	NoncePattern,
}

impl Attack {
	/// Every attack that links.
	pub const LINKING: [Attack; 4] =
		[Attack::Timing, Attack::RegistrationOrder, Attack::Funding, Attack::NoncePattern];

	/// Its name on the results page.
	pub fn name(&self) -> &'static str {
		match self {
			Attack::None => "none (each pseudonym alone)",
			Attack::Timing => "submission time / block position",
			Attack::RegistrationOrder => "registration order",
			Attack::Funding => "fee payer / funding",
			Attack::NoncePattern => "nonce pattern",
		}
	}
}

/// A group's pseudonyms as tuples the adversary believes belong together:
/// one per ledger, the first ledger's pseudonym first.
pub type Linked = Vec<Vec<AccountId32>>;

/// Links the pseudonyms of a group's `ledgers` with `attack`, from the
/// view's `features` (built once per view, shared by every group and attack).
pub fn link(
	features: &Features,
	ledgers: &[Vec<AccountId32>],
	attack: Attack,
	seed: u64,
) -> Linked {
	let Some(first) = ledgers.first() else { return Vec::new() };
	if attack == Attack::None {
		return ledgers.iter().flatten().map(|pseudonym| vec![pseudonym.clone()]).collect();
	}
	let mut rng = StdRng::seed_from_u64(seed);
	let mut tuples: Vec<Vec<AccountId32>> =
		first.iter().map(|pseudonym| vec![pseudonym.clone()]).collect();
	for other in &ledgers[1..] {
		let mut pairs = Vec::with_capacity(first.len() * other.len());
		for (row, left) in first.iter().enumerate() {
			for (column, right) in other.iter().enumerate() {
				pairs.push((features.score(attack, left, right), row, column));
			}
		}
		pairs.shuffle(&mut rng);
		pairs.sort_by(|left, right| right.0.total_cmp(&left.0));
		let (mut rows, mut columns) = (BTreeSet::new(), BTreeSet::new());
		for (_, row, column) in pairs {
			if !rows.contains(&row) && !columns.contains(&column) {
				rows.insert(row);
				columns.insert(column);
				tuples[row].push(other[column].clone());
			}
		}
	}
	tuples
}

/// Per pseudonym, what the attacks compare.
pub struct Features {
	/// Slot → rank of its report in the chain's order among that slot's reports.
	order: BTreeMap<AccountId32, BTreeMap<u32, usize>>,
	/// Rank in registration order within its ledger.
	registration: BTreeMap<AccountId32, usize>,
	/// Accounts that sent it money.
	funders: BTreeMap<AccountId32, BTreeSet<AccountId32>>,
	/// Slot → its nonce there.
	nonces: BTreeMap<AccountId32, BTreeMap<u32, u64>>,
}

impl Features {
	/// Everything the attacks read from `view`.
	pub fn of(view: &ChainView) -> Self {
		let mut by_slot: BTreeMap<u32, Vec<(u64, u32, &AccountId32)>> = BTreeMap::new();
		let mut nonces: BTreeMap<AccountId32, BTreeMap<u32, u64>> = BTreeMap::new();
		for report in &view.reports {
			by_slot.entry(report.slot).or_default().push((
				report.block,
				report.position,
				&report.pseudonym,
			));
			nonces.entry(report.pseudonym.clone()).or_default().insert(report.slot, report.nonce);
		}
		let mut order: BTreeMap<AccountId32, BTreeMap<u32, usize>> = BTreeMap::new();
		for (slot, mut reports) in by_slot {
			reports.sort();
			for (rank, (_, _, pseudonym)) in reports.into_iter().enumerate() {
				order.entry(pseudonym.clone()).or_default().insert(slot, rank);
			}
		}
		let mut registration = BTreeMap::new();
		let mut registrations = view.registrations.clone();
		registrations.sort_by_key(|registration| (registration.block, registration.position));
		let mut next_rank: BTreeMap<u32, usize> = BTreeMap::new();
		for seen in &registrations {
			for pseudonym in &seen.pseudonyms {
				let rank = next_rank.entry(seen.ledger).or_default();
				registration.insert(pseudonym.clone(), *rank);
				*rank += 1;
			}
		}
		let mut funders: BTreeMap<AccountId32, BTreeSet<AccountId32>> = BTreeMap::new();
		for transfer in &view.transfers {
			funders.entry(transfer.to.clone()).or_default().insert(transfer.from.clone());
		}
		Self { order, registration, funders, nonces }
	}

	/// How strongly `attack` says `left` and `right` belong together.
	fn score(&self, attack: Attack, left: &AccountId32, right: &AccountId32) -> f64 {
		match attack {
			Attack::None => 0.0,
			Attack::Timing => {
				let (Some(left), Some(right)) = (self.order.get(left), self.order.get(right))
				else {
					return 0.0;
				};
				// One box's shares keep their places relative to each other
				// slot after slot (sent together, or one after another with
				// the same pauses), wherever the box falls among the others:
				// their ranks move together. Independent random moments do not.
				let (ranks, others): (Vec<f64>, Vec<f64>) = left
					.iter()
					.filter_map(|(slot, rank)| Some((*rank as f64, *right.get(slot)? as f64)))
					.unzip();
				if ranks.len() < 3 {
					return 0.0;
				}
				super::scan::correlation(&ranks, &others)
			},
			Attack::RegistrationOrder => {
				match (self.registration.get(left), self.registration.get(right)) {
					(Some(left), Some(right)) => -(left.abs_diff(*right) as f64),
					_ => f64::MIN,
				}
			},
			Attack::Funding => match (self.funders.get(left), self.funders.get(right)) {
				(Some(left), Some(right)) => left.intersection(right).count() as f64,
				_ => 0.0,
			},
			Attack::NoncePattern => {
				let empty = BTreeMap::new();
				let left = self.nonces.get(left).unwrap_or(&empty);
				let right = self.nonces.get(right).unwrap_or(&empty);
				let slots: BTreeSet<&u32> = left.keys().chain(right.keys()).collect();
				if slots.is_empty() {
					return 0.0;
				}
				let same = slots.iter().filter(|slot| left.get(slot) == right.get(slot)).count();
				same as f64 / slots.len() as f64
			},
		}
	}
}

/// The share of linked tuples whose every pseudonym belongs to the owner of
/// its first, by `owner_of` (the harness's ground truth, never the adversary's).
pub fn linkage_accuracy(linked: &Linked, owner_of: &BTreeMap<AccountId32, usize>) -> f64 {
	let tuples: Vec<&Vec<AccountId32>> = linked.iter().filter(|tuple| tuple.len() > 1).collect();
	if tuples.is_empty() {
		return 0.0;
	}
	let right = tuples
		.iter()
		.filter(|tuple| {
			let owner = owner_of.get(&tuple[0]);
			owner.is_some() && tuple.iter().all(|pseudonym| owner_of.get(pseudonym) == owner)
		})
		.count();
	right as f64 / tuples.len() as f64
}

/// A test pseudonym of `owner` in `ledger` (accounts whose order is not
/// their owners').
#[cfg(test)]
pub(crate) fn test_pseudonym(owner: usize, ledger: usize) -> AccountId32 {
	let mut bytes = [0u8; 32];
	bytes[0] = owner as u8;
	bytes[1] = ledger as u8;
	// Scramble the byte order so sorting by account is not sorting by owner.
	bytes[2] = (owner as u8).wrapping_mul(37).wrapping_add(ledger as u8 * 101);
	bytes.reverse();
	AccountId32(bytes)
}

#[cfg(test)]
mod tests {
	use super::{test_pseudonym as account, *};
	use crate::chain_view::{RegistrationSeen, ReportSeen, TransferSeen};

	/// Four owners, three ledgers, 40 slots; each owner's three reports of a slot sent
	/// back to back (no jitter), registration per owner, funding by owner.
	fn leaky_view() -> (ChainView, Vec<Vec<AccountId32>>, BTreeMap<AccountId32, usize>) {
		let (owners, ledger_count) = (4, 3);
		let mut view = ChainView::default();
		let mut owner_of = BTreeMap::new();
		let ledgers: Vec<Vec<AccountId32>> = (0..ledger_count)
			.map(|ledger| (0..owners).map(|owner| account(owner, ledger)).collect())
			.collect();
		for owner in 0..owners {
			for ledger in 0..ledger_count {
				owner_of.insert(account(owner, ledger), owner);
				view.registrations.push(RegistrationSeen {
					ledger: ledger as u32,
					day: 0,
					pseudonyms: vec![account(owner, ledger)],
					block: 1,
					position: (owner * ledger_count + ledger) as u32,
					signer: account(99, 0),
				});
				view.transfers.push(TransferSeen {
					from: account(owner, 50),
					to: account(owner, ledger),
					amount: 1,
					block: 1,
				});
			}
		}
		let mut rng = StdRng::seed_from_u64(9);
		for slot in 0..40u32 {
			let mut position = 0;
			// The boxes in a random order each slot, each box's shares together.
			let mut order: Vec<usize> = (0..owners).collect();
			order.shuffle(&mut rng);
			for owner in order {
				for ledger in 0..ledger_count {
					if owner == 3 && slot == 5 {
						continue; // owner 3's box was offline in slot 5
					}
					view.reports.push(ReportSeen {
						pseudonym: account(owner, ledger),
						slot,
						energy_wh: 1,
						block: 2 + u64::from(slot),
						position,
						nonce: u64::from(slot) - u64::from(owner == 3 && slot > 5),
					});
					position += 1;
				}
			}
		}
		(view, ledgers, owner_of)
	}

	#[test]
	fn leaky_behaviour_is_linked_by_each_attack() {
		let (view, ledgers, owner_of) = leaky_view();
		for attack in [Attack::Timing, Attack::RegistrationOrder, Attack::Funding] {
			let linked = link(&Features::of(&view), &ledgers, attack, 1);
			assert_eq!(linked.len(), 4);
			assert!(linked.iter().all(|tuple| tuple.len() == 3));
			assert_eq!(linkage_accuracy(&linked, &owner_of), 1.0, "{attack:?}");
		}
		// The nonce pattern only singles out the owner whose box missed a slot.
		let linked = link(&Features::of(&view), &ledgers, Attack::NoncePattern, 1);
		let owner_three = linked.iter().find(|tuple| owner_of[&tuple[0]] == 3).unwrap();
		assert!(owner_three.iter().all(|pseudonym| owner_of[pseudonym] == 3));
	}

	/// What the chain showed with jitter off: every box sends its first
	/// share, then every box its second, and so on, the boxes in about the
	/// same order within a slot and in another order each slot.
	#[test]
	fn interleaved_sends_are_linked_by_timing() {
		let (mut view, ledgers, owner_of) = leaky_view();
		let mut rng = StdRng::seed_from_u64(4);
		view.reports.clear();
		for slot in 0..40u32 {
			let mut order: Vec<usize> = (0..4).collect();
			order.shuffle(&mut rng);
			for ledger in 0..3 {
				for (place, owner) in order.iter().enumerate() {
					view.reports.push(ReportSeen {
						pseudonym: account(*owner, ledger),
						slot,
						energy_wh: 1,
						block: 2 + u64::from(slot),
						position: (ledger * 4 + place) as u32,
						nonce: u64::from(slot),
					});
				}
			}
		}
		let linked = link(&Features::of(&view), &ledgers, Attack::Timing, 1);
		assert_eq!(linkage_accuracy(&linked, &owner_of), 1.0);
	}

	#[test]
	fn attacks_without_a_signal_link_at_random() {
		let (mut view, ledgers, owner_of) = leaky_view();
		view.transfers.clear();
		let features = Features::of(&view);
		let mut right = 0.0;
		for seed in 0..200 {
			right += linkage_accuracy(&link(&features, &ledgers, Attack::Funding, seed), &owner_of);
		}
		// All three of an owner's pseudonyms together by chance: 1/4 × 1/4.
		let mean = right / 200.0;
		assert!((0.02..0.12).contains(&mean), "{mean}");
	}
}
