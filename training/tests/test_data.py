"""Dataset layout, splits and windows."""

import json
import os

import numpy as np
import pytest

from rpnt.data import (DEFAULT_DATASET, DatasetError, chronological_split, evaluation_windows, gather, load_dataset,
                       r2_score, synthetic_dataset, training_windows, write_dataset)

TARGETS = ["hand_vel_x_m_per_s", "hand_vel_y_m_per_s"]


def test_roundtrip_of_the_layout(tmp_path):
    ds = synthetic_dataset(n_bins=300, n_units=6)
    write_dataset(str(tmp_path), ds, columns=TARGETS)
    back = load_dataset(str(tmp_path), targets=TARGETS)
    assert np.array_equal(back.counts, ds.counts) and np.allclose(back.targets, ds.targets)
    assert back.bin_ms == 50.0 and set(back.sha256) == {"spike_counts_u8.bin", "kinematics_f64.bin"}


def test_errors_name_the_field_and_the_fix(tmp_path):
    write_dataset(str(tmp_path), synthetic_dataset(n_bins=100, n_units=4), columns=TARGETS)
    with pytest.raises(DatasetError, match="target column 'speed'"):
        load_dataset(str(tmp_path), targets=["speed"])
    manifest = json.load(open(tmp_path / "manifest.json"))
    del manifest["bin_width_s"]
    json.dump(manifest, open(tmp_path / "manifest.json", "w"))
    with pytest.raises(DatasetError, match="missing the key 'bin_width_s'"):
        load_dataset(str(tmp_path), targets=TARGETS)
    with pytest.raises(DatasetError, match="no manifest.json"):
        load_dataset(str(tmp_path / "nowhere"), targets=TARGETS)


def test_corrupt_file_is_caught_by_sha256(tmp_path):
    write_dataset(str(tmp_path), synthetic_dataset(n_bins=100, n_units=4), columns=TARGETS)
    raw = bytearray(open(tmp_path / "spike_counts_u8.bin", "rb").read())
    raw[0] ^= 1
    open(tmp_path / "spike_counts_u8.bin", "wb").write(raw)
    with pytest.raises(DatasetError, match="sha256"):
        load_dataset(str(tmp_path), targets=TARGETS)


def test_chronological_split_and_windows():
    s = chronological_split(1000, train=0.7, val=0.1)
    assert s.train == (0, 700) and s.val == (700, 800) and s.test == (800, 1000)
    ends = training_windows(0, 700, window=20, stride=4)
    assert ends[0] == 19 and ends[-1] <= 699 and np.all(np.diff(ends) == 4)
    ev = evaluation_windows(800, 1000, window=20)
    assert ev[0] == 800 and ev[-1] == 999 and len(ev) == 200   # one window per test bin, reaching back
    x = np.arange(30).reshape(30, 1)
    assert gather(x, np.array([19]), 20)[0, :, 0].tolist() == list(range(20))


def test_r2():
    y = np.random.default_rng(0).normal(size=(100, 2))
    assert np.allclose(r2_score(y, y), 1.0)
    assert np.allclose(r2_score(y, np.tile(y.mean(0), (100, 1))), 0.0)


@pytest.mark.skipif(not os.path.isfile(os.path.join(DEFAULT_DATASET, "manifest.json")),
                    reason=f"real M1 data not found at {DEFAULT_DATASET} (set RPNT_DATASET to run this test)")
def test_real_m1_dataset():
    ds = load_dataset(DEFAULT_DATASET, targets=TARGETS)
    assert ds.counts.shape == (15536, 171) and ds.targets.shape == (15536, 2)
    assert ds.bin_ms == pytest.approx(50.0)
    assert int(ds.counts.sum()) == 2352815
    assert chronological_split(15536, train=0.7, val=0.1).test == (12429, 15536)
