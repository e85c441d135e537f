#!/usr/bin/env python3
"""Loads a checkpoint written by rlhf4j's Java Checkpoint.save with Hugging Face transformers
(GPT2LMHeadModel.from_pretrained + PreTrainedTokenizerFast) and records, for a few fixed strings,
the token ids and logits, so a Java test can assert that both implementations agree on our own
files (the "checkpoints convert to the standard format" promise).

    python3 hf_load_java_checkpoint.py CHECKPOINT_DIR OUT.safetensors
"""
import sys

import torch
from safetensors.torch import save_file
from transformers import GPT2LMHeadModel, PreTrainedTokenizerFast

TEXTS = [
    "A dog is a kind of canine.",
    "The word big means large in size.",
    "Synonyms of happy include glad.",
]


def main():
    ckpt, out = sys.argv[1], sys.argv[2]
    model = GPT2LMHeadModel.from_pretrained(ckpt)
    model.eval()
    tok = PreTrainedTokenizerFast(tokenizer_file=f"{ckpt}/tokenizer.json")
    ids = [tok.encode(t, add_special_tokens=False) for t in TEXTS]
    width = max(len(i) for i in ids)
    pad = model.config.pad_token_id
    input_ids = torch.full((len(ids), width), pad, dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for r, row in enumerate(ids):  # left padding, as our generator does
        input_ids[r, width - len(row):] = torch.tensor(row)
        mask[r, width - len(row):] = 1
    pos = (mask.cumsum(1) - 1).clamp(min=0)
    with torch.no_grad():
        logits = model(input_ids=input_ids, attention_mask=mask, position_ids=pos).logits.float()
    save_file({"input_ids": input_ids, "attention_mask": mask, "position_ids": pos,
               "logits": logits.contiguous()}, out, metadata={"texts": "\n".join(TEXTS)})
    print("saved", out, tuple(logits.shape))


if __name__ == "__main__":
    main()
