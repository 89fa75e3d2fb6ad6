// Decodes blocks as polkadot.js apps' explorer does, with no custom types:
// every extrinsic (signed, bare, and general transactions of extrinsic
// format 5, such as the offchain workers' liquidation pages) and every event
// of each block in a range, each fully (`toHuman`) and each checked for
// types polkadot.js could not resolve.
//
// Usage: node blocks.mjs <ws-url> <first-block> <last-block>
//
// The last line printed is JSON: {"ok":true,"blocks":N,"extrinsics":M,
// "events":K,"general":[{"block":B,"call":"energyMarket.liquidate","args":{...}}]}
// on success (exit 0), {"ok":false,"error":"..."} on failure (exit 1).
// tests/e2e/tests/node/energy_market.rs runs it over the blocks of a traded
// and liquidated day.

import { ApiPromise, WsProvider } from '@polkadot/api';

import { ensure, ensureNoSuspiciousWarnings, run, UNRESOLVED } from './common.mjs';

const TIMEOUT_MS = 120_000;

/// `value` decoded in full, as apps shows it; refuses what did not resolve.
function shown (label, value) {
  const human = JSON.stringify(value.toHuman());
  ensure(!UNRESOLVED.test(human), `${label} did not decode: ${human}`);
  return human;
}

async function main () {
  const [url, first, last] = process.argv.slice(2);
  ensure(url && first && last, 'usage: node blocks.mjs <ws-url> <first-block> <last-block>');
  const [from, to] = [Number(first), Number(last)];
  ensure(Number.isInteger(from) && Number.isInteger(to) && from <= to, `bad range ${first}..${last}`);

  // No `types`, `typesBundle` or `signedExtensions`: only what the metadata says.
  const api = await ApiPromise.create({ provider: new WsProvider(url) });
  const general = [];
  let extrinsics = 0;
  let events = 0;
  for (let number = from; number <= to; number++) {
    const hash = await api.rpc.chain.getBlockHash(number);
    // The block's own metadata, as apps uses across runtime upgrades.
    const at = await api.at(hash);
    const { block } = await api.rpc.chain.getBlock(hash);
    block.extrinsics.forEach((extrinsic, index) => {
      const label = `extrinsic ${number}-${index}`;
      shown(label, extrinsic);
      const call = `${extrinsic.method.section}.${extrinsic.method.method}`;
      if (extrinsic.isGeneral()) {
        general.push({ block: number, call, args: extrinsic.method.toJSON().args });
      }
      extrinsics += 1;
    });
    for (const record of await at.query.system.events()) {
      shown(`event ${record.event.section}.${record.event.method} in block ${number}`, record);
      events += 1;
    }
  }
  ensureNoSuspiciousWarnings(api);
  await api.disconnect();
  console.log(JSON.stringify({ ok: true, blocks: to - from + 1, extrinsics, events, general }));
}

run(main, TIMEOUT_MS);
