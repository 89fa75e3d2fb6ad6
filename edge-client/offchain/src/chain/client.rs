//! The connection to a node, through subxt 0.51 and standard metadata: the
//! transaction format, the best and the finalized block, the block clock and
//! account nonces, the token's properties, encoding calls with the chain's
//! metadata, signing and raw submission.
use std::sync::Arc;

use serde::Serialize;
use subxt::{
	config::{PolkadotExtrinsicParamsBuilder, RpcConfigFor},
	dynamic,
	ext::{
		frame_decode,
		scale_decode::{self, DecodeAsType},
	},
	rpcs::{methods::LegacyRpcMethods, RpcClient},
	transactions::Payload,
	utils::AccountId32,
	ArcMetadata, OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;
use tokio::sync::{OnceCell, RwLock};

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
/// The connection a role's outbox keeps (`None` while the node is away),
/// shared with the role's other tasks.
pub type SharedChain = Arc<RwLock<Option<Arc<Chain>>>>;

/// Why talking to the chain failed (the outbox retries every one of them
/// but [`ChainError::Call`]).
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
	/// subxt failed (connection, decoding, runtime API).
	#[error("chain: {0}")]
	Subxt(String),
	/// The node lacks something it should have.
	#[error("chain: {0}")]
	Missing(String),
	/// A call does not fit the chain's metadata (made for another runtime).
	#[error("chain: the call does not fit the runtime: {0}")]
	Call(String),
}

impl ChainError {
	/// A subxt failure.
	pub fn subxt(error: impl std::fmt::Display) -> Self {
		Self::Subxt(error.to_string())
	}
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
	/// Not taken for now, sent again later: the pool has these bytes
	/// already ("Already Imported"), holds another extrinsic with this nonce ("Priority is too low": one signed for the
	/// runtime before an upgrade, not yet dropped), or the runtime cannot
	/// judge it yet ("Unknown Transaction Validity": the block that set new
	/// code, before its migrations ran).
	Held(String),
	/// The pool banned these very bytes ("temporarily banned", for its ban
	/// time, 30 minutes by default): some view found them invalid, e.g. a
	/// fork still on the runtime before an upgrade. Sending them again is
	/// useless; signed again with the same nonce they are new bytes.
	Banned(String),
	/// Its nonce is used: it (this very extrinsic, see the outbox) is in a block.
	Stale,
	/// Refused for good (a closed window, an unpaid fee…).
	Invalid(String),
}

/// The chain's token, from the node's `system_properties`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Token {
	/// Its symbol (`tokenSymbol`).
	pub symbol: String,
	/// Decimal places of one token in planck (`tokenDecimals`).
	pub decimals: u8,
}

impl Token {
	/// The token `properties` describe (the first one, when they list
	/// several); `None` when they lack a symbol or decimals.
	pub fn from_properties(
		properties: &serde_json::Map<String, serde_json::Value>,
	) -> Option<Self> {
		fn first(value: &serde_json::Value) -> &serde_json::Value {
			value.as_array().and_then(|values| values.first()).unwrap_or(value)
		}
		let symbol = first(properties.get("tokenSymbol")?).as_str()?.to_string();
		let decimals = u8::try_from(first(properties.get("tokenDecimals")?).as_u64()?).ok()?;
		Some(Self { symbol, decimals })
	}
}

/// The best block and its clock, read once for a pass over a role's work.
pub struct BestBlock {
	/// The block.
	pub block: AtBlock,
	/// Its timestamp (ms), when it could be read.
	pub time: Option<u64>,
}

/// Encodes calls with the metadata of the block it was made from. It keeps
/// the metadata, not the connection, so a role can go on queuing calls
/// while the node is away.
#[derive(Clone)]
pub struct CallEncoder {
	metadata: ArcMetadata,
}

impl CallEncoder {
	/// An encoder with `block`'s metadata.
	pub fn new(block: &AtBlock) -> Self {
		Self { metadata: block.metadata() }
	}

	/// The SCALE encoding of `payload` (pallet index, call index, arguments).
	pub fn encode(&self, payload: &impl Payload) -> Result<Vec<u8>, ChainError> {
		frame_decode::extrinsics::encode_call_data(
			payload.pallet_name(),
			payload.call_name(),
			payload.call_data(),
			&*self.metadata,
			self.metadata.types(),
		)
		.map_err(|error| ChainError::Call(error.to_string()))
	}

	/// The raw key of `pallet`'s storage `entry` at `keys`.
	pub fn storage_key(
		&self,
		pallet: &str,
		entry: &str,
		keys: impl frame_decode::storage::IntoEncodableValues,
	) -> Result<Vec<u8>, ChainError> {
		frame_decode::storage::encode_storage_key(
			pallet,
			entry,
			keys,
			&*self.metadata,
			self.metadata.types(),
		)
		.map_err(|error| ChainError::Call(error.to_string()))
	}

	/// Whether the runtime has `pallet`'s call `call`.
	pub fn has_call(&self, pallet: &str, call: &str) -> bool {
		self.metadata
			.pallet_by_name(pallet)
			.and_then(|found| found.call_variant_by_name(call))
			.is_some()
	}
}

/// A connection to a node.
pub struct Chain {
	client: Client,
	rpc: Rpc,
	token: OnceCell<Option<Token>>,
}

impl Chain {
	/// Connects over plain WebSocket (a node on the LAN).
	pub async fn connect(url: &str) -> Result<Self, ChainError> {
		let client = Client::from_insecure_url(url).await.map_err(ChainError::subxt)?;
		let rpc = Rpc::new(RpcClient::from_insecure_url(url).await.map_err(ChainError::subxt)?);
		Ok(Self { client, rpc, token: OnceCell::new() })
	}

