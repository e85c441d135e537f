#!/usr/bin/env python3
"""Encode strings with the Python `tokenizers` library, for parity with rlhf4j's Java Tokenizer.

Usage (from the repository root, on a machine with `pip install "tokenizers>=0.19,<0.23"`):

    python3 rlhf4j-core/src/test/python/check_tokenizer.py \
        rlhf4j-core/src/test/resources/tokenizer/tiny/tokenizer.json \
        rlhf4j-core/src/test/resources/tokenizer/parity_strings.json \
        rlhf4j-core/src/test/resources/tokenizer/parity_python.json

Writes {"generator": "tokenizers <version>", "ids": [[...], ...]}, one row per input string, in
the same layout as parity_java.json. TokenizerTest compares the two once parity_python.json is
committed. Encoding adds no special tokens (as Tokenizer.encode); special tokens written in the
text are still matched. The script also checks decode(encode(s)) == s for strings without the pad
token and exits non-zero if any fails.
"""

import json
import sys

import tokenizers
from tokenizers import Tokenizer

PAD = "<|pad|>"


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    tokenizer_path, strings_path, out_path = argv[1:]
    tok = Tokenizer.from_file(tokenizer_path)
    with open(strings_path, encoding="utf-8") as f:
        strings = json.load(f)

    rows = [tok.encode(s, add_special_tokens=False).ids for s in strings]

    failures = 0
    for s, ids in zip(strings, rows):
        if PAD not in s and tok.decode(ids, skip_special_tokens=False) != s:
            failures += 1
            print(f"round trip failed: {s!r}", file=sys.stderr)

    lines = ",\n".join("    " + json.dumps(r, separators=(",", ":")) for r in rows)
    text = (
        "{\n"
        f'  "generator": {json.dumps("tokenizers " + tokenizers.__version__)},\n'
        '  "ids": [\n' + lines + "\n  ]\n}\n"
    )
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {len(rows)} encodings to {out_path} (tokenizers {tokenizers.__version__})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
