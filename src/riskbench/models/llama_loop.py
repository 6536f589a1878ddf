"""Greedy generation of our own for Llama-architecture models, continuously batched.

`model.generate` pads a batch to its longest prompt, grows its cache by `torch.cat` on
every step and keeps a finished row in the batch until the longest reply ends. Here the
model's own weights and layers run over a preallocated key/value cache (layers x rows x
kv heads x context x head dim, written by index), each row at its own positions (no
padding: a row attends to its own positions only), and a row whose reply ends is handed
back at once and its place refilled from the waiting requests: the newcomers are
prefilled together as one packed sequence, then every active row decodes together. More
rows decode at once than `generate` could afford, because on the CPU a decoding step's
matrix products cost little more for 128 rows than for 32 (docs/performance.md).

Only greedy decoding (temperature 0, the default run); the replies are the ones
`model.generate` gives (tests/models/test_local_loop.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

# Rows decoding at once, and the key/value cache they may hold (positions over all rows:
# 46 KB each for SmolLM2-135M in float32, so 40,960 are 1.9 GB). A row joins only while
# rows x the longest context fits, so a long prompt waits for a smaller batch instead of
# pushing the process past a few GB.
ROWS = 128
CACHE_POSITIONS = 40_960
# Newcomers are prefilled once this share of the rows is free (or nothing is decoding):
# one prefill of several prompts is a larger, cheaper product than one per finished row.
REFILL_SHARE = 0.125
# oneDNN pre-packed linear weights: faster products (~1.4x at 32-128 rows). Their sums
# run in another order than `F.linear`'s, so a near-tie could flip a greedy token; on the
# README's first run all 336 replies were identical to `F.linear`'s, and the run took
# 5 min 14 s against 5 min 59 s, for ~0.55 GB more memory (the packed copy;
# docs/performance.md). The tests compare this default with `generate`.
PACKED = True
# The cache's context grows in steps of this many positions (a regrowth copies it).
CONTEXT_STEP = 64


def supports(model: Any) -> bool:
    """Whether this loop can run `model`: a Llama decoder in float32 on the CPU."""
    cfg = getattr(model, "config", None)
    return (getattr(cfg, "model_type", None) == "llama"
            and type(model).__name__ == "LlamaForCausalLM"
            and model.lm_head.weight.dtype == torch.float32
            and model.lm_head.weight.device.type == "cpu")


@dataclass(eq=False)
class Job:
    """One request as the loop sees it: prompt ids in, generated ids out."""

    ids: list[int]
    max_tokens: int
    out: list[int] = field(default_factory=list)


Finish = Callable[[Job, BaseException | None], None]


class LlamaLoop:
    def __init__(self, model: Any, eos: Sequence[int], rows: int = ROWS,
                 cache_positions: int = CACHE_POSITIONS, packed: bool = PACKED) -> None:
        cfg = model.config
        self.model = model
        self.eos = frozenset(eos)
        self.rows = rows
        self.cache_positions = cache_positions
        self.heads = cfg.num_attention_heads
        self.kv_heads = cfg.num_key_value_heads
        self.head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // self.heads
        self.layers = list(model.model.layers)
        self.packed = packed
        self._linear: dict[int, Callable[[torch.Tensor], torch.Tensor]] = {}
        self.k: torch.Tensor | None = None  # [layers, rows, kv heads, context, head dim]
        self.v: torch.Tensor | None = None
        self.context = 0
        self._cos, self._sin = self._rope(CONTEXT_STEP)

    def _rope(self, positions: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The model's own rotary tables for positions 0..positions-1, [positions, dim]."""
        ids = torch.arange(positions).unsqueeze(0)
        probe = torch.zeros(1, dtype=torch.float32)
        cos, sin = self.model.model.rotary_emb(probe, ids)
        return cos[0], sin[0]

    def lin(self, module: Any, x: torch.Tensor) -> torch.Tensor:
        """`module(x)` for an nn.Linear, through oneDNN's pre-packed weight if `packed`
        (MKL repacks a streamed weight on every call: ~1.4x slower at 32-128 rows)."""
        if not self.packed:
            return module(x)
        fn = self._linear.get(id(module))
        if fn is None:
            weight = torch.ops.mkldnn._reorder_linear_weight(module.weight.detach(), self.rows)
            bias = None if module.bias is None else module.bias.detach()

            def fn(x: torch.Tensor, weight: Any = weight, bias: Any = bias) -> torch.Tensor:
                return torch.ops.mkldnn._linear_pointwise(x, weight, bias, "none", [], "")

            self._linear[id(module)] = fn
        return fn(x)

    # -- the cache ---------------------------------------------------------------------

    def _room(self, active: int, need: int) -> bool:
        """Whether one more row needing `need` positions fits beside `active` rows."""
        if active == 0:
            return True
        return (active + 1 <= self.rows
                and (active + 1) * max(self.context, need) <= self.cache_positions)

    def _reserve(self, active: int, rows: int, need: int) -> None:
        """A cache of at least `rows` rows and `need` positions, keeping the first
        `active` rows' contents."""
        have_rows = 0 if self.k is None else self.k.shape[1]
        if self.k is not None and rows <= have_rows and need <= self.context:
            return
        context = max(self.context, -(-need // CONTEXT_STEP) * CONTEXT_STEP)
        rows = max(rows, min(self.rows, max(1, self.cache_positions // context)))
        shape = (len(self.layers), rows, self.kv_heads, context, self.head_dim)
        k, v = torch.zeros(shape), torch.zeros(shape)
        if self.k is not None and self.v is not None and active:
            k[:, :active, :, :self.context] = self.k[:, :active]
            v[:, :active, :, :self.context] = self.v[:, :active]
        self.k, self.v, self.context = k, v, context
        if self._cos.shape[0] < context:
            self._cos, self._sin = self._rope(context)

    # -- one forward pass --------------------------------------------------------------

    def _forward(self, tokens: torch.Tensor, rows: torch.Tensor, pos: torch.Tensor,
                 last: torch.Tensor, layout: tuple[int, int, torch.Tensor] | None
                 ) -> torch.Tensor:
        """Logits of the tokens at `last` (indices into `tokens`).

        tokens, rows, pos: one entry per token (its cache row and position). `layout`
        is None for a decoding step (one token per row, rows 0..n-1 in order), else the
        prefill's (rows, longest prompt, index of each token in the padded layout).
        """
        assert self.k is not None and self.v is not None
        model = self.model.model
        n_tok = tokens.shape[0]
        d, g = self.head_dim, self.heads // self.kv_heads
        x = model.embed_tokens(tokens)
        cos, sin = self._cos[pos].unsqueeze(1), self._sin[pos].unsqueeze(1)
        # where each token's key and value go: row, head, position in the flat cache
        slot = ((rows.unsqueeze(1) * self.kv_heads + torch.arange(self.kv_heads))
                * self.context + pos.unsqueeze(1)).view(-1)
        if layout is None:
            span = int(pos.max()) + 1
            mask = (torch.arange(span).unsqueeze(0) <= pos.unsqueeze(1))[:, None, None, :]
        for i, layer in enumerate(self.layers):
            attn = layer.self_attn
            h = layer.input_layernorm(x)
            q = self.lin(attn.q_proj, h).view(n_tok, self.heads, d)
            k = self.lin(attn.k_proj, h).view(n_tok, self.kv_heads, d)
            v = self.lin(attn.v_proj, h).view(n_tok, self.kv_heads, d)
            q = q * cos + _rotate_half(q) * sin
            k = k * cos + _rotate_half(k) * sin
            self.k[i].view(-1, d).index_copy_(0, slot, k.reshape(-1, d))
            self.v[i].view(-1, d).index_copy_(0, slot, v.reshape(-1, d))
            if layout is None:
                keys = self.k[i, :n_tok, :, :span]
                values = self.v[i, :n_tok, :, :span]
                out = F.scaled_dot_product_attention(
                    q.view(n_tok, self.kv_heads, g, d), keys, values, attn_mask=mask,
                    scale=attn.scaling)
                out = out.reshape(n_tok, self.heads * d)
            else:
                out = _prefill_attention(q, k, v, layout, attn.scaling, g)
            x = x + self.lin(attn.o_proj, out)
            h = layer.post_attention_layernorm(x)
            mlp = layer.mlp
            x = x + self.lin(mlp.down_proj, mlp.act_fn(self.lin(mlp.gate_proj, h))
                             * self.lin(mlp.up_proj, h))
        return self.lin(self.model.lm_head, model.norm(x[last]))

    # -- the loop ----------------------------------------------------------------------

    def run(self, take: Callable[[int, Callable[[Job], bool]], list[Job]], finish: Finish,
            stop: threading.Event) -> None:
        """Generate until `take` has nothing more and every row is done.

        take(free, fits): up to `free` waiting jobs, oldest first, each accepted by `fits`.
        finish(job, error): called once per job, as soon as it is done (error None) or
        failed. A set `stop` fails every active row at the next step. The cache is
        freed when the loop ends (a model may sit idle between runs).
        """
        try:
            with torch.inference_mode():
                self._run(take, finish, stop)
        finally:
            self.k = self.v = None
            self.context = 0

    def _run(self, take: Callable[[int, Callable[[Job], bool]], list[Job]], finish: Finish,
             stop: threading.Event) -> None:
        active: list[Job] = []
        pos = torch.zeros(0, dtype=torch.long)  # each active row's next position
        nxt = torch.zeros(0, dtype=torch.long)  # each active row's last generated token
        while True:
            if stop.is_set():
                for job in active:
                    finish(job, _stopped())
                return
            free = self.rows - len(active)
            if free and (not active or free >= max(1, int(self.rows * REFILL_SHARE))):
                room = len(active)

                def fits(job: Job) -> bool:
                    nonlocal room
                    if not self._room(room, len(job.ids) + job.max_tokens):
                        return False
                    room += 1
                    return True

                newcomers = take(free, fits)
                if newcomers:
                    try:
                        first = self._prefill(len(active), newcomers)
                    except Exception as exc:  # these requests fail; the rows go on
                        for job in newcomers:
                            finish(job, exc)
                    else:
                        active += newcomers
                        pos = torch.cat([pos, torch.tensor([len(j.ids) for j in newcomers])])
                        nxt = torch.cat([nxt, first])
                        for job, token in zip(newcomers, first.tolist(), strict=True):
                            job.out.append(token)
                        active, pos, nxt = self._retire(active, pos, nxt, finish)
                        continue
            if not active:
                return
            try:
                logits = self._forward(nxt, torch.arange(len(active)), pos,
                                       torch.arange(len(active)), None)
            except Exception as exc:  # a failed step fails the rows it held
                for job in active:
                    finish(job, exc)
                active, pos, nxt = [], pos[:0], nxt[:0]
                continue
            nxt = logits.argmax(-1)
            pos = pos + 1
            for job, token in zip(active, nxt.tolist(), strict=True):
                job.out.append(token)
            active, pos, nxt = self._retire(active, pos, nxt, finish)

    def _prefill(self, start: int, jobs: list[Job]) -> torch.Tensor:
        """Prefill `jobs` into rows start.. as one packed sequence; their first tokens."""
        lengths = [len(j.ids) for j in jobs]
        longest = max(lengths)
        self._reserve(start, start + len(jobs),
                      max(len(j.ids) + j.max_tokens for j in jobs))
        tokens = torch.tensor([t for j in jobs for t in j.ids])
        rows = torch.repeat_interleave(torch.arange(start, start + len(jobs)),
                                       torch.tensor(lengths))
        pos = torch.cat([torch.arange(n) for n in lengths])
        padded = (rows - start) * longest + pos
        last = torch.tensor(lengths).cumsum(0) - 1
        logits = self._forward(tokens, rows, pos, last, (len(jobs), longest, padded))
        return logits.argmax(-1)

    def _retire(self, active: list[Job], pos: torch.Tensor, nxt: torch.Tensor,
                finish: Finish) -> tuple[list[Job], torch.Tensor, torch.Tensor]:
        """Hand back the rows that are done; the last rows move into their places, so
        the active rows stay 0..n-1 and a decoding step reads one slice of the cache."""
        done = {i for i, j in enumerate(active)
                if j.out[-1] in self.eos or len(j.out) >= j.max_tokens}
        if not done:
            return active, pos, nxt
        assert self.k is not None and self.v is not None
        for i in sorted(done):
            finish(active[i], None)
        left = len(active) - len(done)
        order = list(range(left))
        holes = [i for i in sorted(done) if i < left]
        movers = [i for i in range(left, len(active)) if i not in done]
        for hole, mover in zip(holes, movers, strict=True):
            self.k[:, hole] = self.k[:, mover]
            self.v[:, hole] = self.v[:, mover]
            order[hole] = mover
        index = torch.tensor(order, dtype=torch.long)
        return [active[i] for i in order], pos[index], nxt[index]


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def _prefill_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                       layout: tuple[int, int, torch.Tensor], scale: float,
                       groups: int) -> torch.Tensor:
    """Causal attention of each prompt over itself: the packed tokens laid out right-
    padded ([prompts, heads, longest, dim]); a padded query's output is dropped, and no
    real query sees a padded key, since padding only follows a prompt."""
    n, longest, index = layout

    def spread(t: torch.Tensor) -> torch.Tensor:
        grid = t.new_zeros(n * longest, t.shape[1], t.shape[2])
        grid[index] = t
        return grid.view(n, longest, t.shape[1], t.shape[2]).transpose(1, 2)

    out = F.scaled_dot_product_attention(spread(q), spread(k), spread(v), is_causal=True,
                                         scale=scale, enable_gqa=groups > 1)
    out = out.transpose(1, 2).reshape(n * longest, -1)
    return out[index]


def _stopped() -> BaseException:
    from riskbench.errors import ModelError

    return ModelError("the run stopped while this batch was generating")
