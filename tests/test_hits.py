import pytest
import torch

from satori.interpret.hits import capture_conv, filter_thresholds, pooled_hits
from _interp_data import planted_model


def test_thresholds_are_a_fraction_of_the_maximum():
    conv_max = torch.tensor([[1.0, 0.0, 4.0], [2.0, 0.0, 1.0]])
    torch.testing.assert_close(filter_thresholds(conv_max, 0.5), torch.tensor([1.0, 0.0, 2.0]))
    assert filter_thresholds(torch.zeros(0, 3)).shape == (3,)
    with pytest.raises(ValueError):
        filter_thresholds(conv_max, 0.0)


def test_pooled_hits_windows_and_tail():
    # 1 sequence, 2 filters, 7 conv positions, pool 3 -> 2 windows (positions 0-2, 3-5); position 6 dropped
    conv = torch.tensor([[[0, 0, 5, 0, 0, 0, 9], [1, 0, 0, 0, 2, 0, 0]]], dtype=torch.float32)
    hits = pooled_hits(conv, torch.tensor([4.0, 1.5]), pool=3)
    assert hits.tolist() == [[[True, False], [False, True]]]
    # strict: activation equal to the threshold is not a hit; a dead filter (threshold 0) never hits
    hits = pooled_hits(conv, torch.tensor([5.0, 0.0]), pool=1)
    assert hits[0, 0].sum() == 1 and hits[0, 1].sum() == 2
    assert pooled_hits(torch.zeros(1, 1, 4), torch.zeros(1), 2).sum() == 0


def test_capture_conv_equals_conv_activations():
    model = planted_model()
    X = torch.rand(3, 4, model.config.length)
    with capture_conv(model) as store:
        model(X)
    torch.testing.assert_close(store["conv"], model.conv_activations(X))
    assert not model.conv._forward_hooks  # hook removed


def test_release_free_memory_is_harmless():
    from satori.memory import release_free_memory

    for _ in range(5):
        release_free_memory(every=2)
