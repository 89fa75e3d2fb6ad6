// Regenerates the GridVeil compatibility test vectors in this folder.
//
//   npm ci && node generate.mjs
//
// Writes poseidon.json, snarkjs/{verification_key.json,proof.json,public.json,bench.txt},
// zokrates/{program.zok,abi.json,verification.key,proof.json} and encodings.json.
// Build artefacts (r1cs, wasm, ptau, zkey) go to build/ (git-ignored).
//
// Determinism: Poseidon vectors, the circom r1cs, the powers of tau and the
// Groth16 keys (both phases use snarkjs *beacon* contributions with fixed
// beacon hashes) and the ZoKrates keys and proof (fixed entropy strings) are
// reproducible. snarkjs groth16 proving draws r, s from the OS RNG, so a fresh
// proof differs on every run: an existing snarkjs/proof.json is therefore kept
// when it still verifies against the regenerated key and public inputs.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

import * as snarkjs from "snarkjs";
import { buildPoseidon, buildPoseidonReference, buildPoseidonOpt } from "circomlibjs";
import { initialize as initializeZokrates } from "zokrates-js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
process.chdir(HERE);

const BUILD = "build";
const SNARKJS_DIR = "snarkjs";
const ZOKRATES_DIR = "zokrates";
for (const d of [BUILD, SNARKJS_DIR, ZOKRATES_DIR]) fs.mkdirSync(d, { recursive: true });

const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n; // BN254 Fr
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n; // BN254 Fq

function fail(msg) {
    console.error("FAILED: " + msg);
    process.exit(1);
}
const T0 = performance.now();
const stamp = () => `[${((performance.now() - T0) / 1000).toFixed(1)}s]`;
function writeJson(file, obj, trailingNewline = true) {
    fs.writeFileSync(file, JSON.stringify(obj, null, 2) + (trailingNewline ? "\n" : ""));
    console.log(stamp() + " wrote " + file);
}
function version(pkg) {
    return JSON.parse(fs.readFileSync(path.join("node_modules", pkg, "package.json"), "utf8")).version;
}

// ---------------------------------------------------------------------------
// GridVeil inputs
// ---------------------------------------------------------------------------
const REQUEST = Array.from({ length: 24 }, (_, i) => 1000n + 100n * BigInt(i));
const SALT = 123456789n;
const PROGRAM_ID = 7n;
const HOUR = 9;
const READINGS = [250n, 260n, 270n, 280n];
const READINGS_2 = [300n, 310n, 320n, 330n];
// The meter and box of the example share this pairing secret; hour 9 of a
// program starting 2025-01-01T00:00Z ends at HOUR_END (ms since the epoch).
const PAIRING_SECRET = 1234567890123456789012345678901234567890123456789012345678901234567890n;
const HOUR_END = 1735725600000n;
const HOUR_LENGTH = 3600000n;

// ---------------------------------------------------------------------------
// a. Poseidon (circomlibjs)
// ---------------------------------------------------------------------------
const poseidonWasm = await buildPoseidon();
const poseidonRef = await buildPoseidonReference();
const poseidonOpt = await buildPoseidonOpt();

function H(inputs) {
    const a = poseidonWasm.F.toObject(poseidonWasm(inputs));
    const b = poseidonRef.F.toObject(poseidonRef(inputs));
    const c = poseidonOpt.F.toObject(poseidonOpt(inputs));
    if (a !== b || a !== c) fail(`circomlibjs poseidon implementations disagree on [${inputs}]`);
    return a;
}
const dec = (x) => x.toString();

const byArity = [];
for (let k = 1; k <= 16; k++) {
    const inputs = Array.from({ length: k }, (_, i) => BigInt(i + 1));
    byArity.push({ inputs: inputs.map(dec), hash: dec(H(inputs)) });
}

const requestLow = H(REQUEST.slice(0, 12));
const requestHigh = H(REQUEST.slice(12, 24));
const COMMITMENT = H([requestLow, requestHigh, SALT]);

function fingerprintChain(previous, hourEnd, readings) {
    const blinding = H([PAIRING_SECRET, hourEnd]);
    let f = H([previous, blinding]);
    const steps = [dec(f)];
    for (const r of readings) {
        f = H([f, r]);
        steps.push(dec(f));
    }
    return {
        previous_fingerprint: dec(previous), hour_end_ms: dec(hourEnd), blinding: dec(blinding),
        readings: readings.map(dec), intermediate: steps, fingerprint: dec(f), value: f, blindingValue: blinding,
    };
}
const chain1 = fingerprintChain(0n, HOUR_END, READINGS);
const chain2 = fingerprintChain(chain1.value, HOUR_END + HOUR_LENGTH, READINGS_2);
const FINGERPRINT = chain1.value;
const BLINDING = chain1.blindingValue;
for (const chain of [chain1, chain2]) {
    delete chain.value;
    delete chain.blindingValue;
}

