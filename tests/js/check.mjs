// Proves that polkadot.js (and so polkadot.js apps) needs no custom types for
// GridVeil: it connects with no `types` option, reads every storage item of
// GridVeil's pallets and of the consortium's (validators, sessions,
// offences, council), resolves every event type, and submits the market
// operator's calls in the order docs/operator-guide.md lists them (the
// meter registrar's with a real P-256 key made by Node's crypto): the
// authority's as council motions (on the dev chain Alice is the only
// member, so a motion passes as it is proposed), the days' by the main grid.
//
// Usage: node check.mjs <ws-url> <verifying-key-hex-file>
//
// The hex file holds a Groth16 verifying key as `gridveil-circuits setup`
// writes it to its `.vk` file (with or without a leading 0x).
// The last line printed is JSON: {"ok":true,"storage_items":N,"events":M,"calls":K,...}
// on success (exit 0), {"ok":false,"error":"..."} on failure (exit 1).
// tests/e2e/tests/node/polkadot_js.rs runs this script against a `--dev` node.

import { createECDH } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aCmp, u8aToHex } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';

import { ensure, ensureNoSuspiciousWarnings, run, UNRESOLVED } from './common.mjs';

const PALLETS = [
  'ZkVerifier', 'MeterRegistry', 'DemandResponse', 'EnergyMarket',
  'ValidatorSet', 'Session', 'Offences', 'Council', 'CouncilMembership', 'UpgradeAuthorization',
];
const TIMEOUT_MS = 180_000;
const SLOTS_PER_DAY = 96;
/// 1 VEIL has 12 decimals.
const UNIT = 1_000_000_000_000n;
/// A day is opened only if it starts at least this long after now: room for
/// the calls before `openDay` to land.
const OPEN_DAY_MARGIN_MS = 30_000;
/// The main grid's expected consumption in every slot, Wh.
const EXPECTED_CONSUMPTION_WH = 500;
/// The producer's offer: slot 0 of the day, 2 kWh at 0.2 VEIL per kWh.
const OFFER = { slot: 0, capacityWh: 2_000, pricePerKwh: UNIT / 5n };
/// Ledgers the group starts with (one more is added by the coordinator).
const LEDGERS = 2;
/// Three pseudonyms of one day, as a coordinator derives and registers them.
const PSEUDONYM_URIS = ['//Pseudonym//0', '//Pseudonym//1', '//Pseudonym//2'];
/// The liquidator key a validator holds under key type `gvlq`.
const LIQUIDATOR_URI = '//Liquidator';

