//! The privacy evaluation behind `docs/privacy.md` (the `gridveil-privacy`
//! binary): the paper's profiling adversary and the adversaries it ignored.
//!
//! - [`community`]: the 51 prosumers' days, the adversary's ground truth.
//! - [`profiles`]: k-means profiles γ and the predictor γ(·).
//! - [`paper`]: the paper's experiment (section 9, Figure 7) on simulated
//!   splits, with the paper's split and with the edge client's.
//! - [`averaging`]: long-lived pseudonyms, averaged over days.
//! - [`crossday`]: linking a prosumer's one-day pseudonyms from day to day.
//! - [`rotation`]: pseudonyms that live one day, averaged along the
//!   cross-day linker's chains; the n and spread sweep.
//! - [`chain_view`]: what an adversary reads from a node over RPC.
//! - [`fingerprints`]: inverting the public hourly fingerprints by search,
//!   circuit v1's (unblinded) against v2's (blinded).
//! - [`linkage`]: linking a prosumer's pseudonyms from the chain alone.
//! - [`onchain`]: the demo's day on four validators with chosen defences,
//!   attacked from what the chain published.
//! - [`scan`]: the search of everything published for readings, requests
//!   and pseudonym-to-person links.
//! - [`gaps`]: how far from guessing, and what guessing reaches by sampling.
//! - [`results`], [`report`], [`rotation_report`]: `docs/privacy/results.json`
//!   and the page.

pub mod averaging;
pub mod chain_linkage;
pub mod chain_view;
pub mod community;
pub mod crossday;
pub mod fingerprints;
pub mod gaps;
pub mod linkage;
pub mod onchain;
pub mod paper;
pub mod profiles;
pub mod report;
pub mod results;
pub mod rotation;
pub mod rotation_report;
pub mod scan;

use std::path::PathBuf;

/// The folder of the results page's data: `docs/privacy` of the checkout
/// this runs in.
pub fn results_dir() -> anyhow::Result<PathBuf> {
	gridveil_harness::workspace::find("docs/privacy")
}
