//! Key files. A file holding a secret (a key, a pseudonym secret, a pairing
//! secret, a coordinator's member list) must be readable by its owner only:
//! reading refuses one that its group or others may read (as ssh does), and
//! writing creates it with mode 0600 and never overwrites.
use std::{
	io::Write,
	os::unix::fs::{OpenOptionsExt, PermissionsExt},
	path::{Path, PathBuf},
};

/// Why a secret file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SecretFileError {
	/// Group or others may read it: the secret must be assumed known.
	#[error(
		"{path} is readable by its group or others (mode {mode:o}): run `chmod 600 {path}` \
		 (and replace the secret if others may have read it)"
	)]
	TooOpen {
		/// The file.
		path: PathBuf,
		/// Its permission bits.
		mode: u32,
	},
	/// Reading or writing failed.
	#[error("{path}: {source}")]
	Io {
		/// The file.
		path: PathBuf,
		/// What went wrong.
		source: std::io::Error,
	},
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SecretFileError + '_ {
	move |source| SecretFileError::Io { path: path.to_path_buf(), source }
}

/// Reads a secret file, trimmed, if only its owner may read it. Under a
/// systemd unit that loads it as a credential (`LoadCredential=<file
/// name>:<path>`), the credential is read instead: the service's user then
/// never needs to read the original, which can stay root's.
pub fn read(path: &Path) -> Result<String, SecretFileError> {
	let credential = std::env::var_os("CREDENTIALS_DIRECTORY")
		.zip(path.file_name())
		.map(|(dir, name)| Path::new(&dir).join(name))
		.filter(|candidate| candidate.is_file());
	read_file(credential.as_deref().unwrap_or(path))
}

fn read_file(path: &Path) -> Result<String, SecretFileError> {
	let mode = std::fs::metadata(path).map_err(io(path))?.permissions().mode() & 0o777;
	if mode & 0o077 != 0 {
		return Err(SecretFileError::TooOpen { path: path.to_path_buf(), mode });
	}
	Ok(std::fs::read_to_string(path).map_err(io(path))?.trim().to_string())
}

/// Creates `path` with mode 0600 holding `text` and a newline; refuses to
/// overwrite a file that exists.
pub fn create(path: &Path, text: &str) -> Result<(), SecretFileError> {
	let mut file = std::fs::OpenOptions::new()
		.write(true)
		.create_new(true)
		.mode(0o600)
		.open(path)
		.map_err(io(path))?;
	writeln!(file, "{text}").map_err(io(path))?;
	file.sync_all().map_err(io(path))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_secret_file_is_created_private_and_read_back() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("pseudonyms.key");
		create(&path, "//Bob").unwrap();
		assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
		assert_eq!(read(&path).unwrap(), "//Bob");
		assert!(matches!(create(&path, "//Eve"), Err(SecretFileError::Io { .. })));
		assert_eq!(read(&path).unwrap(), "//Bob");
	}

	#[test]
	fn a_secret_file_others_may_read_is_refused() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("device.key");
		std::fs::write(&path, "//Dave\n").unwrap();
		for mode in [0o644, 0o640, 0o604, 0o660] {
			std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
			match read(&path) {
				Err(SecretFileError::TooOpen { mode: found, .. }) => assert_eq!(found, mode),
				other => panic!("mode {mode:o}: {other:?}"),
			}
		}
		std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
		assert_eq!(read(&path).unwrap(), "//Dave");
	}
}