	/// The best block.
	pub async fn best(&self) -> Result<AtBlock, ChainError> {
		let header = self
			.rpc
			.chain_get_header(None)
			.await
			.map_err(ChainError::subxt)?
			.ok_or_else(|| ChainError::Missing("no best block".into()))?;
		self.client.at_block(header.number).await.map_err(ChainError::subxt)
	}

	/// The best block with its clock.
	pub async fn best_block(&self) -> Result<BestBlock, ChainError> {
		let block = self.best().await?;
		let time = Self::time_at(&block).await.ok();
		Ok(BestBlock { block, time })
	}

	/// The last finalized block.
	pub async fn finalized(&self) -> Result<AtBlock, ChainError> {
		self.client.at_current_block().await.map_err(ChainError::subxt)
	}

	/// The block's number.
	pub fn number(block: &AtBlock) -> u64 {
		block.block_number()
	}

	/// The block timestamp, ms.
	pub async fn time_at(block: &AtBlock) -> Result<u64, ChainError> {
		let address = dynamic::storage::<(), u64>("Timestamp", "Now");
		let value = block.storage().fetch(address, ()).await.map_err(ChainError::subxt)?;
		value.decode().map_err(ChainError::subxt)
	}

	/// An account's nonce at `block`.
	pub async fn nonce_at(block: &AtBlock, who: &AccountId32) -> Result<u64, ChainError> {
		let address = dynamic::storage::<(AccountId32,), AccountInfo>("System", "Account");
		let value =
			block.storage().fetch(address, (who.clone(),)).await.map_err(ChainError::subxt)?;
		Ok(u64::from(value.decode().map_err(ChainError::subxt)?.nonce))
	}

	/// Whether `block`'s storage holds a value at the raw `key`.
	pub async fn stored(block: &AtBlock, key: &[u8]) -> Result<bool, ChainError> {
		match block.storage().fetch_raw(key.to_vec()).await {
			Ok(_) => Ok(true),
			Err(subxt::error::StorageError::NoValueFound) => Ok(false),
			Err(error) => Err(ChainError::subxt(error)),
		}
	}

	/// The genesis hash (what shares are signed for).
	pub async fn genesis_hash(&self) -> Result<[u8; 32], ChainError> {
		Ok(self.rpc.genesis_hash().await.map_err(ChainError::subxt)?.0)
	}

	/// The chain's token (read once per connection); `None` when the chain
	/// spec's properties do not name one.
	pub async fn token(&self) -> Result<Option<Token>, ChainError> {
		let token = self
			.token
			.get_or_try_init(|| async {
				let properties = self.rpc.system_properties().await.map_err(ChainError::subxt)?;
				Ok::<_, ChainError>(Token::from_properties(&properties))
			})
			.await?;
		Ok(token.clone())
	}

	/// The runtime `block` runs, `(spec_version, transaction_version)`.
	pub fn runtime(block: &AtBlock) -> (u32, u32) {
		(block.spec_version(), block.transaction_version())
	}

	/// The runtime of the best block: the one the pool checks signatures
	/// against.
	pub async fn best_runtime(&self) -> Result<(u32, u32), ChainError> {
		Ok(Self::runtime(&self.best().await?))
	}

	/// Signs the encoded `call` with `nonce` for the runtime of `block` (the
	/// best block, which the pool validates against; immortal: the nonce
	/// alone makes it unique); returns the extrinsic's bytes and hash.
	pub async fn sign(
		&self,
		block: &AtBlock,
		call: &[u8],
		signer: &Keypair,
		nonce: u64,
	) -> Result<(Vec<u8>, [u8; 32]), ChainError> {
		let transactions = block.transactions();
		let payload = transactions
			.from_call_data_bytes(call)
			.map_err(|error| ChainError::Call(error.to_string()))?;
		let params = PolkadotExtrinsicParamsBuilder::<GridVeilConfig>::new().nonce(nonce).build();
		let signed = transactions
			.create_signable_offline(&payload, params)
			.map_err(ChainError::subxt)?
			.sign(signer)
			.map_err(ChainError::subxt)?;
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
				if message.contains("temporarily banned") {
					Ok(Submitted::Banned(message))
				} else if message.contains("Already Imported")
					|| message.contains("Priority is too low")
					|| message.contains("Unknown Transaction Validity")
				{
					Ok(Submitted::Held(message))
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

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn signing_the_same_payload_again_gives_new_bytes() {
		// What signing a banned entry again relies on: sr25519 signatures
		// are randomised, so the same nonce and call make a new hash.
		let key = Keypair::from_secret_key([7; 32]).unwrap();
		let payload = b"one signed payload";
		assert_ne!(key.sign(payload).0, key.sign(payload).0);
	}

	#[test]
	fn the_token_comes_from_the_chain_specs_properties() {
		let properties = serde_json::json!({
			"tokenSymbol": "VEIL", "tokenDecimals": 12, "ss58Format": 42
		});
		let token = Token::from_properties(properties.as_object().unwrap()).unwrap();
		assert_eq!(token, Token { symbol: "VEIL".into(), decimals: 12 });
		let listed = serde_json::json!({ "tokenSymbol": ["VEIL", "X"], "tokenDecimals": [12, 6] });
		assert_eq!(Token::from_properties(listed.as_object().unwrap()), Some(token));
		let bare = serde_json::json!({ "ss58Format": 42 });
		assert_eq!(Token::from_properties(bare.as_object().unwrap()), None);
	}
}
