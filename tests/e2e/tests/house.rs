//! The house rules that a reader of the code relies on, checked on every
//! crate of the workspace: no module imports a module that imports it back.
//!
//! Each `.rs` file under a crate's `src/` is a module (`a/b.rs` and
//! `a/b/mod.rs` are `a::b`). A reference is a path through `crate::` (also
//! inside `use crate::{…}` groups) or `super::`, resolved to the deepest
//! module it names. Two modules depend on each other through their
//! ancestors below the one they share, so `a::x → b` and `b → a::y` are the
//! cycle `a ⇄ b`. A module's own ancestors and descendants are not counted
//! (a child may use its parent's items and a parent declares its children),
//! nor are test code (`tests.rs`, `mock.rs`, `benchmarking.rs`, and
//! everything after `#[cfg(test)]`).

use std::{
	collections::{BTreeMap, BTreeSet},
	path::{Path, PathBuf},
};

/// A module's path below its crate: `["outbox"]`, `["features", "auction"]`.
type Module = Vec<String>;

fn root() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The workspace's members, from its `Cargo.toml`.
fn members() -> Vec<PathBuf> {
	let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
	let start = manifest.find("members = [").expect("a members list");
	let end = start + manifest[start..].find(']').expect("the list's end");
	manifest[start..end].split('"').skip(1).step_by(2).map(|member| root().join(member)).collect()
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
	for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
		let path = entry.path();
		if path.is_dir() {
			rust_files(&path, found);
		} else if path.extension().is_some_and(|extension| extension == "rs") {
			found.push(path);
		}
	}
}

/// The module a file under `src` is; `None` for test-only files.
fn module_of(src: &Path, file: &Path) -> Option<Module> {
	let relative = file.strip_prefix(src).ok()?.with_extension("");
	let mut parts: Module =
		relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
	if matches!(parts.last().map(String::as_str), Some("tests" | "mock" | "benchmarking")) {
		return None;
	}
	if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
		parts.pop();
	}
	if parts.first().is_some_and(|first| first == "bin") {
		return None;
	}
	Some(parts)
}

/// The source without comments, string contents and test code.
fn code(text: &str) -> String {
	let text = match text.find("#[cfg(test)]") {
		Some(at) => &text[..at],
		None => text,
	};
	text.lines()
		.map(|line| line.split("//").next().unwrap_or(""))
		.map(|line| {
			// Drop string literals' contents, which may name paths in prose.
			line.split('"').step_by(2).collect::<Vec<_>>().join("\"\"")
		})
		.collect::<Vec<_>>()
		.join("\n")
}

/// Paths after `crate::` (expanding `{…}` groups) and `super::`, as written.
fn referenced_paths(code: &str, module: &Module) -> Vec<Module> {
	let mut paths = Vec::new();
	let bytes = code.as_bytes();
	let mut at = 0;
	while at < code.len() {
		let rest = &code[at..];
		let (prefix, base): (&str, Module) = if rest.starts_with("crate::") {
			("crate::", Vec::new())
		} else if rest.starts_with("super::") {
			let mut base = module.clone();
			base.pop();
			("super::", base)
		} else {
			at += rest.chars().next().map_or(1, char::len_utf8);
			continue;
		};
		let preceded_by_word = at > 0 && {
			let before = bytes[at - 1];
			before.is_ascii_alphanumeric() || before == b'_' || before == b':'
		};
		at += prefix.len();
		if preceded_by_word {
			continue;
		}
		let tail = &code[at..];
		for path in expand(tail) {
			let mut full = base.clone();
			full.extend(path);
			paths.push(full);
		}
	}
	paths
}

/// `a::b::C` → [[a, b, C]]; `{a::b, c}` → [[a, b], [c]] (one level deep is enough here).
fn expand(tail: &str) -> Vec<Module> {
	let segment = |text: &str| -> Module {
		text.split("::")
			.map(|part| {
				part.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
			})
			.take_while(|part: &String| !part.is_empty())
			.collect()
	};
	if let Some(group) = tail.strip_prefix('{') {
		let mut depth = 1;
		let mut end = group.len();
		for (index, character) in group.char_indices() {
			match character {
				'{' => depth += 1,
				'}' => {
					depth -= 1;
					if depth == 0 {
						end = index;
						break;
					}
				},
				_ => {},
			}
		}
		let inner = &group[..end];
		let mut items = Vec::new();
		let mut depth = 0;
		let mut start = 0;
		for (index, character) in inner.char_indices() {
			match character {
				'{' => depth += 1,
				'}' => depth -= 1,
				',' if depth == 0 => {
					items.push(&inner[start..index]);
					start = index + 1;
				},
				_ => {},
			}
		}
		items.push(&inner[start..]);
		items.into_iter().map(|item| segment(item.trim())).filter(|path| !path.is_empty()).collect()
	} else {
		vec![segment(tail)]
	}
}

