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

Prompts share long prefixes (the chat template's system prompt, each attack template's
opening), so a newcomer copies its longest prefix's keys and values from a row that holds
it (a decoding row's prompt, or a prefix several newcomers share, computed once first) and
prefills only the rest: the default run prefills 16,081 of its 36,025 prompt tokens, with
all 336 replies byte-identical to the loop without sharing (bench/local_timeline.py).

Only greedy decoding (temperature 0, the default run); the replies are the ones
`model.generate` gives (tests/models/test_local_loop.py).
"""

from __future__ import annotations

import itertools
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
        self._held: list[Job] = []  # the jobs in rows 0.., whose prompts a newcomer may copy
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
                 last: torch.Tensor, layout: _Layout | None) -> torch.Tensor:
        """Logits of the tokens at `last` (indices into `tokens`).

        tokens, rows, pos: one entry per token (its cache row and position). `layout`
        is None for a decoding step (one token per row, rows 0..n-1 in order), else the
        prefill's: which rows, and where each token sits in a right-padded grid.
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
                out = layout.attention(q, self.k[i], self.v[i], attn.scaling, g)
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
            self._held = []

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
                    self._held = active
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
        """Prefill `jobs` into rows start..; their first tokens.

        A prompt's longest prefix already in the cache (a held row's prompt: the chat
        template's system prompt, an attack template's opening) is copied from that row,
        not recomputed; prefixes that several newcomers share but no row holds yet are
        computed first, once each, in one of those newcomers' rows. Only the rest of each
        prompt is prefilled, its attention reading the copied keys and values."""
        self._reserve(start, start + len(jobs),
                      max(len(j.ids) + j.max_tokens for j in jobs))
        shared, copies = _share([j.ids for j in self._held[:start]], [j.ids for j in jobs])
        if shared:
            self._extend([(start + j, jobs[j].ids[:upto], *_copies_of(start, src))
                          for j, upto, src in shared])
        return self._extend([(start + j, job.ids, *_copies_of(start, copies[j]))
                             for j, job in enumerate(jobs)]).argmax(-1)

    def _extend(self, items: list[tuple[int, list[int], int, int]]) -> torch.Tensor:
        """Each item (row, ids, from row, copied): the first `copied` positions of `from
        row` copied into `row`, then ids[copied:] run at their positions there, as one
        packed sequence; the logits of each item's last token."""
        assert self.k is not None and self.v is not None
        for row, _, source, copied in items:
            if copied and source != row:
                self.k[:, row, :, :copied] = self.k[:, source, :, :copied]
                self.v[:, row, :, :copied] = self.v[:, source, :, :copied]
        lengths = [len(ids) - copied for _, ids, _, copied in items]
        tokens = torch.tensor([t for _, ids, _, copied in items for t in ids[copied:]])
        rows = torch.tensor([row for row, *_ in items])
        pos = torch.cat([torch.arange(copied, len(ids)) for _, ids, _, copied in items])
        layout = _Layout.of(rows, torch.tensor(lengths), pos, self.heads // self.kv_heads)
        last = torch.tensor(lengths).cumsum(0) - 1
        return self._forward(tokens, torch.repeat_interleave(rows, torch.tensor(lengths)),
                             pos, last, layout)

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


@dataclass(frozen=True)
class _Layout:
    """A prefill's tokens laid out right-padded, a grid of [rows, longest]; each token
    attends to its row's cache up to its own position (a copied prefix, then the row's
    new keys, written before the attention reads them)."""

    rows: torch.Tensor  # [n] cache rows
    index: torch.Tensor  # each token's place in the flat grid
    longest: int
    mask: torch.Tensor  # [n, 1, groups x longest, span]: key position <= query position
    first: int | None  # rows[0] when the rows are consecutive (a slice, not a gather)

    @staticmethod
    def of(rows: torch.Tensor, lengths: torch.Tensor, pos: torch.Tensor,
           groups: int) -> _Layout:
        n, longest = rows.shape[0], int(lengths.max())
        index = (torch.repeat_interleave(torch.arange(n) * longest, lengths)
                 + torch.arange(pos.shape[0])
                 - torch.repeat_interleave(lengths.cumsum(0) - lengths, lengths))
        query = torch.zeros(n * longest, dtype=torch.long)  # padding: position 0
        query[index] = pos
        span = int(pos.max()) + 1
        mask = (torch.arange(span) <= query.view(n, 1, longest, 1)).expand(
            n, groups, longest, span).reshape(n, 1, groups * longest, span)
        first = int(rows[0])
        consecutive = bool((rows == torch.arange(first, first + n)).all())
        return _Layout(rows, index, longest, mask, first if consecutive else None)

    def attention(self, q: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                  scale: float, groups: int) -> torch.Tensor:
        """q: [tokens, heads, dim]; keys, values: one layer's cache. The heads sharing
        a key head ride in the query dimension ([rows, kv heads, groups x longest, dim]),
        as in the decoding step, so no key is repeated."""
        n, longest, span = self.rows.shape[0], self.longest, self.mask.shape[-1]
        heads, d = q.shape[1], q.shape[2]
        grid = q.new_zeros(n * longest, heads, d)
        grid[self.index] = q
        kv = heads // groups
        grid = (grid.view(n, longest, kv, groups, d).permute(0, 2, 3, 1, 4)
                .reshape(n, kv, groups * longest, d))
        at = (slice(self.first, self.first + n) if self.first is not None else self.rows)
        out = F.scaled_dot_product_attention(grid, keys[at, :, :span], values[at, :, :span],
                                             attn_mask=self.mask, scale=scale)
        out = (out.view(n, kv, groups, longest, d).permute(0, 3, 1, 2, 4)
               .reshape(n * longest, -1))
        return out[self.index]


# A prefix is copied from another row only when it is at least this many tokens: a shorter
# one costs about as much to copy as to recompute.
MIN_SHARE = 8


def _common(a: list[int], b: list[int]) -> int:
    """The length of the longest common prefix of a and b."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _share(held: list[list[int]], new: list[list[int]]
           ) -> tuple[list[tuple[int, int, tuple[int, int]]], list[tuple[int, int]]]:
    """How newcomers' prompts reuse prefixes: (shared, copies).

    A source is a held row (0.., its prompt) or newcomer j (written -1-j). shared:
    (newcomer, length, copy) for each prefix that several newcomers have in common and
    no held row gives, computed first in that newcomer's row (from `copy`, its own
    best held prefix). copies: per newcomer, (source, length) of its longest reusable
    prefix, always leaving its last token to run, for its first logits. The best
    partner of a prompt among the newcomers is a neighbour in their sorted order."""
    def best_held(ids: list[int], cap: int) -> tuple[int, int]:
        length, source = 0, 0
        for row, other in enumerate(held):
            n = _common(ids, other)
            if n > length:
                length, source = n, row
        length = min(length, cap)
        return (source, length) if length >= MIN_SHARE else (0, 0)

    caps = [len(ids) - 1 for ids in new]
    from_held = [best_held(ids, cap) for ids, cap in zip(new, caps, strict=True)]
    order = sorted(range(len(new)), key=lambda j: new[j])
    wanted: dict[int, int] = {}
    for a, b in itertools.pairwise(order):
        n = _common(new[a], new[b])
        for j in (a, b):
            wanted[j] = max(wanted.get(j, 0), min(n, caps[j]))
    # the prefixes to compute once: wanted ones no held row gives, the longest of a chain
    prefixes = sorted({tuple(new[j][:n]): j for j, n in wanted.items()
                       if n >= from_held[j][1] + MIN_SHARE}.items())
    kept = [(p, j) for i, (p, j) in enumerate(prefixes)
            if i + 1 == len(prefixes) or prefixes[i + 1][0][:len(p)] != p]
    shared = [(j, len(p), from_held[j]) for p, j in kept]
    copies = []
    for j, ids in enumerate(new):
        source, length = from_held[j]
        for p, owner in kept:
            n = len(p) if owner == j else min(_common(ids, list(p)), caps[j])
            if owner == j or (n > length and n >= MIN_SHARE):
                source, length = -1 - owner, n
                if owner == j:
                    break
        copies.append((source, length))
    return shared, copies


def _copies_of(start: int, copy: tuple[int, int]) -> tuple[int, int]:
    """A `_share` copy as (cache row, length): held rows are 0.., newcomer j is start+j."""
    source, length = copy
    return (start - 1 - source if source < 0 else source), length


def _stopped() -> BaseException:
    from riskbench.errors import ModelError

    return ModelError("the run stopped while this batch was generating")
