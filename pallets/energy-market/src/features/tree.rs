//! Who takes part: producers, the main grid, the node tree, groups and
//! operators.
use crate::*;
use frame_support::{ensure, pallet_prelude::*, BoundedVec};

impl<T: Config> Pallet<T> {
	/// Puts the main-grid root at node 0 (genesis).
	pub(crate) fn create_root() {
		if Nodes::<T>::contains_key(ROOT) {
			return;
		}
		Nodes::<T>::insert(
			ROOT,
			TreeNode {
				kind: NodeKind::Root,
				ancestors: BoundedVec::new(),
				children: 0,
				pseudonyms: 0,
			},
		);
		NextNodeId::<T>::put(ROOT.saturating_add(1));
	}

	pub(crate) fn do_register_producer(producer: T::AccountId) -> DispatchResult {
		ensure!(!Producers::<T>::contains_key(&producer), Error::<T>::AlreadyProducer);
		let count = ProducerCount::<T>::get();
		ensure!(count < T::MaxProducers::get(), Error::<T>::TooManyProducers);
		Producers::<T>::insert(&producer, ());
		ProducerCount::<T>::put(count.saturating_add(1));
		Self::deposit_event(Event::ProducerRegistered { producer });
		Ok(())
	}

	pub(crate) fn do_remove_producer(producer: T::AccountId) -> DispatchResult {
		ensure!(Producers::<T>::take(&producer).is_some(), Error::<T>::NotProducer);
		ProducerCount::<T>::mutate(|count| *count = count.saturating_sub(1));
		Self::deposit_event(Event::ProducerRemoved { producer });
		Ok(())
	}

	pub(crate) fn do_set_main_grid_account(account: T::AccountId) -> DispatchResult {
		MainGridAccount::<T>::put(&account);
		Self::deposit_event(Event::MainGridAccountSet { account });
		Ok(())
	}

	/// Adds a child of `kind` under `parent`, returns its id.
	fn add_node(parent: NodeId, kind: NodeKind) -> Result<NodeId, DispatchError> {
		let mut parent_node = Nodes::<T>::get(parent).ok_or(Error::<T>::UnknownNode)?;
		ensure!(!matches!(parent_node.kind, NodeKind::Ledger { .. }), Error::<T>::ParentIsLedger);
		let mut ancestors = parent_node.ancestors.clone();
		ancestors.try_push(parent).map_err(|_| Error::<T>::TreeTooDeep)?;
		let node = NextNodeId::<T>::get();
		NextNodeId::<T>::put(node.checked_add(1).ok_or(Error::<T>::Overflow)?);
		parent_node.children = parent_node.children.saturating_add(1);
		Nodes::<T>::insert(parent, parent_node);
		Nodes::<T>::insert(node, TreeNode { kind, ancestors, children: 0, pseudonyms: 0 });
		Self::deposit_event(Event::NodeAdded { node, parent, kind });
		Ok(node)
	}

	pub(crate) fn do_add_intermediate(parent: NodeId) -> Result<NodeId, DispatchError> {
		Self::add_node(parent, NodeKind::Intermediate)
	}

	pub(crate) fn do_add_group(
		parent: NodeId,
		coordinator: T::AccountId,
		ledgers: u32,
	) -> Result<GroupId, DispatchError> {
		ensure!(
			(1..=T::MaxLedgersPerGroup::get()).contains(&ledgers),
			Error::<T>::InvalidLedgerCount
		);
		let group = NextGroupId::<T>::get();
		NextGroupId::<T>::put(group.checked_add(1).ok_or(Error::<T>::Overflow)?);
		let mut ledger_ids = BoundedVec::new();
		for _ in 0..ledgers {
			let ledger = Self::add_node(parent, NodeKind::Ledger { group })?;
			ledger_ids.try_push(ledger).map_err(|_| Error::<T>::InvalidLedgerCount)?;
		}
		Groups::<T>::insert(
			group,
			Group {
				coordinator: coordinator.clone(),
				parent,
				ledgers: ledger_ids,
				operators: BoundedVec::new(),
			},
		);
		Self::deposit_event(Event::GroupAdded { group, parent, coordinator });
		Ok(group)
	}

	/// The group, if `who` is its coordinator.
	fn coordinated_group(who: &T::AccountId, group: GroupId) -> Result<GroupOf<T>, DispatchError> {
		let found = Groups::<T>::get(group).ok_or(Error::<T>::UnknownGroup)?;
		ensure!(found.coordinator == *who, Error::<T>::NotCoordinator);
		Ok(found)
	}