/// The cycles among one crate's modules, as readable lines.
fn cycles(src: &Path) -> Vec<String> {
	let mut files = Vec::new();
	rust_files(src, &mut files);
	let modules: BTreeMap<Module, PathBuf> =
		files.iter().filter_map(|file| Some((module_of(src, file)?, file.clone()))).collect();
	let mut edges: BTreeSet<(Module, Module)> = BTreeSet::new();
	for (module, file) in &modules {
		let text = std::fs::read_to_string(file).expect("a source file");
		for path in referenced_paths(&code(&text), module) {
			// The deepest module the path names.
			let target = (0..=path.len())
				.rev()
				.map(|length| path[..length].to_vec())
				.find(|prefix| modules.contains_key(prefix))
				.unwrap_or_default();
			let shared = module.iter().zip(&target).take_while(|(a, b)| a == b).count();
			if shared == module.len() || shared == target.len() {
				continue; // an ancestor or a descendant
			}
			edges.insert((module[..=shared].to_vec(), target[..=shared].to_vec()));
		}
	}
	edges
		.iter()
		.filter(|(from, to)| from < to && edges.contains(&(to.clone(), from.clone())))
		.map(|(from, to)| format!("{} ⇄ {}", from.join("::"), to.join("::")))
		.chain(longer_cycles(&edges))
		.collect()
}

/// Cycles of three or more modules (each reported once, by its smallest module).
fn longer_cycles(edges: &BTreeSet<(Module, Module)>) -> Vec<String> {
	let mut next: BTreeMap<&Module, Vec<&Module>> = BTreeMap::new();
	for (from, to) in edges {
		next.entry(from).or_default().push(to);
	}
	let mut found = Vec::new();
	for start in next.keys() {
		let mut stack: Vec<(&Module, Vec<&Module>)> = vec![(start, vec![start])];
		while let Some((at, trail)) = stack.pop() {
			for &after in next.get(at).into_iter().flatten() {
				if after == *start && trail.len() > 2 {
					found.push(
						trail
							.iter()
							.map(|module| module.join("::"))
							.collect::<Vec<_>>()
							.join(" → ") + " → " + &start.join("::"),
					);
				} else if after > *start && !trail.contains(&after) && trail.len() < 8 {
					let mut longer = trail.clone();
					longer.push(after);
					stack.push((after, longer));
				}
			}
		}
	}
	found
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
	let mut found = Vec::new();
	let members = members();
	assert!(members.len() >= 10, "only {} workspace members found", members.len());
	for member in members {
		let src = member.join("src");
		for cycle in cycles(&src) {
			found.push(format!(
				"{}: {cycle}",
				member.strip_prefix(root()).unwrap_or(&member).display()
			));
		}
	}
	assert!(found.is_empty(), "modules that import each other:\n{}", found.join("\n"));
}

#[test]
fn the_cycle_check_finds_a_planted_cycle_and_ignores_parents_and_tests() {
	let dir = tempfile::tempdir().expect("a folder");
	let src = dir.path();
	std::fs::create_dir_all(src.join("features")).unwrap();
	std::fs::write(src.join("lib.rs"), "mod store; mod outbox; use crate::store::Store;").unwrap();
	std::fs::write(src.join("store.rs"), "use crate::{outbox::Entry, lib_item};").unwrap();
	std::fs::write(src.join("outbox.rs"), "use crate::store::Store; // crate::features").unwrap();
	std::fs::write(src.join("features/mod.rs"), "use super::Thing; mod auction;").unwrap();
	std::fs::write(src.join("features/auction.rs"), "use crate::features::X; use super::Y;")
		.unwrap();
	std::fs::write(src.join("tests.rs"), "use crate::store::*; use crate::outbox::*;").unwrap();
	std::fs::write(
		src.join("chain.rs"),
		"fn f() {}\n#[cfg(test)]\nmod tests { use crate::features::Z; }",
	)
	.unwrap();
	std::fs::write(src.join("a.rs"), "use crate::b::B;").unwrap();
	std::fs::write(src.join("b.rs"), "use crate::c::C;").unwrap();
	std::fs::write(src.join("c.rs"), "use crate::a::A;").unwrap();
	let found = cycles(src);
	assert!(found.contains(&"outbox ⇄ store".to_string()), "{found:?}");
	assert!(found.contains(&"a → b → c → a".to_string()), "{found:?}");
	assert_eq!(found.len(), 2, "{found:?}");
}
