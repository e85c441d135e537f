#!/usr/bin/env python3
"""Oracle fixtures for the Java GPT-2: a tiny random model and what PyTorch computes with it.

Run with Debian's PyTorch (apt-get install python3-torch), from the repository root:

    /usr/bin/python3 rlhf4j-core/src/test/python/make_oracle.py [RESOURCES_DIR]

RESOURCES_DIR defaults to rlhf4j-core/src/test/resources/. Two fixture sets are written, with the
same weights and batch and differing only in the MLP activation:
  oracle/        activation_function "gelu_new": GELU with the tanh approximation (HF GPT-2)
  oracle-gelu/   activation_function "gelu": exact erf GELU (our models' default)
Only PyTorch's own operators are
used (no transformers), so the fixture is an independent statement of the architecture. The
outputs are committed; CI does not need Python. Re-running reproduces them bit for bit on the
same PyTorch build (seeded CPU RNG).

MODEL (written to model.safetensors, bare Hugging Face GPT-2 keys, float32, + config.json)
  V=97 vocabulary, P=32 positions, L=2 layers, H=2 heads, C=16 width (head dim 8), pad id 1,
  eos id 0, no dropout. Keys and shapes, HF Conv1D layout (in, out), computed as x @ W + b:
    wte.weight (V,C), wpe.weight (P,C),
    h.{i}.ln_1.weight/bias (C), h.{i}.attn.c_attn.weight (C,3C), h.{i}.attn.c_attn.bias (3C),
    h.{i}.attn.c_proj.weight (C,C), h.{i}.attn.c_proj.bias (C), h.{i}.ln_2.weight/bias (C),
    h.{i}.mlp.c_fc.weight (C,4C), h.{i}.mlp.c_fc.bias (4C), h.{i}.mlp.c_proj.weight (4C,C),
    h.{i}.mlp.c_proj.bias (C), ln_f.weight/bias (C), score.weight (1,C).
  Initialisation (so activations are far from trivial): every matrix and wte/wpe ~ N(0, 0.2);
  linear biases ~ N(0, 0.1); LayerNorm weights 1 + N(0, 0.1), LayerNorm biases N(0, 0.1).

FORWARD (computed in float64 from the float32 weights above; results stored as float32)
  x = wte[input_ids] + wpe[position_ids]                                      (B,T,C)
  per block:  a = LN(x, ln_1);  q,k,v = split(a @ c_attn.weight + c_attn.bias, C, last dim)
              per head: att = q k^T / sqrt(C/H); att[key not allowed] = -inf; softmax over keys
              x = x + merge_heads(att v) @ attn.c_proj.weight + attn.c_proj.bias
              m = LN(x, ln_2);  x = x + act(m @ c_fc.weight + c_fc.bias) @ mlp.c_proj.weight + mlp.c_proj.bias
  h = LN(x, ln_f);  logits = h @ wte.weight^T (tied head)                     (B,T,V)
  LN is LayerNorm over C with eps 1e-5 (biased variance); act is, in oracle/,
  0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) = HF "gelu_new", and in oracle-gelu/ the exact
  0.5 x (1 + erf(x / sqrt(2))) = HF "gelu".

MASKING CONVENTION (the part to reproduce exactly)
  Left-padded batch, B=3, T=12: rows have 0, 3 and 5 leading pad positions (attention_mask 0,
  input id 1); every row ends with a real token; row 0 ends with EOS (id 0).
  position_ids = max(cumsum(attention_mask, T) - 1, 0): real tokens count 0, 1, 2, ... from the
  first real token; pad positions get 0.
  Key j is allowed for query i iff (j <= i AND attention_mask[j] == 1) OR j == i.
  So real queries see only real keys at or before them, and a pad query (whose keys would all be
  masked) sees only itself. No row is ever fully masked, so no NaN arises, and logits at pad
  positions are well defined (but meaningless; compare them anyway, they test the convention).
  An additive mask of -1e9 or float min instead of -inf gives the same float32 results.

OUTPUTS in fixture.safetensors
  input_ids (B,T) I64, attention_mask (B,T) I64, position_ids (B,T) I64
  logits (B,T,V) F32            forward above, at every position including pads
  hidden (B,T,C) F32            h = LN(x, ln_f), the final hidden state
  logprobs (B,T-1) F32          log_softmax(logits[:, t]) at token input_ids[:, t+1], for every t
                                (not masked; multiply by loss_mask yourself)
  loss_mask (B,T-1) I64         attention_mask[:, t] * attention_mask[:, t+1]: both the input and
                                the target of position t are real tokens
  loss () F32                   mean of -logprobs over positions where loss_mask == 1: a token-level
                                mean over the whole batch (sum / count), not a mean of row means
  grad.<name> F32               d loss / d parameter for every parameter except score.weight (the
                                loss does not use it); grad.wte.weight sums the embedding and the
                                tied-head contributions
  score (B) F32                 h[b, last_b] @ score.weight^T, last_b = index of the last position
                                with attention_mask == 1 (T-1 for every row of a left-padded batch)
"""

