import math
import random

import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score, roc_auc_score

from satori import formats
from satori.data.dataset import Dataset
from satori.data.onehot import one_hot
from satori.errors import InputError
from satori.models import ModelConfig, attention_entropy, build
from satori.train import (
    TrainSettings, check_resumable, classification_metrics, evaluate, fit, load_checkpoint, resolve_amp,
)
from satori.train.checkpoint import capture_rng, restore_rng
from satori.train.loop import batch_loss, make_optimizer
from train_helpers import make_data

CPU = torch.device("cpu")


def tiny_dataset(n=300, n_labels=1, seed=0, length=60):
    ids, seqs, frame = make_data(n=n, length=length, n_labels=n_labels, seed=seed)
    names = [f"y{j}" for j in range(n_labels)]
    return Dataset(
        ids=ids, X=torch.from_numpy(one_hot(seqs)),
        y=torch.from_numpy(frame[names].to_numpy().copy()), label_names=names,
        split=frame["split"].to_numpy(dtype=str),
    )


def tiny_model(n_labels=1, seed=0, dropout=0.0, length=60, **kw):
    torch.manual_seed(seed)
    cfg = dict(length=length, n_labels=n_labels, n_filters=16, filter_width=7, pool=2, n_heads=2, head_dim=4,
               linear_units=8, dropout=dropout)
    cfg.update(kw)
    return build(ModelConfig(**cfg))


def states_equal(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# --- loss, entropy, shapes ---------------------------------------------------------------

def test_batch_loss_shapes_and_value():
    model = tiny_model(n_labels=3).eval()
    data = tiny_dataset(n=20, n_labels=3)
    xb, yb = data.X[:5].float(), data.y[:5].float()
    logits, probs = model(xb, return_attention=True)
    assert logits.shape == (5, 3)
    assert probs.shape == (5, 2, model.config.pooled_length, model.config.pooled_length)
    torch.testing.assert_close(probs.sum(-1), torch.ones(probs.shape[:-1]))
    lam = 0.3
    loss, entropy = batch_loss(model, xb, yb, lam)
    # reference: BCE per label by hand, entropy by a loop over sequences/heads/rows
    p = torch.sigmoid(logits)
    bce = -(yb * torch.log(p) + (1 - yb) * torch.log(1 - p)).mean()
    ent = 0.0
    for i in range(5):
        for h in range(2):
            rows = [-sum(a * math.log(a) for a in row if a > 0) for row in probs[i, h].tolist()]
            ent += sum(rows) / len(rows)
    ent /= 5
    assert entropy.item() == pytest.approx(ent, rel=1e-5)
    assert loss.item() == pytest.approx(bce.item() + lam * ent, rel=1e-5)


def test_entropy_per_sequence_and_finite_gradient_at_zero():
    probs = torch.softmax(torch.randn(4, 2, 5, 5) * 3, dim=-1)
    per_seq = attention_entropy(probs, reduction="none")
    assert per_seq.shape == (4,)
    torch.testing.assert_close(per_seq.mean(), attention_entropy(probs))
    for i in range(4):
        torch.testing.assert_close(per_seq[i], attention_entropy(probs[i:i + 1]))
    # a softmax that underflows to exact zeros must still give finite gradients
    scores = torch.tensor([[[[0.0, -200.0, 5.0], [1.0, 1.0, -300.0], [0.0, 0.0, 0.0]]]], requires_grad=True)
    p = torch.softmax(scores, dim=-1)
    assert (p == 0).any()
    attention_entropy(p).backward()
    assert torch.isfinite(scores.grad).all()
    with pytest.raises(ValueError):
        attention_entropy(probs, reduction="sum")


def test_entropy_loss_sharpens_attention():
    # with a large lambda the entropy term must fall quickly
    data = tiny_dataset(n=100)
    model = tiny_model()
    result = fit(model, data, TrainSettings(entropy_lambda=1.0, entropy_warmup=0, lr=3e-2, batch_size=32, max_epochs=5, patience=0), CPU)
    ents = [row["train_entropy"] for row in result.history]
    assert ents[-1] < 0.5 * ents[0]


# --- training lowers the loss ---------------------------------------------------------------

@pytest.mark.parametrize("n_labels", [1, 2])
def test_training_lowers_the_loss(n_labels):
    torch.set_num_threads(1)
    data = tiny_dataset(n=300, n_labels=n_labels)
    model = tiny_model(n_labels=n_labels, linear_units=16)
    X_valid, y_valid = data.subset("valid")
    before = evaluate(model, X_valid, y_valid, 64, CPU)["loss"]
    result = fit(model, data, TrainSettings(lr=3e-3, batch_size=16, max_epochs=10, patience=0), CPU)
    after = evaluate(model, X_valid, y_valid, 64, CPU)
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"] - 0.2
    assert after["loss"] < before - 0.1
    assert after["metrics"]["mean_auc_roc"] > 0.9
    assert len(result.history) == 10 and result.epochs_run == 10
    # the model ends with the weights of the best epoch
    assert after["loss"] == pytest.approx(result.best_loss, rel=1e-5)


def test_sgd_and_weight_decay_run():
    data = tiny_dataset(n=100)
    model = tiny_model()
    result = fit(model, data, TrainSettings(optimizer="sgd", momentum=0.9, weight_decay=1e-4, lr=1e-2,
                                            batch_size=32, max_epochs=2), CPU)
    assert all(math.isfinite(r["train_loss"]) for r in result.history)


def test_early_stopping_with_patience():
    data = tiny_dataset(n=100)
    model = tiny_model()
    # lr 0 cannot lower the validation loss after the first epoch
    settings = TrainSettings(lr=1e-12, batch_size=32, max_epochs=10, patience=2)
    result = fit(model, data, settings, CPU)
    assert result.stopped_early
    assert result.epochs_run == result.best_epoch + 2 < 10


def test_batchnorm_skips_a_single_sequence_batch():
    data = tiny_dataset(n=100)
    n_train = len(data.indices("train"))
    model = tiny_model(batchnorm=True)
    fit(model, data, TrainSettings(batch_size=n_train - 1, max_epochs=1), CPU)  # last batch has 1 sequence


# --- evaluation and metrics ----------------------------------------------------------------

def test_evaluate_matches_direct_forward():
    data = tiny_dataset(n=50, n_labels=2)
    model = tiny_model(n_labels=2).eval()
    X, y = data.subset("valid")
    out = evaluate(model, X, y, batch_size=4, device=CPU, entropy_lambda=0.5)
    with torch.no_grad():
        logits, probs = model(X.float(), return_attention=True)
    np.testing.assert_allclose(out["scores"], logits.numpy(), rtol=1e-5, atol=1e-6)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, y.float()).item()
    assert out["bce"] == pytest.approx(bce, rel=1e-5)
    assert out["entropy"] == pytest.approx(attention_entropy(probs).item(), rel=1e-5)
    assert out["loss"] == pytest.approx(bce + 0.5 * out["entropy"], rel=1e-5)


