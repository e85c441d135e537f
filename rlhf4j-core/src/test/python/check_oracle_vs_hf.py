#!/usr/bin/env python3
"""Cross-checks make_oracle.py's hand-written forward pass against Hugging Face transformers.

Run after make_hf_parity.py, on the same machine (needs torch 2.x and safetensors):

    python3 rlhf4j-core/src/test/python/check_oracle_vs_hf.py [HF_PARITY_DIR]

Loads hf-parity/lm and hf-parity/reward, feeds their weights to make_oracle.forward (which uses
only PyTorch operators), and compares logits at real (attention_mask == 1) positions and the
scalar-head score with what transformers computed. A pass means the oracle fixtures and the HF
parity fixtures state the same architecture, so a Java model matching one matches the other.
Exits non-zero on a mismatch.
"""

import os
import re
import sys

import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_oracle  # noqa: E402

TOLERANCE = 1e-4


IGNORED = re.compile(r"(transformer\.)?h\.\d+\.attn\.(bias|masked_bias)|lm_head\.weight")


def bare(weights):
    """Our bare parameter names, as Checkpoint.load maps them."""
    out = {}
    for name, t in weights.items():
        if IGNORED.fullmatch(name):
            continue
        out[name[len("transformer."):] if name.startswith("transformer.") else name] = t.double()
    return out


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "resources", "hf-parity")
    fx = load_file(os.path.join(d, "hf_fixture.safetensors"))
    ids, mask, pos = fx["input_ids"], fx["attention_mask"], fx["position_ids"]
    lm = bare(load_file(os.path.join(d, "lm", "model.safetensors")))
    reward = bare(load_file(os.path.join(d, "reward", "model.safetensors")))
    with torch.no_grad():
        logits, hidden = make_oracle.forward(lm, ids, mask, pos)
        _, hidden_r = make_oracle.forward(reward, ids, mask, pos)
    real = mask.bool()
    logit_diff = (logits.float() - fx["logits"])[real].abs().max().item()
    last = (torch.arange(ids.shape[1])[None, :] * mask).argmax(dim=1)
    score = (hidden_r[torch.arange(ids.shape[0]), last] @ reward["score.weight"].T).squeeze(-1)
    score_diff = (score.float() - fx["score"]).abs().max().item()
    pad_diff = (logits.float() - fx["logits"])[~real].abs().max().item()
    print(f"max |logits diff| at real positions {logit_diff:.3e}, score {score_diff:.3e}; "
          f"at pad positions (conventions differ, informational) {pad_diff:.3e}")
    if logit_diff > TOLERANCE or score_diff > TOLERANCE:
        print("MISMATCH between make_oracle.forward and transformers")
        sys.exit(1)
    print("oracle forward == transformers GPT-2 at real positions")


if __name__ == "__main__":
    main()