writeJson("poseidon.json", {
    description:
        "circomlibjs Poseidon over BN254 Fr (x^5 S-box, t = inputs + 1, circomlib constants, capacity/initial state 0, output = state[0]); decimal strings. " +
        "Checked equal across circomlibjs buildPoseidon (wasm), buildPoseidonReference and buildPoseidonOpt.",
    field_modulus: dec(P),
    circomlibjs_version: version("circomlibjs"),
    vectors: byArity,
    commitment: {
        definition: "Poseidon3(Poseidon12(request[0..12]), Poseidon12(request[12..24]), salt)",
        request: REQUEST.map(dec),
        salt: dec(SALT),
        request_low_hash: dec(requestLow),
        request_high_hash: dec(requestHigh),
        commitment: dec(COMMITMENT),
    },
    fingerprint: {
        definition:
            "blinding = Poseidon2(pairing_secret, hour_end_ms); f = Poseidon2(previous_fingerprint, blinding); " +
            "for r in readings: f = Poseidon2(f, r); intermediate[0] = f after the blinding, intermediate[i + 1] = f after reading i",
        pairing_secret: dec(PAIRING_SECRET),
        chains: [chain1, chain2],
    },
});

// ---------------------------------------------------------------------------
// b. circom + snarkjs Groth16
// ---------------------------------------------------------------------------
const logLines = [];
const quietLogger = {
    debug() {},
    info(...a) { logLines.push(a.join(" ")); },
    warn(...a) { logLines.push("WARN " + a.join(" ")); },
    error(...a) { logLines.push("ERROR " + a.join(" ")); },
};

