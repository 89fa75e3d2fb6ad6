//! `gridveil-circuits`: setup, prove, verify, and key/proof conversion.
//!
//! ```text
//! gridveil-circuits setup  --readings-per-hour 4 --out-dir keys/
//! gridveil-circuits commit --request request.json
//! gridveil-circuits prove  --proving-key keys/deviation-L4.pk --witness hour.json --out-dir proof/
//! gridveil-circuits verify --verifying-key keys/deviation-L4.vk --proof proof/proof.bin --public proof/public.bin
//! gridveil-circuits export --format snarkjs --verifying-key keys/deviation-L4.vk --out-dir snarkjs/
//! gridveil-circuits import --format snarkjs --verifying-key verification_key.json --out-dir keys/
//! ```
//! Binary files are the chain's encodings: `*.vk` the compressed verifying key
//! (`ZkVerifier::register_key` takes exactly these bytes), `proof.bin` the
//! 128-byte compressed proof, `public.bin` 32 bytes per public input.
use anyhow::{bail, Context, Result};
use ark_bn254::Fr;
use ark_std::UniformRand;
use clap::{Parser, Subcommand, ValueEnum};
use gridveil_circuits::{
	deviation,
	encoding::{
		parse_field, scalars_to_snarkjs_public, snarkjs_public_to_scalars, to_decimal,
		SnarkjsProof, SnarkjsVerificationKey, ZokratesProof, ZokratesVerificationKey,
	},
	keys, poseidon, DeviationProvingKey, Witness,
};
use gridveil_groth16::{
	decode_inputs, decode_proof, decode_verifying_key, encode_proof, encode_verifying_key,
	scalar_to_bytes, PreparedKey, Proof, VerifyingKey,
};
use rand::rngs::OsRng;
use serde::Deserialize;
use std::{
	fs,
	path::{Path, PathBuf},
};

#[derive(Parser)]
#[command(
	name = "gridveil-circuits",
	version,
	about = "GridVeil's deviation circuit: setup, prove, verify, import and export keys and proofs"
)]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

/// Formats of keys and proofs outside the chain.
#[derive(Clone, Copy, ValueEnum)]
enum Format {
	/// snarkjs `verification_key.json`, `proof.json`, `public.json`.
	Snarkjs,
	/// ZoKrates `verification.key`, `proof.json` (inputs inside).
	Zokrates,
}

#[derive(Subcommand)]
enum Command {
	/// Runs the Groth16 setup for L readings per hour; writes `deviation-L{L}.pk` and `.vk`.
	Setup {
		/// Readings per hour (4 for 15-minute meters).
		#[arg(long, default_value_t = gridveil_circuits::READINGS_PER_HOUR)]
		readings_per_hour: usize,
		/// Where to write the keys.
		#[arg(long)]
		out_dir: PathBuf,
	},
	/// Commits to a 24-hour request for `DemandResponse::offer_program`: prints
	/// the commitment (0x-hex, as polkadot.js apps takes it) and the salt. The
	/// request and the salt go to the prosumer privately; only the commitment
	/// goes on chain.
	Commit {
		/// JSON: `{"request": [24 values, Wh], "salt": "decimal"}`; without a
		/// salt, a random one is drawn.
		#[arg(long)]
		request: PathBuf,
	},
	/// Proves one program hour from a witness file; writes `proof.bin` and `public.bin`.
	Prove {
		/// The proving key from `setup`.
		#[arg(long)]
		proving_key: PathBuf,
		/// JSON: `{"program_id", "hour", "previous_fingerprint", "request": [24], "salt",
		/// "readings": [L], "blinding"}` (field elements as decimal strings).
		#[arg(long)]
		witness: PathBuf,
		/// Where to write the proof and its public inputs.
		#[arg(long)]
		out_dir: PathBuf,
	},
	/// Verifies a proof exactly as the chain does; exits non-zero if it is not valid.
	Verify {
		/// The verifying key (`.vk`, or a snarkjs/ZoKrates document with `--format`).
		#[arg(long)]
		verifying_key: PathBuf,
		/// The proof (`proof.bin`, or a snarkjs/ZoKrates document with `--format`).
		#[arg(long)]
		proof: PathBuf,
		/// The public inputs (`public.bin` or snarkjs `public.json`; ZoKrates keeps them in the proof).
		#[arg(long)]
		public: Option<PathBuf>,
		/// Format of the three files when they are not the chain's binaries.
		#[arg(long)]
		format: Option<Format>,
	},
	/// Writes a key (and optionally a proof and its inputs) in another tool's format.
	Export {
		/// Target format.
		#[arg(long)]
		format: Format,
		/// The verifying key (`.vk`).
		#[arg(long)]
		verifying_key: PathBuf,
		/// A proof (`proof.bin`) to export too.
		#[arg(long, requires = "public")]
		proof: Option<PathBuf>,
		/// Its public inputs (`public.bin`).
		#[arg(long)]
		public: Option<PathBuf>,
		/// Where to write the documents.
		#[arg(long)]
		out_dir: PathBuf,
	},
	/// Reads another tool's key (and proof) and writes the chain's binaries.
	Import {
		/// Source format.
		#[arg(long)]
		format: Format,
		/// `verification_key.json` (snarkjs) or `verification.key` (ZoKrates).
		#[arg(long)]
		verifying_key: Option<PathBuf>,
		/// `proof.json` of either tool.
		#[arg(long)]
		proof: Option<PathBuf>,
		/// `public.json` (snarkjs only).
		#[arg(long)]
		public: Option<PathBuf>,
		/// Where to write `verifying_key.vk`, `proof.bin`, `public.bin`.
		#[arg(long)]
		out_dir: PathBuf,
	},
}

