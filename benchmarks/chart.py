"""The PNG chart of a ``python -m benchmarks`` run (matplotlib, from the ``bench`` extra).

``python benchmarks/chart.py results.json [out.png]`` redraws it from a ``--json`` file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display needed

import matplotlib.pyplot as plt
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

COLOURS = {
    "floor": "#9e9e9e",
    "floor_msgspec": "#cfcfcf",
    "binance_async": "#1f77b4",
    "python-binance": "#ff7f0e",
    "ccxt": "#2ca02c",
}


def _bars(
    ax: Any, groups: list[str], series: dict[str, list[tuple[float, float, float] | None]], log: bool = False
) -> None:
    """Grouped bars with min-max error bars; series[name][i] = (median, min, max) or None."""
    n = max(1, len(series))
    width = 0.8 / n
    for k, (name, values) in enumerate(series.items()):
        xs, ys, lo, hi = [], [], [], []
        for i, v in enumerate(values):
            if v is None:
                continue
            xs.append(i - 0.4 + width * (k + 0.5))
            ys.append(v[0])
            lo.append(v[0] - v[1])
            hi.append(v[2] - v[0])
        ax.bar(
            xs,
            ys,
            width,
            yerr=[lo, hi],
            capsize=2,
            label=name,
            color=COLOURS.get(name),
            edgecolor="black",
            linewidth=0.4,
            error_kw={"elinewidth": 0.7, "ecolor": "#444444"},
        )
        for x, y, up in zip(xs, ys, hi, strict=True):
            ax.annotate(
                f"{y:.2f}", (x, y + up), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=6.5
            )
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, fontsize=8)
    if log:
        ax.set_yscale("log", base=2)
        ax.yaxis.set_major_locator(FixedLocator([0.25, 0.5, 1, 2, 4, 8, 16]))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}×"))
        ax.yaxis.set_minor_locator(NullLocator())


def draw(doc: dict[str, Any], path: Path) -> str:
    """Draw what `doc` has (throughput, limiter, decode) into `path`; returns a one-line note."""
    panels = [
        p for p in ("throughput", "cpu", "limiter", "decode") if doc.get("throughput" if p == "cpu" else p)
    ]
    if not panels:
        return "no chart: nothing measured"
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 4.2 * len(panels)))
    axes = [axes] if len(panels) == 1 else list(axes)
    env = doc["environment"]
    fig.suptitle(
        f"binance-async benchmarks, {doc['date']}: {env['python']}, {env['machine']}",
        fontsize=10,
    )
    for ax, panel in zip(axes, panels, strict=True):
        if panel in ("throughput", "cpu"):
            tp = doc["throughput"]
            ratios = tp["summary"]["ratios"]
            workloads = [w["name"] for w in tp["workloads"] if w["name"] in ratios]
            others = [s for s in tp["sides"] if s != "floor"]
            key = "req_per_s" if panel == "throughput" else "cpu"
            series: dict[str, list[tuple[float, float, float] | None]] = {}
            for s in others:
                vals: list[tuple[float, float, float] | None] = []
                for w in workloads:
                    r = ratios[w].get(f"{s}/floor", {}).get(key)
                    vals.append((r["median"], r["min"], r["max"]) if r else None)
                series[s] = vals
            _bars(ax, workloads, series, log=True)
            ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
            if panel == "throughput":
                ax.set_ylabel("req/s ÷ floor's req/s (log scale)")
                ax.set_title(
                    f"Throughput relative to the bare-aiohttp floor (median of {tp['runs']} paired runs, "
                    "min–max bars; higher is better)",
                    fontsize=9,
                )
            else:
                ax.set_ylabel("floor's CPU/req ÷ side's (log scale)")
                ax.set_title(
                    "Client CPU efficiency relative to the floor (higher = less CPU per request)", fontsize=9
                )
            ax.legend(fontsize=7, ncol=len(others), loc="upper left")
            top = max((v[2] for vals in series.values() for v in vals if v is not None), default=2.0)
            ax.set_ylim(0.25, max(4.0, top * 1.6))
        elif panel == "limiter":
            lim = doc["limiter"]
            cfg = lim["config"]
            done = [r for r in lim["results"] if "windows" in r]
            for r in done:
                ys = [w["utilisation"] * 100 for w in r["windows"]]
                ax.plot(
                    range(1, len(ys) + 1),
                    ys,
                    marker="o",
                    color=COLOURS.get(r["lib"]),
                    label=f"{r['lib']}: mean {r['utilisation_mean']:.0%}, {r['429']} × 429, {r['418']} × 418",
                )
            ax.axhline(95, color="black", linewidth=0.8, linestyle="--")
            ax.set_ylim(0, 110)
            ax.set_xticks(range(1, cfg["windows"] + 1))
            ax.set_xlabel("window")
            ax.set_ylabel("% of the weight limit used by 200 answers")
            ax.set_title(
                f"Limiter: REQUEST_WEIGHT {cfg['limit']} per {cfg['window_s']} s, {cfg['tasks']} tasks, each "
                "library in its default setup (goal: >= 95%, no 429)",
                fontsize=9,
            )
            ax.legend(fontsize=7, loc="center right")
        else:
            rows = [r for r in doc["decode"]["rows"] if r["payload"] in ("depth", "exchange_info")]
            decoders = list(dict.fromkeys(r["decoder"] for r in rows))
            payloads = ["depth", "exchange_info"]
            base = {r["payload"]: r["median_ms"] for r in rows if r["decoder"] == "json.loads"}
            series = {}
            for d in decoders:
                vals = []
                for p in payloads:
                    r = next((x for x in rows if x["decoder"] == d and x["payload"] == p), None)
                    vals.append(
                        None
                        if r is None
                        else (base[p] / r["median_ms"], base[p] / r["max_ms"], base[p] / r["min_ms"])
                    )
                series[d] = vals
            _bars(ax, ["depth(5000), 320 KB", f"exchangeInfo, {doc['decode']['symbols']} symbols"], series)
            ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
            ax.set_ylabel("speed-up over json.loads")
            ax.set_title("Decoding alone (median of timeit repeats, GC on; higher is better)", fontsize=9)
            ax.legend(fontsize=7, ncol=3, loc="upper left")
            ax.set_ylim(0, ax.get_ylim()[1] * 1.25)
    fig.tight_layout(rect=(0, 0, 1, 0.98))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return f"wrote {path}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print(__doc__)
        return 2
    doc = json.loads(Path(argv[0]).read_text())
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / "results.png"
    print(draw(doc, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
