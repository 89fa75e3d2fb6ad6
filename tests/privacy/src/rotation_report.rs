//! The rotation section of `docs/privacy.md`: the averaging adversary with
//! rotation on and off, the cross-day linker, the n and spread sweep and the
//! decision it supports, and the verdicts the goal table shows.

use std::fmt::Write as _;

use anyhow::Result;

use super::{
	averaging::AVERAGING_SHARES,
	gaps::{accuracy_cells, guessing_gap, worst_gap, GOAL_PP},
	paper::Point,
	rotation::{CrossDayLinkage, RotationRun, AVERAGED_DAYS},
};

/// |Γ| values the averaging table shows (the gaps are over all measured).
const TABLE_PROFILES: [usize; 6] = [2, 3, 5, 10, 20, 51];

/// The chain's measured report rate, reports a second: 40,000 reports of
/// one slot in blocks in 179.8 s (`docs/performance.md`, section 5).
const MEASURED_REPORTS_PER_SECOND: f64 = 40_000.0 / 179.8;

/// A trading slot, s.
const SLOT_SECONDS: f64 = 900.0;

/// Seed of the guessing's gap draws (the goal table's).
const GUESSING_SEED: u64 = 2016;

/// How an adversary's gap compares with the goal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
	/// Within [`GOAL_PP`] of guessing.
	Met,
	/// Further, but no further than guessing reaches by sampling alone.
	Indistinguishable,
	/// Further than both.
	NotMet,
}

impl Verdict {
	/// The verdict of a measured `gap` when guessing reaches `guessing`.
	pub fn of(gap: f64, guessing: f64) -> Self {
		if gap * 100.0 <= GOAL_PP {
			Verdict::Met
		} else if gap <= guessing {
			Verdict::Indistinguishable
		} else {
			Verdict::NotMet
		}
	}

	/// Its words on the page.
	pub fn text(&self) -> &'static str {
		match self {
			Verdict::Met => "yes",
			Verdict::Indistinguishable => "not distinguishable from guessing",
			Verdict::NotMet => "**no**",
		}
	}
}

/// One adversary of a rotation run, judged.
#[derive(Clone, Debug)]
pub struct Judged {
	/// Its name on the page.
	pub name: String,
	/// Its profiling points (empty for the linker).
	pub points: Vec<Point>,
	/// Its worst balanced gap to guessing (the linker: to chance).
	pub gap: f64,
	/// The |Γ| of that gap (none for the linker).
	pub at: Option<usize>,
	/// What guessing reaches on the same rows by sampling alone.
	pub guessing: f64,
	/// The two against the goal.
	pub verdict: Verdict,
}

/// Every adversary of `run` with rotation on: one day alone, the chains of
/// D > 1 days its linker follows, and the cross-day linkers (the one
/// furthest from chance).
pub fn judge(run: &RotationRun) -> Vec<Judged> {
	let mut judged = Vec::new();
	for days in AVERAGED_DAYS {
		let points = run.points(true, days);
		let Some((gap, at)) = worst_gap(&points, Point::balanced_accuracy) else { continue };
		let guessing = guessing_gap(&points, GUESSING_SEED);
		let name = if days == 1 {
			"one day, each pseudonym alone (its day × n)".to_string()
		} else {
			format!("{days} days averaged along the cross-day linker's chains")
		};
		judged.push(Judged {
			name,
			points,
			gap,
			at: Some(at),
			guessing,
			verdict: Verdict::of(gap, guessing),
		});
	}
	let furthest = run.linkage.iter().max_by(|left, right| {
		(left.accuracy() - left.chance).abs().total_cmp(&(right.accuracy() - right.chance).abs())
	});
	if let Some(linkage) = furthest {
		let gap = (linkage.accuracy() - linkage.chance).abs();
		judged.push(Judged {
			name: format!("cross-day linkage ({})", linkage.linker.name()),
			points: Vec::new(),
			gap,
			at: None,
			guessing: linkage.guessing_gap,
			verdict: Verdict::of(gap, linkage.guessing_gap),
		});
	}
	judged
}

