// The same check as check_tokenizer.py, through Hugging Face's Node binding of the same Rust
// library (npm package `tokenizers`; Maven-only machines reach npm but not PyPI). Usage:
//   npm install tokenizers@0.23.2 && node check_tokenizer.mjs TOKENIZER_JSON STRINGS_JSON OUT_JSON
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.cwd() + "/");
const { Tokenizer } = require("tokenizers");
const version = require("tokenizers/package.json").version;

const [tokenizerPath, stringsPath, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error("usage: node check_tokenizer.mjs TOKENIZER_JSON STRINGS_JSON OUT_JSON");
  process.exit(2);
}
const tok = Tokenizer.fromFile(tokenizerPath);
const strings = JSON.parse(readFileSync(stringsPath, "utf8"));
const rows = [];
let failures = 0;
for (const s of strings) {
  const enc = await tok.encode(s, null, { addSpecialTokens: false });
  const ids = Array.from(enc.getIds());
  rows.push(ids);
  if (!s.includes("<|pad|>") && (await tok.decode(ids, false)) !== s) {
    failures++;
    console.error("round trip failed: " + JSON.stringify(s));
  }
}
const body = rows.map((r) => "    " + JSON.stringify(r)).join(",\n");
writeFileSync(
  outPath,
  `{\n  "generator": ${JSON.stringify("tokenizers (Node binding) " + version)},\n  "ids": [\n${body}\n  ]\n}\n`,
);
console.log(`wrote ${rows.length} encodings to ${outPath} (tokenizers ${version})`);
process.exit(failures ? 1 : 0);
