#!/usr/bin/env python3
"""Hugging Face parity fixtures: real transformers checkpoints that our loader must accept.

Needs PyTorch 2.x and transformers (with its safetensors dependency); Debian's torch 1.13 is too
old for current transformers, so run this on a machine that has them, from the repository root:

    python3 rlhf4j-core/src/test/python/make_hf_parity.py [OUT_DIR]

OUT_DIR defaults to rlhf4j-core/src/test/resources/hf-parity/. Writes:

  lm/        GPT2LMHeadModel.save_pretrained(..., safe_serialization=True): config.json and
             model.safetensors with "transformer."-prefixed keys (lm_head.weight is tied to wte and
             usually dropped from the file; older versions also store attn.bias buffers).
  reward/    GPT2ForSequenceClassification (num_labels=1) with the same body and a random
             score.weight (1, C), saved the same way.
  hf_fixture.safetensors
             input_ids (B,T) I64, attention_mask (B,T) I64, position_ids (B,T) I64,
             logits (B,T,V) F32 from lm/, score (B) F32 from reward/;
             __metadata__ records the torch and transformers versions.

Shape and batch match make_oracle.py: V=97, P=32, L=2, H=2, C=16, pad id 1, eos id 0 (bos 0 too,
as in GPT-2 where bos == eos), no dropout, B=3, T=12, rows left-padded with 0, 3 and 5 pad
positions, position_ids = max(cumsum(attention_mask) - 1, 0), passed explicitly to the model.

COMPARE LOGITS ONLY WHERE attention_mask == 1. HF masks padded keys by adding the dtype's minimum,
so a pad query, whose keys are all masked, ends up with an arbitrary (version-dependent) attention
pattern, while our convention lets it attend to itself only. At real positions the two agree.
The score is read at the last non-pad token (T-1 in a left-padded batch), as HF does.

Weights are re-initialised away from HF's N(0, 0.02) default (matrices N(0, 0.2), biases
N(0, 0.1), LayerNorm weights 1 + N(0, 0.1)) so that activations, and mismatches, are visible.
"""

import os
import sys

import torch
import transformers
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2ForSequenceClassification, GPT2LMHeadModel

V, P, L, H, C = 97, 32, 2, 2, 16
B, T = 3, 12
PAD_ID, EOS_ID = 1, 0
LEADING_PAD = [0, 3, 5]
SEED = 20240607


def config(**extra):
    cfg = GPT2Config(
        vocab_size=V, n_positions=P, n_embd=C, n_layer=L, n_head=H, n_inner=None,
        activation_function="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
        layer_norm_epsilon=1e-5, bos_token_id=EOS_ID, eos_token_id=EOS_ID, pad_token_id=PAD_ID,
        **extra)
    # Eager attention: the plain softmax(QK^T/sqrt(d) + mask) V, whatever the default backend is.
    try:
        cfg._attn_implementation = "eager"
    except (AttributeError, ValueError):
        pass  # set on the model below instead
    return cfg


def eager(model):
    if hasattr(model, "set_attn_implementation"):
        try:
            model.set_attn_implementation("eager")
        except (AttributeError, ValueError):
            pass
    return model


def save(model, path):
    # transformers 4.x takes safe_serialization (default True since 4.35); 5.x always writes
    # safetensors and may no longer accept the argument.
    try:
        model.save_pretrained(path, safe_serialization=True)
    except TypeError:
        model.save_pretrained(path)


def randomise(model, gen):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".ln_" in name or name.startswith(("ln_", "transformer.ln_")):
                base = 1.0 if name.endswith("weight") else 0.0
                p.copy_(base + 0.1 * torch.randn(p.shape, generator=gen))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.2 * torch.randn(p.shape, generator=gen))


def make_batch(gen):
    ids = torch.randint(2, V, (B, T), generator=gen, dtype=torch.int64)
    mask = torch.ones(B, T, dtype=torch.int64)
    for b, n in enumerate(LEADING_PAD):
        ids[b, :n] = PAD_ID
        mask[b, :n] = 0
    ids[0, T - 1] = EOS_ID
    position_ids = (torch.cumsum(mask, dim=1) - 1).clamp(min=0)
    return ids, mask, position_ids


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "resources", "hf-parity")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)

    lm = eager(GPT2LMHeadModel(config())).eval()
    randomise(lm, gen)
    reward = eager(GPT2ForSequenceClassification(config(num_labels=1))).eval()
    reward.transformer.load_state_dict(lm.transformer.state_dict())
    with torch.no_grad():
        reward.score.weight.copy_(0.2 * torch.randn(reward.score.weight.shape, generator=gen))

    ids, mask, position_ids = make_batch(gen)
    with torch.no_grad():
        logits = lm(input_ids=ids, attention_mask=mask, position_ids=position_ids).logits
        score = reward(input_ids=ids, attention_mask=mask, position_ids=position_ids).logits[:, 0]

    save(lm, os.path.join(out, "lm"))
    save(reward, os.path.join(out, "reward"))
    save_file(
        {"input_ids": ids, "attention_mask": mask, "position_ids": position_ids,
         "logits": logits.float().contiguous(), "score": score.float().contiguous()},
        os.path.join(out, "hf_fixture.safetensors"),
        metadata={"generator": "make_hf_parity.py", "torch": torch.__version__,
                  "transformers": transformers.__version__})
    print(f"transformers {transformers.__version__}, torch {torch.__version__}, attention "
          f"{getattr(lm.config, '_attn_implementation', '?')}: score {score.tolist()} "
          f"-> {os.path.abspath(out)}")


if __name__ == "__main__":
    main()
