"""Oracle fixtures for the preference losses, computed with PyTorch's own operators.

Writes rlhf4j-core/src/test/resources/pref-oracle/{ranking_loss,dpo_loss}.json. The Java tests
(RankingLossTest, DpoLossTest) feed the same inputs to our losses and compare value and gradient.

The computation is deliberately written differently from the Java code: pairs are enumerated with
itertools over the tie groups, each prompt's loss is a plain mean over its pairs, and gradients
come from autograd.

Run with Debian's interpreter (torch 1.13): /usr/bin/python3 make_pref_oracle.py
"""
import itertools
import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "pref-oracle")

# Tie groups best -> worst, as in Ranking.ranking. K = 2 (pairwise), 3 with a tie, 4, 9 with ties.
RANKINGS = [
    [[0], [1]],
    [[1], [0]],
    [[2], [0, 1]],
    [[3], [1], [0], [2]],
    [[4, 7], [0], [8, 2, 1], [3], [5, 6]],
]


def pairs(groups):
    out = []
    for better, worse in itertools.combinations(range(len(groups)), 2):
        for w, l in itertools.product(groups[better], groups[worse]):
            out.append((w, l))
    return out


def k_of(groups):
    return sum(len(g) for g in groups)


def ranking_case(gen, scale):
    ks = [k_of(r) for r in RANKINGS]
    scores = (torch.randn(sum(ks), generator=gen, dtype=torch.float64) * scale).requires_grad_(True)
    per_prompt = []
    offset = 0
    for groups, k in zip(RANKINGS, ks):
        s = scores[offset:offset + k]
        terms = [F.logsigmoid(s[w] - s[l]) for w, l in pairs(groups)]
        per_prompt.append(-torch.stack(terms).mean())  # -1/P sum log sigmoid(r_w - r_l)
        offset += k
    loss = torch.stack(per_prompt).mean()  # mean over prompts (batch elements)
    loss.backward()
    return {
        "scores": scores.detach().tolist(),
        "loss": loss.item(),
        "grad": scores.grad.tolist(),
    }


def dpo_case(gen, beta, kind):
    ks = [k_of(r) for r in RANKINGS]
    n = sum(ks)
    policy = (torch.randn(n, generator=gen, dtype=torch.float64) * 3 - 20).requires_grad_(True)
    ref = torch.randn(n, generator=gen, dtype=torch.float64) * 3 - 20
    per_prompt = []
    offset = 0
    for groups, k in zip(RANKINGS, ks):
        pi = policy[offset:offset + k]
        rf = ref[offset:offset + k]
        terms = []
        for w, l in pairs(groups):
            h = (pi[w] - rf[w]) - (pi[l] - rf[l])
            if kind == "sigmoid":  # Rafailov et al. 2023, eq. 7
                terms.append(-F.logsigmoid(beta * h))
            else:  # IPO, Azar et al. 2023, eq. 17, with tau = beta
                terms.append((h - 1.0 / (2.0 * beta)) ** 2)
        per_prompt.append(torch.stack(terms).mean())
        offset += k
    loss = torch.stack(per_prompt).mean()
    loss.backward()
    return {
        "kind": kind,
        "beta": beta,
        "policy_logps": policy.detach().tolist(),
        "reference_logps": ref.tolist(),
        "loss": loss.item(),
        "grad": policy.grad.tolist(),
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    gen = torch.Generator().manual_seed(20240601)
    ranking = {
        "torch_version": torch.__version__,
        "rankings": RANKINGS,
        "cases": [ranking_case(gen, s) for s in (0.5, 2.0, 30.0)],
    }
    dpo = {
        "torch_version": torch.__version__,
        "rankings": RANKINGS,
        "cases": [dpo_case(gen, b, k) for k in ("sigmoid", "ipo") for b in (0.1, 0.5)],
    }
    for name, obj in (("ranking_loss.json", ranking), ("dpo_loss.json", dpo)):
        with open(os.path.join(OUT, name), "w") as f:
            json.dump(obj, f)
            f.write("\n")


if __name__ == "__main__":
    main()