	pub(crate) fn do_add_ledger(
		who: T::AccountId,
		group: GroupId,
	) -> Result<NodeId, DispatchError> {
		let mut found = Self::coordinated_group(&who, group)?;
		ensure!(
			(found.ledgers.len() as u32) < T::MaxLedgersPerGroup::get(),
			Error::<T>::InvalidLedgerCount
		);
		let ledger = Self::add_node(found.parent, NodeKind::Ledger { group })?;
		found.ledgers.try_push(ledger).map_err(|_| Error::<T>::InvalidLedgerCount)?;
		Groups::<T>::insert(group, found);
		Ok(ledger)
	}

	/// Removes `node` (as `found` in storage) if it is childless and empty,
	/// and unhooks it from its parent.
	fn detach_node(node: NodeId, found: TreeNodeOf<T>) -> DispatchResult {
		let parent = found.parent().ok_or(Error::<T>::CannotRemoveRoot)?;
		ensure!(found.children == 0, Error::<T>::NodeHasChildren);
		ensure!(found.pseudonyms == 0, Error::<T>::LedgerHasPseudonyms);
		Nodes::<T>::mutate(parent, |parent_node| {
			if let Some(parent_node) = parent_node {
				parent_node.children = parent_node.children.saturating_sub(1);
			}
		});
		Nodes::<T>::remove(node);
		Self::deposit_event(Event::NodeRemoved { node });
		Ok(())
	}

	pub(crate) fn do_remove_node(node: NodeId) -> DispatchResult {
		ensure!(OpenDays::<T>::get().is_empty(), Error::<T>::DaysInFlight);
		let found = Nodes::<T>::get(node).ok_or(Error::<T>::UnknownNode)?;
		if let NodeKind::Ledger { group } = found.kind {
			let mut owner = Groups::<T>::get(group).ok_or(Error::<T>::UnknownGroup)?;
			ensure!(owner.ledgers.len() > 1, Error::<T>::LastLedgerOfGroup);
			Self::detach_node(node, found)?;
			owner.ledgers.retain(|ledger| *ledger != node);
			Groups::<T>::insert(group, owner);
			return Ok(());
		}
		Self::detach_node(node, found)
	}

	pub(crate) fn do_remove_group(group: GroupId) -> DispatchResult {
		ensure!(OpenDays::<T>::get().is_empty(), Error::<T>::DaysInFlight);
		let found = Groups::<T>::get(group).ok_or(Error::<T>::UnknownGroup)?;
		for ledger in found.ledgers.iter() {
			let node = Nodes::<T>::get(ledger).ok_or(Error::<T>::UnknownNode)?;
			Self::detach_node(*ledger, node)?;
		}
		Groups::<T>::remove(group);
		Self::deposit_event(Event::GroupRemoved { group });
		Ok(())
	}

	pub(crate) fn do_add_operator(
		who: T::AccountId,
		group: GroupId,
		operator: T::AccountId,
	) -> DispatchResult {
		let mut found = Self::coordinated_group(&who, group)?;
		ensure!(!found.operators.contains(&operator), Error::<T>::AlreadyOperator);
		found.operators.try_push(operator.clone()).map_err(|_| Error::<T>::TooManyOperators)?;
		Groups::<T>::insert(group, found);
		Self::deposit_event(Event::OperatorAdded { group, operator });
		Ok(())
	}

	pub(crate) fn do_remove_operator(
		who: T::AccountId,
		group: GroupId,
		operator: T::AccountId,
	) -> DispatchResult {
		let mut found = Self::coordinated_group(&who, group)?;
		let before = found.operators.len();
		found.operators.retain(|existing| *existing != operator);
		ensure!(found.operators.len() < before, Error::<T>::NotOperator);
		Groups::<T>::insert(group, found);
		Self::deposit_event(Event::OperatorRemoved { group, operator });
		Ok(())
	}

	/// A ledger node and its group.
	pub(crate) fn ledger_and_group(
		ledger: NodeId,
	) -> Result<(TreeNodeOf<T>, GroupOf<T>), DispatchError> {
		let node = Nodes::<T>::get(ledger).ok_or(Error::<T>::UnknownNode)?;
		let NodeKind::Ledger { group } = node.kind else {
			return Err(Error::<T>::NotALedger.into());
		};
		let owner = Groups::<T>::get(group).ok_or(Error::<T>::UnknownGroup)?;
		Ok((node, owner))
	}
}
