//! Real deviation proofs for the load generator, made once and cached.
//!
//! Program `i` of a load run is the `i`-th program offered on a fresh chain,
//! so its id is `i` on every run, and its request, salt and readings are
//! derived from `i`: the proof of its hour 0 is the same statement on every
//! fresh chain and can be proven once. Proving (about 0.25 s a proof on two
//! cores) is not what the load generator measures.
//!
//! The cache is one append-only file of fixed-size entries next to the
//! proving key (made from a fixed seed, so the two always match); an entry
//! cut short by a crash is dropped and proven again.

use std::{
	fs::{File, OpenOptions},
	io::{Read, Write},
	path::{Path, PathBuf},
	time::Instant,
};

use anyhow::{ensure, Context, Result};
use ark_bn254::Fr;
use blake2::{digest::consts::U32, Blake2b, Digest};
use gridveil_circuits::{keys, poseidon, DeviationProvingKey, Witness, READINGS_PER_HOUR};
use gridveil_groth16::{encode_proof, encode_verifying_key, scalar_to_bytes};
use rand::{rngs::StdRng, SeedableRng};

/// The seed of the load generator's trusted setup (a test key, never a real one).
const SETUP_SEED: u64 = 0x6c6f_6164_6765_6e31;

/// Bytes of one cached entry: program id, deviation, fingerprint, proof.
const ENTRY_BYTES: usize = 8 + 8 + 32 + 128;

/// One program's hour-0 submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedProof {
	/// The program (its position in the run's offers).
	pub program_id: u64,
	/// The proven deviation, Wh.
	pub deviation: u64,
	/// The fingerprint after hour 0.
	pub fingerprint: [u8; 32],
	/// The compressed proof.
	pub proof: [u8; 128],
}

impl CachedProof {
	fn to_bytes(&self) -> [u8; ENTRY_BYTES] {
		let mut out = [0u8; ENTRY_BYTES];
		out[..8].copy_from_slice(&self.program_id.to_le_bytes());
		out[8..16].copy_from_slice(&self.deviation.to_le_bytes());
		out[16..48].copy_from_slice(&self.fingerprint);
		out[48..].copy_from_slice(&self.proof);
		out
	}

	fn from_bytes(bytes: &[u8]) -> Option<Self> {
		Some(Self {
			program_id: u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?),
			deviation: u64::from_le_bytes(bytes.get(8..16)?.try_into().ok()?),
			fingerprint: bytes.get(16..48)?.try_into().ok()?,
			proof: bytes.get(48..ENTRY_BYTES)?.try_into().ok()?,
		})
	}
}

/// Where the cache lives: `$CARGO_TARGET_DIR/loadgen` (the Makefile's default
/// target folder, `~/.cache/gridveil-target`, when it is not set).
pub fn default_dir() -> PathBuf {
	let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| {
		let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
		home.join(".cache/gridveil-target")
	});
	target.join("loadgen")
}

/// Program `program_id`'s private witness for hour 0: a 24-hour request of
/// 400 to 1,299 Wh, a salt, four quarter-hour readings of 50 to 299 Wh, and
/// a blinding of its own (the load's meters are not simulated: nothing checks
/// which meter blinded the hour).
pub fn witness(program_id: u64) -> Witness {
	Witness {
		request: core::array::from_fn(|hour| 400 + (program_id * 37 + hour as u64 * 11) % 900),
		salt: Fr::from(program_id) * Fr::from(0x9e37_79b9_7f4a_7c15u64) + Fr::from(1u64),
		readings: (0..READINGS_PER_HOUR as u64)
			.map(|quarter| 50 + (program_id * 13 + quarter * 29) % 250)
			.collect(),
		blinding: Fr::from(program_id) * Fr::from(0x5851_f42d_4c95_7f2du64) + Fr::from(7u64),
	}
}

/// Program `program_id`'s commitment, as `offer_program` takes it.
pub fn commitment(program_id: u64) -> [u8; 32] {
	let witness = witness(program_id);
	scalar_to_bytes(&poseidon::commitment(&witness.request, witness.salt))
}

/// The cached proving key's file, named for the circuit's version: a key of
/// another circuit version proves nothing here.
pub const KEY_FILE: &str = "deviation-v2-L4.pk";

/// The cache: the proving key and the proofs made so far.
pub struct ProofCache {
	key: DeviationProvingKey,
	proofs_path: PathBuf,
	proofs: Vec<CachedProof>,
}

