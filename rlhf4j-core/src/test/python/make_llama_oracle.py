#!/usr/bin/env python3
"""Oracle fixtures for the Java Llama-family decoder: tiny random models and what PyTorch computes.

Run with Debian's PyTorch (apt-get install python3-torch), from the repository root:

    /usr/bin/python3 rlhf4j-core/src/test/python/make_llama_oracle.py [RESOURCES_DIR]

Only PyTorch's own operators are used (no transformers); the block semantics follow Hugging
Face's modeling_llama.py / modeling_qwen2.py (read, not copied), stated below so a reader can check
them without either. Outputs are committed; CI does not need Python.

TWO MODELS, both V=97, C=32, F=48, L=2, D=8, max 64 positions, pad id 1, eos id 0 (+ 2 for llama):
  llama-oracle/  model_type llama, H=4 query heads, K=2 key/value heads (GQA, G=2), untied
                 lm_head, rope_theta 10000, rope_scaling {rope_type llama3, factor 8,
                 low_freq_factor 1, high_freq_factor 4, original_max_position_embeddings 64}
                 (with D=8 the four wavelengths 6.3, 63, 628, 6283 fall in the kept, smoothed and
                 two stretched bands), eps 1e-5, no biases. Weights float32, one model.safetensors.
  qwen2-oracle/  model_type qwen2, H=4, K=1 (multi-query), q/k/v biases, tied embeddings,
                 rope_theta 1e6, eps 1e-6. Weights stored as bfloat16 in two shards with
                 model.safetensors.index.json, as save_pretrained writes a sharded model; the
                 forward below uses those bf16 values widened to float.
Keys (nn.Linear layout (out, in), y = x W^T + b): model.embed_tokens.weight (V,C);
  model.layers.{i}.input_layernorm.weight (C); model.layers.{i}.self_attn.q_proj.weight (H*D,C)
  [+ .bias (H*D) in qwen2]; k_proj, v_proj (K*D,C) [+ bias]; o_proj (C,H*D);
  model.layers.{i}.post_attention_layernorm.weight (C); model.layers.{i}.mlp.gate_proj.weight
  (F,C), up_proj (F,C), down_proj (C,F); model.norm.weight (C); lm_head.weight (V,C) when untied;
  score.weight (1,C) (LlamaForSequenceClassification / Qwen2ForSequenceClassification).

FORWARD (float64 from the stored weights; results stored float32)
  rms(x, w) = x / sqrt(mean(x^2 over C) + eps) * w
  inv_freq[i] = theta^(-2i/D), i < D/2, then llama3 scaling: wavelen = 2 pi / inv_freq;
    wavelen > orig/low: inv_freq / factor; wavelen < orig/high: unchanged; else
    s = (orig / wavelen - low) / (high - low), (1 - s) * inv_freq / factor + s * inv_freq
  angles = position_ids[..., None] * inv_freq; emb = cat(angles, angles); cos, sin of emb (B,T,D)
  rope(x) = x * cos + rotate_half(x) * sin, rotate_half(x) = cat(-x[..., D/2:], x[..., :D/2])
  per layer: a = rms(x, input_layernorm); q = a Wq^T (+bq) as (B,H,T,D); k, v likewise (B,K,T,D)
    q, k = rope(q), rope(k); k, v repeated so head h uses key/value head h // G
    att = softmax(q k^T / sqrt(D) masked); x = x + merge(att v) Wo^T
    m = rms(x, post_attention_layernorm); x = x + (silu(m Wg^T) * (m Wu^T)) Wd^T
  hidden = rms(x, model.norm); logits = hidden lm_head^T (or embed_tokens^T when tied)
Masking and positions as make_oracle.py: left padding of 0, 3 and 5 tokens, position_ids =
  max(cumsum(mask) - 1, 0), key j allowed for query i iff (j <= i and mask[j]) or j == i.

OUTPUTS in <set>/fixture.safetensors: input_ids, attention_mask, position_ids, logits (B,T,V),
  hidden (B,T,C), loss (mean next-token NLL over loss_mask = mask[:, :-1] * mask[:, 1:]),
  grad.<name> for every parameter but score.weight, score (B) at the last real token.
"""

import json
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_oracle import make_batch, write_safetensors  # noqa: E402  (same B, T, V, padding)

