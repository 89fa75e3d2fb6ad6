//! Line charts for the results pages: drawn as SVG by hand (axes, ticks,
//! lines, points, a legend) and turned into PNG by headless Chromium, the
//! browser the tests already use. No plotting crate: the ones that write
//! PNG pull image codecs whose features change half of the node's
//! dependency tree.

use std::{fmt::Write as _, path::Path};

use anyhow::{Context, Result};

use gridveil_harness::edge::chromium;

/// One line of a chart.
#[derive(Clone, Debug)]
pub struct Series {
	/// Its legend entry.
	pub name: String,
	/// Its points, drawn in order.
	pub points: Vec<(f64, f64)>,
	/// Dashed, without point marks (a reference line).
	pub dashed: bool,
}

/// A chart of lines on linear axes.
#[derive(Clone, Debug)]
pub struct LineChart {
	/// The title above the chart.
	pub title: String,
	/// What the x axis counts.
	pub x_label: String,
	/// What the y axis counts.
	pub y_label: String,
	/// The lines.
	pub series: Vec<Series>,
	/// The y axis's top, if fixed (else the data's maximum plus 10 %).
	pub y_max: Option<f64>,
	/// The legend in the top right corner instead of the top left (for
	/// lines that fall from left to right).
	pub legend_right: bool,
}

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 560.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 56.0;
const BOTTOM: f64 = 64.0;
const COLOURS: [&str; 8] =
	["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

/// Ticks from 0 (or `low`) to `high`: about six at 1, 2 or 5 × 10^k.
fn ticks(low: f64, high: f64) -> Vec<f64> {
	let span = (high - low).max(f64::EPSILON);
	let raw = span / 6.0;
	let magnitude = 10f64.powf(raw.log10().floor());
	let step = [1.0, 2.0, 5.0, 10.0]
		.into_iter()
		.map(|factor| factor * magnitude)
		.find(|step| *step >= raw)
		.unwrap_or(10.0 * magnitude);
	let first = (low / step).ceil() as i64;
	let last = (high / step).floor() as i64;
	(first..=last).map(|index| index as f64 * step).collect()
}

fn label(value: f64) -> String {
	if value.abs() >= 1000.0 || value.fract() == 0.0 {
		format!("{value:.0}")
	} else if (value * 10.0).fract().abs() < 1e-9 {
		format!("{value:.1}")
	} else {
		format!("{value:.2}")
	}
}

fn escape(text: &str) -> String {
	text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

impl LineChart {
	/// The chart as an SVG document.
	pub fn svg(&self) -> String {
		let points = self.series.iter().flat_map(|series| series.points.iter());
		let (mut x_min, mut x_max, mut y_max) = (f64::MAX, f64::MIN, 0.0f64);
		for (x, y) in points {
			x_min = x_min.min(*x);
			x_max = x_max.max(*x);
			y_max = y_max.max(*y);
		}
		if x_min > x_max {
			(x_min, x_max) = (0.0, 1.0);
		}
		let x_min = if x_min > 0.0 && x_min < (x_max - x_min) { 0.0 } else { x_min };
		let y_max = self.y_max.unwrap_or(y_max * 1.1).max(f64::EPSILON);
		let plot_width = WIDTH - LEFT - RIGHT;
		let plot_height = HEIGHT - TOP - BOTTOM;
		let x_of = |x: f64| LEFT + (x - x_min) / (x_max - x_min).max(f64::EPSILON) * plot_width;
		let y_of = |y: f64| TOP + plot_height - y / y_max * plot_height;

		let mut svg = String::new();
		let _ = write!(
			svg,
			r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="DejaVu Sans, sans-serif" font-size="14"><rect width="100%" height="100%" fill="white"/><text x="{}" y="30" text-anchor="middle" font-size="19">{}</text>"##,
			WIDTH / 2.0,
			escape(&self.title)
		);
		for tick in ticks(x_min, x_max) {
			let x = x_of(tick);
			let _ = write!(
				svg,
				r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#e6e6e6"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
				TOP + plot_height,
				TOP + plot_height + 20.0,
				label(tick)
			);
		}
		for tick in ticks(0.0, y_max) {
			let y = y_of(tick);
			let _ = write!(
				svg,
				r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e6e6e6"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
				LEFT + plot_width,
				LEFT - 8.0,
				y + 5.0,
				label(tick)
			);
		}
		let _ = write!(
			svg,
			r##"<rect x="{LEFT}" y="{TOP}" width="{plot_width}" height="{plot_height}" fill="none" stroke="black"/><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text><text transform="translate(20,{:.1}) rotate(-90)" text-anchor="middle">{}</text>"##,
			LEFT + plot_width / 2.0,
			HEIGHT - 16.0,
			escape(&self.x_label),
			TOP + plot_height / 2.0,
			escape(&self.y_label)
		);
		for (index, series) in self.series.iter().enumerate() {
			let colour = COLOURS[index % COLOURS.len()];
			let path: Vec<String> = series
				.points
				.iter()
				.map(|(x, y)| format!("{:.1},{:.1}", x_of(*x), y_of(*y)))
				.collect();
			let dash = if series.dashed { r#" stroke-dasharray="6,5""# } else { "" };
			let _ = write!(
				svg,
				r##"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"##,
				path.join(" ")
			);
			if !series.dashed {
				for (x, y) in &series.points {
					let _ = write!(
						svg,
						r##"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{colour}"/>"##,
						x_of(*x),
						y_of(*y)
					);
				}
			}
			let legend_y = TOP + 22.0 + index as f64 * 22.0;
			let legend_x = if self.legend_right { LEFT + plot_width - 380.0 } else { LEFT };
			let _ = write!(
				svg,
				r##"<line x1="{:.1}" y1="{legend_y:.1}" x2="{:.1}" y2="{legend_y:.1}" stroke="{colour}" stroke-width="2"{dash}/><text x="{:.1}" y="{:.1}">{}</text>"##,
				legend_x + 16.0,
				legend_x + 44.0,
				legend_x + 52.0,
				legend_y + 5.0,
				escape(&series.name)
			);
		}
		svg.push_str("</svg>\n");
		svg
	}

	/// Writes the chart to `png` (and its SVG next to it).
	pub fn write_png(&self, png: &Path) -> Result<()> {
		let svg_path = png.with_extension("svg");
		std::fs::write(&svg_path, self.svg())
			.with_context(|| format!("writing {}", svg_path.display()))?;
		let profile = tempfile::Builder::new().prefix("gridveil-plot-").tempdir()?;
		let svg_path = std::fs::canonicalize(&svg_path)?;
		chromium(
			&[
				&format!("--screenshot={}", png.display()),
				&format!("--window-size={WIDTH},{HEIGHT}"),
				&format!("file://{}", svg_path.display()),
			],
			profile.path(),
		)?;
		anyhow::ensure!(png.is_file(), "chromium wrote no {}", png.display());
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn ticks_are_round_and_cover_the_range() {
		assert_eq!(ticks(0.0, 10.0), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
		assert_eq!(ticks(0.0, 4000.0), vec![0.0, 1000.0, 2000.0, 3000.0, 4000.0]);
		let small = ticks(0.0, 0.55);
		assert_eq!(small.first(), Some(&0.0));
		assert!(small.len() >= 5 && small.last().unwrap() <= &0.55);
	}

	#[test]
	fn the_svg_has_every_series_and_its_legend() {
		let chart = LineChart {
			title: "a & b".into(),
			x_label: "x".into(),
			y_label: "y".into(),
			series: vec![
				Series { name: "one".into(), points: vec![(1.0, 2.0), (2.0, 3.0)], dashed: false },
				Series { name: "1/x".into(), points: vec![(1.0, 1.0), (2.0, 0.5)], dashed: true },
			],
			y_max: None,
			legend_right: false,
		};
		let svg = chart.svg();
		assert_eq!(svg.matches("<polyline").count(), 2);
		assert!(
			svg.contains("a &amp; b") && svg.contains(">one<") && svg.contains("stroke-dasharray")
		);
		assert_eq!(svg.matches("<circle").count(), 2);
	}
}