/// The worst verdict over `run`'s adversaries with rotation on.
pub fn verdict(run: &RotationRun) -> Verdict {
	judge(run).iter().map(|judged| judged.verdict).max().unwrap_or(Verdict::NotMet)
}

/// The run of the edge client's defaults (n = 5, the default spread; its
/// first seed).
pub fn defaults(runs: &[RotationRun]) -> Option<&RotationRun> {
	first_of(runs, AVERAGING_SHARES, gridveil_edge::config::DEFAULT_SPREAD_WH)
}

/// The run of n = `shares` and `spread_wh` with the smallest seed.
fn first_of(runs: &[RotationRun], shares: usize, spread_wh: i64) -> Option<&RotationRun> {
	runs.iter()
		.filter(|run| run.shares == shares && run.spread_wh == spread_wh)
		.min_by_key(|run| run.seed)
}

/// The cheapest setting (its run of the smallest seed) where, with every
/// seed measured, no adversary is further from guessing than the goal and
/// sampling allow: fewest ledgers first (each costs 96 reports a prosumer a
/// day), then the narrowest spread (which costs the coordinator's float
/// only).
pub fn recommended(runs: &[RotationRun]) -> Option<&RotationRun> {
	let mut settings: Vec<(usize, i64)> =
		runs.iter().map(|run| (run.shares, run.spread_wh)).collect();
	settings.sort_unstable();
	settings.dedup();
	settings
		.into_iter()
		.find(|(shares, spread_wh)| {
			runs.iter()
				.filter(|run| run.shares == *shares && run.spread_wh == *spread_wh)
				.all(|run| verdict(run) != Verdict::NotMet)
		})
		.and_then(|(shares, spread_wh)| first_of(runs, shares, spread_wh))
}

/// Seeds measured at `run`'s setting.
fn seeds(runs: &[RotationRun], run: &RotationRun) -> usize {
	runs.iter()
		.filter(|other| (other.shares, other.spread_wh) == (run.shares, run.spread_wh))
		.count()
}

/// A setting's name: `n = 5, ±10 kWh`.
pub fn setting(run: &RotationRun) -> String {
	format!("n = {}, ±{} kWh", run.shares, kwh(run.spread_wh))
}

fn kwh(wh: i64) -> String {
	let kwh = wh as f64 / 1_000.0;
	if kwh.fract() == 0.0 {
		format!("{kwh:.0}")
	} else {
		format!("{kwh:.1}")
	}
}

/// The section.
pub fn section(page: &mut String, runs: &[RotationRun]) -> Result<()> {
	writeln!(page, "\n## 5. Rotation: pseudonyms that live one day\n")?;
	writeln!(
		page,
		"The chain accepts a pseudonym's reports for one trading day; each day a box \
		 reports into each ledger of its group under a fresh pseudonym that no key ties to \
		 yesterday's (`gridveil-privacy rotation`, offline, every day of 2016 split with \
		 the edge client's split). Section 4's adversary then has one day per pseudonym. \
		 To average over D days it must follow a prosumer from day to day itself: the \
		 *cross-day linker* describes each pseudonym's day by its shares (mean, standard \
		 deviation, 10 to 90 % quantiles, share above zero, each hour's mean; times n) and, \
		 on chain, its reports' timing (mean and spread of their moments in the slot), \
		 divides every feature by the spread it has from the split's randomness alone \
		 (the split is public: the adversary splits 1,000 days of zero readings itself), \
		 so that no feature that is all noise drowns one that is not, and links \
		 each of day d's pseudonyms to one of day d + 1's, one to one, nearest pair first, \
		 ties at random. Offline the timing is modelled as the box sends: each report at \
		 its own uniformly random moment of the slot. Groups as in the demo: the 51 \
		 prosumers in two halves (26 and 25), n ledgers each, so linking at random gets \
		 one pseudonym in 26 or 25 right (chance 2/51 = 3.9 % over all). The averaging \
		 adversary with rotation on starts from each pseudonym of a window's first day, \
		 follows the linker that linked most rightly for D − 1 days, averages the chain's \
		 share-days, scales by n and profiles the result as the pseudonym's owner's; \
		 with rotation off it averages the pseudonym's own D days (section 4). One day is \
		 the same adversary either way: a pseudonym's day times n, profiled (as on chain \
		 in section 3), a stronger adversary than sections 1 and 2's, which profile the \
		 share-day unscaled. Windows of \
		 D consecutive days, days 0, D, 2D, …; one day: one in {}. Gaps over |Γ| = 2 to \
		 10, 13, 15, 20, 25, 30, 40 and 51.\n",
		runs.first().map_or(7, |run| run.day_step)
	)?;
	if runs.is_empty() {
		writeln!(page, "Not measured yet.")?;
		return Ok(());
	}
	let mut shown: Vec<&RotationRun> = defaults(runs).into_iter().collect();
	if let Some(chosen) = recommended(runs) {
		if !shown.iter().any(|run| std::ptr::eq(*run, chosen)) {
			shown.push(chosen);
		}
	}
	for run in &shown {
		averaging_table(page, run)?;
	}
	linkage_table(page, &shown)?;
	sweep_table(page, runs)?;
	decision(page, runs)?;
	Ok(())
}

