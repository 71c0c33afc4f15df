"""JAX jit reference for the dense benchmark cases (issue: the trainer against JAX).

Run by hand, not by the test command (JAX is too heavy for CI):

    python3 -m venv /tmp/jaxenv && /tmp/jaxenv/bin/pip install jax numpy
    /tmp/jaxenv/bin/python tests/bench-jax.py [--runs 5] [--steps 200]

Trains each case with the notebook's recipe (docs/science.md, "The reference training recipe"):
a fresh batch of 1024 rows every step drawn inside the compiled step, the importance-weighted squared
error, AdamW with PyTorch's defaults. The steps run in one `lax.scan` per timed run, so the figure is
JAX at its best: no Python between steps. Prints the median steps per second per case on one thread
(XLA's CPU client is pinned to one thread, as `tms bench` measures one).
"""

import argparse
import os
import statistics
import time

os.environ.setdefault(
    "XLA_FLAGS",
    "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
)

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

# (name, model, n, m, density, importance decay): the dense cases of `tms bench`, and the issue's
# second dense case.
CASES = [
    ("abs n=100 m=40 dense", "abs", 100, 40, 1.0, 1.0),
    ("abs n=100 m=40 density 0.01", "abs", 100, 40, 0.01, 1.0),
    ("relu-output n=200 m=20 density 0.05", "relu-output", 200, 20, 0.05, 0.9),
    ("relu-output n=20 m=5 density 0.01", "relu-output", 20, 5, 0.01, 0.9),
]
BATCH = 1024
LR, B1, B2, EPS, WD = 1e-3, 0.9, 0.999, 1e-8, 0.01


def init(model, n, m, key):
    k1, k2 = jax.random.split(key)
    if model == "abs":
        return {
            "w1": jax.random.normal(k1, (m, n)) * (2.0 / (m * (n + 1))) ** 0.5,
            "w2": jax.random.normal(k2, (n, m)) * (2.0 / (n * (m + 1))) ** 0.5,
            "b": jnp.zeros(n),
        }
    return {
        "w": jax.random.normal(k1, (m, n)) * (2.0 / (m * (n + 1))) ** 0.5,
        "b": jnp.zeros(n),
    }


def make_step(model, n, density, importance):
    imp = importance ** jnp.arange(n, dtype=jnp.float32)

    def batch(key):
        kp, kv = jax.random.split(key)
        present = jax.random.uniform(kp, (BATCH, n)) < density
        u = jax.random.uniform(kv, (BATCH, n))
        if model == "abs":
            u = 2.0 * u - 1.0
        return jnp.where(present, u, 0.0)

    def loss(p, x):
        if model == "abs":
            h = jax.nn.relu(x @ p["w1"].T)
            out = jax.nn.relu(h @ p["w2"].T + p["b"])
            target = jnp.abs(x)
        else:
            h = x @ p["w"].T
            out = jax.nn.relu(h @ p["w"] + p["b"])
            target = x
        return jnp.mean(imp * (target - out) ** 2)

    grad = jax.value_and_grad(loss)

    def step(carry, key):
        p, m1, m2, t = carry
        value, g = grad(p, batch(key))
        t = t + 1
        m1 = jax.tree.map(lambda a, b: B1 * a + (1 - B1) * b, m1, g)
        m2 = jax.tree.map(lambda a, b: B2 * a + (1 - B2) * b * b, m2, g)
        c1, c2 = 1 - B1**t, 1 - B2**t

        def upd(w, a, b):
            w = w * (1 - LR * WD)
            return w - LR / c1 * a / (jnp.sqrt(b) / jnp.sqrt(c2) + EPS)

        p = jax.tree.map(upd, p, m1, m2)
        return (p, m1, m2, t), value

    return step


def measure(case, steps, runs):
    _, model, n, m, density, importance = case
    step = make_step(model, n, density, importance)

    @jax.jit
    def train(p, key):
        zeros = jax.tree.map(jnp.zeros_like, p)
        keys = jax.random.split(key, steps)
        (p, _, _, _), losses = jax.lax.scan(step, (p, zeros, zeros, 0.0), keys)
        return p, losses

    p0 = init(model, n, m, jax.random.PRNGKey(0))
    jax.block_until_ready(train(p0, jax.random.PRNGKey(1)))  # compile and warm up
    rates = []
    for r in range(runs):
        start = time.perf_counter()
        jax.block_until_ready(train(p0, jax.random.PRNGKey(2 + r)))
        rates.append(steps / (time.perf_counter() - start))
    return statistics.median(rates)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    print(f"JAX {jax.__version__} jit on {jax.devices()[0].platform}, one thread, batch {BATCH}, "
          f"median of {args.runs} runs of {args.steps} steps")
    for case in CASES:
        print(f"  {case[0]:<40} {measure(case, args.steps, args.runs):8.0f} steps/s")


if __name__ == "__main__":
    main()
