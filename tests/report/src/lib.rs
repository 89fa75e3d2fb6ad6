//! What the evaluation binaries (`gridveil-loadgen`, `gridveil-privacy`)
//! read and write: their files' options ([`files`]), results files
//! ([`results_file`]) and line charts ([`plot`]).

pub mod files;
pub mod plot;
pub mod results_file;
