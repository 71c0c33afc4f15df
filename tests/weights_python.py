"""The Python side of the weights round trip (run by tests/weights.rs and tests/web/weights.test.mjs
with the virtual environment .ci/tools.sh makes: numpy and safetensors from PyPI).

    python weights_python.py check-export DIR STEM
        Reads DIR/STEM.safetensors with safetensors.numpy.load_file and DIR/STEM.npz with numpy.load,
        exactly as the README tells users to, and checks that they hold exactly the weights of the JSON
        export DIR/STEM.json in the notebook's layout, with the run's config, step and fingerprint in
        their metadata; then that the notebook's forward pass (its einsums) on those tensors gives the
        outputs the explorer computed (DIR/STEM.forward.json).

    python weights_python.py notebook DIR INSTANCE
        Writes weights in the notebook's shapes, with an instance dimension, as the notebook's
        Model.state_dict() would save them: DIR/notebook.safetensors (W [10, 5, 2], b_final [10, 5]),
        DIR/notebook.npz (compressed, numpy.savez_compressed), DIR/notebook64.npz (float64), and
        DIR/arena.safetensors in the transposed layout (W [10, 2, 5], as ARENA's course keeps it); and
        DIR/expected.json: the metrics of instance INSTANCE computed here in numpy from NOTES.md's
        definitions, for the explorer to match.
"""

import json
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def same(name, got, want):
    want = np.asarray(want, dtype=np.float32)
    if got.dtype != np.float32:
        fail(f"{name} is {got.dtype}, not float32")
    if got.shape != want.shape:
        fail(f"{name} has shape {got.shape}, the JSON export {want.shape}")
    if not np.array_equal(got, want):
        fail(f"{name} differs from the JSON export (max |diff| {np.abs(got - want).max()})")


def relu(v):
    return np.maximum(v, 0)


def forward(model, t, x):
    """The notebook's Model.forward with the instance dimension dropped (and its abs analogue)."""
    if model == "abs":
        hidden = relu(np.einsum("bf,fh->bh", x, t["W1"]))
        return relu(np.einsum("bh,hf->bf", hidden, t["W2"]) + t["b_final"])
    hidden = np.einsum("bf,fh->bh", x, t["W"])
    if model == "relu-hidden":
        hidden = relu(hidden + t.get("b_h", 0))
    out = np.einsum("bh,fh->bf", hidden, t["W"]) + t["b_final"]
    return out if model == "linear" else relu(out)


def check_export(folder, stem):
    export = json.load(open(f"{folder}/{stem}.json"))
    params = export["params"]
    # The JSON export keeps the paper's shapes (W m × n, W2 n × m); the files the notebook's (W [n, m]).
    want = {"b_final": params["b"]}
    for name in ("W", "W1", "W2"):
        if name in params:
            want[name] = np.asarray(params[name], dtype=np.float32).T
    if "b_h" in params:
        want["b_h"] = params["b_h"]

    tensors = load_file(f"{folder}/{stem}.safetensors")
    if sorted(tensors) != sorted(want):
        fail(f"safetensors holds {sorted(tensors)}, expected {sorted(want)}")
    for name, value in want.items():
        same(f"safetensors {name}", tensors[name], value)
    with safe_open(f"{folder}/{stem}.safetensors", "np") as f:
        meta = f.metadata()
    if json.loads(meta["config"]) != export["config"]:
        fail(f"safetensors metadata config {meta['config']} is not the export's {export['config']}")
    if int(meta["step"]) != export["step"] or meta["fingerprint"] != export["fingerprint"]:
        fail(f"safetensors metadata {meta} does not name step {export['step']}, {export['fingerprint']}")

    archive = np.load(f"{folder}/{stem}.npz")
    names = sorted(set(archive.files) - {"metadata"})
    if names != sorted(want):
        fail(f"npz holds {archive.files}, expected {sorted(want)} and metadata")
    for name, value in want.items():
        same(f"npz {name}", archive[name], value)
    meta = json.loads(str(archive["metadata"]))
    if meta["config"] != export["config"] or meta["step"] != export["step"]:
        fail(f"npz metadata {meta} is not the export's")
    if meta["fingerprint"] != export["fingerprint"]:
        fail("npz metadata fingerprint differs")

    run = json.load(open(f"{folder}/{stem}.forward.json"))
    x = np.asarray(run["x"], dtype=np.float64)
    got = forward(export["config"]["model"], {k: v.astype(np.float64) for k, v in tensors.items()}, x)
    if not np.allclose(got, np.asarray(run["out"]), rtol=1e-4, atol=1e-5):
        fail(f"the notebook's forward pass gives {got.tolist()}, the explorer {run['out']}")
    print(f"ok {stem}: {', '.join(f'{k} {list(v.shape)}' for k, v in sorted(tensors.items()))}")


def metrics(w):
    """NOTES.md's feature metrics of W [n, m] (row i = feature i's embedding W_i), in float64."""
    w = w.astype(np.float64)
    norms = np.linalg.norm(w, axis=1)
    gram = w @ w.T
    unit_dots_sq = (gram / norms[:, None]) ** 2  # (Ŵ_i · W_j)²
    superposition = (unit_dots_sq * (1 - np.eye(len(w)))).sum(axis=1)  # Σ_{j≠i}
    interference = unit_dots_sq.sum(axis=1)  # Σ_j, j including i
    return {
        "feature_norms": norms.tolist(),
        "superposition": superposition.tolist(),
        "dimensionality": (norms**2 / interference).tolist(),
        "dims_per_feature": w.shape[1] / (norms**2).sum(),
        "features_represented": int((norms >= 0.5).sum()),
    }


def notebook(folder, instance):
    instances, n, m = 10, 5, 2
    rng = np.random.default_rng(15)
    # As the notebook's Model holds them: W[instances, n, m], b_final[instances, n].
    w = (rng.normal(size=(instances, n, m)) * 0.7).astype(np.float32)
    b_final = (rng.normal(size=(instances, n)) * 0.1).astype(np.float32)
    save_file({"W": w, "b_final": b_final}, f"{folder}/notebook.safetensors")
    np.savez_compressed(f"{folder}/notebook.npz", W=w, b_final=b_final)
    np.savez(f"{folder}/notebook64.npz", W=w.astype(np.float64), b_final=b_final.astype(np.float64))
    save_file({"W": np.ascontiguousarray(w.transpose(0, 2, 1)), "b_final": b_final}, f"{folder}/arena.safetensors")
    expected = metrics(w[instance])
    expected["b_final"] = b_final[instance].astype(np.float64).tolist()
    json.dump(expected, open(f"{folder}/expected.json", "w"))
    print(f"wrote notebook weights W {list(w.shape)} to {folder}")


if __name__ == "__main__":
    if sys.argv[1] == "check-export":
        check_export(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "notebook":
        notebook(sys.argv[2], int(sys.argv[3]))
    else:
        fail(f"unknown command {sys.argv[1]}")