def test_classification_metrics_per_label_and_skip():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=(40, 3))
    y[:, 2] = 0  # a label with a single class
    s = rng.normal(size=(40, 3)) + y
    m = classification_metrics(y, s, ["a", "b", "c"])
    assert m["auc_roc"]["a"] == pytest.approx(roc_auc_score(y[:, 0], s[:, 0]))
    assert m["auprc"]["b"] == pytest.approx(average_precision_score(y[:, 1], s[:, 1]))
    assert set(m["auc_roc"]) == {"a", "b"}
    assert m["skipped"][0]["label"] == "c" and "only negatives" in m["skipped"][0]["reason"]
    assert m["mean_auc_roc"] == pytest.approx((m["auc_roc"]["a"] + m["auc_roc"]["b"]) / 2)
    none = classification_metrics(np.ones((5, 1)), np.zeros((5, 1)))
    assert none["mean_auc_roc"] is None and none["skipped"]


# --- settings ------------------------------------------------------------------------------

def test_settings_validation_and_amp():
    for bad in (dict(lr=0), dict(batch_size=0), dict(max_epochs=0), dict(patience=-1),
                dict(entropy_lambda=-1), dict(momentum=1.0), dict(optimizer="rmsprop"), dict(weight_decay=-1)):
        with pytest.raises(InputError):
            TrainSettings(**bad).validate()
    assert resolve_amp("auto", CPU) == "off"
    assert resolve_amp("off", CPU) == "off"
    with pytest.raises(InputError, match="CUDA"):
        resolve_amp("bf16", CPU)
    with pytest.raises(InputError, match="unknown"):
        resolve_amp("fp8", CPU)
    assert "max_epochs" not in TrainSettings().fixed() and "lr" in TrainSettings().fixed()


# --- determinism, checkpoints, resume --------------------------------------------------------

def test_same_seed_same_weights():
    data = tiny_dataset(n=120)
    settings = TrainSettings(lr=5e-3, batch_size=16, max_epochs=2, seed=5)
    a, b = tiny_model(seed=1, dropout=0.2), tiny_model(seed=1, dropout=0.2)
    torch.manual_seed(9)
    fit(a, data, settings, CPU)
    torch.manual_seed(9)
    fit(b, data, settings, CPU)
    assert states_equal(a.state_dict(), b.state_dict())
    c = tiny_model(seed=1, dropout=0.2)
    torch.manual_seed(9)
    fit(c, data, TrainSettings(lr=5e-3, batch_size=16, max_epochs=2, seed=6), CPU)  # other batch order
    assert not states_equal(a.state_dict(), c.state_dict())


def test_rng_capture_restore():
    gen = torch.Generator().manual_seed(3)
    random.seed(1), np.random.seed(2), torch.manual_seed(3)
    state = capture_rng(gen)
    first = (random.random(), np.random.rand(), torch.rand(2), torch.randperm(10, generator=gen))
    restore_rng(state, gen)
    again = (random.random(), np.random.rand(), torch.rand(2), torch.randperm(10, generator=gen))
    assert first[0] == again[0] and first[1] == again[1]
    assert torch.equal(first[2], again[2]) and torch.equal(first[3], again[3])


