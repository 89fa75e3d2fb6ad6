//! The operator guides stay true. The configuration block of
//! `docs/prosumer-guide.md` (fence info `toml gridveil-edge.toml`) passes the
//! real `gridveil-edge config check`, with every file it names made in a
//! temporary directory, and gives the pseudonyms the guide says. The shell
//! blocks of `docs/aggregator-guide.md` (fence info `sh aggregator-guide`) run
//! in order with `bash -euo pipefail` and the workspace's `gridveil-circuits`,
//! and make the files the guide says: matching keys, the key's hex and hash
//! for apps, and a request file that opens the printed commitment.

use std::{
	path::{Path, PathBuf},
	process::{Command, Stdio},
};

use anyhow::{bail, ensure, Context, Result};
use gridveil_circuits::{keys, poseidon, DeviationProvingKey, READINGS_PER_HOUR};
use gridveil_edge::{
	config::{Config, MeterSource},
	prove::ProgramSecret,
};
use gridveil_groth16::{encode_verifying_key, scalar_to_bytes};
use gridveil_harness::{edge::run_edge, node::workspace_binary};
use gridveil_offchain::{config_file::ConfigFile, pseudonyms, secret_file};
use rand::{rngs::StdRng, SeedableRng};
use subxt::config::{substrate::BlakeTwo256, Hasher};

/// The fence info of the prosumer guide's complete configuration.
const CONFIG_BLOCK: &str = "toml gridveil-edge.toml";
/// The fence info of each aggregator command block the test runs.
const AGGREGATOR_BLOCK: &str = "sh aggregator-guide";

/// The bodies of the fenced code blocks of `guide` (a path from the
/// repository's root) whose info string is exactly `info`, in order.
fn fenced_blocks(guide: &str, info: &str) -> Result<Vec<String>> {
	let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(guide);
	let text =
		std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
	let mut blocks = Vec::new();
	let mut open: Option<String> = None;
	for line in text.lines() {
		let fence = line.trim_start().strip_prefix("```").map(str::trim);
		if let Some(block) = open.as_mut() {
			if fence.is_some() {
				blocks.push(std::mem::take(block));
				open = None;
			} else {
				block.push_str(line);
				block.push('\n');
			}
		} else if fence == Some(info) {
			open = Some(String::new());
		}
	}
	ensure!(open.is_none(), "{guide}: a `{info}` block is never closed");
	Ok(blocks)
}

/// Lower-case hex without a prefix.
fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
fn the_prosumer_guides_configuration_passes_config_check() -> Result<()> {
	let blocks = fenced_blocks("docs/prosumer-guide.md", CONFIG_BLOCK)?;
	let [block] = blocks.as_slice() else {
		bail!("docs/prosumer-guide.md has {} `{CONFIG_BLOCK}` blocks, not one", blocks.len());
	};
	let dir = tempfile::Builder::new().prefix("gridveil-guide-").tempdir()?;
	let root = dir.path().to_str().context("the temporary directory's path is not UTF-8")?;
	// Every absolute path of the guide (`/etc/gridveil/…`, `/var/lib/gridveil/…`)
	// moves under the temporary directory.
	let text = block.replace("= \"/", &format!("= \"{root}/"));
	let config = Config::parse(&text).context("the guide's configuration does not parse")?;
	ensure!(config.meter.source == MeterSource::Mqtt, "the guide's meter is not read over MQTT");
	ensure!(config.trading.enabled, "the guide's configuration does not trade");
	ensure!(
		!config.demand_response.programs.is_empty(),
		"the guide's configuration has no program"
	);
	let proving_key = config
		.demand_response
		.proving_key
		.as_deref()
		.context("the guide's configuration has no demand_response.proving_key")?;

	// The files it names, as the prosumer would have them.
	let named: Vec<&Path> = [
		config.keys.device_key_file.as_path(),
		config.keys.pseudonym_secret_file.as_path(),
		proving_key,
		config.store.path.as_path(),
	]
	.into_iter()
	.chain(config.demand_response.programs.iter().map(|program| program.request_file.as_path()))
	.collect();
	for path in &named {
		ensure!(
			path.starts_with(dir.path()),
			"{} is not an absolute path, so the test could not move it",
			path.display()
		);
		std::fs::create_dir_all(path.parent().context("a path without a parent")?)?;
	}
	secret_file::create(&config.keys.device_key_file, "//GuideDevice")?;
	secret_file::create(&config.keys.pseudonym_secret_file, "//GuidePseudonyms")?;
	let key = keys::setup(READINGS_PER_HOUR, &mut StdRng::seed_from_u64(7))?;
	std::fs::write(proving_key, key.to_bytes())?;
	let request = [500u64; 24];
	let request_file = serde_json::json!({ "request": request, "salt": "1" }).to_string();
	for program in &config.demand_response.programs {
		secret_file::create(&program.request_file, &request_file)?;
	}
	let config_path = dir.path().join("edge.toml");
	std::fs::write(&config_path, &text)?;
	let config_arg = config_path.to_str().context("the configuration's path is not UTF-8")?;

	let (code, output) = run_edge(&["config", "check", config_arg])?;
	ensure!(code == 0, "`gridveil-edge config check` failed ({code}):\n{output}\n{text}");
	ensure!(output.contains(": ok"), "`config check` did not say ok:\n{output}");

	// What the prosumer gives its coordinator once: a `[[members]]` entry
	// with the meter's id and one public ledger key per ledger, from which
	// the coordinator derives the pseudonyms the box signs with each day.
	let (code, output) = run_edge(&["enrol", "--config", config_arg])?;
	ensure!(code == 0, "`gridveil-edge enrol` failed ({code}):\n{output}");
	ensure!(output.starts_with("[[members]]\n"), "not a `[[members]]` entry:\n{output}");
	ensure!(
		output.contains(&format!("meter_id = {}\n", config.meter.id)),
		"no meter id:\n{output}"
	);
	let keys: Vec<String> = output
		.lines()
		.find_map(|line| line.strip_prefix("ledger_keys = ["))
		.context("no ledger_keys line")?
		.trim_end_matches(']')
		.split(", ")
		.map(|key| key.trim_matches('"').to_string())
		.collect();
	ensure!(
		keys.len() == config.trading.pseudonyms as usize,
		"{} ledger keys printed, {} configured:\n{output}",
		keys.len(),
		config.trading.pseudonyms
	);
	for (ledger, key) in keys.iter().enumerate() {
		let expected = pseudonyms::ledger_key("//GuidePseudonyms", ledger as u32)?.public_key().0;
		let expected: String = expected.iter().map(|byte| format!("{byte:02x}")).collect();
		ensure!(*key == format!("0x{expected}"), "ledger {ledger}: {key}");
	}
	// A key file others may read is refused, as the guide says.
	use std::os::unix::fs::PermissionsExt;
	std::fs::set_permissions(
		&config.keys.pseudonym_secret_file,
		std::fs::Permissions::from_mode(0o644),
	)?;
	let (code, output) = run_edge(&["enrol", "--config", config_arg])?;
	ensure!(code != 0 && output.contains("chmod 600"), "a 0644 key file was read:\n{output}");
	Ok(())
}