function circom(outDir, opt) {
    fs.mkdirSync(outDir, { recursive: true });
    const out = execFileSync(
        process.execPath,
        ["node_modules/circom2/cli.js", "deviation.circom", "--r1cs", "--wasm", "--sym", opt, "-o", outDir, "-l", "node_modules"],
        { encoding: "utf8" },
    );
    return out.replace(/\x1b\[[0-9;]*m/g, "");
}
function circomStat(text, label) {
    const m = text.match(new RegExp("(?:^|\\n)" + label + ": (\\d+)"));
    return m ? Number(m[1]) : NaN;
}

console.log(stamp(), "compiling deviation.circom with circom2 (--O1, for counting) ...");
const o1Out = circom(path.join(BUILD, "o1"), "--O1");
console.log(stamp(), "compiling deviation.circom with circom2 (--O2) ...");
const o2Out = circom(BUILD, "--O2");
const circomVersion = execFileSync(process.execPath, ["node_modules/circom2/cli.js", "--version"], { encoding: "utf8" })
    .trim()
    .split("\n")
    .pop();

const R1CS = path.join(BUILD, "deviation.r1cs");
const WASM = path.join(BUILD, "deviation_js", "deviation.wasm");
logLines.length = 0;
const r1csInfo = await snarkjs.r1cs.info(R1CS, quietLogger);
const r1csInfoLines = [...logLines];
const nConstraints = r1csInfo.nConstraints;
const nPublic = r1csInfo.nPubInputs + r1csInfo.nOutputs;
if (nPublic !== 6) fail(`expected 6 public signals, r1cs has ${nPublic}`);

// Powers of tau: smallest power with 2^power >= constraints + public + 1 (min 8).
let power = 8;
while (2 ** power < nConstraints + nPublic + 1) power++;
const curve = await snarkjs.curves.getCurveFromName("bn128");
const ptau0 = path.join(BUILD, `pot${power}_0000.ptau`);
const ptau1 = path.join(BUILD, `pot${power}_0001.ptau`);
const ptauFinal = path.join(BUILD, `pot${power}_final.ptau`);
const zkey0 = path.join(BUILD, "deviation_0000.zkey");
const zkeyFinal = path.join(BUILD, "deviation_final.zkey");

// Beacon "contributions": deterministic, unlike snarkjs contribute (which mixes OS randomness into the entropy).
const PTAU_BEACON = "677269647665696c2d70747561752d626561636f6e2d763100000000000000"; // "gridveil-ptau-beacon-v1" padded
const ZKEY_BEACON = "677269647665696c2d7a6b65792d626561636f6e2d763100000000000000"; // "gridveil-zkey-beacon-v1" padded
console.log(stamp(), `powers of tau bn128 2^${power} ...`);
await snarkjs.powersOfTau.newAccumulator(curve, power, ptau0, quietLogger);
await snarkjs.powersOfTau.beacon(ptau0, ptau1, "gridveil phase1 beacon", PTAU_BEACON, 10, quietLogger);
await snarkjs.powersOfTau.preparePhase2(ptau1, ptauFinal, quietLogger);
console.log(stamp(), "groth16 setup ...");
await snarkjs.zKey.newZKey(R1CS, ptauFinal, zkey0, quietLogger);
await snarkjs.zKey.beacon(zkey0, zkeyFinal, "gridveil phase2 beacon", ZKEY_BEACON, 10, quietLogger);
const vkey = await snarkjs.zKey.exportVerificationKey(zkeyFinal, quietLogger);
writeJson(path.join(SNARKJS_DIR, "verification_key.json"), vkey);

const circuitInput = {
    program_id: dec(PROGRAM_ID),
    commitment: dec(COMMITMENT),
    hour: String(HOUR),
    deviation: "840",
    previous_fingerprint: "0",
    fingerprint: dec(FINGERPRINT),
    request: REQUEST.map(dec),
    salt: dec(SALT),
    readings: READINGS.map(dec),
    blinding: dec(BLINDING),
};
const consumption = READINGS.reduce((a, b) => a + b, 0n);
const expectedDeviation = REQUEST[HOUR] > consumption ? REQUEST[HOUR] - consumption : consumption - REQUEST[HOUR];
if (expectedDeviation !== 840n) fail(`expected deviation 840, computed ${expectedDeviation}`);
writeJson(path.join(SNARKJS_DIR, "input.json"), circuitInput);

console.log(stamp(), "groth16 fullprove x5 ...");
const times = [];
let fresh;
for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    fresh = await snarkjs.groth16.fullProve(circuitInput, WASM, zkeyFinal, quietLogger);
    times.push(performance.now() - t0);
}
const expectedPublic = [PROGRAM_ID, COMMITMENT, BigInt(HOUR), 840n, 0n, FINGERPRINT].map(dec);
if (JSON.stringify(fresh.publicSignals) !== JSON.stringify(expectedPublic)) {
    fail(`public.json order/values differ from expected:\n${JSON.stringify(fresh.publicSignals)}\n${JSON.stringify(expectedPublic)}`);
}
if (!(await snarkjs.groth16.verify(vkey, fresh.publicSignals, fresh.proof, quietLogger))) fail("fresh snarkjs proof does not verify");

// Keep an existing proof if it still verifies (proofs are randomised).
const proofPath = path.join(SNARKJS_DIR, "proof.json");
let proof = fresh.proof;
if (fs.existsSync(proofPath)) {
    try {
        const old = JSON.parse(fs.readFileSync(proofPath, "utf8"));
        if (await snarkjs.groth16.verify(vkey, expectedPublic, old, quietLogger)) {
            proof = old;
            console.log("kept existing snarkjs/proof.json (still verifies)");
        }
    } catch (e) { /* regenerate */ }
}
if (!(await snarkjs.groth16.verify(vkey, expectedPublic, proof, quietLogger))) fail("snarkjs proof does not verify");
// negative check: a wrong deviation must not verify
const wrongPublic = [...expectedPublic];
wrongPublic[3] = "841";
if (await snarkjs.groth16.verify(vkey, wrongPublic, proof, quietLogger)) fail("proof verified with a wrong public input");
writeJson(proofPath, proof);
writeJson(path.join(SNARKJS_DIR, "public.json"), expectedPublic);