/// The camelCase name polkadot.js gives a metadata name (`EnergyMarket` → `energyMarket`).
function camel (name) {
  const words = name.split('_');
  return words
    .map((word, index) => index === 0 ? word.charAt(0).toLowerCase() + word.slice(1) : word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/// Checks that the type `id` of the metadata's lookup resolves to a
/// constructible type, and everything it refers to as well.
function checkType (api, id, seen) {
  const key = Number(id.toString());
  if (seen.has(key)) {
    return;
  }
  seen.add(key);
  const { lookup } = api.registry;
  const typeDef = lookup.getTypeDef(key);
  ensure(typeDef && typeDef.type, `type ${key} has no definition`);
  ensure(!UNRESOLVED.test(typeDef.type), `type ${key} resolves to ${typeDef.type}`);
  const name = api.registry.createLookupType(key);
  // Constructing the default value fails loudly on any unresolved name.
  const value = api.registry.createType(name);
  value.toJSON();
  const siType = lookup.getSiType(key);
  const def = siType.def;
  const children = [];
  if (def.isComposite) {
    children.push(...def.asComposite.fields.map((field) => field.type));
  } else if (def.isVariant) {
    for (const variant of def.asVariant.variants) {
      children.push(...variant.fields.map((field) => field.type));
    }
  } else if (def.isSequence) {
    children.push(def.asSequence.type);
  } else if (def.isArray) {
    children.push(def.asArray.type);
  } else if (def.isTuple) {
    children.push(...def.asTuple);
  } else if (def.isCompact) {
    children.push(def.asCompact.type);
  }
  for (const child of children) {
    checkType(api, child, seen);
  }
}

/// Every pallet's metadata by name.
function palletsByName (api) {
  const found = new Map();
  for (const pallet of api.runtimeMetadata.asLatest.pallets) {
    found.set(pallet.name.toString(), pallet);
  }
  return found;
}

/// Checks every type the three pallets' storage, calls, events, constants
/// and errors use; returns how many distinct types that was.
function checkPalletTypes (api, pallets) {
  const seen = new Set();
  for (const name of PALLETS) {
    const pallet = pallets.get(name);
    if (pallet.storage.isSome) {
      for (const item of pallet.storage.unwrap().items) {
        if (item.type.isPlain) {
          checkType(api, item.type.asPlain, seen);
        } else {
          checkType(api, item.type.asMap.key, seen);
          checkType(api, item.type.asMap.value, seen);
        }
      }
    }
    for (const kind of ['calls', 'events', 'errors']) {
      if (pallet[kind].isSome) {
        checkType(api, pallet[kind].unwrap().type, seen);
      }
    }
    for (const constant of pallet.constants) {
      checkType(api, constant.type, seen);
      // The constant decodes too.
      api.consts[camel(name)][camel(constant.name.toString())].toJSON();
    }
  }
  return seen.size;
}

/// Checks a decoded value: it must turn into JSON and must not be a raw fallback.
function checkDecoded (what, value) {
  const raw = value.toRawType();
  ensure(raw !== 'Raw' && !UNRESOLVED.test(raw), `${what} decoded as ${raw}`);
  return value.toJSON();
}

/// Reads every storage item of the three pallets; returns how many items.
async function readStorage (api, pallets) {
  let items = 0;
  for (const name of PALLETS) {
    const pallet = pallets.get(name);
    if (pallet.storage.isNone) {
      continue;
    }
    const section = api.query[camel(name)];
    ensure(section, `api.query has no ${camel(name)}`);
    for (const item of pallet.storage.unwrap().items) {
      const method = camel(item.name.toString());
      const query = section[method];
      ensure(query, `api.query.${camel(name)} has no ${method}`);
      const what = `${name}::${item.name}`;
      if (item.type.isPlain) {
        const value = checkDecoded(what, await query());
        console.log(JSON.stringify({ storage: what, value }));
      } else {
        const entries = await query.entries();
        for (const [key, value] of entries) {
          key.args.forEach((arg) => checkDecoded(`${what} key`, arg));
          checkDecoded(what, value);
        }
        console.log(JSON.stringify({ storage: what, entries: entries.length }));
      }
      items += 1;
    }
  }
  return items;
}

/// Checks that every event of the three pallets has resolvable field types;
/// returns how many events.
function checkEvents (api, pallets) {
  let events = 0;
  for (const name of PALLETS) {
    const pallet = pallets.get(name);
    const section = api.events[camel(name)];
    ensure(section, `api.events has no ${camel(name)}`);
    ensure(pallet.events.isSome, `${name} has no events`);
    const variants = api.registry.lookup.getSiType(pallet.events.unwrap().type).def.asVariant.variants;
    for (const variant of variants) {
      const event = section[variant.name.toString()];
      ensure(event, `api.events.${camel(name)} has no ${variant.name}`);
      for (const field of event.meta.fields) {
        const typeDef = api.registry.lookup.getTypeDef(field.type);
        ensure(typeDef && typeDef.type && !UNRESOLVED.test(typeDef.type),
          `${name}::${variant.name}.${field.name} has type ${typeDef?.type}`);
        api.registry.createType(api.registry.createLookupType(field.type)).toJSON();
      }
      events += 1;
    }
  }
  return events;
}

/// The reason a dispatch failed, with the pallet's error name where it has one.
function dispatchErrorText (api, error) {
  if (error.isModule) {
    const { section, name, docs } = api.registry.findMetaError(error.asModule);
    return `${section}.${name}: ${docs.join(' ')}`;
  }
  return error.toString();
}

/// An event as JSON with its fields by name.
function eventJson (event) {
  const fields = {};
  const names = event.data.names ?? [];
  event.data.forEach((value, index) => {
    fields[names[index] ?? index] = value.toJSON();
  });
  return { event: `${event.section}.${event.method}`, fields };
}

/// Signs and sends `tx` as `signer`, waits until it is in a block, checks it
/// succeeded (and, for a council motion, that the motion was executed and
/// its call succeeded), prints the events of the checked pallets it emitted
/// and returns them.
async function submit (api, label, signer, tx, viaMotion) {
  const sections = new Set(PALLETS.map(camel));
  const events = await new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    tx.signAndSend(signer, ({ status, events: records, dispatchError }) => {
      if (status.isInvalid || status.isDropped || status.isUsurped) {
        unsubscribe();
        reject(new Error(`${label}: the transaction was ${status.type}`));
        return;
      }
      if (!status.isInBlock) {
        return;
      }
      unsubscribe();
      if (dispatchError) {
        reject(new Error(`${label} failed: ${dispatchErrorText(api, dispatchError)}`));
        return;
      }
      const own = records.filter(({ phase }) => phase.isApplyExtrinsic).map(({ event }) => event);
      if (!own.some((event) => api.events.system.ExtrinsicSuccess.is(event))) {
        reject(new Error(`${label}: no ExtrinsicSuccess in its block`));
        return;
      }
      if (viaMotion) {
        const executed = own.find((event) => api.events.council.Executed.is(event));
        if (!executed) {
          reject(new Error(`${label}: the motion was not executed (no council.Executed)`));
          return;
        }
        const result = executed.data[1];
        if (result.isErr) {
          reject(new Error(`${label} failed as a motion: ${dispatchErrorText(api, result.asErr)}`));
          return;
        }
      }
      resolve(own.filter((event) => sections.has(event.section)));
    }).then((unsub) => { unsubscribe = unsub; }, reject);
  });
  const decoded = events.map(eventJson);
  console.log(JSON.stringify({ call: label, signer: signer.address, events: decoded }));
  return decoded;
}

