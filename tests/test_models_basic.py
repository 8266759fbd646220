import json

import pytest
import torch

from satori import formats
from satori.errors import InputError
from satori.models import ModelConfig, attention_entropy, build, load, save


def tiny_config(**kw):
    base = dict(length=40, n_labels=2, n_filters=6, filter_width=5, pool=2, n_heads=2, head_dim=4, linear_units=8)
    base.update(kw)
    return ModelConfig(**base)


def test_shapes_and_attention_rows_sum_to_one():
    torch.manual_seed(0)
    cfg = tiny_config()
    model = build(cfg).eval()
    X = torch.rand(3, 4, 40)
    logits, probs = model(X, return_attention=True)
    assert logits.shape == (3, 2)
    assert cfg.pooled_length == (40 - 5 + 1) // 2
    assert probs.shape == (3, 2, cfg.pooled_length, cfg.pooled_length)
    torch.testing.assert_close(probs.sum(-1), torch.ones(3, 2, cfg.pooled_length))


def test_attention_override_changes_output():
    torch.manual_seed(0)
    model = build(tiny_config()).eval()
    X = torch.rand(2, 4, 40)
    logits, probs = model(X, return_attention=True)
    same = model(X, attention=probs)
    torch.testing.assert_close(same, logits)
    other = model(X, attention=torch.zeros_like(probs))
    assert not torch.allclose(other, logits)


def test_entropy_hand_computed():
    # one sequence, 2 heads, 2x2 attention
    a = torch.tensor([[[[0.5, 0.5], [1.0, 0.0]], [[0.25, 0.75], [0.5, 0.5]]]])
    import math

    h1 = -(2 * 0.5 * math.log(0.5) + 0.0) / 2
    h2 = -((0.25 * math.log(0.25) + 0.75 * math.log(0.75)) + 2 * 0.5 * math.log(0.5)) / 2
    assert attention_entropy(a).item() == pytest.approx(h1 + h2)
    sharp = torch.tensor([[[[0.9, 0.1], [0.1, 0.9]]]])
    flat = torch.tensor([[[[0.5, 0.5], [0.5, 0.5]]]])
    assert attention_entropy(sharp) < attention_entropy(flat)


def test_save_load_round_trip(tmp_path):
    torch.manual_seed(0)
    model = build(tiny_config()).eval()
    save(tmp_path, model)
    again = load(tmp_path)
    X = torch.rand(2, 4, 40)
    torch.testing.assert_close(model(X), again(X))
    torch.load(tmp_path / formats.MODEL_PT, weights_only=True)


def test_load_rejects_other_format(tmp_path):
    model = build(tiny_config())
    save(tmp_path, model)
    cfg = json.loads((tmp_path / formats.CONFIG_JSON).read_text())
    cfg["format"] = 99
    (tmp_path / formats.CONFIG_JSON).write_text(json.dumps(cfg))
    with pytest.raises(InputError, match="not supported"):
        load(tmp_path)


def test_too_short_sequence_rejected():
    with pytest.raises(InputError, match="too short"):
        build(tiny_config(length=6))
