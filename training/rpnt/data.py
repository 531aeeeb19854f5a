"""Dataset loading, chronological splits and window sampling.

A dataset directory holds (see training/README.md):
  manifest.json          bin_width_s, n_bins, n_units, files.{spike_counts_u8.bin, kinematics_f64.bin}.{shape, sha256}
  spike_counts_u8.bin    uint8 [n_bins, n_units], row-major, spike count per unit per bin
  kinematics_f64.bin     float64 little-endian [n_bins, K], columns named in the manifest; the targets are the
                         columns named by `data.targets` in the config (hand velocity x, y for the M1 data)
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass

import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATASET_REL = os.path.join("shared", "data", "m1-stevenson2011-centerout", "derived")


def default_dataset_path() -> str:
    """`$RPNT_DATASET` if set, else `<repo>/../shared/data/m1-stevenson2011-centerout/derived`; a checkout that is
    a git worktree one level deeper (e.g. /work/wt/<name>) finds the same `shared/` further up, so the nearest
    ancestor holding it wins. Returns the first candidate when none exists (the error then names it)."""
    if os.environ.get("RPNT_DATASET"):
        return os.environ["RPNT_DATASET"]
    first = os.path.normpath(os.path.join(REPO_ROOT, "..", DATASET_REL))
    d = REPO_ROOT
    while True:
        cand = os.path.join(d, "..", DATASET_REL) if d == REPO_ROOT else os.path.join(d, DATASET_REL)
        if os.path.isfile(os.path.join(cand, "manifest.json")):
            return os.path.normpath(cand)
        parent = os.path.dirname(d)
        if parent == d:
            return first
        d = parent


DEFAULT_DATASET = default_dataset_path()
SPIKES_FILE = "spike_counts_u8.bin"
KINEMATICS_FILE = "kinematics_f64.bin"


class DatasetError(ValueError):
    pass


@dataclass
class Dataset:
    """One continuous recording.

    counts: [n_bins, N] uint8 spike counts per bin
    targets: [n_bins, D] float32 decoded outputs (e.g. hand velocity in m/s)
    """

    name: str
    path: str
    bin_ms: float
    counts: np.ndarray
    targets: np.ndarray
    target_names: list[str]
    sha256: dict[str, str]


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _require(obj: dict, key: str, where: str):
    if key not in obj:
        raise DatasetError(f"{where} is missing the key '{key}'; add it (see training/README.md, 'Dataset layout')")
    return obj[key]


def load_dataset(path: str, *, targets: list[str], verify_sha256: bool = True) -> Dataset:
    """Read a dataset directory in the derived layout; `targets` are kinematics column names."""
    manifest_path = os.path.join(path, "manifest.json")
    if not os.path.isfile(manifest_path):
        raise DatasetError(
            f"dataset directory {path!r} has no manifest.json; pass --dataset DIR pointing at a directory "
            f"laid out like ../shared/data/m1-stevenson2011-centerout/derived (see training/README.md)"
        )
    with open(manifest_path) as f:
        manifest = json.load(f)
    where = f"{manifest_path}"
    bin_width_s = float(_require(manifest, "bin_width_s", where))
    n_bins = int(_require(manifest, "n_bins", where))
    n_units = int(_require(manifest, "n_units", where))
    files = _require(manifest, "files", where)
    spikes_meta = _require(files, SPIKES_FILE, f"{where} files")
    kin_meta = _require(files, KINEMATICS_FILE, f"{where} files")
    columns = _require(kin_meta, "columns", f"{where} files.{KINEMATICS_FILE}")
    kin_shape = _require(kin_meta, "shape", f"{where} files.{KINEMATICS_FILE}")
    if list(_require(spikes_meta, "shape", f"{where} files.{SPIKES_FILE}")) != [n_bins, n_units]:
        raise DatasetError(f"{where}: files.{SPIKES_FILE}.shape is {spikes_meta['shape']}, expected [n_bins, n_units] = [{n_bins}, {n_units}]")
    if list(kin_shape) != [n_bins, len(columns)]:
        raise DatasetError(f"{where}: files.{KINEMATICS_FILE}.shape is {kin_shape}, expected [n_bins, len(columns)] = [{n_bins}, {len(columns)}]")

    sha = {}
    for fname, meta in ((SPIKES_FILE, spikes_meta), (KINEMATICS_FILE, kin_meta)):
        fpath = os.path.join(path, fname)
        if not os.path.isfile(fpath):
            raise DatasetError(f"dataset directory {path!r} is missing {fname}; the manifest lists it")
        sha[fname] = sha256_file(fpath)
        if verify_sha256 and "sha256" in meta and meta["sha256"] != sha[fname]:
            raise DatasetError(f"{fpath}: sha256 {sha[fname]} differs from the manifest's {meta['sha256']}; the file is corrupt or the manifest is stale")

    counts = np.fromfile(os.path.join(path, SPIKES_FILE), dtype=np.uint8)
    if counts.size != n_bins * n_units:
        raise DatasetError(f"{SPIKES_FILE} holds {counts.size} bytes, expected n_bins*n_units = {n_bins * n_units}")
    counts = counts.reshape(n_bins, n_units)
    kin = np.fromfile(os.path.join(path, KINEMATICS_FILE), dtype="<f8")
    if kin.size != n_bins * len(columns):
        raise DatasetError(f"{KINEMATICS_FILE} holds {kin.size} values, expected {n_bins * len(columns)}")
    kin = kin.reshape(n_bins, len(columns))
    idx = []
    for name in targets:
        if name not in columns:
            raise DatasetError(f"target column {name!r} (config data.targets) is not among the manifest's kinematics columns {columns}")
        idx.append(columns.index(name))
    return Dataset(
        name=os.path.basename(os.path.dirname(os.path.abspath(path))) if os.path.basename(os.path.abspath(path)) == "derived" else os.path.basename(os.path.abspath(path)),
        path=os.path.abspath(path),
        bin_ms=bin_width_s * 1000.0,
        counts=counts,
        targets=kin[:, idx].astype(np.float32),
        target_names=list(targets),
        sha256=sha,
    )


def synthetic_dataset(*, n_bins: int = 1200, n_units: int = 24, seed: int = 0) -> Dataset:
    """Generated Poisson data driven by a smooth 2-D velocity, for tests (no real data needed)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_bins)
    vel = np.stack([np.sin(t / 7.0) + 0.3 * np.sin(t / 3.1), np.cos(t / 9.0)], axis=1).astype(np.float32)
    tuning = rng.normal(size=(2, n_units))
    rates = np.exp(0.2 + 0.6 * vel @ tuning)
    counts = rng.poisson(rates).clip(0, 255).astype(np.uint8)
    return Dataset("synthetic", "<generated>", 50.0, counts, 0.1 * vel, ["vel_x", "vel_y"], {})