V, C, FF, L, D, MAXPOS = 97, 32, 48, 2, 8, 64
B, T = 3, 12  # as make_oracle.py, whose make_batch draws the batch
PAD_ID, EOS_ID = 1, 0
SEED = 20250101

LLAMA = dict(name="llama-oracle", model_type="llama", H=4, K=2, tied=False, bias=False,
             theta=10000.0, eps=1e-5, dtype=torch.float32, shards=1,
             scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0,
                          high_freq_factor=4.0, original_max_position_embeddings=64))
QWEN2 = dict(name="qwen2-oracle", model_type="qwen2", H=4, K=1, tied=True, bias=True,
             theta=1000000.0, eps=1e-6, dtype=torch.bfloat16, shards=2, scaling=None)


def make_params(gen, cfg):
    def normal(*shape, std):
        return torch.randn(*shape, generator=gen, dtype=torch.float32) * std

    H, K = cfg["H"], cfg["K"]
    p = {"model.embed_tokens.weight": normal(V, C, std=0.5)}
    for i in range(L):
        b = f"model.layers.{i}."
        p[b + "input_layernorm.weight"] = 1 + normal(C, std=0.1)
        p[b + "self_attn.q_proj.weight"] = normal(H * D, C, std=0.3)
        p[b + "self_attn.k_proj.weight"] = normal(K * D, C, std=0.3)
        p[b + "self_attn.v_proj.weight"] = normal(K * D, C, std=0.3)
        if cfg["bias"]:
            p[b + "self_attn.q_proj.bias"] = normal(H * D, std=0.1)
            p[b + "self_attn.k_proj.bias"] = normal(K * D, std=0.1)
            p[b + "self_attn.v_proj.bias"] = normal(K * D, std=0.1)
        p[b + "self_attn.o_proj.weight"] = normal(C, H * D, std=0.2)
        p[b + "post_attention_layernorm.weight"] = 1 + normal(C, std=0.1)
        p[b + "mlp.gate_proj.weight"] = normal(FF, C, std=0.3)
        p[b + "mlp.up_proj.weight"] = normal(FF, C, std=0.3)
        p[b + "mlp.down_proj.weight"] = normal(C, FF, std=0.2)
    p["model.norm.weight"] = 1 + normal(C, std=0.1)
    if not cfg["tied"]:
        p["lm_head.weight"] = normal(V, C, std=0.3)
    p["score.weight"] = normal(1, C, std=0.3)
    return {k: v.to(cfg["dtype"]) for k, v in p.items()}


def inverse_frequencies(cfg):
    inv = 1.0 / (cfg["theta"] ** (torch.arange(0, D, 2, dtype=torch.float64) / D))
    s = cfg["scaling"]
    if s is None:
        return inv
    orig = s["original_max_position_embeddings"]
    low_wavelen = orig / s["low_freq_factor"]
    high_wavelen = orig / s["high_freq_factor"]
    wavelen = 2 * math.pi / inv
    scaled = torch.where(wavelen > low_wavelen, inv / s["factor"], inv)
    smooth = (orig / wavelen - s["low_freq_factor"]) / (s["high_freq_factor"] - s["low_freq_factor"])
    smoothed = (1 - smooth) * scaled / s["factor"] + smooth * scaled
    medium = (wavelen >= high_wavelen) & (wavelen <= low_wavelen)
    return torch.where(medium, smoothed, scaled)


