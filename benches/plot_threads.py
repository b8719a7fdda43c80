#!/usr/bin/env python3
"""Plots the benchmark loop's time against the thread count for tscript and NumPy, as SVG.

Usage: python3 benches/plot_threads.py THREADS.csv OUT.svg

THREADS.csv is what `cargo bench --bench speed` writes with TSCRIPT_BENCH_SWEEP=1,2,3,4 and
TSCRIPT_BENCH_CSV=THREADS.csv (columns threads,tool,round,loop_seconds). Each point is the median
over the rounds; the whiskers span the fastest and slowest round. Plain Python: no plotting library
is needed, and the SVG is the same for the same data.
"""

import csv
import statistics
import sys
from collections import defaultdict

WIDTH, HEIGHT = 560, 360
LEFT, RIGHT, TOP, BOTTOM = 64, 150, 30, 50
COLOURS = {"tscript": "#1f77b4", "NumPy": "#d62728"}


def read(path):
    """{tool: {threads: [seconds, ...]}} from the CSV file."""
    data = defaultdict(lambda: defaultdict(list))
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            data[row["tool"]][int(row["threads"])].append(float(row["loop_seconds"]))
    return data


def nice_top(value):
    """A round number at or above value, for the y axis."""
    for step in (0.5, 1, 2, 5, 10, 20, 50):
        if value <= step * 5:
            return step * (int(value / step) + 1), step
    return value, value / 5


def plot(data):
    """The SVG text."""
    threads = sorted({t for series in data.values() for t in series})
    slowest = max(max(v) for series in data.values() for v in series.values())
    top, step = nice_top(slowest)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    span = max(threads) - min(threads) or 1

    def x(t):
        return LEFT + (t - min(threads)) / span * plot_w

    def y(s):
        return TOP + plot_h - s / top * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT + plot_w / 2}" y="18" text-anchor="middle" font-size="13">'
        "Benchmark loop (30 steps) against BLAS threads</text>",
    ]
    tick = 0.0
    while tick <= top + 1e-9:
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>')
        tick += step
    for t in threads:
        out.append(f'<text x="{x(t):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">{t}</text>')
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="black"/>')
    out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="black"/>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 10}" text-anchor="middle">threads</text>')
    out.append(
        f'<text x="16" y="{TOP + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {TOP + plot_h / 2})">loop time, s</text>'
    )
    for i, (tool, series) in enumerate(sorted(data.items())):
        colour = COLOURS.get(tool, "#2ca02c")
        points = [(t, statistics.median(series[t]), min(series[t]), max(series[t])) for t in sorted(series)]
        path = " ".join(f"{x(t):.1f},{y(m):.1f}" for t, m, _, _ in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for t, m, lo, hi in points:
            out.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{y(lo):.1f}" y2="{y(hi):.1f}" stroke="{colour}"/>')
            out.append(f'<circle cx="{x(t):.1f}" cy="{y(m):.1f}" r="3.5" fill="{colour}"/>')
        ly = TOP + 10 + 20 * i
        lx = LEFT + plot_w + 14
        out.append(f'<line x1="{lx}" x2="{lx + 22}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{lx + 28}" y="{ly + 4}">{tool}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2])
    svg = plot(read(sys.argv[1]))
    with open(sys.argv[2], "w") as f:
        f.write(svg)


if __name__ == "__main__":
    main()