fn averaging_table(page: &mut String, run: &RotationRun) -> Result<()> {
	writeln!(page, "\n### Averaging, rotation on and off ({})\n", setting(run))?;
	writeln!(
		page,
		"Accuracy, balanced accuracy in brackets; the worst balanced gap to 1/|Γ| over \
		 the |Γ| measured, and what guessing reaches on the same rows. Chains follow the linker \
		 by {}.\n",
		run.chain_linker.name()
	)?;
	let header: Vec<String> =
		TABLE_PROFILES.iter().map(|count| format!("\\|Γ\\| = {count}")).collect();
	writeln!(
		page,
		"| days | rotation | rows | {} | worst gap, balanced (pp) | at \\|Γ\\| | guessing's gap (pp) | met |",
		header.join(" | ")
	)?;
	writeln!(page, "|---:|---|---:|{}---:|---:|---:|---|", "---:|".repeat(TABLE_PROFILES.len()))?;
	for days in AVERAGED_DAYS {
		for rotation in [false, true] {
			let points = run.points(rotation, days);
			let Some((gap, at)) = worst_gap(&points, Point::balanced_accuracy) else { continue };
			let guessing = guessing_gap(&points, GUESSING_SEED);
			let cells = accuracy_cells(&points, &TABLE_PROFILES);
			writeln!(
				page,
				"| {days} | {} | {} | {} | {:.1} | {at} | {:.1} | {} |",
				if rotation { "on" } else { "off" },
				points.first().map_or(0, |point| point.trials),
				cells.join(" | "),
				gap * 100.0,
				guessing * 100.0,
				Verdict::of(gap, guessing).text(),
			)?;
		}
	}
	Ok(())
}

fn linkage_table(page: &mut String, runs: &[&RotationRun]) -> Result<()> {
	writeln!(
		page,
		"\n### Cross-day linkage: day d's pseudonym to the same prosumer's of day d + 1\n"
	)?;
	writeln!(
		page,
		"Every pair of consecutive days of 2016, every ledger of both groups. ± is the \
		 95 % half-width (day pairs as clusters); *guessing's gap* is the gap to chance a \
		 random one-to-one linker reaches on the same matchings by sampling alone (95th \
		 percentile of 200 draws).\n"
	)?;
	writeln!(
		page,
		"| setting | linker | pseudonyms linked | right | chance | gap (pp) | guessing's gap (pp) | met |"
	)?;
	writeln!(page, "|---|---|---:|---:|---:|---:|---:|---|")?;
	for run in runs {
		for linkage in &run.linkage {
			linkage_row(page, &setting(run), linkage)?;
		}
	}
	Ok(())
}

