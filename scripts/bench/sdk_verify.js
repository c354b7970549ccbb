#!/usr/bin/env node
// The second peer for `smile-sec verify`: the loop an integrator writes with the official Node SDK
// (npm smile-identity-core): read each saved callback, JSON.parse it, confirm_signature(timestamp,
// signature). One Signature object for the whole run (the fastest honest loop). Lines are read as
// a stream, as the Python peer reads them. Prints `valid N invalid N`.
//
// usage: node sdk_verify.js FILE KEY_FILE PARTNER_ID   (with smile-identity-core on NODE_PATH)
'use strict';
const fs = require('fs');
const readline = require('readline');
const { Signature } = require('smile-identity-core');

async function main() {
  const [path, keyFile, partner] = process.argv.slice(2);
  const key = fs.readFileSync(keyFile, 'utf8').replace(/\r?\n$/, '');
  const signer = new Signature(partner, key);
  let valid = 0;
  let invalid = 0;
  const lines = readline.createInterface({ input: fs.createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const callback = JSON.parse(line);
    if (signer.confirm_signature(callback.timestamp, callback.signature)) valid += 1;
    else invalid += 1;
  }
  console.log(`valid ${valid} invalid ${invalid}`);
}

main();
