//! `gridveil-coordinator`: a prosumer group's coordinator as a service.
use std::{path::PathBuf, process::ExitCode};

use anyhow::Result;
use clap::{Parser, Subcommand};
use gridveil_coordinator::{config::Config, daemon, members};
use gridveil_offchain::config_file::ConfigFile;

/// A group's coordinator: registers each day's pseudonyms and checks shares
/// against the meters.
#[derive(Parser)]
#[command(name = "gridveil-coordinator", version, about)]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Runs the service.
	Run {
		/// The configuration file.
		#[arg(long, short)]
		config: PathBuf,
	},
	/// Checks a configuration and its member file, or prints an example.
	Config {
		#[command(subcommand)]
		command: ConfigCommand,
	},
}

#[derive(Subcommand)]
enum ConfigCommand {
	/// Parses and checks a configuration, its key file and its member file.
	Check {
		/// The configuration file.
		path: PathBuf,
	},
	/// Prints an example configuration.
	Example,
}

#[tokio::main]
async fn main() -> ExitCode {
	tracing_subscriber::fmt()
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
		)
		.with_writer(std::io::stderr)
		.init();
	match run(Cli::parse()).await {
		Ok(code) => code,
		Err(error) => {
			eprintln!("gridveil-coordinator: {error:#}");
			ExitCode::from(2)
		},
	}
}

async fn run(cli: Cli) -> Result<ExitCode> {
	match cli.command {
		Command::Run { config } => {
			daemon::run(Config::load(&config)?).await?;
		},
		Command::Config { command: ConfigCommand::Check { path } } => {
			let config = Config::load(&path)?;
			daemon::load_key(&config.group.key_file)?;
			let members = members::load(&config.group.members_file)?;
			println!("{}: ok ({} members)", path.display(), members.len());
		},
		Command::Config { command: ConfigCommand::Example } => {
			print!("{}", gridveil_coordinator::config::EXAMPLE);
		},
	}
	Ok(ExitCode::SUCCESS)
}