/// The witness file of `prove`.
#[derive(Deserialize)]
struct WitnessFile {
	program_id: u64,
	hour: u32,
	#[serde(with = "gridveil_circuits::encoding::decimal_scalar")]
	previous_fingerprint: Fr,
	#[serde(flatten)]
	witness: Witness,
}

#[derive(Deserialize)]
struct RequestFile {
	request: [u64; poseidon::HOURS],
	salt: Option<String>,
}

fn read(path: &Path) -> Result<Vec<u8>> {
	fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
	serde_json::from_slice(&read(path)?).with_context(|| format!("parsing {}", path.display()))
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> Result<()> {
	fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
	let path = dir.join(name);
	fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
	println!("wrote {}", path.display());
	Ok(())
}

fn write_json(dir: &Path, name: &str, value: &impl serde::Serialize) -> Result<()> {
	write(dir, name, serde_json::to_string_pretty(value)? + "\n")
}

fn read_verifying_key(path: &Path) -> Result<VerifyingKey> {
	decode_verifying_key(&read(path)?)
		.map_err(|error| anyhow::anyhow!("{}: {error:?}", path.display()))
}

fn read_proof(path: &Path) -> Result<Proof> {
	decode_proof(&read(path)?).map_err(|error| anyhow::anyhow!("{}: {error:?}", path.display()))
}

fn read_public(path: &Path) -> Result<Vec<Fr>> {
	decode_inputs(&read(path)?).map_err(|error| anyhow::anyhow!("{}: {error:?}", path.display()))
}

fn public_bytes(inputs: &[Fr]) -> Vec<u8> {
	inputs.iter().flat_map(scalar_to_bytes).collect()
}

/// Loads key, proof and inputs in the given format.
fn load(
	format: Option<Format>,
	key: &Path,
	proof: &Path,
	public: Option<&Path>,
) -> Result<(VerifyingKey, Proof, Vec<Fr>)> {
	let public_required = || public.context("--public is required for this format");
	Ok(match format {
		None => (read_verifying_key(key)?, read_proof(proof)?, read_public(public_required()?)?),
		Some(Format::Snarkjs) => {
			let public: Vec<String> = read_json(public_required()?)?;
			(
				read_json::<SnarkjsVerificationKey>(key)?.to_key()?,
				read_json::<SnarkjsProof>(proof)?.to_proof()?,
				snarkjs_public_to_scalars(&public)?,
			)
		},
		Some(Format::Zokrates) => {
			let (proof, inputs) = read_json::<ZokratesProof>(proof)?.to_proof()?;
			(read_json::<ZokratesVerificationKey>(key)?.to_key()?, proof, inputs)
		},
	})
}

fn main() -> Result<()> {
	match Cli::parse().command {
		Command::Setup { readings_per_hour, out_dir } => {
			if readings_per_hour == 0 {
				bail!("--readings-per-hour must be at least 1");
			}
			let key = keys::setup(readings_per_hour, &mut OsRng)?;
			write(&out_dir, &format!("deviation-L{readings_per_hour}.pk"), key.to_bytes())?;
			write(
				&out_dir,
				&format!("deviation-L{readings_per_hour}.vk"),
				encode_verifying_key(key.verifying_key()),
			)?;
		},
		Command::Commit { request } => {
			let file: RequestFile = read_json(&request)?;
			if file.request.iter().any(|&value| value >= 1 << deviation::VALUE_BITS) {
				bail!("a requested hour exceeds 2^{} Wh", deviation::VALUE_BITS);
			}
			let salt = match file.salt {
				Some(text) => parse_field::<Fr>(&text).context("the salt")?,
				None => Fr::rand(&mut OsRng),
			};
			let commitment = poseidon::commitment(&file.request, salt);
			println!("commitment 0x{}", hex::encode(scalar_to_bytes(&commitment)));
			println!("salt {}", to_decimal(&salt));
		},
		Command::Prove { proving_key, witness, out_dir } => {
			let key = DeviationProvingKey::from_bytes(&read(&proving_key)?)?;
			let file: WitnessFile = read_json(&witness)?;
			let (public, proof) = keys::prove(
				&key,
				file.program_id,
				file.hour,
				file.previous_fingerprint,
				&file.witness,
				&mut OsRng,
			)?;
			write(&out_dir, "proof.bin", encode_proof(&proof))?;
			write(&out_dir, "public.bin", public.to_bytes())?;
			println!(
				"deviation {} Wh, fingerprint {}",
				public.deviation,
				hex::encode(scalar_to_bytes(&public.fingerprint))
			);
		},
		Command::Verify { verifying_key, proof, public, format } => {
			let (key, proof, inputs) = load(format, &verifying_key, &proof, public.as_deref())?;
			let prepared = PreparedKey::from_verifying_key(&key);
			match prepared.verify(&proof, &inputs) {
				Ok(true) => println!("valid"),
				Ok(false) => bail!("invalid: the pairing check fails"),
				Err(error) => bail!("rejected: {error:?}"),
			}
		},
		Command::Export { format, verifying_key, proof, public, out_dir } => {
			let key = read_verifying_key(&verifying_key)?;
			let proven = match (proof, public) {
				(Some(proof), Some(public)) => Some((read_proof(&proof)?, read_public(&public)?)),
				_ => None,
			};
			match format {
				Format::Snarkjs => {
					write_json(
						&out_dir,
						"verification_key.json",
						&SnarkjsVerificationKey::from_key(&key),
					)?;
					if let Some((proof, inputs)) = proven {
						write_json(&out_dir, "proof.json", &SnarkjsProof::from_proof(&proof))?;
						write_json(&out_dir, "public.json", &scalars_to_snarkjs_public(&inputs))?;
					}
				},
				Format::Zokrates => {
					write_json(
						&out_dir,
						"verification.key",
						&ZokratesVerificationKey::from_key(&key),
					)?;
					if let Some((proof, inputs)) = proven {
						write_json(
							&out_dir,
							"proof.json",
							&ZokratesProof::from_proof(&proof, &inputs),
						)?;
					}
				},
			}
		},
		Command::Import { format, verifying_key, proof, public, out_dir } => {
			if let Some(path) = verifying_key {
				let key = match format {
					Format::Snarkjs => read_json::<SnarkjsVerificationKey>(&path)?.to_key()?,
					Format::Zokrates => read_json::<ZokratesVerificationKey>(&path)?.to_key()?,
				};
				let bytes = encode_verifying_key(&key);
				write(&out_dir, "verifying_key.vk", &bytes)?;
				println!("register with ZkVerifier::register_key: 0x{}", hex::encode(&bytes));
			}
			if let Some(path) = proof {
				let (proof, inputs) = match format {
					Format::Snarkjs => {
						let public = public
							.as_deref()
							.context("--public is required with a snarkjs proof")?;
						let public: Vec<String> = read_json(public)?;
						(
							read_json::<SnarkjsProof>(&path)?.to_proof()?,
							snarkjs_public_to_scalars(&public)?,
						)
					},
					Format::Zokrates => read_json::<ZokratesProof>(&path)?.to_proof()?,
				};
				write(&out_dir, "proof.bin", encode_proof(&proof))?;
				write(&out_dir, "public.bin", public_bytes(&inputs))?;
			}
		},
	}
	Ok(())
}
