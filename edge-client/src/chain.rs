//! The chain as the box sees it, through subxt 0.51 and standard metadata:
//! program state and day prices from the runtime APIs, account nonces at the
//! best and the finalized block, signing and raw submission.
use subxt::{
	config::{PolkadotExtrinsicParamsBuilder, RpcConfigFor},
	dynamic,
	ext::scale_decode::{self, DecodeAsType},
	rpcs::{methods::LegacyRpcMethods, RpcClient},
	utils::AccountId32,
	OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

/// GridVeil's transaction format is Polkadot's: `MultiAddress<AccountId32, ()>`,
/// `MultiSignature`, u32 nonces and the standard transaction extensions.
pub type GridVeilConfig = PolkadotConfig;
/// A subxt client.
pub type Client = OnlineClient<GridVeilConfig>;
/// The client's view at one block.
pub type AtBlock = subxt::client::OnlineClientAtBlock<GridVeilConfig>;
/// The node's legacy JSON-RPC methods.
pub type Rpc = LegacyRpcMethods<RpcConfigFor<GridVeilConfig>>;
/// A BN254 scalar as the chain stores it.
pub type Scalar = [u8; 32];

/// Why talking to the chain failed (the outbox retries every one of them).
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
	/// subxt failed (connection, decoding, runtime API).
	#[error("chain: {0}")]
	Subxt(String),
	/// The node lacks something it should have.
	#[error("chain: {0}")]
	Missing(String),
}

fn subxt_error(error: impl std::fmt::Display) -> ChainError {
	ChainError::Subxt(error.to_string())
}

/// `DemandResponse` program status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType, serde::Serialize)]
#[decode_as_type(crate_path = "scale_decode")]
pub enum ProgramStatus {
	/// Waiting for the prosumer.
	Offered,
	/// Running.
	Active,
	/// Settled.
	Completed,
	/// Ended by an invalid proof.
	Forfeited,
}

/// A program as the runtime API returns it.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct Program {
	/// Who offered it.
	pub aggregator: AccountId32,
	/// Who delivers.
	pub prosumer: AccountId32,
	/// Verifying key id.
	pub key_id: u32,
	/// Commitment to the request.
	pub commitment: Scalar,
	/// Reward.
	pub reward: u128,
	/// Penalty per Wh.
	pub rate_per_wh: u128,
	/// Start of hour 0 (ms).
	pub start: u64,
	/// Hours.
	pub hours: u32,
	/// Status.
	pub status: ProgramStatus,
	/// Escrow left.
	pub escrow: u128,
	/// The hour the next deviation is for.
	pub next_hour: u32,
	/// The next proof's previous fingerprint.
	pub last_fingerprint: Scalar,
}

/// One registered hour.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct HourRecord {
	/// Deviation, Wh.
	pub deviation: u64,
	/// Fingerprint after the hour.
	pub fingerprint: Scalar,
	/// Penalty paid.
	pub penalty: u128,
}

/// `DemandResponseApi::program`.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct ProgramState {
	/// The program.
	pub program: Program,
	/// Registered hours in order.
	pub hours: Vec<(u32, HourRecord)>,
	/// Hour length, ms.
	pub hour_length: u64,
	/// When settlement is due, ms.
	pub due: u64,
}

/// A trading day's phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub enum DayPhase {
	/// Producers bid.
	Bidding,
	/// Shares are reported.
	Trading,
	/// Being liquidated.
	Liquidating {
		/// Next page.
		next_page: u32,
		/// Pages.
		pages: u32,
		/// Nodes.
		nodes: u32,
	},
	/// Done.
	Liquidated,
}

/// `EnergyMarketApi::day_prices`.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct DayPrices {
	/// Phase.
	pub phase: DayPhase,
	/// Price per kWh of each slot.
	pub prices_per_kwh: Vec<u128>,
	/// Slot length, ms.
	pub slot_length_ms: u64,
}

/// A report's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub enum ReportStatus {
	/// Not checked.
	Unverified,
	/// Confirmed.
	Verified,
	/// Excluded.
	Flagged,
}

/// One share report.
#[derive(Clone, Copy, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct Report {
	/// Wh.
	pub energy_wh: i64,
	/// Status.
	pub status: ReportStatus,
}

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct AccountInfo {
	nonce: u32,
}

/// What the pool said to a submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Submitted {
	/// Accepted into the pool (or already there).
	Accepted,
	/// Its nonce is used: it (this very extrinsic, see the outbox) is in a block.
	Stale,
	/// Refused for good (a closed window, an unpaid fee…).
	Invalid(String),
}

/// A connection to a node.
pub struct Chain {
	client: Client,
	rpc: Rpc,
}

impl Chain {
	/// Connects over plain WebSocket (a node on the LAN).
	pub async fn connect(url: &str) -> Result<Self, ChainError> {
		let client = Client::from_insecure_url(url).await.map_err(subxt_error)?;
		let rpc = Rpc::new(RpcClient::from_insecure_url(url).await.map_err(subxt_error)?);
		Ok(Self { client, rpc })
	}

