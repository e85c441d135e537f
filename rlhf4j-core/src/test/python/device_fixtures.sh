#!/usr/bin/env bash
# Makes every fixture that needs PyTorch 2.x + transformers + tokenizers, in one run on a machine
# that has them (our GPU "device" machine; it has no Java). From the repository root:
#   OUT=/some/dir bash rlhf4j-core/src/test/python/device_fixtures.sh
# and unpack $OUT/fixtures.tar into rlhf4j-core/src/test/resources/.
set -euo pipefail
export PYTHONUNBUFFERED=1
stage="$(mktemp -d)"
res=rlhf4j-core/src/test/resources
py=rlhf4j-core/src/test/python
python3 -c "import torch, transformers, tokenizers; print('torch', torch.__version__, 'transformers', transformers.__version__, 'tokenizers', tokenizers.__version__)"
# 1. HF checkpoints our loader must accept, with their logits and scores.
python3 "$py/make_hf_parity.py" "$stage/hf-parity"
python3 "$py/check_oracle_vs_hf.py" "$stage/hf-parity"
# 2. The Python tokenizers library on our trained tokenizer files.
mkdir -p "$stage/tokenizer"
python3 "$py/check_tokenizer.py" "$res/tokenizer/tiny/tokenizer.json" "$res/tokenizer/parity_strings.json" "$stage/tokenizer/parity_python.json"
python3 "$py/check_tokenizer.py" models/tokenizer/tokenizer.json "$res/tokenizer/parity_strings.json" "$stage/tokenizer/parity_python_shipped.json"
# 3. A checkpoint saved by our Java code, loaded by transformers: its logits on fixed strings.
python3 "$py/hf_load_java_checkpoint.py" "$res/java-saved" "$stage/java-saved-hf.safetensors"
tar -C "$stage" -cf "$OUT/fixtures.tar" .
ls -laR "$stage"