def rms(x, w, eps):
    return x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    return torch.cat((-x[..., D // 2:], x[..., : D // 2]), dim=-1)


def forward(p, cfg, ids, mask, position_ids):
    H, K = cfg["H"], cfg["K"]
    G = H // K
    eps = cfg["eps"]
    angles = position_ids[..., None].double() * inverse_frequencies(cfg)  # (B,T,D/2)
    emb = torch.cat((angles, angles), dim=-1)[:, None]  # (B,1,T,D)
    cos, sin = emb.cos(), emb.sin()
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    allowed = (causal[None] & mask.bool()[:, None, :]) | torch.eye(T, dtype=torch.bool)[None]

    def lin(x, name):
        y = x @ p[name + ".weight"].T
        return y + p[name + ".bias"] if name + ".bias" in p else y

    x = p["model.embed_tokens.weight"][ids]  # (B,T,C)
    for i in range(L):
        b = f"model.layers.{i}."
        a = rms(x, p[b + "input_layernorm.weight"], eps)
        q = lin(a, b + "self_attn.q_proj").view(B, T, H, D).transpose(1, 2)  # (B,H,T,D)
        k = lin(a, b + "self_attn.k_proj").view(B, T, K, D).transpose(1, 2)  # (B,K,T,D)
        v = lin(a, b + "self_attn.v_proj").view(B, T, K, D).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(G, dim=1)  # head h uses key/value head h // G
        v = v.repeat_interleave(G, dim=1)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(D)
        att = torch.softmax(att.masked_fill(~allowed[:, None], float("-inf")), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, H * D)
        x = x + lin(y, b + "self_attn.o_proj")
        m = rms(x, p[b + "post_attention_layernorm.weight"], eps)
        x = x + lin(F.silu(lin(m, b + "mlp.gate_proj")) * lin(m, b + "mlp.up_proj"), b + "mlp.down_proj")
    hidden = rms(x, p["model.norm.weight"], eps)
    head = p["model.embed_tokens.weight"] if cfg["tied"] else p["lm_head.weight"]
    return hidden @ head.T, hidden


def config_json(cfg):
    out = {
        "architectures": ["LlamaForCausalLM" if cfg["model_type"] == "llama" else "Qwen2ForCausalLM"],
        "model_type": cfg["model_type"], "vocab_size": V, "hidden_size": C,
        "intermediate_size": FF, "num_hidden_layers": L, "num_attention_heads": cfg["H"],
        "num_key_value_heads": cfg["K"], "head_dim": D, "max_position_embeddings": MAXPOS,
        "rms_norm_eps": cfg["eps"], "rope_theta": cfg["theta"], "rope_scaling": cfg["scaling"],
        "hidden_act": "silu", "tie_word_embeddings": cfg["tied"], "attention_dropout": 0.0,
        "initializer_range": 0.02, "use_cache": True,
        "torch_dtype": "bfloat16" if cfg["dtype"] == torch.bfloat16 else "float32",
        "bos_token_id": None if cfg["model_type"] == "qwen2" else 2,
        "eos_token_id": EOS_ID if cfg["model_type"] == "qwen2" else [EOS_ID, 2],
        "pad_token_id": PAD_ID,
    }
    if cfg["model_type"] == "llama":
        out.update(attention_bias=False, mlp_bias=False, pretraining_tp=1)
    else:
        out.update(use_sliding_window=False, sliding_window=None, max_window_layers=L)
    return out


def write_weights(out, params, shards):
    names = list(params)
    if shards == 1:
        write_safetensors(os.path.join(out, "model.safetensors"), params, {"format": "pt"})
        return
    per = math.ceil(len(names) / shards)
    weight_map = {}
    for s in range(shards):
        file = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        part = {n: params[n] for n in names[s * per:(s + 1) * per]}
        write_safetensors(os.path.join(out, file), part, {"format": "pt"})
        weight_map.update({n: file for n in part})
    total = sum(t.numel() * t.element_size() for t in params.values())
    with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2, sort_keys=True)
        f.write("\n")


def write_set(resources, cfg, gen):
    out = os.path.join(resources, cfg["name"])
    os.makedirs(out, exist_ok=True)
    stored = make_params(gen, cfg)
    ids, mask, position_ids = make_batch(gen)
    p = {k: v.double().requires_grad_(k != "score.weight") for k, v in stored.items()}
    logits, hidden = forward(p, cfg, ids, mask, position_ids)
    logprobs = torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, ids[:, 1:, None]).squeeze(-1)
    loss_mask = mask[:, :-1] * mask[:, 1:]
    loss = -(logprobs * loss_mask).sum() / loss_mask.sum()
    loss.backward()
    last = (torch.arange(T)[None, :] * mask).argmax(dim=1)
    score = (hidden[torch.arange(B), last] @ p["score.weight"].T).squeeze(-1)
    fixture = {"input_ids": ids, "attention_mask": mask, "position_ids": position_ids,
               "logits": logits.float(), "hidden": hidden.float(), "loss": loss.float(),
               "score": score.float()}
    for name, param in p.items():
        if param.requires_grad:
            fixture["grad." + name] = param.grad.float()
    write_weights(out, stored, cfg["shards"])
    write_safetensors(os.path.join(out, "fixture.safetensors"), fixture,
                      {"generator": "make_llama_oracle.py", "torch": torch.__version__})
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config_json(cfg), f, indent=2, sort_keys=True)
        f.write("\n")
    if cfg["model_type"] == "llama":
        with open(os.path.join(out, "generation_config.json"), "w") as f:
            json.dump({"bos_token_id": 2, "eos_token_id": [EOS_ID, 2], "do_sample": True,
                       "temperature": 0.6, "top_p": 0.9}, f, indent=2, sort_keys=True)
            f.write("\n")
    print(f"{cfg['name']}: loss {loss.item():.6f} score {score.tolist()} "
          f"logits std {logits.std().item():.3f} -> {os.path.abspath(out)}")
    return stored, ids, mask, position_ids


