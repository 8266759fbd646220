"""Model variants (issue 7): deep, BiLSTM, positional encoding, residual attention."""

import json
import math

import pytest
import torch

from satori import formats
from satori.data.dataset import Dataset
from satori.data.onehot import one_hot
from satori.models import ARCHITECTURES, DeepSatoriModel, ModelConfig, build, load, load_config, save
from satori.models.deep import DeepBlock
from satori.models.layers import PositionalEncoding, sinusoidal_encoding
from satori.train import TrainSettings, fit
from train_helpers import make_data

CPU = torch.device("cpu")

VARIANTS = {
    "basic": {},
    "deep": {"arch": "deep"},
    "deep-residual": {"arch": "deep", "residual_attention": True},
    "rnn": {"rnn": True},
    "rnn-hidden": {"rnn": True, "rnn_hidden": 3},
    "positional": {"positional_encoding": True},
    "residual": {"residual_attention": True},
    "relative": {"relative_positions": True},
    "everything": {"arch": "deep", "rnn": True, "positional_encoding": True, "residual_attention": True},
}


def tiny_config(**kw):
    base = dict(length=40, n_labels=2, n_filters=6, filter_width=5, pool=2, n_heads=2, head_dim=4,
                linear_units=8, deep_channels=6, deep_kernel=3, deep_blocks=2, deep_dilations=(2, 4), dropout=0.0)
    base.update(kw)
    return ModelConfig(**base)


def tiny_dataset(n=64, length=40, n_labels=2):
    ids, seqs, frame = make_data(n=n, length=length, n_labels=n_labels, seed=0)
    names = [f"y{j}" for j in range(n_labels)]
    return Dataset(ids=ids, X=torch.from_numpy(one_hot(seqs)), y=torch.from_numpy(frame[names].to_numpy().copy()),
                   label_names=names, split=frame["split"].to_numpy(dtype=str))


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_builds_trains_and_round_trips(name, tmp_path):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    cfg = tiny_config(**VARIANTS[name])
    model = build(cfg)
    assert isinstance(model, ARCHITECTURES[cfg.arch])
    X = torch.rand(3, 4, 40)
    logits, probs = model.eval()(X, return_attention=True)
    L = cfg.pooled_length
    assert logits.shape == (3, 2) and probs.shape == (3, 2, L, L)
    torch.testing.assert_close(probs.sum(-1), torch.ones(3, 2, L))
    assert model.conv_activations(X).shape == (3, 6, 40 - 5 + 1)
    # the attention override is honoured (attribution hook)
    torch.testing.assert_close(model(X, attention=probs), logits)

    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = fit(model, tiny_dataset(), TrainSettings(lr=1e-2, batch_size=16, max_epochs=2, patience=0,
                                                      entropy_lambda=0.01), CPU)
    losses = [r["train_loss"] for r in result.history]
    assert all(math.isfinite(v) for v in losses)
    changed = [k for k in before if not torch.equal(before[k], model.state_dict()[k])]
    assert "attention.query.weight" in changed and "conv.0.weight" in changed
    if cfg.rnn:
        assert any(k.startswith("pre_attention.0.lstm") for k in changed)
    if cfg.arch == "deep":
        assert any(k.startswith("post_attention.0.") for k in changed)

    save(tmp_path, model)
    torch.load(tmp_path / formats.MODEL_PT, weights_only=True)
    again = load(tmp_path)
    assert again.config == cfg
    model.eval()
    torch.testing.assert_close(again(X), model(X))
    a1, p1 = again(X, return_attention=True)
    assert p1.shape == (3, 2, L, L)


def test_config_json_records_variants_and_old_configs_still_load(tmp_path):
    cfg = tiny_config(arch="deep", rnn=True, positional_encoding=True, residual_attention=True, deep_dilations=(1, 3))
    save(tmp_path / "new", build(cfg))
    raw = json.loads((tmp_path / "new" / formats.CONFIG_JSON).read_text())
    assert raw["arch"] == "deep" and raw["rnn"] and raw["positional_encoding"] and raw["residual_attention"]
    assert raw["deep_dilations"] == [1, 3] and raw["format"] == 1
    assert load_config(tmp_path / "new") == cfg

    # a config.json written before the variant fields existed (basic model, format 1)
    basic = tiny_config()
    model = build(basic)
    save(tmp_path / "old", model)
    raw = json.loads((tmp_path / "old" / formats.CONFIG_JSON).read_text())
    for key in ("rnn", "rnn_hidden", "positional_encoding", "residual_attention", "deep_channels", "deep_kernel",
                "deep_blocks", "deep_dilations", "filter_motifs"):
        del raw[key]
    (tmp_path / "old" / formats.CONFIG_JSON).write_text(json.dumps(raw))
    old = load(tmp_path / "old")
    assert old.config.arch == "basic" and not old.config.rnn and not old.config.preloaded
    X = torch.rand(2, 4, 40)
    torch.testing.assert_close(old(X), model.eval()(X))
    # the basic model's weights keep their names (model.pt files of older versions load)
    assert set(model.state_dict()) == {
        "conv.0.weight", "conv.0.bias", "attention.query.weight", "attention.query.bias", "attention.key.weight",
        "attention.key.bias", "attention.value.weight", "attention.value.bias", "readout.0.weight",
        "readout.0.bias", "readout.4.weight", "readout.4.bias"}