#[test]
fn the_aggregator_guides_commands_make_the_keys_and_the_commitment() -> Result<()> {
	let blocks = fenced_blocks("docs/aggregator-guide.md", AGGREGATOR_BLOCK)?;
	ensure!(!blocks.is_empty(), "docs/aggregator-guide.md has no `{AGGREGATOR_BLOCK}` block");
	// One shell, in order, as the guide tells the reader to run them.
	let script = blocks.join("\n");
	let dir = tempfile::Builder::new().prefix("gridveil-guide-").tempdir()?;
	let circuits = workspace_binary("gridveil-circuits", "GRIDVEIL_CIRCUITS")?;
	let binaries: PathBuf =
		circuits.parent().context("the gridveil-circuits binary has no directory")?.into();
	let search_path = std::env::join_paths(
		std::iter::once(binaries)
			.chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
	)?;
	let output = Command::new("bash")
		.args(["-euo", "pipefail", "-c", script.as_str()])
		.current_dir(dir.path())
		.env("PATH", &search_path)
		.stdin(Stdio::null())
		.output()
		.context("running bash")?;
	ensure!(
		output.status.success(),
		"the guide's commands failed ({}):\n{script}\n--- stdout\n{}\n--- stderr\n{}",
		output.status,
		String::from_utf8_lossy(&output.stdout),
		String::from_utf8_lossy(&output.stderr)
	);

	let read = |name: &str| {
		std::fs::read(dir.path().join(name))
			.with_context(|| format!("the guide's commands did not make {name}"))
	};
	// Setup: a proving key for L = 4 and its verifying key.
	let proving_key = DeviationProvingKey::from_bytes(&read("keys/deviation-L4.pk")?)?;
	ensure!(
		proving_key.readings_per_hour == 4,
		"the proving key is for L = {}",
		proving_key.readings_per_hour
	);
	let verifying_key = read("keys/deviation-L4.vk")?;
	ensure!(
		encode_verifying_key(proving_key.verifying_key()) == verifying_key,
		"deviation-L4.vk is not the verifying key of deviation-L4.pk"
	);
	// What the operator pastes into apps, and the hash KeyRegistered reports.
	let key_hex = String::from_utf8(read("keys/deviation-L4.vk.hex")?)?;
	ensure!(
		key_hex.trim() == format!("0x{}", hex(&verifying_key)),
		"deviation-L4.vk.hex is not the key's bytes: {key_hex}"
	);
	let key_hash = String::from_utf8(read("keys/deviation-L4.vk.b2")?)?;
	let expected_hash = hex(&BlakeTwo256.hash(&verifying_key).0);
	ensure!(
		key_hash.split_whitespace().next() == Some(expected_hash.as_str()),
		"deviation-L4.vk.b2 is not the key's blake2-256 ({expected_hash}): {key_hash}"
	);
	// The commitment for offer_program, and the request file the box loads.
	let printed = String::from_utf8(read("commitment.txt")?)?;
	let commitment = printed
		.lines()
		.find_map(|line| line.strip_prefix("commitment 0x"))
		.context("commitment.txt has no `commitment 0x…` line")?;
	ensure!(
		commitment.len() == 64 && commitment.bytes().all(|byte| byte.is_ascii_hexdigit()),
		"not 32 bytes of hex: {commitment}"
	);
	// The box loads it as the secret it is: only its owner may read it.
	let secret = ProgramSecret::load(&dir.path().join("prosumer-request.json"))
		.context("prosumer-request.json is not a request file the edge box can load")?;
	let opened = hex(&scalar_to_bytes(&poseidon::commitment(&secret.request, secret.salt)));
	ensure!(
		opened == commitment,
		"prosumer-request.json opens {opened}, the guide printed {commitment}"
	);
	Ok(())
}