/// A row of a cross-day linkage table (header: setting, linker, pseudonyms
/// linked, right, chance, gap, guessing's gap, met).
pub fn linkage_row(page: &mut String, setting: &str, linkage: &CrossDayLinkage) -> Result<()> {
	let gap = (linkage.accuracy() - linkage.chance).abs();
	writeln!(
		page,
		"| {setting} | {} | {} | {:.2} % ± {:.2} | {:.2} % | {:.2} | {:.2} | {} |",
		linkage.linker.name(),
		linkage.pseudonyms,
		linkage.accuracy() * 100.0,
		linkage.half_width * 100.0,
		linkage.chance * 100.0,
		gap * 100.0,
		linkage.guessing_gap * 100.0,
		Verdict::of(gap, linkage.guessing_gap).text(),
	)?;
	Ok(())
}

fn sweep_table(page: &mut String, runs: &[RotationRun]) -> Result<()> {
	writeln!(page, "\n### The sweep: more ledgers or a wider spread\n")?;
	writeln!(
		page,
		"Each cell: the worst balanced gap to 1/|Γ| in pp (guessing's gap in brackets), \
		 rotation on; cross-day linkage: the linker furthest from chance. *Float*: what a \
		 group's coordinator fronts a day, the energy of its ledgers whose day nets are \
		 positive (liquidation collects those before it pays the negative ones; a day \
		 whose shares were not random would need {:.0} kWh). Wall time: the whole \
		 setting (splitting, four linkers on 365 day pairs, the averaging) on 2 cores.\n",
		runs.first().map_or(0.0, |run| run.unsplit_float_kwh)
	)?;
	let header: Vec<String> = AVERAGED_DAYS
		.iter()
		.map(|days| if *days == 1 { "one day".to_string() } else { format!("{days} days") })
		.collect();
	writeln!(
		page,
		"| n | spread (kWh / 15 min) | seed | reports a prosumer a day | float (kWh a group-day) | {} | cross-day linkage | every adversary | wall time (s) |",
		header.join(" | ")
	)?;
	writeln!(
		page,
		"|---:|---:|---:|---:|---:|{}---:|---|---:|",
		"---:|".repeat(AVERAGED_DAYS.len())
	)?;
	let mut sorted: Vec<&RotationRun> = runs.iter().collect();
	sorted.sort_by_key(|run| (run.shares, run.spread_wh, run.seed));
	for run in sorted {
		let judged = judge(run);
		let cells: Vec<String> = judged
			.iter()
			.map(|judged| {
				let cell = format!("{:.1} ({:.1})", judged.gap * 100.0, judged.guessing * 100.0);
				if judged.verdict == Verdict::NotMet {
					format!("**{cell}**")
				} else {
					cell
				}
			})
			.collect();
		writeln!(
			page,
			"| {} | {} | {} | {} | {:.0} | {} | {} | {:.0} |",
			run.shares,
			kwh(run.spread_wh),
			run.seed,
			96 * run.shares,
			run.coordinator_float_kwh,
			cells.join(" | "),
			verdict(run).text(),
			run.seconds,
		)?;
	}
	Ok(())
}

