"""Attention attribution (integrated gradients over attention) as the interaction map
(``satori-interpret-attr``).

For a sequence with attention probabilities ``A`` (h, L', L') and target output ``F``
(the label's logit; several labels: the sum of the logits of the sequence's true
labels), the attribution of every head and entry is the paper's Riemann sum of
integrated gradients with a zero baseline and ``m`` steps::

    Attr(A) = A / m  ⊙  Σ_{i=1..m} ∂F((i/m) A) / ∂A

injected through the model's attention-replacement hook
(``model(X, attention=...)``). By completeness ``Σ Attr ≈ F(A) − F(0)`` up to the
Riemann error. All steps of a batch go through ONE forward and ONE backward pass:
the batch is repeated ``m`` times, step ``i`` gets attention ``(i/m) A``, the targets
are summed and a single ``torch.autograd.grad`` gives every step's gradient (the
steps do not interact, so the gradient of the sum is each step's own gradient).
``ig_batch`` bounds the rows (sequences x steps) of one pass.

The map of a sequence is ``max_h |Attr|`` (L', L'); pair scoring, statistics and
tables are shared with the other interpreters (``interpret.interactions``).
"""

from typing import Optional, Tuple

import torch

from satori.interpret.hits import capture_conv

METHOD = "attn-attr"
DEFAULT_STEPS = 20
DEFAULT_IG_BATCH = 512


def target_weights(labels: Optional[torch.Tensor], n: int, n_labels: int, device) -> torch.Tensor:
    """Weights w (n, n_labels) with F = Σ_k w_k logit_k.

    One label: w = 1 (the label's logit, whatever the sequence's label). Several
    labels: w = the sequence's 0/1 labels (sum of the logits of its true labels).
    """
    if n_labels == 1 or labels is None:
        return torch.ones(n, n_labels, device=device)
    if labels.shape != (n, n_labels):
        raise ValueError(f"labels must have shape {(n, n_labels)}, got {tuple(labels.shape)}")
    return labels.to(device=device, dtype=torch.float32)


def integrated_gradients(
    model: torch.nn.Module,
    X: torch.Tensor,
    A: torch.Tensor,
    weights: torch.Tensor,
    steps: int = DEFAULT_STEPS,
    ig_batch: int = DEFAULT_IG_BATCH,
) -> torch.Tensor:
    """Integrated gradients of F = Σ_k w_k logit_k w.r.t. the attention, zero baseline.

    X: torch.Tensor, shape=(b, 4, L), float one-hot on the model's device.
    A: torch.Tensor, shape=(b, h, L', L'), the attention to attribute (the model's own).
    weights: torch.Tensor, shape=(b, n_labels) (``target_weights``).
    steps: m >= 1, Riemann steps (scales i/m, i = 1..m).
    ig_batch: at most this many rows (sequences x steps) per forward+backward pass;
        with b x m <= ig_batch the whole batch is one pass.

    Returns Attr, shape=(b, h, L', L'), float32: ``A/m ⊙ Σ_i ∂F((i/m)A)/∂A``.
    """
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    b = X.shape[0]
    grad_sum = torch.zeros_like(A, dtype=torch.float32)
    scales = torch.arange(1, steps + 1, device=A.device, dtype=A.dtype) / steps  # (m,)
    per_seq = max(1, ig_batch // steps)  # sequences per pass
    per_step = max(1, min(steps, ig_batch // min(per_seq, b))) if b else steps  # steps per pass
    with torch.enable_grad():
        for s0 in range(0, b, per_seq):
            xs, As, ws = X[s0:s0 + per_seq], A[s0:s0 + per_seq].detach(), weights[s0:s0 + per_seq]
            c = len(xs)
            for i0 in range(0, steps, per_step):
                sc = scales[i0:i0 + per_step]  # (k,)
                k = len(sc)
                # row r = step (r // c), sequence (r % c)
                scaled = (sc.view(k, 1, 1, 1, 1) * As.unsqueeze(0)).reshape(k * c, *As.shape[1:])
                scaled.requires_grad_(True)
                logits = model(xs.repeat(k, 1, 1), attention=scaled)  # (k*c, n_labels)
                target = (logits * ws.repeat(k, 1)).sum()
                (grad,) = torch.autograd.grad(target, scaled)
                grad_sum[s0:s0 + c] += grad.view(k, c, *As.shape[1:]).sum(0).float()
    return A.float() / steps * grad_sum


def make_map_fn(steps: int = DEFAULT_STEPS, ig_batch: int = DEFAULT_IG_BATCH):
    """The interpreter's map function (``interpret.pairs.MapFn``) for ``steps`` and ``ig_batch``."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")

    def attribution_maps(model: torch.nn.Module, X: torch.Tensor,
                         extra: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        """First-layer activations and the max-over-heads |attribution| of a batch.

        X: torch.Tensor, shape=(b, 4, L), float one-hot on the model's device.
        extra: the batch's labels, float (b, n_labels) (the multi-label target).
        Returns ``(conv, maps)``: conv shape=(b, F, L - k + 1), maps shape=(b, L', L'), >= 0.
        """
        with torch.no_grad(), capture_conv(model) as store:
            logits, A = model(X, return_attention=True)  # A (b, h, L', L')
        conv = store["conv"]
        w = target_weights(extra, len(X), logits.shape[1], X.device)
        attr = integrated_gradients(model, X, A, w, steps, ig_batch)
        return conv, attr.abs().amax(dim=1)

    return attribution_maps