import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

V, P, L, H, C = 97, 32, 2, 2, 16
B, T = 3, 12
PAD_ID, EOS_ID = 1, 0
LEADING_PAD = [0, 3, 5]
EPS = 1e-5
SEED = 20240607

DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.bfloat16: "BF16", torch.float16: "F16"}


def write_safetensors(path, tensors, metadata=None):
    """An independent writer of the safetensors format (no safetensors package needed)."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    blobs = []
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        raw = t.view(torch.int16).numpy() if t.dtype == torch.bfloat16 else t.numpy()
        data = raw.astype(raw.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)
    os.replace(tmp, path)


def make_params(gen):
    def normal(*shape, std):
        return torch.randn(*shape, generator=gen, dtype=torch.float32) * std

    p = {"wte.weight": normal(V, C, std=0.2), "wpe.weight": normal(P, C, std=0.2)}
    for i in range(L):
        h = f"h.{i}."
        p[h + "ln_1.weight"] = 1 + normal(C, std=0.1)
        p[h + "ln_1.bias"] = normal(C, std=0.1)
        p[h + "attn.c_attn.weight"] = normal(C, 3 * C, std=0.2)
        p[h + "attn.c_attn.bias"] = normal(3 * C, std=0.1)
        p[h + "attn.c_proj.weight"] = normal(C, C, std=0.2)
        p[h + "attn.c_proj.bias"] = normal(C, std=0.1)
        p[h + "ln_2.weight"] = 1 + normal(C, std=0.1)
        p[h + "ln_2.bias"] = normal(C, std=0.1)
        p[h + "mlp.c_fc.weight"] = normal(C, 4 * C, std=0.2)
        p[h + "mlp.c_fc.bias"] = normal(4 * C, std=0.1)
        p[h + "mlp.c_proj.weight"] = normal(4 * C, C, std=0.2)
        p[h + "mlp.c_proj.bias"] = normal(C, std=0.1)
    p["ln_f.weight"] = 1 + normal(C, std=0.1)
    p["ln_f.bias"] = normal(C, std=0.1)
    p["score.weight"] = normal(1, C, std=0.2)
    return p


def make_batch(gen):
    ids = torch.randint(2, V, (B, T), generator=gen, dtype=torch.int64)
    mask = torch.ones(B, T, dtype=torch.int64)
    for b, n in enumerate(LEADING_PAD):
        ids[b, :n] = PAD_ID
        mask[b, :n] = 0
    ids[0, T - 1] = EOS_ID
    position_ids = (torch.cumsum(mask, dim=1) - 1).clamp(min=0)
    return ids, mask, position_ids


def forward(p, ids, mask, position_ids, approximate="tanh"):
    """Returns (logits, h) for parameters p (any float dtype); approximate: "tanh" or "none"."""
    hd = C // H
    x = p["wte.weight"][ids] + p["wpe.weight"][position_ids]  # (B,T,C)
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))  # (T,T) [query, key]
    key_real = mask.bool()[:, None, :]  # (B,1,T)
    allowed = (causal[None] & key_real) | torch.eye(T, dtype=torch.bool)[None]  # (B,T,T)
    for i in range(L):
        h = f"h.{i}."
        a = F.layer_norm(x, (C,), p[h + "ln_1.weight"], p[h + "ln_1.bias"], EPS)
        qkv = a @ p[h + "attn.c_attn.weight"] + p[h + "attn.c_attn.bias"]  # (B,T,3C)
        q, k, v = qkv.split(C, dim=-1)
        q = q.view(B, T, H, hd).transpose(1, 2)  # (B,H,T,hd)
        k = k.view(B, T, H, hd).transpose(1, 2)
        v = v.view(B, T, H, hd).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hd)  # (B,H,T,T)
        att = att.masked_fill(~allowed[:, None], float("-inf"))
        att = torch.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)  # (B,T,C)
        x = x + y @ p[h + "attn.c_proj.weight"] + p[h + "attn.c_proj.bias"]
        m = F.layer_norm(x, (C,), p[h + "ln_2.weight"], p[h + "ln_2.bias"], EPS)
        m = F.gelu(m @ p[h + "mlp.c_fc.weight"] + p[h + "mlp.c_fc.bias"], approximate=approximate)
        x = x + m @ p[h + "mlp.c_proj.weight"] + p[h + "mlp.c_proj.bias"]
    hidden = F.layer_norm(x, (C,), p["ln_f.weight"], p["ln_f.bias"], EPS)  # (B,T,C)
    logits = hidden @ p["wte.weight"].T  # (B,T,V)
    return logits, hidden


def config_json(activation):
    return {
        "architectures": ["GPT2ForSequenceClassification"],
        "model_type": "gpt2",
        "vocab_size": V, "n_positions": P, "n_embd": C, "n_layer": L, "n_head": H,
        "n_inner": None, "activation_function": activation,
        "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "layer_norm_epsilon": EPS,
        "bos_token_id": None, "eos_token_id": EOS_ID, "pad_token_id": PAD_ID,
        "id2label": {"0": "LABEL_0"}, "label2id": {"LABEL_0": 0},
        "tie_word_embeddings": True,
    }


def write_fixture_set(out, params32, ids, mask, position_ids, activation, approximate):
    os.makedirs(out, exist_ok=True)
    p = {k: v.double().requires_grad_(k != "score.weight") for k, v in params32.items()}
    logits, hidden = forward(p, ids, mask, position_ids, approximate)
    logprobs = torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, ids[:, 1:, None]).squeeze(-1)
    loss_mask = mask[:, :-1] * mask[:, 1:]  # (B,T-1)
    loss = -(logprobs * loss_mask).sum() / loss_mask.sum()
    loss.backward()

    last = (torch.arange(T)[None, :] * mask).argmax(dim=1)  # (B,) last real position
    score = (hidden[torch.arange(B), last] @ p["score.weight"].T).squeeze(-1)  # (B,)

    fixture = {
        "input_ids": ids, "attention_mask": mask, "position_ids": position_ids,
        "logits": logits.float(), "hidden": hidden.float(), "logprobs": logprobs.float(),
        "loss_mask": loss_mask, "loss": loss.float(), "score": score.float(),
    }
    for name, param in p.items():
        if param.requires_grad:
            fixture["grad." + name] = param.grad.float()

    write_safetensors(os.path.join(out, "model.safetensors"), params32, {"format": "pt"})
    write_safetensors(os.path.join(out, "fixture.safetensors"), fixture,
                      {"generator": "make_oracle.py", "torch": torch.__version__,
                       "activation_function": activation})
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config_json(activation), f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"{activation}: loss {loss.item():.6f}  score {score.tolist()}"
          f"  logits std {logits.std().item():.3f}  -> {os.path.abspath(out)}")


def main():
    resources = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "resources")
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    params32 = make_params(gen)
    ids, mask, position_ids = make_batch(gen)
    write_fixture_set(os.path.join(resources, "oracle"), params32, ids, mask, position_ids,
                      "gelu_new", "tanh")
    write_fixture_set(os.path.join(resources, "oracle-gelu"), params32, ids, mask, position_ids,
                      "gelu", "none")


if __name__ == "__main__":
    main()