def test_bad_variant_settings_rejected():
    from satori.errors import InputError

    for kw in ({"deep_dilations": (0,)}, {"rnn_hidden": -1}, {"deep_channels": 0}):
        with pytest.raises(InputError):
            build(tiny_config(**kw))


# --- deep ------------------------------------------------------------------------------

def test_deep_block_convolves_along_positions():
    torch.manual_seed(0)
    block = DeepBlock(in_features=8, channels=5, kernel=3, n_blocks=1, dilations=(), dropout=0.0).eval()
    # every conv takes features as channels: in_channels is 8 (input) or 5, never the length 30
    convs = [m for m in block.modules() if isinstance(m, torch.nn.Conv1d)]
    assert convs[0].in_channels == 8 and all(c.in_channels == 5 for c in convs[1:])
    x = torch.randn(1, 30, 8)  # (n, L', C)
    out = block(x)
    assert out.shape == (1, 30, 5)
    torch.testing.assert_close(block.feature_map(x), out.transpose(1, 2))
    # change position 15 only: with four width-3 convs along positions, outputs at
    # positions 15 +- 4 may change, farther ones must not; a conv along the feature
    # axis would change position 15 alone
    y = x.clone()
    y[0, 15] += 1.0
    diff = (block(y) - out).abs().sum(-1)[0]  # (L',)
    assert diff[14] > 0 and diff[16] > 0 and diff[11] > 0
    assert torch.all(diff[:11] == 0) and torch.all(diff[20:] == 0)


def test_deep_model_averages_over_positions():
    torch.manual_seed(0)
    model = build(tiny_config(arch="deep")).eval()
    assert isinstance(model, DeepSatoriModel)
    # the readout sees the mean over positions: it works for any L' (no flatten of L' x C)
    assert model.readout[1].in_features == 6
    h = torch.randn(2, model.config.pooled_length, 6)
    torch.testing.assert_close(model.readout(h), model.readout[1:](h.mean(dim=1)))


# --- BiLSTM, positional encoding, residual --------------------------------------------------

def test_rnn_feeds_attention_with_twice_the_hidden_size():
    cfg = tiny_config(rnn=True, n_filters=7)
    assert cfg.rnn_units == 4 and cfg.attention_in_features == 8
    model = build(cfg)
    assert model.attention.query.in_features == 8
    assert model.pre_attention[0].lstm.input_size == 7 and model.pre_attention[0].lstm.bidirectional
    cfg = tiny_config(rnn=True, rnn_hidden=5)
    assert build(cfg).attention.query.in_features == 10


def test_sinusoidal_encoding_matches_formula():
    pe = sinusoidal_encoding(7, 5)
    assert pe.shape == (7, 5)
    for pos in range(7):
        for i in range(5):
            angle = pos / 10000 ** ((i - i % 2) / 5)
            expected = math.sin(angle) if i % 2 == 0 else math.cos(angle)
            assert pe[pos, i].item() == pytest.approx(expected, abs=1e-6)
    layer = PositionalEncoding(7, 5)
    x = torch.randn(2, 7, 5)
    torch.testing.assert_close(layer(x), x + pe)
    assert len(layer.state_dict()) == 0  # rebuilt from the config, not stored


def test_positional_encoding_changes_the_model_but_not_its_weights():
    torch.manual_seed(0)
    plain = build(tiny_config()).eval()
    with_pe = build(tiny_config(positional_encoding=True)).eval()
    with_pe.load_state_dict(plain.state_dict())  # same weights: the encoding adds no parameter
    X = torch.rand(2, 4, 40)
    assert not torch.allclose(plain(X), with_pe(X))