@dataclass
class Split:
    """Chronological split boundaries in bins: train [0, a), validation [a, b), test [b, n)."""

    train: tuple[int, int]
    val: tuple[int, int]
    test: tuple[int, int]


def chronological_split(n_bins: int, *, train: float, val: float) -> Split:
    a = int(round(n_bins * train))
    b = int(round(n_bins * (train + val)))
    if not (0 < a < b < n_bins):
        raise DatasetError(f"split fractions train={train}, val={val} leave an empty part for {n_bins} bins; use e.g. 0.7/0.1")
    return Split((0, a), (a, b), (b, n_bins))


def training_windows(start: int, stop: int, *, window: int, stride: int) -> np.ndarray:
    """End bins (inclusive) of windows lying fully inside [start, stop), every `stride` bins."""
    first_end = start + window - 1
    return np.arange(first_end, stop, stride, dtype=np.int64)


def evaluation_windows(start: int, stop: int, *, window: int) -> np.ndarray:
    """End bins of the windows scored on [start, stop): one per bin, sliding by one.

    Window t covers bins t-window+1..t, so the first windows reach back before `start` (into the previous split),
    exactly what a streaming daemon sees; only the target at bin t (the last bin) is scored.
    """
    return np.arange(max(start, window - 1), stop, dtype=np.int64)


def gather(x: np.ndarray, ends: np.ndarray, window: int) -> np.ndarray:
    """x: [n_bins, F] -> [len(ends), window, F], window i covering bins ends[i]-window+1..ends[i]."""
    idx = ends[:, None] + np.arange(-window + 1, 1)[None, :]
    return x[idx]


def r2_score(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Coefficient of determination per output column. y_*: [n, D] -> [D]."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    ss_res = ((y_true - y_pred) ** 2).sum(0)
    ss_tot = ((y_true - y_true.mean(0)) ** 2).sum(0)
    return 1.0 - ss_res / ss_tot


def write_dataset(path: str, ds: Dataset, *, columns: list[str] | None = None) -> None:
    """Write `ds` in the derived layout (manifest.json + raw binaries); the kinematics file holds ds.targets
    under `columns` (default ds.target_names). Used by tests; a lab can write its own session the same way."""
    os.makedirs(path, exist_ok=True)
    columns = columns or ds.target_names
    counts = np.ascontiguousarray(ds.counts, dtype=np.uint8)
    kin = np.ascontiguousarray(ds.targets, dtype="<f8")
    counts.tofile(os.path.join(path, SPIKES_FILE))
    kin.tofile(os.path.join(path, KINEMATICS_FILE))
    manifest = {
        "bin_width_s": ds.bin_ms / 1000.0, "n_bins": int(counts.shape[0]), "n_units": int(counts.shape[1]),
        "files": {
            SPIKES_FILE: {"dtype": "uint8", "shape": list(counts.shape),
                          "order": "row-major: byte[t*n_units + unit]",
                          "sha256": sha256_file(os.path.join(path, SPIKES_FILE))},
            KINEMATICS_FILE: {"dtype": "float64", "byte_order": "little-endian", "shape": list(kin.shape),
                              "columns": columns, "sha256": sha256_file(os.path.join(path, KINEMATICS_FILE))},
        },
    }
    with open(os.path.join(path, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