/// The one event named `name` among `events`.
function eventOf (label, events, name) {
  const found = events.filter((event) => event.event === name);
  ensure(found.length === 1, `${label} emitted ${found.length} ${name} events`);
  return found[0].fields;
}

async function main () {
  const [url, keyFile] = process.argv.slice(2);
  ensure(url && keyFile, 'usage: node check.mjs <ws-url> <verifying-key-hex-file>');
  const keyHex = readFileSync(keyFile, 'utf8').trim().replace(/^0x/, '');
  ensure(/^([0-9a-fA-F]{2})+$/.test(keyHex), `${keyFile} does not hold hex bytes`);
  const verifyingKey = `0x${keyHex.toLowerCase()}`;

  await cryptoWaitReady();
  // No `types`, `typesBundle` or `signedExtensions`: only what the metadata says.
  const api = await ApiPromise.create({ provider: new WsProvider(url) });
  const chain = await api.rpc.system.chain();
  const version = api.runtimeVersion;
  console.log(JSON.stringify({
    chain: chain.toString(),
    specName: version.specName.toString(),
    specVersion: version.specVersion.toNumber(),
    metadata: api.runtimeMetadata.version,
    extensions: api.registry.signedExtensions,
  }));

  const pallets = palletsByName(api);
  for (const name of PALLETS) {
    ensure(pallets.has(name), `the metadata has no pallet ${name}`);
  }
  const types = checkPalletTypes(api, pallets);
  const eventKinds = checkEvents(api, pallets);

  const keyring = new Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice'); // the dev chain's only council member
  const charlie = keyring.addFromUri('//Charlie'); // the group's coordinator
  const dave = keyring.addFromUri('//Dave'); // a producer
  const eve = keyring.addFromUri('//Eve'); // the group's operator
  const ferdie = keyring.addFromUri('//Ferdie'); // the main grid's account
  const liquidator = keyring.addFromUri(LIQUIDATOR_URI);
  // A batch lists pseudonyms in ascending order of their account bytes.
  const pseudonyms = PSEUDONYM_URIS.map((uri) => keyring.addFromUri(uri))
    .sort((a, b) => u8aCmp(a.publicKey, b.publicKey))
    .map((pair) => pair.address);

  const { tx } = api;
  // A council motion: propose with a threshold of one (the dev chain's
  // council is Alice alone), which executes the call at once with the
  // council's origin. Apps: Governance → Council → Motions → Propose motion.
  const members = (await api.query.council.members()).length;
  ensure(members === 1, `the dev chain's council has ${members} members`);
  const motion = (call) => tx.council.propose(1, call, call.method.encodedLength);
  let calls = 0;
  let emitted = 0;
  const run = async (label, signer, extrinsic, viaSudo) => {
    const events = await submit(api, label, signer, extrinsic, viaSudo);
    calls += 1;
    emitted += events.length;
    return events;
  };

  // 1. zkVerifier.registerKey(verifyingKey), a council motion.
  let events = await run('zkVerifier.registerKey', alice, motion(tx.zkVerifier.registerKey(verifyingKey)), true);
  const registered = eventOf('registerKey', events, 'zkVerifier.KeyRegistered');
  ensure(registered.keyHash === blake2AsHex(verifyingKey, 256),
    `KeyRegistered.keyHash ${registered.keyHash} is not blake2-256 of the key`);

  // 1b. meterRegistry.registerMeter(meterId, key, prosumer), a council motion: a meter's
  // P-256 public key, SEC1 compressed (33 bytes), bound to a household.
  const meter = createECDH('prime256v1');
  meter.generateKeys();
  const meterKey = u8aToHex(meter.getPublicKey(null, 'compressed'));
  events = await run('meterRegistry.registerMeter', alice,
    motion(tx.meterRegistry.registerMeter(4242, meterKey, dave.address)), true);
  const meterRegistered = eventOf('registerMeter', events, 'meterRegistry.MeterRegistered');
  ensure(meterRegistered.key === meterKey && Number(meterRegistered.meterId) === 4242,
    `MeterRegistered ${JSON.stringify(meterRegistered)}`);

  // 2. energyMarket.setMainGridAccount(account), a council motion.
  events = await run('energyMarket.setMainGridAccount', alice,
    motion(tx.energyMarket.setMainGridAccount(ferdie.address)), true);
  eventOf('setMainGridAccount', events, 'energyMarket.MainGridAccountSet');

  // 3. energyMarket.registerProducer(producer), a council motion.
  events = await run('energyMarket.registerProducer', alice,
    motion(tx.energyMarket.registerProducer(dave.address)), true);
  eventOf('registerProducer', events, 'energyMarket.ProducerRegistered');

  // 4. energyMarket.addIntermediate(parent), a council motion: a node under the root (0).
  events = await run('energyMarket.addIntermediate', alice, motion(tx.energyMarket.addIntermediate(0)), true);
  const intermediate = eventOf('addIntermediate', events, 'energyMarket.NodeAdded').node;

  // 5. energyMarket.addGroup(parent, coordinator, ledgers), a council motion.
  events = await run('energyMarket.addGroup', alice,
    motion(tx.energyMarket.addGroup(intermediate, charlie.address, LEDGERS)), true);
  const group = eventOf('addGroup', events, 'energyMarket.GroupAdded').group;
  const ledgers = events.filter((event) => event.event === 'energyMarket.NodeAdded').map((event) => event.fields.node);
  ensure(ledgers.length === LEDGERS, `addGroup added ledgers ${JSON.stringify(ledgers)}`);

  // 6. energyMarket.addLedger(group), signed by the group's coordinator.
  events = await run('energyMarket.addLedger', charlie, tx.energyMarket.addLedger(group), false);
  ledgers.push(eventOf('addLedger', events, 'energyMarket.NodeAdded').node);

  // 7. energyMarket.addOperator(group, operator), signed by the coordinator.
  events = await run('energyMarket.addOperator', charlie, tx.energyMarket.addOperator(group, eve.address), false);
  eventOf('addOperator', events, 'energyMarket.OperatorAdded');

  // The trading day: the next one that starts far enough ahead, by the
  // chain's own clock.
  const clock = await api.query.energyMarket.clock();
  const slotLengthMs = clock.slotLengthMs.toBigInt();
  const dayLengthMs = slotLengthMs * BigInt(SLOTS_PER_DAY);
  const now = (await api.query.timestamp.now()).toBigInt();
  let day = now / dayLengthMs + 1n;
  if (day * dayLengthMs < now + BigInt(OPEN_DAY_MARGIN_MS)) {
    day += 1n;
  }

  // 8. energyMarket.registerPseudonyms(ledger, day, pseudonyms), signed by an
  // operator: pseudonyms that report on that day only.
  events = await run('energyMarket.registerPseudonyms', eve,
    tx.energyMarket.registerPseudonyms(ledgers[0], day, pseudonyms), false);
  const enrolled = eventOf('registerPseudonyms', events, 'energyMarket.PseudonymsRegistered');
  ensure(enrolled.count === pseudonyms.length, `registered ${enrolled.count} pseudonyms`);
  ensure(BigInt(enrolled.firstDay) === day && BigInt(enrolled.lastDay) === day,
    `registered for days ${enrolled.firstDay} to ${enrolled.lastDay}, not ${day}`);

  // 9. energyMarket.openDay(day, expectedConsumption), signed by the main grid.
  const expected = Array.from({ length: SLOTS_PER_DAY }, () => EXPECTED_CONSUMPTION_WH);
  events = await run('energyMarket.openDay', ferdie, tx.energyMarket.openDay(day, expected), false);
  ensure(BigInt(eventOf('openDay', events, 'energyMarket.DayOpened').day) === day, `DayOpened is not day ${day}`);

  // 10. energyMarket.addOffer(day, slot, capacityWh, pricePerKwh), signed by the producer.
  events = await run('energyMarket.addOffer', dave,
    tx.energyMarket.addOffer(day, OFFER.slot, OFFER.capacityWh, OFFER.pricePerKwh), false);
  eventOf('addOffer', events, 'energyMarket.OfferAdded');

  // 11. energyMarket.closeAuction(day), signed by the main grid.
  events = await run('energyMarket.closeAuction', ferdie, tx.energyMarket.closeAuction(day), false);
  eventOf('closeAuction', events, 'energyMarket.AuctionClosed');
  const fallback = events.filter((event) => event.event === 'energyMarket.FallbackPriceUsed').length;
  ensure(fallback === SLOTS_PER_DAY - 1, `${fallback} slots took the fallback price`);

  // 12. energyMarket.addLiquidator(liquidator), a council motion: the sr25519 public key
  // a validator holds under key type gvlq.
  events = await run('energyMarket.addLiquidator', alice,
    motion(tx.energyMarket.addLiquidator(u8aToHex(liquidator.publicKey))), true);
  const added = eventOf('addLiquidator', events, 'energyMarket.LiquidatorAdded').liquidator;
  ensure(added === u8aToHex(liquidator.publicKey), `LiquidatorAdded ${added}`);

  const storageItems = await readStorage(api, pallets);
  const phase = (await api.query.energyMarket.dayPhases(day)).unwrap();
  ensure(phase.isTrading, `day ${day} is ${phase.type}`);
  const plan = (await api.query.energyMarket.days(day)).unwrap();
  ensure(plan.pricesPerKwh[OFFER.slot].toBigInt() === OFFER.pricePerKwh,
    `energyMarket.days(${day}) is ${JSON.stringify(plan.toJSON())}`);
  // The runtime API (apps: Developer → Runtime calls) decodes from the metadata too.
  const prices = (await api.call.energyMarketApi.dayPrices(day)).unwrap();
  ensure(prices.phase.isTrading && prices.pricesPerKwh[OFFER.slot].toBigInt() === OFFER.pricePerKwh,
    `energyMarketApi.dayPrices(${day}) is ${JSON.stringify(prices.toJSON())}`);
  const debt = await api.call.energyMarketApi.debtOf(charlie.address);
  ensure(debt.toBigInt() === 0n, `energyMarketApi.debtOf(coordinator) is ${debt}`);
  console.log(JSON.stringify({ runtimeApi: 'energyMarketApi.dayPrices', value: checkDecoded('dayPrices', prices) }));

  ensureNoSuspiciousWarnings(api);
  await api.disconnect();
  console.log(JSON.stringify({
    ok: true,
    storage_items: storageItems,
    events: eventKinds,
    calls,
    emitted,
    types,
    day: Number(day),
  }));
}

run(main, TIMEOUT_MS);