impl ProofCache {
	/// Opens (or starts) the cache in `dir`.
	pub fn open(dir: &Path) -> Result<Self> {
		std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
		let key_path = dir.join(KEY_FILE);
		let key = match std::fs::read(&key_path) {
			Ok(bytes) => DeviationProvingKey::from_bytes(&bytes)
				.with_context(|| format!("{} is not a proving key", key_path.display()))?,
			Err(_) => {
				let key = keys::setup(READINGS_PER_HOUR, &mut StdRng::seed_from_u64(SETUP_SEED))?;
				std::fs::write(&key_path, key.to_bytes())?;
				key
			},
		};
		// A new key makes a new proof file: old proofs are not valid under it.
		let key_hash = Blake2b::<U32>::digest(encode_verifying_key(key.verifying_key()));
		let proofs_path = dir.join(format!("proofs-hour0-{}.bin", hex_prefix(&key_hash)));
		let mut bytes = Vec::new();
		if let Ok(mut file) = File::open(&proofs_path) {
			file.read_to_end(&mut bytes)?;
		}
		let whole = bytes.len() / ENTRY_BYTES * ENTRY_BYTES;
		if whole != bytes.len() {
			// A crash cut the last entry short: drop it.
			OpenOptions::new().write(true).open(&proofs_path)?.set_len(whole as u64)?;
		}
		let proofs: Vec<CachedProof> =
			bytes[..whole].chunks_exact(ENTRY_BYTES).filter_map(CachedProof::from_bytes).collect();
		for (index, proof) in proofs.iter().enumerate() {
			ensure!(proof.program_id == index as u64, "{} is out of order", proofs_path.display());
		}
		Ok(Self { key, proofs_path, proofs })
	}

	/// The compressed verifying key to register on chain.
	pub fn verifying_key(&self) -> Vec<u8> {
		encode_verifying_key(self.key.verifying_key())
	}

	/// Proofs cached so far.
	pub fn len(&self) -> usize {
		self.proofs.len()
	}

	/// Whether nothing is cached yet.
	pub fn is_empty(&self) -> bool {
		self.proofs.is_empty()
	}

	/// The proofs of programs `0..count`, proving (and caching) the missing
	/// ones first; `say` hears progress.
	pub fn proofs(&mut self, count: usize, say: impl Fn(&str)) -> Result<&[CachedProof]> {
		let missing = count.saturating_sub(self.proofs.len());
		if missing > 0 {
			say(&format!(
				"proving {missing} hour-0 proofs (programs {} to {}) into {}",
				self.proofs.len(),
				count - 1,
				self.proofs_path.display()
			));
			let mut file = OpenOptions::new().create(true).append(true).open(&self.proofs_path)?;
			let started = Instant::now();
			for done in 0..missing {
				let program_id = self.proofs.len() as u64;
				let proof = self.prove(program_id)?;
				file.write_all(&proof.to_bytes())?;
				self.proofs.push(proof);
				if (done + 1) % 100 == 0 || done + 1 == missing {
					file.sync_data()?;
					let each = started.elapsed().as_secs_f64() / (done + 1) as f64;
					say(&format!(
						"  {}/{missing} proven, {:.0} ms a proof, {:.0} s to go",
						done + 1,
						each * 1e3,
						each * (missing - done - 1) as f64
					));
				}
			}
		}
		Ok(&self.proofs[..count])
	}

	fn prove(&self, program_id: u64) -> Result<CachedProof> {
		let mut rng = StdRng::seed_from_u64(program_id);
		let (public, proof) =
			keys::prove(&self.key, program_id, 0, Fr::from(0u64), &witness(program_id), &mut rng)?;
		Ok(CachedProof {
			program_id,
			deviation: public.deviation,
			fingerprint: scalar_to_bytes(&public.fingerprint),
			proof: encode_proof(&proof),
		})
	}
}

fn hex_prefix(bytes: &[u8]) -> String {
	bytes.iter().take(6).map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn cached_proofs_verify_and_survive_a_torn_write() {
		let dir = tempfile::tempdir().unwrap();
		let mut cache = ProofCache::open(dir.path()).unwrap();
		let proofs = cache.proofs(2, |_| {}).unwrap().to_vec();
		let key = gridveil_groth16::PreparedKey::from_verifying_key_bytes(&cache.verifying_key())
			.unwrap();
		for proof in &proofs {
			let inputs: Vec<u8> = [
				gridveil_groth16::scalar_bytes_from_u64(proof.program_id),
				commitment(proof.program_id),
				gridveil_groth16::scalar_bytes_from_u64(0),
				gridveil_groth16::scalar_bytes_from_u64(proof.deviation),
				[0; 32],
				proof.fingerprint,
			]
			.concat();
			assert_eq!(
				gridveil_groth16::verify(&key.encode(), &proof.proof, &inputs),
				Ok(true),
				"program {}",
				proof.program_id
			);
		}
		// A torn third entry is dropped on reopening; the first two stay.
		let path = cache.proofs_path.clone();
		let mut file = OpenOptions::new().append(true).open(&path).unwrap();
		file.write_all(&[7u8; 50]).unwrap();
		let reopened = ProofCache::open(dir.path()).unwrap();
		assert_eq!(reopened.proofs, proofs);
		assert_eq!(std::fs::metadata(&path).unwrap().len(), 2 * ENTRY_BYTES as u64);
	}
}