const sorted = [...times].sort((a, b) => a - b);
const median = sorted[2];
fs.writeFileSync(
    path.join(SNARKJS_DIR, "bench.txt"),
    [
        `circuit: deviation.circom, main = Deviation(4)`,
        `circom: ${circomVersion} (circom2 npm ${version("circom2")}), circomlib ${version("circomlib")}, snarkjs ${version("snarkjs")}, node ${process.version}`,
        `machine: ${(await import("node:os")).cpus().length} cores (${(await import("node:os")).cpus()[0]?.model ?? "?"})`,
        ``,
        `snarkjs r1cs info (build/deviation.r1cs, circom --O2, used for the keys):`,
        ...r1csInfoLines.filter((l) => l.startsWith("Curve:") || l.startsWith("# of")).map((l) => "  " + l),
        `circom --O1 (no linear-constraint elimination): non-linear ${circomStat(o1Out, "non-linear constraints")}, linear ${circomStat(o1Out, "linear constraints")}, wires ${circomStat(o1Out, "wires")}`,
        `powers of tau: bn128 2^${power}`,
        ``,
        `snarkjs groth16 fullprove (witness + proof, in-process), 5 runs:`,
        `  runs ms: ${times.map((t) => t.toFixed(0)).join(", ")}`,
        `  median ms: ${median.toFixed(0)}`,
        ``,
    ].join("\n"),
);
console.log(`wrote ${SNARKJS_DIR}/bench.txt (constraints ${nConstraints}, fullprove median ${median.toFixed(0)} ms)`);

// ---------------------------------------------------------------------------
// c. ZoKrates (zokrates-js)
// ---------------------------------------------------------------------------
const zokSource = `// GridVeil: the paper's deviation program (ZoKrates 0.8 syntax: array indices are u32, so hour is u32).
def main(u32 hour, private field monitoredValue) -> field {
    field[24] flexibilityRequest = [${REQUEST.map(dec).join(", ")}];
    field result = if flexibilityRequest[hour] > monitoredValue { flexibilityRequest[hour] - monitoredValue } else { monitoredValue - flexibilityRequest[hour] };
    return result;
}
`;
fs.writeFileSync(path.join(ZOKRATES_DIR, "program.zok"), zokSource);
console.log("wrote zokrates/program.zok");

const zok = (await initializeZokrates()).withOptions({ backend: "ark", scheme: "g16", curve: "bn128" });
const artifacts = zok.compile(zokSource);
const zokWitness = zok.computeWitness(artifacts, [String(HOUR), dec(consumption)]);
if (JSON.parse(zokWitness.output) !== "840") fail(`zokrates output ${zokWitness.output}, expected "840"`);
const keypair = zok.setup(artifacts.program, "gridveil-zokrates-setup-v1");
const zproof = zok.generateProof(artifacts.program, zokWitness.witness, keypair.pk, "gridveil-zokrates-proof-v1");
if (!zok.verify(keypair.vk, zproof)) fail("zokrates proof does not verify");
const tampered = JSON.parse(JSON.stringify(zproof));
tampered.inputs[tampered.inputs.length - 1] = "0x" + (841).toString(16).padStart(64, "0");
if (zok.verify(keypair.vk, tampered)) fail("zokrates proof verified with a wrong output");
// The ZoKrates CLI writes these with serde_json::to_string_pretty (2-space indent, no trailing newline).
writeJson(path.join(ZOKRATES_DIR, "verification.key"), keypair.vk, false);
writeJson(path.join(ZOKRATES_DIR, "proof.json"), zproof, false);
writeJson(path.join(ZOKRATES_DIR, "abi.json"), artifacts.abi, false);
const zokInfo = { zokrates_js: version("zokrates-js"), zokrates: (await import("zokrates-js")).metadata?.version, constraints: artifacts.constraintCount };

