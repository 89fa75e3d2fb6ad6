//! A role's one TOML configuration file: read, parsed into the role's schema
//! (unknown fields refused), then checked for what a schema cannot say.
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
	/// The file cannot be read.
	#[error("cannot read {path}: {source}")]
	Read {
		/// The file.
		path: PathBuf,
		/// Why.
		source: std::io::Error,
	},
	/// The file is not valid TOML for this schema.
	#[error("{path} is not a valid {program} configuration: {source}")]
	Parse {
		/// The file.
		path: PathBuf,
		/// Whose configuration it should be.
		program: &'static str,
		/// Why.
		source: Box<toml::de::Error>,
	},
	/// A value is out of its range.
	#[error("{0}")]
	Invalid(String),
}

/// A role's configuration schema.
pub trait ConfigFile: DeserializeOwned {
	/// The program it configures, for messages.
	const PROGRAM: &'static str;

	/// Checks the values a TOML schema cannot.
	fn check(&self) -> Result<(), ConfigError>;

	/// Parses TOML without checking ranges.
	fn parse(text: &str) -> Result<Self, toml::de::Error> {
		toml::from_str(text)
	}

	/// Reads, parses and checks a configuration file.
	fn load(path: &Path) -> Result<Self, ConfigError> {
		let text = std::fs::read_to_string(path)
			.map_err(|source| ConfigError::Read { path: path.into(), source })?;
		let config = Self::parse(&text).map_err(|source| ConfigError::Parse {
			path: path.into(),
			program: Self::PROGRAM,
			source: Box::new(source),
		})?;
		config.check()?;
		Ok(config)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[derive(Debug, serde::Deserialize)]
	#[serde(deny_unknown_fields)]
	struct Example {
		port: u16,
	}

	impl ConfigFile for Example {
		const PROGRAM: &'static str = "example";

		fn check(&self) -> Result<(), ConfigError> {
			if self.port == 0 {
				return Err(ConfigError::Invalid("port must not be 0".into()));
			}
			Ok(())
		}
	}

	#[test]
	fn a_file_is_read_parsed_and_checked_with_its_own_error_each() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("example.toml");
		assert!(matches!(Example::load(&path), Err(ConfigError::Read { .. })));
		std::fs::write(&path, "port = 80\nhost = \"x\"\n").unwrap();
		let parse = Example::load(&path).unwrap_err().to_string();
		assert!(parse.contains("not a valid example configuration"), "{parse}");
		std::fs::write(&path, "port = 0\n").unwrap();
		assert!(matches!(Example::load(&path), Err(ConfigError::Invalid(_))));
		std::fs::write(&path, "port = 80\n").unwrap();
		assert_eq!(Example::load(&path).unwrap().port, 80);
	}
}
