//! GridVeil's zero-knowledge circuits.
//!
//! - [`deviation`]: the hourly demand-response deviation circuit and its
//!   public inputs, defined once for prover, verifier and pallet;
//! - [`poseidon`]: circomlib-compatible Poseidon, native and in R1CS, with the
//!   commitment and fingerprint definitions;
//! - [`range`]: range checks;
//! - [`keys`]: setup, prove, verify and key files;
//! - [`encoding`]: snarkjs and ZoKrates import/export.
pub mod deviation;
pub mod encoding;
pub mod fixture;
pub mod keys;
pub mod poseidon;
pub mod range;

pub use deviation::{DeviationCircuit, PublicInputs, Witness, PUBLIC_INPUTS, READINGS_PER_HOUR};
pub use keys::{prove, setup, verify, DeviationProvingKey};
