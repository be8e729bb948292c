#!/usr/bin/python3
"""Reads bn-bench's JSON records and prints, in Markdown, the summary table
of bench/RESULTS.md and how the run stands against issue 6's targets.

usage: summarize-results.py RUN.json [RUN.json ...]

Several runs (bn-bench --seed N each: other orders of the contenders) are
combined cell by cell: each figure is the median of the runs' figures; each
target's count is then followed by each run's own.
"""
import json
import statistics
import sys

COLUMNS = ["fwd_train", "fwd_train_relu", "fwd_train_add_relu", "bwd",
           "fwd_infer"]
MEGABYTE = 1 << 20


def shape_name(record):
    name = "x".join(map(str, record["shape"]))
    return name + (" cold" if record["cold"] else "")


def tensor_bytes(record):
    count = 4
    for size in record["shape"]:
        count *= size
    return count


FIGURES = ["median_us", "gbps", "pct_copy", "vs_onednn_best"]


def combined(runs):
    """The records of `runs` (lists of records), one per cell, each figure
    the median over the runs that have the cell; in the first run's order."""
    by_cell = {}
    for records in runs:
        for r in records:
            key = (shape_name(r), r["layout"], r["kernel"], r["impl"])
            by_cell.setdefault(key, []).append(r)
    result = []
    for group in by_cell.values():
        r = dict(group[0])
        for figure in FIGURES:
            values = [g[figure] for g in group if figure in g]
            if values:
                r[figure] = statistics.median(values)
        result.append(r)
    return result


def index(records):
    """The cells of `records`, (shape, layout, kernel, impl) -> record, and
    the table's rows, (shape, layout) in the order of the run."""
    cells, rows = {}, []
    for r in records:
        layout = "nchw" if r["layout"] == "nChw8c" else r["layout"]
        if r["impl"] != "onednn":
            key = (shape_name(r), layout)
            if key not in rows:
                rows.append(key)
        cells[(shape_name(r), r["layout"], r["kernel"], r["impl"])] = r
    return cells, rows


def cell(cells, shape, layout, kernel, impl="bnc"):
    """The record of one cell of `cells` (index's), or None."""
    return cells.get((shape, layout, kernel, impl))


def describe(r):
    text = "%.0f%%" % r["pct_copy"]
    if "vs_onednn_best" in r:
        text += " %.2fx" % r["vs_onednn_best"]
    return text


def verdicts(records):
    """Issue 6's targets against `records`: a list of (title, met, total,
    detail), detail the Markdown that follows the count."""
    cells, rows = index(records)

    def ratio(r):
        return r.get("vs_onednn_best", float("inf"))

    result = []

    def target(title, kernel, passes, large_only=False):
        met, missed = [], []
        for shape, layout in rows:
            r = cell(cells, shape, layout, kernel)
            if not r or (large_only and tensor_bytes(r) < MEGABYTE):
                continue
            (met if passes(r) else missed).append(
                "%s %s %s" % (shape, layout, describe(r)))
        result.append((title, len(met), len(met) + len(missed),
                       ". Met: %s. Not met: %s." % (
                           ", ".join(met) or "none",
                           ", ".join(missed) or "none")))

    target("training forward >= 80% of copy (tensors >= 1 MB)", "fwd_train",
           lambda r: r["pct_copy"] >= 80, large_only=True)
    target("training forward <= 0.6x oneDNN's best", "fwd_train",
           lambda r: ratio(r) <= 0.6)
    target("backward >= 60% of copy (3S)", "bwd",
           lambda r: r["pct_copy"] >= 60)
    target("backward <= 0.8x oneDNN's best", "bwd", lambda r: ratio(r) <= 0.8)
    target("inference >= 90% of copy", "fwd_infer",
           lambda r: r["pct_copy"] >= 90)

    within, folded_total = 0, 0
    for shape, layout in rows:
        folded, conv = cell(cells, shape, layout, "conv_bn_folded"), cell(
            cells, shape, layout, "conv")
        if folded and conv:
            folded_total += 1
            within += folded["median_us"] <= 1.03 * conv["median_us"]
    result.append(("folded conv+BN within 3% of the conv alone", within,
                   folded_total, "."))

    wins = {"BN": [0, 0], "conv": [0, 0]}
    losses = []
    for (shape, layout, kernel, impl), auto in cells.items():
        if impl != "bnc_auto":
            continue
        mine = cell(cells, shape, layout, kernel)
        if not mine:
            continue
        group = wins["conv" if kernel.startswith("conv") else "BN"]
        group[1] += 1
        if mine["median_us"] < auto["median_us"]:
            group[0] += 1
        else:
            losses.append("%s %s %s %.2fx" % (
                shape, layout, kernel, auto["median_us"] / mine["median_us"]))
    result.append((
        "hand schedule beats the autoscheduler (cells)",
        wins["BN"][0] + wins["conv"][0], wins["BN"][1] + wins["conv"][1],
        ". BN %d of %d, conv %d of %d. Not: %s." % (
            wins["BN"][0], wins["BN"][1], wins["conv"][0], wins["conv"][1],
            ", ".join(sorted(losses)) or "none")))
    return result


def main():
    paths = sys.argv[1:]
    if not paths or any(path in ("-h", "--help") for path in paths):
        # Asked for: the usage on stdout; a call without files: on stderr.
        print(__doc__.strip(), file=sys.stdout if paths else sys.stderr)
        sys.exit(0 if paths else 2)
    try:
        runs = [json.load(open(path)) for path in paths]
    except (OSError, ValueError) as error:
        sys.exit("summarize-results.py: %s" % error)
    records = combined(runs)
    if len(runs) > 1:
        print("Medians of %d runs.\n" % len(runs))
    cells, rows = index(records)

    print("| shape | layout | copy GB/s | " + " | ".join(COLUMNS) +
          " | conv_bn_folded / conv |")
    print("|---" * (len(COLUMNS) + 4) + "|")
    for shape, layout in rows:
        copy = cell(cells, shape, layout, "copy", "roofline")
        out = [shape, layout, "%.1f" % copy["gbps"] if copy else "-"]
        for kernel in COLUMNS:
            mine, auto = cell(cells, shape, layout, kernel), cell(
                cells, shape, layout, kernel, "bnc_auto")
            if not mine:
                out.append("-")
                continue
            text = "%.0f%%" % mine["pct_copy"]
            if "vs_onednn_best" in mine:
                text += " (%.2fx)" % mine["vs_onednn_best"]
            if auto:
                text += " / auto %.0f%%" % auto["pct_copy"]
            out.append(text)
        folded, conv = cell(cells, shape, layout, "conv_bn_folded"), cell(
            cells, shape, layout, "conv")
        out.append("%.3f" % (folded["median_us"] / conv["median_us"])
                   if folded and conv else "-")
        print("| " + " | ".join(out) + " |")

    # With several runs, each run's own count follows the medians' count:
    # what one run's verdict is worth.
    each_run = [verdicts(run) for run in runs] if len(runs) > 1 else []
    print()
    for i, (title, met, total, detail) in enumerate(verdicts(records)):
        runs_text = ""
        if each_run:
            runs_text = " (each run: %s)" % ", ".join(
                str(run[i][1]) for run in each_run)
        print("- **%s**: %d of %d%s%s" % (title, met, total, runs_text,
                                          detail))


if __name__ == "__main__":
    main()