def test_checkpoint_round_trip_weights_only(tmp_path):
    data = tiny_dataset(n=100)
    model = tiny_model()
    meta = {"model_config": model.config.to_dict(), "settings": TrainSettings().fixed(),
            "data_fingerprint": data.fingerprint()}
    settings = TrainSettings(batch_size=32, max_epochs=2)
    result = fit(model, data, settings, CPU, outdir=tmp_path, meta=meta)
    raw = torch.load(tmp_path / formats.CHECKPOINT_PT, weights_only=True)
    assert raw["epoch"] == 2 and raw["best_epoch"] == result.best_epoch
    assert states_equal(raw["best_model"], model.state_dict())
    ckpt = load_checkpoint(tmp_path)
    assert set(ckpt["optimizer"]["state"])  # Adam moments are there
    assert len(ckpt["history"]) == 2
    lines = (tmp_path / formats.HISTORY_TSV).read_text().splitlines()
    assert lines[0].split("\t") == formats.HISTORY_COLUMNS and len(lines) == 3
    check_resumable(ckpt, meta["model_config"], meta["settings"], meta["data_fingerprint"], "x")
    other = dict(meta["model_config"], n_filters=32)
    with pytest.raises(InputError, match="different architecture.*n_filters=16"):
        check_resumable(ckpt, other, meta["settings"], meta["data_fingerprint"], "x")
    with pytest.raises(InputError, match="other settings.*lr"):
        check_resumable(ckpt, meta["model_config"], dict(meta["settings"], lr=0.5), meta["data_fingerprint"], "x")
    with pytest.raises(InputError, match="differ"):
        check_resumable(ckpt, meta["model_config"], meta["settings"], "0" * 64, "x")


def test_resume_gives_the_same_weights_as_one_run(tmp_path):
    data = tiny_dataset(n=120)
    settings = dict(lr=5e-3, batch_size=16, patience=0, seed=3)

    straight = tiny_model(seed=1, dropout=0.3)
    fit(straight, data, TrainSettings(max_epochs=4, **settings), CPU)

    first = tiny_model(seed=1, dropout=0.3)
    fit(first, data, TrainSettings(max_epochs=2, **settings), CPU, outdir=tmp_path)
    # something else uses the global generators between the runs (a new process would too)
    torch.manual_seed(12345), np.random.seed(1), random.seed(1)
    resumed = tiny_model(seed=99, dropout=0.3)  # other initial weights: the checkpoint must override them
    result = fit(resumed, data, TrainSettings(max_epochs=4, **settings), CPU, outdir=tmp_path,
                 resume=load_checkpoint(tmp_path))
    assert [r["epoch"] for r in result.history] == [1, 2, 3, 4]
    assert states_equal(straight.state_dict(), resumed.state_dict())


def test_cosine_schedule_values_and_validation():
    s = TrainSettings(lr=1.0, max_epochs=4, lr_schedule="cosine")
    assert [round(s.lr_at(e), 6) for e in (1, 2, 3, 4)] == [1.0, round((1 + math.cos(math.pi / 4)) / 2, 6), 0.5,
                                                            round((1 + math.cos(3 * math.pi / 4)) / 2, 6)]
    assert TrainSettings(lr=0.1).lr_at(7) == 0.1
    with pytest.raises(InputError, match="--lr-schedule"):
        TrainSettings(lr_schedule="step").validate()


def test_cosine_schedule_is_applied():
    """cosine trains other weights than constant from the same seed, and with one epoch (its
    lr at epoch 1 is --lr) the same ones."""
    data = tiny_dataset(n=120)
    settings = dict(lr=5e-3, batch_size=16, patience=0, seed=3)
    runs = {}
    for epochs in (1, 3):
        for schedule in ("constant", "cosine"):
            model = tiny_model(seed=1)
            fit(model, data, TrainSettings(lr_schedule=schedule, max_epochs=epochs, **settings), CPU)
            runs[epochs, schedule] = model.state_dict()
    assert states_equal(runs[1, "constant"], runs[1, "cosine"])
    assert not states_equal(runs[3, "constant"], runs[3, "cosine"])


def test_schedule_keeps_the_scaled_group_rates(tmp_path):
    """The relative position bias has its own rate (lr x lr_scale); a schedule scales it with
    the rest instead of overwriting it (read back from the checkpoint's optimizer state)."""
    data = tiny_dataset(n=80)
    for schedule in ("constant", "cosine"):
        settings = TrainSettings(lr=5e-3, batch_size=16, patience=0, seed=3, max_epochs=2, lr_schedule=schedule)
        model = tiny_model(seed=1, relative_positions=True)
        scale = [float(m.lr_scale) for m in model.modules() if getattr(m, "lr_scale", None) is not None]
        assert len(scale) == 1 and scale[0] != 1
        fit(model, data, settings, CPU, outdir=tmp_path / schedule)
        groups = load_checkpoint(tmp_path / schedule)["optimizer"]["param_groups"]
        assert [g["lr"] for g in groups] == pytest.approx([settings.lr_at(2), settings.lr_at(2) * scale[0]])
