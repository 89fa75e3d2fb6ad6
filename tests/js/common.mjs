// What check.mjs and blocks.mjs share: polkadot.js's warnings captured and
// judged, and how a script ends.

/// Everything polkadot.js warns about while a script runs: a type it cannot
/// resolve or a transaction extension it does not know shows up here.
const warnings = [];
for (const level of ['warn', 'error']) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    warnings.push(args.map(String).join(' '));
    original(...args);
  };
}
const SUSPICIOUS = /unknown (signed|transaction) extension|unable to (resolve|map|decode)|unknown type|cannot construct|failed to decode/i;
/// polkadot.js's warning for extensions it does not know by name, which it
/// then treats as adding no bytes.
const UNKNOWN_EXTENSIONS = /Unknown signed extensions (.+) found, treating them as no-effect/;

/// What polkadot.js makes of a type it cannot resolve.
export const UNRESOLVED = /\bUnknown\b|DoNotConstruct/;

/// Prints the failure summary and exits 1.
export function fail (reason) {
  console.log(JSON.stringify({ ok: false, error: String(reason) }));
  process.exit(1);
}

export function ensure (condition, reason) {
  if (!condition) {
    throw new Error(reason);
  }
}

/// Whether the metadata's type `id` encodes to no bytes.
function isEmptyType (api, id) {
  const { def } = api.registry.lookup.getSiType(id);
  if (def.isComposite) {
    return def.asComposite.fields.every((field) => isEmptyType(api, field.type));
  }
  if (def.isTuple) {
    return def.asTuple.every((child) => isEmptyType(api, child));
  }
  return false;
}

/// The transaction extensions polkadot.js treats as adding no bytes, each
/// checked against the metadata: if its explicit and implicit types are
/// both empty, polkadot.js is exactly right (frame-system's `AuthorizeCall`,
/// which polkadot.js 16.5 does not know by name, is such a one).
function harmlessExtensions (api, line) {
  const unknown = line.match(UNKNOWN_EXTENSIONS);
  if (!unknown) {
    return false;
  }
  const { extrinsic } = api.registry.metadata;
  const declared = extrinsic.transactionExtensions ?? extrinsic.signedExtensions;
  return unknown[1].split(',').map((name) => name.trim()).every((name) => {
    const extension = declared.find(({ identifier }) => identifier.toString() === name);
    const implicit = extension?.implicit ?? extension?.additionalSigned;
    return extension !== undefined && isEmptyType(api, extension.type) && isEmptyType(api, implicit);
  });
}

/// Fails unless polkadot.js warned of nothing suspicious.
export function ensureNoSuspiciousWarnings (api) {
  const suspicious = warnings.filter((line) => SUSPICIOUS.test(line) && !harmlessExtensions(api, line));
  ensure(suspicious.length === 0, `polkadot.js warned: ${suspicious.join(' | ')}`);
}

/// Runs `main`, exits 0 when it resolves, fails when it throws or runs past `timeoutMs`.
export function run (main, timeoutMs) {
  const timer = setTimeout(() => fail(`timed out after ${timeoutMs / 1000} s`), timeoutMs);
  main().then(() => {
    clearTimeout(timer);
    process.exit(0);
  }, (error) => fail(error?.message ?? error));
}