LORA_R, LORA_ALPHA = 4, 8.0
LORA_TARGETS = ["q_proj", "v_proj", "gate_proj", "down_proj"]


def write_lora_set(resources, cfg, stored, ids, mask, position_ids, gen):
    """llama-lora-oracle/: a PEFT LoRA adapter (r=4, alpha=8, so scaling 2; q/v/gate/down_proj;
    modules_to_save ["score"]) on llama-oracle's weights, with A and B both random so the update
    matters. Every adapted layer computes x W^T + 2 * (x A^T) B^T. Fixture: logits, loss, score
    (with the adapter's score.weight) and the gradient of the loss for every lora_A / lora_B."""
    out = os.path.join(resources, "llama-lora-oracle")
    os.makedirs(out, exist_ok=True)
    adapter = {}
    for name, w in stored.items():
        module = name[: -len(".weight")]
        if name.startswith("model.layers.") and name.endswith(".weight") and module.split(".")[-1] in LORA_TARGETS:
            adapter[module + ".lora_A.weight"] = torch.randn(LORA_R, w.shape[1], generator=gen) * 0.3
            adapter[module + ".lora_B.weight"] = torch.randn(w.shape[0], LORA_R, generator=gen) * 0.3
    adapter["score.weight"] = torch.randn(1, C, generator=gen) * 0.3
    base = {k: v.double() for k, v in stored.items()}
    a = {k: v.double().requires_grad_(k != "score.weight") for k, v in adapter.items()}
    scaling = LORA_ALPHA / LORA_R
    p = dict(base)  # W_eff = W + scaling * B A gives x W^T + scaling (x A^T) B^T exactly
    for name in list(base):
        module = name[: -len(".weight")]
        if module + ".lora_A.weight" in a:
            p[name] = base[name] + scaling * a[module + ".lora_B.weight"] @ a[module + ".lora_A.weight"]
    logits, hidden = forward(p, cfg, ids, mask, position_ids)
    logprobs = torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, ids[:, 1:, None]).squeeze(-1)
    loss_mask = mask[:, :-1] * mask[:, 1:]
    loss = -(logprobs * loss_mask).sum() / loss_mask.sum()
    loss.backward()
    score = (hidden[:, T - 1] @ a["score.weight"].T).squeeze(-1)
    fixture = {"input_ids": ids, "attention_mask": mask, "logits": logits.float(), "loss": loss.float(),
               "score": score.float()}
    for name, t in a.items():
        if t.requires_grad:
            fixture["grad." + name] = t.grad.float()
    write_safetensors(os.path.join(out, "adapter_model.safetensors"),
                      {"base_model.model." + k: v for k, v in adapter.items()}, {"format": "pt"})
    write_safetensors(os.path.join(out, "fixture.safetensors"), fixture,
                      {"generator": "make_llama_oracle.py", "torch": torch.__version__})
    with open(os.path.join(out, "adapter_config.json"), "w") as f:
        json.dump({"peft_type": "LORA", "task_type": "SEQ_CLS", "r": LORA_R, "lora_alpha": LORA_ALPHA,
                   "lora_dropout": 0.0, "target_modules": LORA_TARGETS, "bias": "none",
                   "fan_in_fan_out": False, "modules_to_save": ["score"], "inference_mode": True,
                   "base_model_name_or_path": "../llama-oracle"}, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"llama-lora-oracle: loss {loss.item():.6f} score {score.tolist()} -> {os.path.abspath(out)}")


def main():
    resources = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "resources")
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    llama = write_set(resources, LLAMA, gen)
    write_set(resources, QWEN2, gen)
    write_lora_set(resources, LLAMA, *llama, gen)


if __name__ == "__main__":
    main()