fn decision(page: &mut String, runs: &[RotationRun]) -> Result<()> {
	writeln!(page, "\n### Decision\n")?;
	let capacity = |shares: usize| MEASURED_REPORTS_PER_SECOND * SLOT_SECONDS / shares as f64;
	let Some(chosen) = recommended(runs) else {
		writeln!(
			page,
			"No setting measured meets the goal for every adversary with rotation on; the \
			 sweep shows how far each is."
		)?;
		return Ok(());
	};
	let defaults = defaults(runs);
	let same = defaults.is_some_and(|run| std::ptr::eq(run, chosen));
	writeln!(
		page,
		"The cheapest setting measured where, with each of its {} seeds, no adversary \
		 with rotation on is further from guessing than the goal ({GOAL_PP} pp) or \
		 sampling alone allow: **{}**{}. \
		 Cost: {} reports a prosumer a day ({} per slot), all feeless (no fee), and {} \
		 pseudonyms a prosumer a day in the coordinators' registration batches (one \
		 `register_pseudonyms` a ledger a day while a group has at most 256 members). \
		 At the rate the chain reached (`docs/performance.md`, section 5: {:.0} reports \
		 a second) a 15-minute slot carries the reports of about {:.0} prosumers at this \
		 n ({:.0} at n = 30). A wider spread adds no extrinsic; it enlarges every ledger's \
		 net, so a coordinator fronts about {:.0} kWh of positive ledger nets a day \
		 instead of {:.0} at the default spread (collected before the negative ledgers are \
		 paid back, the group's net unchanged).",
		seeds(runs, chosen),
		setting(chosen),
		if same { " (the defaults)" } else { "" },
		96 * chosen.shares,
		chosen.shares,
		chosen.shares,
		MEASURED_REPORTS_PER_SECOND,
		capacity(chosen.shares),
		capacity(30),
		chosen.coordinator_float_kwh,
		defaults.map_or(0.0, |run| run.coordinator_float_kwh),
	)?;
	let judged = judge(chosen);
	let loose: Vec<&Judged> =
		judged.iter().filter(|judged| judged.verdict == Verdict::Indistinguishable).collect();
	if !loose.is_empty() {
		writeln!(page, "\nWhere the goal is not shown, only not contradicted:\n")?;
		for judged in loose {
			writeln!(
				page,
				"- {}: {:.1} pp{}, but guessing reaches {:.1} pp on as few rows, so the \
				 measurement cannot tell it from guessing; more rows (a longer dataset) would.",
				judged.name,
				judged.gap * 100.0,
				judged.at.map_or(String::new(), |at| format!(" at |Γ| = {at}")),
				judged.guessing * 100.0,
			)?;
		}
	}
	let at_setting = |run: &RotationRun| -> Vec<&RotationRun> {
		runs.iter()
			.filter(|other| (other.shares, other.spread_wh) == (run.shares, run.spread_wh))
			.collect()
	};
	let worst_gap = |run: &RotationRun| -> f64 {
		at_setting(run)
			.into_iter()
			.flat_map(judge)
			.filter(|judged| judged.verdict == Verdict::Met)
			.map(|judged| judged.gap)
			.fold(0.0, f64::max)
	};
	let defaults_meet = defaults
		.is_some_and(|run| at_setting(run).into_iter().all(|run| verdict(run) != Verdict::NotMet));
	if let Some(defaults) = defaults.filter(|_| !same && defaults_meet) {
		writeln!(
			page,
			"\nThe defaults, **{}**, meet it with each of their {} seeds as well, with more room: \
			 the worst gap shown over the seeds is {:.1} pp there, {:.1} pp at {}.",
			setting(defaults),
			seeds(runs, defaults),
			worst_gap(defaults) * 100.0,
			worst_gap(chosen) * 100.0,
			setting(chosen),
		)?;
	} else if let Some(defaults) = defaults.filter(|_| !same) {
		writeln!(page, "\nAt the defaults ({}):\n", setting(defaults))?;
		for judged in judge(defaults).iter().filter(|judged| judged.verdict != Verdict::Met) {
			writeln!(
				page,
				"- {}: {:.1} pp{} (guessing {:.1}): {}",
				judged.name,
				judged.gap * 100.0,
				judged.at.map_or(String::new(), |at| format!(" at |Γ| = {at}")),
				judged.guessing * 100.0,
				judged.verdict.text(),
			)?;
		}
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn verdicts_order_from_met_to_not_met() {
		assert_eq!(Verdict::of(0.02, 0.01), Verdict::Met);
		assert_eq!(Verdict::of(0.05, 0.06), Verdict::Indistinguishable);
		assert_eq!(Verdict::of(0.05, 0.02), Verdict::NotMet);
		assert!(Verdict::Met < Verdict::Indistinguishable);
		assert!(Verdict::Indistinguishable < Verdict::NotMet);
	}
}
