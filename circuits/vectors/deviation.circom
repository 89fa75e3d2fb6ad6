pragma circom 2.1.0;

// GridVeil deviation statement, written with circomlib gadgets so that the
// Rust (arkworks) circuit in gridveil-circuits can be checked against an
// independent implementation. Compiled by generate.mjs with circom2 (-l node_modules).
//
// Public inputs, in this order (= order of snarkjs public.json):
//   program_id, commitment, hour, deviation, previous_fingerprint, fingerprint
// Private inputs:
//   request[24], salt, readings[L], blinding
//
// Statement:
//   commitment  == Poseidon3(Poseidon12(request[0..12]), Poseidon12(request[12..24]), salt)
//   consumption  = sum(readings),            every reading < 2^40
//   selected     = request[hour]             (one-hot selector over 24 hours, hour in 0..23)
//   selected     < 2^40
//   deviation^2 == (selected - consumption)^2,  deviation < 2^42   (deviation = |selected - consumption|)
//   fingerprint == fold f <- Poseidon2(f, r_i) over readings, starting at
//                  Poseidon2(previous_fingerprint, blinding)  (circuit v2: blinded)
//   program_id is bound by one multiplication constraint (program_id_sq <== program_id^2).

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

template Deviation(L) {
    // ---- public inputs (declaration order defines public.json order) ----
    signal input program_id;
    signal input commitment;
    signal input hour;
    signal input deviation;
    signal input previous_fingerprint;
    signal input fingerprint;

    // ---- private inputs ----
    signal input request[24];
    signal input salt;
    signal input readings[L];
    signal input blinding;

    // program_id takes part in a constraint so that it is bound to the proof.
    signal program_id_sq;
    program_id_sq <== program_id * program_id;

    // ---- commitment to the flexibility request ----
    component hLow = Poseidon(12);
    component hHigh = Poseidon(12);
    for (var i = 0; i < 12; i++) {
        hLow.inputs[i] <== request[i];
        hHigh.inputs[i] <== request[12 + i];
    }
    component hCommit = Poseidon(3);
    hCommit.inputs[0] <== hLow.out;
    hCommit.inputs[1] <== hHigh.out;
    hCommit.inputs[2] <== salt;
    commitment === hCommit.out;

    // ---- consumption: range-checked readings and their sum ----
    component readingBits[L];
    var sum = 0;
    for (var i = 0; i < L; i++) {
        readingBits[i] = Num2Bits(40);
        readingBits[i].in <== readings[i];
        sum += readings[i];
    }
    signal consumption;
    consumption <== sum;

    // ---- hour selects request[hour] through a one-hot selector ----
    component isHour[24];
    signal picked[24];
    var selectorSum = 0;
    var selectedSum = 0;
    for (var i = 0; i < 24; i++) {
        isHour[i] = IsEqual();
        isHour[i].in[0] <== hour;
        isHour[i].in[1] <== i;
        picked[i] <== isHour[i].out * request[i];
        selectorSum += isHour[i].out;
        selectedSum += picked[i];
    }
    // exactly one selector bit set <=> hour in 0..23
    selectorSum === 1;
    signal selected;
    selected <== selectedSum;
    component selectedBits = Num2Bits(40);
    selectedBits.in <== selected;

    // ---- deviation = |selected - consumption| ----
    signal diff;
    diff <== selected - consumption;
    signal diffSq;
    diffSq <== diff * diff;
    deviation * deviation === diffSq;
    component deviationBits = Num2Bits(42);
    deviationBits.in <== deviation;

    // ---- fingerprint chain, blinded by the hour's secret ----
    component blinded = Poseidon(2);
    blinded.inputs[0] <== previous_fingerprint;
    blinded.inputs[1] <== blinding;
    component chain[L];
    for (var i = 0; i < L; i++) {
        chain[i] = Poseidon(2);
        chain[i].inputs[0] <== i == 0 ? blinded.out : chain[i - 1].out;
        chain[i].inputs[1] <== readings[i];
    }
    fingerprint === chain[L - 1].out;
}

component main {public [program_id, commitment, hour, deviation, previous_fingerprint, fingerprint]} = Deviation(4);