// ---------------------------------------------------------------------------
// Encoding checks: which Fp2 order puts the G2 points on y^2 = x^3 + 3/(9+u)?
// ---------------------------------------------------------------------------
const mod = (a, m = Q) => ((a % m) + m) % m;
function powmod(b, e, m = Q) {
    let r = 1n;
    b = mod(b, m);
    while (e > 0n) {
        if (e & 1n) r = (r * b) % m;
        b = (b * b) % m;
        e >>= 1n;
    }
    return r;
}
const inv = (a) => powmod(a, Q - 2n);
// Fp2 = Fq[u]/(u^2 + 1), element [c0, c1] = c0 + c1*u
const f2mul = ([a0, a1], [b0, b1]) => [mod(a0 * b0 - a1 * b1), mod(a0 * b1 + a1 * b0)];
const f2add = ([a0, a1], [b0, b1]) => [mod(a0 + b0), mod(a1 + b1)];
const f2inv = ([a0, a1]) => {
    const n = inv(mod(a0 * a0 + a1 * a1));
    return [mod(a0 * n), mod(-a1 * n)];
};
const B2 = f2mul([3n, 0n], f2inv([9n, 1n]));
const onG2 = (x, y) => {
    const lhs = f2mul(y, y);
    const rhs = f2add(f2mul(f2mul(x, x), x), B2);
    return lhs[0] === rhs[0] && lhs[1] === rhs[1];
};
const onG1 = (x, y) => mod(y * y) === mod(x * x * x + 3n);
// pt = [[a, b], [c, d]] as found in the file
function g2Order(pt) {
    const [[a, b], [c, d]] = pt.map((e) => e.map((s) => BigInt(s)));
    const c0First = onG2([a, b], [c, d]);
    const c1First = onG2([b, a], [d, c]);
    return c0First && !c1First ? "c0_first" : c1First && !c0First ? "c1_first" : `ambiguous(c0First=${c0First},c1First=${c1First})`;
}
const snarkjsG2 = {
    vk_beta_2: g2Order(vkey.vk_beta_2.slice(0, 2)),
    vk_gamma_2: g2Order(vkey.vk_gamma_2.slice(0, 2)),
    vk_delta_2: g2Order(vkey.vk_delta_2.slice(0, 2)),
    pi_b: g2Order(proof.pi_b.slice(0, 2)),
};
const snarkjsG1 = [vkey.vk_alpha_1, ...vkey.IC, proof.pi_a, proof.pi_c].every((p) => onG1(BigInt(p[0]), BigInt(p[1])) && p[2] === "1");
const zokG2 = {
    beta: g2Order(keypair.vk.beta),
    gamma: g2Order(keypair.vk.gamma),
    delta: g2Order(keypair.vk.delta),
    "proof.b": g2Order(zproof.proof.b),
};
const zokG1 = [keypair.vk.alpha, ...keypair.vk.gamma_abc, zproof.proof.a, zproof.proof.c].every((p) => onG1(BigInt(p[0]), BigInt(p[1])));
const hex64 = /^0x[0-9a-f]{64}$/;
const zokHexOk = JSON.stringify([keypair.vk, zproof]).match(/"0x[^"]*"/g).every((s) => hex64.test(s.slice(1, -1)));

// ffjavascript cross-check: snarkjs's own G2.isValid accepts the snarkjs order and (after swapping) the ZoKrates points.
const ffOk = (obj) => curve.G2.isValid(curve.G2.fromObject(obj));
const ffSnarkjsBeta = ffOk([...vkey.vk_beta_2.slice(0, 2).map((e) => e.map((s) => BigInt(s))), [1n, 0n]]);
const ffZokBetaAsIs = ffOk([...keypair.vk.beta.map((e) => e.map((s) => BigInt(s))), [1n, 0n]]);
const ffZokBetaSwapped = ffOk([...keypair.vk.beta.map((e) => [BigInt(e[1]), BigInt(e[0])]), [1n, 0n]]);

const encodings = {
    note: "Generated by generate.mjs: Fp2 order that puts each G2 point on y^2 = x^3 + 3/(9+u) (BN254 twist). c0_first means [[x.c0, x.c1], [y.c0, y.c1]].",
    b2: [dec(B2[0]), dec(B2[1])],
    snarkjs: {
        g2: snarkjsG2,
        g1_points_on_curve_with_z_1: snarkjsG1,
        ffjavascript_G2_isValid_beta: ffSnarkjsBeta,
        nPublic: vkey.nPublic,
        IC_length: vkey.IC.length,
    },
    zokrates: {
        g2: zokG2,
        g1_points_on_curve: zokG1,
        all_hex_0x_64_lowercase: zokHexOk,
        ffjavascript_G2_isValid_beta_as_is: ffZokBetaAsIs,
        ffjavascript_G2_isValid_beta_swapped: ffZokBetaSwapped,
        gamma_abc_length: keypair.vk.gamma_abc.length,
        constraints: zokInfo.constraints,
    },
};
writeJson("encodings.json", encodings);
for (const [k, v] of Object.entries({ ...snarkjsG2, ...zokG2 })) if (v !== "c0_first") fail(`unexpected G2 order for ${k}: ${v}`);
if (!snarkjsG1 || !zokG1 || !zokHexOk || !ffSnarkjsBeta || !ffZokBetaAsIs) fail("encoding checks failed: " + JSON.stringify(encodings));

console.log(
    JSON.stringify(
        {
            versions: {
                snarkjs: version("snarkjs"),
                circomlibjs: version("circomlibjs"),
                circomlib: version("circomlib"),
                circom2: version("circom2"),
                circom: circomVersion,
                "zokrates-js": zokInfo.zokrates_js,
                zokrates: zokInfo.zokrates,
            },
            constraints: nConstraints,
            fullprove_median_ms: Math.round(median),
            zokrates_constraints: zokInfo.constraints,
        },
        null,
        2,
    ),
);
await curve.terminate();
process.exit(0);