def test_residual_attention_carries_the_conv_features():
    torch.manual_seed(0)
    X = torch.rand(4, 4, 40)
    for residual, varies in ((False, False), (True, True)):
        model = build(tiny_config(residual_attention=residual)).eval()
        _, probs = model(X, return_attention=True)
        out = model(X, attention=torch.zeros_like(probs))  # attention contributes nothing
        assert (out.std(dim=0).max() > 1e-6) == varies
    # F == h*d: identity; otherwise a bias-free linear map
    assert isinstance(build(tiny_config(residual_attention=True, n_filters=8)).attention_residual, torch.nn.Identity)
    lin = build(tiny_config(residual_attention=True)).attention_residual
    assert isinstance(lin, torch.nn.Linear) and lin.bias is None and (lin.in_features, lin.out_features) == (6, 8)


@pytest.mark.parametrize("kw", [{"arch": "deep", "residual_attention": True}, {"positional_encoding": True},
                                {"relative_positions": True}])
def test_deeplift_has_a_rule_for_every_operation(kw):
    import warnings

    dls = pytest.importorskip("tangermeme.deep_lift_shap")
    torch.manual_seed(0)
    model = build(tiny_config(n_labels=1, **kw)).eval()
    if kw.get("relative_positions"):
        _set_random_bias(model)  # a zero table would add nothing to check
    X = torch.zeros(2, 4, 40)
    X.scatter_(1, torch.randint(0, 4, (2, 1, 40)), 1.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        attr = dls.deep_lift_shap(model, X, target=0, n_shuffles=3, random_state=0, warning_threshold=1e-4)
    assert attr.shape == (2, 4, 40)
    # a module without a DeepLIFT rule (or an in-place op) breaks the summation-to-delta property
    assert not [w for w in caught if "Convergence deltas" in str(w.message)]


def _set_random_bias(model):
    with torch.no_grad():
        model.attention.position_bias.table.normal_(0.0, 2.0)
    return model


def test_relative_position_bias_matches_a_loop_over_offsets():
    from satori.models.attention import RelativePositionBias

    torch.manual_seed(1)
    rpb = RelativePositionBias(3, 7)
    with torch.no_grad():
        rpb.table.normal_()
    bias = rpb()
    assert bias.shape == (3, 7, 7)
    for h in range(3):
        for i in range(7):
            for j in range(7):
                assert bias[h, i, j] == rpb.table[h, j - i + 6]


def test_relative_position_bias_is_added_to_the_attention_logits():
    torch.manual_seed(2)
    config = tiny_config(relative_positions=True)
    plain = build(tiny_config()).eval()
    model = build(config).eval()
    model.load_state_dict({**plain.state_dict(), **{k: v for k, v in model.state_dict().items() if "position_bias" in k}})
    X = torch.zeros(3, 4, 40)
    X.scatter_(1, torch.randint(0, 4, (3, 1, 40)), 1.0)
    # the table starts at zero: the untrained model is the plain attention
    _, p0 = plain(X, return_attention=True)
    _, p1 = model(X, return_attention=True)
    assert torch.allclose(p0, p1)
    # a large bias for offset +2 makes every query (with a key 2 to its right) look there
    L = config.pooled_length
    with torch.no_grad():
        model.attention.position_bias.table[:, L - 1 + 2] = 50.0
    _, probs = model(X, return_attention=True)
    assert (probs[:, :, : L - 2].argmax(dim=-1) == torch.arange(2, L)).all()
    # softmax(q k + b) computed by hand
    with torch.no_grad():
        h = model.pool(model.conv(X)).transpose(1, 2)
        att = model.attention
        q = att._split(att.query(h)) / math.sqrt(att.head_dim)
        k = att._split(att.key(h))
        b = torch.stack([torch.stack([att.position_bias.table[:, j - i + L - 1] for j in range(L)], -1)
                         for i in range(L)], 1)  # (h, L, L)
        ref = torch.softmax(q @ k.transpose(-2, -1) + b, dim=-1)
    assert torch.allclose(probs, ref, atol=1e-6)


def test_relative_position_bias_trains_at_a_larger_learning_rate():
    from satori.models.attention import RelativePositionBias
    from satori.train.loop import make_optimizer

    model = build(tiny_config(relative_positions=True))
    opt = make_optimizer(model, TrainSettings(lr=2e-3))
    table = model.attention.position_bias.table
    groups = {id(p): g["lr"] for g in opt.param_groups for p in g["params"]}
    assert groups[id(table)] == pytest.approx(2e-3 * RelativePositionBias.lr_scale)
    assert all(lr == pytest.approx(2e-3) for pid, lr in groups.items() if pid != id(table))
    assert len(groups) == len([p for p in model.parameters() if p.requires_grad])


def test_relative_position_bias_needs_the_configured_length():
    model = build(tiny_config(relative_positions=True)).eval()
    with pytest.raises(ValueError, match="relative position bias built for"):
        model.attention(torch.zeros(1, model.config.pooled_length + 1, model.config.n_filters))