	/// The best block.
	pub async fn best(&self) -> Result<AtBlock, ChainError> {
		let header = self
			.rpc
			.chain_get_header(None)
			.await
			.map_err(subxt_error)?
			.ok_or_else(|| ChainError::Missing("no best block".into()))?;
		self.client.at_block(header.number).await.map_err(subxt_error)
	}

	/// The last finalized block.
	pub async fn finalized(&self) -> Result<AtBlock, ChainError> {
		self.client.at_current_block().await.map_err(subxt_error)
	}

	/// The block's number.
	pub fn number(block: &AtBlock) -> u64 {
		block.block_number()
	}

	/// The block timestamp, ms.
	pub async fn time_at(block: &AtBlock) -> Result<u64, ChainError> {
		let address = dynamic::storage::<(), u64>("Timestamp", "Now");
		let value = block.storage().fetch(address, ()).await.map_err(subxt_error)?;
		value.decode().map_err(subxt_error)
	}

	/// An account's nonce at `block`.
	pub async fn nonce_at(block: &AtBlock, who: &AccountId32) -> Result<u64, ChainError> {
		let address = dynamic::storage::<(AccountId32,), AccountInfo>("System", "Account");
		let value = block.storage().fetch(address, (who.clone(),)).await.map_err(subxt_error)?;
		Ok(u64::from(value.decode().map_err(subxt_error)?.nonce))
	}

	/// A program's public state.
	pub async fn program(
		block: &AtBlock,
		program_id: u64,
	) -> Result<Option<ProgramState>, ChainError> {
		let call = dynamic::runtime_api_call::<_, Option<ProgramState>>(
			"DemandResponseApi",
			"program",
			(program_id,),
		);
		block.runtime_apis().call(call).await.map_err(subxt_error)
	}

	/// A trading day's phase and prices.
	pub async fn day_prices(block: &AtBlock, day: u32) -> Result<Option<DayPrices>, ChainError> {
		let call = dynamic::runtime_api_call::<_, Option<DayPrices>>(
			"EnergyMarketApi",
			"day_prices",
			(day,),
		);
		block.runtime_apis().call(call).await.map_err(subxt_error)
	}

	/// What a pseudonym reported on `day`.
	pub async fn reports_of(
		block: &AtBlock,
		pseudonym: &AccountId32,
		day: u32,
	) -> Result<Vec<(u32, Report)>, ChainError> {
		let call = dynamic::runtime_api_call::<_, Vec<(u32, Report)>>(
			"EnergyMarketApi",
			"reports_of",
			(pseudonym.clone(), day),
		);
		block.runtime_apis().call(call).await.map_err(subxt_error)
	}

	/// An account's debt and credit with the market.
	pub async fn debt_and_credit(
		block: &AtBlock,
		who: &AccountId32,
	) -> Result<(u128, u128), ChainError> {
		let debt =
			dynamic::runtime_api_call::<_, u128>("EnergyMarketApi", "debt_of", (who.clone(),));
		let credit =
			dynamic::runtime_api_call::<_, u128>("EnergyMarketApi", "credit_of", (who.clone(),));
		Ok((
			block.runtime_apis().call(debt).await.map_err(subxt_error)?,
			block.runtime_apis().call(credit).await.map_err(subxt_error)?,
		))
	}

	/// Signs `call` with `nonce` (immortal: the nonce alone makes it unique);
	/// returns the extrinsic's bytes and hash.
	pub async fn sign(
		&self,
		call: &crate::outbox::Call,
		signer: &Keypair,
		nonce: u64,
	) -> Result<(Vec<u8>, [u8; 32]), ChainError> {
		let payload = call.payload();
		let block = self.client.at_current_block().await.map_err(subxt_error)?;
		let params = PolkadotExtrinsicParamsBuilder::<GridVeilConfig>::new().nonce(nonce).build();
		let signed = block
			.transactions()
			.create_signable_offline(&payload, params)
			.map_err(subxt_error)?
			.sign(signer)
			.map_err(subxt_error)?;
		Ok((signed.encoded().to_vec(), signed.hash().0))
	}

	/// Hands signed bytes to the node's pool.
	pub async fn submit(&self, extrinsic: &[u8]) -> Result<Submitted, ChainError> {
		match self.rpc.author_submit_extrinsic(extrinsic).await {
			Ok(_) => Ok(Submitted::Accepted),
			Err(error) => {
				// The pool's reason ("Transaction is outdated", "Inability to pay
				// some fees", "Custom error: 3") is in the error's data.
				let message = match &error {
					subxt::rpcs::Error::User(user) => format!(
						"{} ({}): {}",
						user.message,
						user.code,
						user.data.as_ref().map(|data| data.get()).unwrap_or_default()
					),
					other => other.to_string(),
				};
				if message.contains("Already Imported") || message.contains("temporarily banned") {
					Ok(Submitted::Accepted)
				} else if message.contains("outdated") || message.contains("Stale") {
					Ok(Submitted::Stale)
				} else if message.contains("Invalid Transaction") || message.contains("1010") {
					Ok(Submitted::Invalid(message))
				} else {
					Err(ChainError::Subxt(message))
				}
			},
		}
	}
}
