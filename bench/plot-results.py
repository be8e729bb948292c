#!/usr/bin/python3
"""Draws bn-bench's JSON records as a PNG: % of copy bandwidth per kernel and
shape, one panel per kernel, one bar per implementation and layout.

usage: plot-results.py RESULTS.json RESULTS.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

KERNELS = ["fwd_train", "fwd_train_relu", "fwd_train_add_relu", "bwd",
           "fwd_infer", "scale_shift"]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    records = json.load(open(sys.argv[1]))
    shapes = []
    for r in records:
        name = "x".join(map(str, r["shape"])) + (" cold" if r["cold"] else "")
        r["name"] = name
        if name not in shapes:
            shapes.append(name)
    kernels = [k for k in KERNELS if any(r["kernel"] == k for r in records)]
    series = sorted({(r["impl"], r["layout"]) for r in records
                     if r["kernel"] in kernels})
    fig, axes = plt.subplots(len(kernels), 1, squeeze=False,
                             figsize=(max(8, 1.6 * len(shapes)), 3 * len(kernels)))
    width = 0.8 / max(1, len(series))
    for axis, kernel in zip(axes[:, 0], kernels):
        for k, (impl, layout) in enumerate(series):
            values = []
            for shape in shapes:
                match = [r["pct_copy"] for r in records
                         if r["kernel"] == kernel and r["impl"] == impl
                         and r["layout"] == layout and r["name"] == shape]
                values.append(match[0] if match else 0)
            if any(values):
                axis.bar([i + k * width for i in range(len(shapes))], values,
                         width, label=f"{impl} {layout}")
        axis.axhline(100, color="black", linewidth=0.5)
        axis.set_title(kernel)
        axis.set_ylabel("% of copy")
        axis.set_xticks([i + 0.4 - width / 2 for i in range(len(shapes))])
        axis.set_xticklabels(shapes, fontsize=8)
        axis.legend(fontsize=6, ncol=4)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=100)


if __name__ == "__main__":
    main()
