"""SATORI models: build from a config, save to and load from a model directory."""

import json
import os
from pathlib import Path
from typing import Union

import torch

from satori import __version__, formats
from satori.atomic import atomic_path, write_text
from satori.errors import InputError
from satori.models.attention import MultiHeadSelfAttention, attention_entropy
from satori.models.satori import ARCHITECTURES, CONFIG_FORMAT, ModelConfig, SatoriModel
from satori.models.deep import DeepSatoriModel

ARCHITECTURES["deep"] = DeepSatoriModel

PathLike = Union[str, os.PathLike]

__all__ = [
    "ARCHITECTURES", "ModelConfig", "SatoriModel", "DeepSatoriModel", "MultiHeadSelfAttention", "attention_entropy",
    "build", "save", "load", "load_config",
]


def build(config: ModelConfig) -> SatoriModel:
    """Instantiate the architecture named by ``config.arch`` (``basic`` or ``deep``).

    A pre-loaded config (``config.filter_motifs``) gets zero, frozen first-layer
    filters here: fill them with ``satori.models.preloaded.build_preloaded`` (a new
    model) or from model.pt (``load``).
    """
    try:
        return ARCHITECTURES[config.arch](config)
    except KeyError:
        raise InputError(f"unknown architecture '{config.arch}' (known: {', '.join(ARCHITECTURES)})") from None
    except ValueError as exc:
        raise InputError(f"invalid model configuration: {exc}") from None


def save(model_dir: PathLike, model: SatoriModel) -> None:
    """Write ``model.pt`` (state dict) and ``config.json`` into ``model_dir`` atomically."""
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    cfg = dict(model.config.to_dict(), satori_version=__version__)
    write_text(model_dir / formats.CONFIG_JSON, json.dumps(cfg, indent=2) + "\n")
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    with atomic_path(model_dir / formats.MODEL_PT) as tmp:
        torch.save(state, tmp)


def load_config(model_dir: PathLike) -> ModelConfig:
    """Read and check ``config.json`` of a model directory."""
    path = Path(model_dir) / formats.CONFIG_JSON
    if not path.is_file():
        raise InputError(f"{model_dir}: not a model directory (no {formats.CONFIG_JSON})")
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot parse ({exc})") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected a JSON object")
    raw.pop("satori_version", None)
    fmt = raw.get("format")
    if fmt != CONFIG_FORMAT:
        raise InputError(
            f"{path}: model config format {fmt!r} is not supported by satori {__version__} "
            f"(expected format {CONFIG_FORMAT}); retrain the model with this version"
        )
    try:
        return ModelConfig.from_dict(raw)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{path}: {exc}") from None


def load(model_dir: PathLike, device: Union[str, torch.device] = "cpu") -> SatoriModel:
    """Rebuild the model of a model directory (``config.json`` + ``model.pt``), in eval mode.

    The state dict is loaded with ``torch.load(..., weights_only=True)``.
    """
    config = load_config(model_dir)
    model = build(config)
    weights = Path(model_dir) / formats.MODEL_PT
    if not weights.is_file():
        raise InputError(f"{model_dir}: no {formats.MODEL_PT}")
    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except Exception as exc:  # corrupt file, wrong shapes
        raise InputError(f"{weights}: cannot load weights ({str(exc).splitlines()[0]})") from None
    model.to(device)
    model.eval()
    return model
