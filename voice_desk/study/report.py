"""``report.html``: one self-contained page (figures as base64 PNG) with the study's provenance, the
five sections with their methods, numbers and figures, and example recordings of each agreement case
drawn as the study drew them: spectrogram, ast_freeze map and ast_finetuned map side by side with the
phone tier under them (colours from :mod:`voice_desk.model.relevance_image`, nowhere else).

Figures are cached (:class:`voice_desk.study.cache.StudyCache`) by a hash of what they show, so a
re-run draws only what changed. matplotlib is imported only to draw a figure the cache lacks.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from io import BytesIO
from pathlib import Path

import numpy as np

from voice_desk.study.results import plain

FIGURE_VERSION = 1
GENDER_COLOURS = {"female": "#d95f02", "male": "#1b9e77", "unknown": "#999999"}
LABEL_COLOURS = {"healthy": "#1f78b4", "pathological": "#e31a1c"}
GROUP_COLOURS = {"healthy": "#1f78b4", "organic": "#e31a1c", "functional": "#ff7f00", "other": "#6a3d9a"}
CASE_ORDER = ("O", "X", "A", "B")
STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc;padding-bottom:.2em}h3{margin-top:1.4em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .5em;
text-align:left;vertical-align:top}th{background:#f3f3f3}.num{text-align:right;font-variant-numeric:tabular-nums}
.method{background:#f7f7f2;border-left:4px solid #bbb;padding:.5em .8em;font-size:.92em}
.claim{background:#eef4fb;border-left:4px solid #4a7fc1;padding:.5em .8em}
.holds{color:#1a7f37;font-weight:600}.does-not-hold{color:#b42318;font-weight:600}
.is-not-decided,.is-not-measurable{color:#8a6d00;font-weight:600}
img{max-width:100%}code{background:#f3f3f3;padding:0 .2em}.small{font-size:.85em;color:#555}
"""


# ---------------------------------------------------------------------------------------- figures

class Figures:
    """Draws figures (or takes them from the cache) and returns them as data URIs."""

    def __init__(self, cache):
        self.cache = cache
        self.drawn = 0
        self.reused = 0

    def get(self, kind: str, inputs, draw, size=(10, 4), dpi: int = 100) -> str:
        key = hashlib.sha256(json.dumps([FIGURE_VERSION, kind, plain(inputs), size, dpi], sort_keys=True,
                                        ensure_ascii=False).encode()).hexdigest()[:40]
        png = self.cache.figure(key) if self.cache is not None else None
        if png is None:
            import matplotlib

            matplotlib.use("Agg", force=False)
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure

            fig = Figure(figsize=size, dpi=dpi)
            FigureCanvasAgg(fig)
            draw(fig)
            buffer = BytesIO()
            fig.savefig(buffer, format="png", metadata={"Software": None}, bbox_inches="tight")
            png = buffer.getvalue()
            if self.cache is not None:
                self.cache.put_figure(key, png)
            self.drawn += 1
        else:
            self.reused += 1
        return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _img(uri: str, alt: str) -> str:
    return f'<p><img src="{uri}" alt="{html.escape(alt)}"></p>'


# ---------------------------------------------------------------------------------------- text helpers

def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _num(value, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _est(estimate: dict | None, digits: int = 3) -> str:
    if not estimate or estimate.get("value") is None:
        return "n/a"
    lo, hi = (estimate.get("ci") or [None, None])[:2]
    ci = f" [{lo:.{digits}f}, {hi:.{digits}f}]" if lo is not None and hi is not None else " [no interval]"
    return f"{estimate['value']:.{digits}f}{ci}"


def _table(header: list[str], rows: list[list], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(f'<td class="num">{_e(c)}</td>' if i >= numeric_from else f"<td>{_e(c)}</td>"
                        for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _claim(claim: dict) -> str:
    verdict = claim.get("verdict", "")
    cls = verdict.replace(" ", "-")
    return f'<p class="claim"><span class="{cls}">{_e(verdict)}</span> — {_e(claim.get("sentence", ""))}</p>'


def _method(text: str) -> str:
    return f'<p class="method"><b>Method.</b> {_e(text)}</p>'


# ---------------------------------------------------------------------------------------- the study's picture

def _tier_axis(ax, phones, t0: float, t1: float) -> None:
    ax.set_xlim(t0, t1)
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    for p in phones:
        if p.end <= t0 or p.start >= t1:
            continue
        ax.axvline(p.start, color="#555", lw=0.5)
        if p.label.strip():
            ax.text((max(p.start, t0) + min(p.end, t1)) / 2, 0.5, p.label, ha="center", va="center", fontsize=7)
    ax.set_xlabel("Time (s)", fontsize=8)
    ax.tick_params(labelsize=7)


def draw_case_example(fig, explanations: list, titles: list[str], phones: list) -> None:
    """Spectrogram, then each model's map (the study's rendering: hue = relevance, brightness = power),
    side by side on the mel axis, each with the phone tier under it."""
    from voice_desk.model.relevance_image import (MEL_TICKS_HZ, frame_extent, grey_levels, hz_to_mel,
                                                  mel_axis_range, mel_rows_extent, picture_rgb)

    first = explanations[0]
    power = first.log_mel_power
    panels = [np.repeat(grey_levels(power)[..., None], 3, axis=-1)]
    panels += [picture_rgb(e.log_mel_power, e.frame_relevance, "study", axis="mel") for e in explanations]
    names = ["Spectrogram (mel power)"] + titles
    grid = fig.add_gridspec(2, len(panels), height_ratios=[5, 1], hspace=0.08, wspace=0.12)
    for k, (picture, name) in enumerate(zip(panels, names)):
        t0, t1 = frame_extent(picture.shape[0], first.frame_shift)
        y0, y1 = mel_rows_extent(picture.shape[1])
        ax = fig.add_subplot(grid[0, k])
        ax.imshow(np.transpose(picture, (1, 0, 2)), origin="lower", aspect="auto", extent=(t0, t1, y0, y1),
                  interpolation="nearest")
        ax.set_xlim(t0, t1)
        ax.set_ylim(*mel_axis_range(picture.shape[1]))
        ax.set_xticks([])
        if k == 0:
            ax.set_yticks([float(hz_to_mel(hz)) for hz in MEL_TICKS_HZ], [f"{hz:g}" for hz in MEL_TICKS_HZ])
            ax.set_ylabel("Hz (mel scale)", fontsize=8)
        else:
            ax.set_yticks([])
        ax.tick_params(labelsize=7)
        ax.set_title(name, fontsize=8)
        _tier_axis(fig.add_subplot(grid[1, k]), phones, t0, t1)


# ---------------------------------------------------------------------------------------- sections

def _provenance(record: dict) -> str:
    parts = ["<h2>Provenance</h2>", f"<p>Command: <code>{_e(record['command'])}</code><br>",
             f"Written {_e(record['created'])} by Voice Desk {_e(record['provenance']['versions'].get('voice-desk'))} "
             f"(Python {_e(record['provenance']['python'])}, {_e(record['provenance']['platform'])}).</p>"]
    parts.append(_table(["package", "version"], [[k, v or "not installed"]
                                                 for k, v in record["provenance"]["versions"].items()], 2))
    parts.append("<h3>Models</h3>")
    for m in record["models"]:
        card = m.get("card") or {}
        training = card.get("training_data") or {}
        split = training.get("split") or {}
        counts = (split.get("counts") or {}).get("test") or {}
        metrics = (card.get("metrics") or {}).get("test") or {}
        point = (card.get("metrics") or {}).get("operating_point") or {}
        rows = [["name", m["name"]], ["id in this study", m["id"]], ["folder", m["path"]],
                ["configuration", m["configuration"] or "none"], ["card", m["summary"]],
                ["gives verdicts", "yes" if m["gives_verdict"] else "no (relevance analyses only)"],
                ["weights SHA-256", m["weights_sha256"]], ["max_length (frames)", m["max_length"]],
                ["base checkpoint", card.get("base_checkpoint")], ["trained", card.get("created")],
                ["training data", f"{training.get('name', '')} ({training.get('source', '')})" if training else "—"],
                ["training split", (f"seed {split.get('seed')}, fractions {split.get('fractions')}, test part "
                                    f"{counts.get('clips')} recordings of {counts.get('speakers')} speakers")
                 if split else (m.get("split_file") or "none saved")],
                ["card's test scores", f"UAR {metrics.get('uar')} {metrics.get('uar_ci')}, AUC {metrics.get('auc')} "
                                       f"{metrics.get('auc_ci')}, n {metrics.get('n')}" if metrics else "—"],
                ["operating point", f"threshold {point.get('threshold')}, borderline band {point.get('band')}"
                 if point else "0.5 (none recorded)"],
                ["failed runs", m["failures"]]]
        parts.append(f"<h4>{_e(m['name'])}</h4>" + _table(["", ""], rows, 2))
    data = record["data"]
    c = data["counts"]
    parts.append("<h3>Data</h3>")
    parts.append(f"<p>{_e(data['source'])}, part <b>{_e(data['part'])}</b>: {c['recordings']} recordings of "
                 f"{c['speakers']} speakers; by label {_e(c['label'])}, gender {_e(c['gender'])}, group "
                 f"{_e(c['group'])}.</p>")
    if data["excluded_counts"]:
        parts.append("<p>Left out:</p>" + _table(["reason", "recordings"],
                                                 [[k, v] for k, v in data["excluded_counts"].items()]))
    for note in data["notes"]:
        parts.append(f"<p><b>Note.</b> {_e(note)}</p>")
    if data["failures"]:
        parts.append(f"<p>{len(data['failures'])} model runs gave no answer (NaN outputs); those recordings are "
                     "missing from that model's numbers.</p>")
    s = record["settings"]
    least = s["min_align_confidence"] if s["min_align_confidence"] is not None else "none"
    parts.append(f"<p class='small'>Settings: rollout {_e(s['rollout'])}; bootstrap {s['bootstrap']} resamples "
                 f"(seed {s['seed']}); minimum alignment confidence {_e(least)}; TextGrids "
                 f"{_e(s['textgrids'] or 'beside the recordings')}; data {_e(s['data_settings'])}.</p>")
    return "\n".join(parts)


def _cases(record: dict, figures: Figures, examples_html: str) -> str:
    f = record["findings"]["cases"]
    names = {m["id"]: m["name"] for m in record["models"]}
    parts = ["<h2>1. Cases: who got which recordings right</h2>", _method(f["method"])]
    if f["summary"]:
        parts.append(f"<p class='claim'>{_e(f['summary'])}</p>")
    rows = []
    for model_id, s in f["scores"].items():
        rows.append([names[model_id], "all", s["all"]["n"], s["all"]["speakers"], _est(s["all"]["uar"]),
                     _est(s["all"]["auc"])])
        for key in ("gender", "group"):
            for name, part in s[key].items():
                what = f"{name} (with the healthy)" if key == "group" else name
                rows.append([names[model_id], what, part["n"], part["speakers"], _est(part["uar"]),
                             _est(part["auc"])])
    parts.append(_table(["model", "recordings", "n", "speakers", "UAR [95 % CI]", "ROC AUC [95 % CI]"], rows, 2))
    pair = f["paired"]
    if pair:
        parts.append(f"<p>Paired, {_e(names[pair['second']])} minus {_e(names[pair['first']])} on {pair['n']} "
                     f"recordings of {pair['speakers']} speakers: AUC {_est(pair['auc_difference'])} (bootstrap p = "
                     f"{_num(pair['auc_difference']['p_bootstrap'])}), UAR {_est(pair['uar_difference'])} (p = "
                     f"{_num(pair['uar_difference']['p_bootstrap'])}).</p>")
    counts = f["counts"]
    rows = [["all"] + [counts["all"][c] for c in CASE_ORDER]]
    for key in ("by_class", "by_gender", "by_class_gender"):
        rows += [[k] + [v[c] for c in CASE_ORDER] for k, v in counts[key].items()]
    if any(counts["all"].values()):
        legend = "; ".join(f"{c}: {f['cases'][c]}" for c in CASE_ORDER)
        parts.append(f"<h3>Agreement cases</h3><p class='small'>{_e(legend)}</p>")
        parts.append(_table(["recordings"] + list(CASE_ORDER), rows))
    if f["scores"]:
        curves = {}
        for model_id in f["scores"]:
            pts = [(r["models"][model_id]["p_pathological"], int(r["label"] == "pathological")) for r in f["rows"]
                   if r["models"].get(model_id) and r["models"][model_id]["p_pathological"] is not None]
            curves[names[model_id]] = pts
        parts.append(_img(figures.get("roc", curves, lambda fig: _draw_roc(fig, curves), size=(5, 4)),
                          "ROC curves"))
    parts.append(examples_html)
    return "\n".join(parts)


def _draw_roc(fig, curves: dict) -> None:
    from voice_desk.train.metrics import roc_points

    ax = fig.add_subplot(111)
    for name, pts in curves.items():
        if not pts:
            continue
        scores, y = zip(*pts)
        fpr, tpr, _ = roc_points(np.array(y), np.array(scores))
        ax.plot(fpr, tpr, label=name)
    ax.plot([0, 1], [0, 1], color="#aaa", lw=0.8, ls="--")
    ax.set_xlabel("1 − specificity")
    ax.set_ylabel("sensitivity")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("ROC curves", fontsize=9)


def _representations(record: dict, figures: Figures) -> str:
    f = record["findings"]["representations"]
    names = {m["id"]: m["name"] for m in record["models"]}
    recs = record["recordings"]
    parts = ["<h2>2. Representations (finding 1)</h2>", _method(f["method"]), _claim(f["claim"])]
    rows = []
    for model_id, rep in f["models"].items():
        if not rep:
            continue
        for task, words in f["tasks"].items():
            s = rep["separation"][task]
            rows.append([names[model_id], words, s["n"], s["speakers"], s["folds"] or "—",
                         _est(s["probe_balanced_accuracy"]), _est(s["silhouette"])])
        diff = rep.get("gender_minus_health")
        rows.append([names[model_id], "gender minus health (probe)", "", "", "", _est(diff), ""])
    parts.append(_table(["model", "question", "n", "speakers", "folds", "probe balanced accuracy [95 % CI]",
                         "silhouette [95 % CI]"], rows, 2))
    for model_id, rep in f["models"].items():
        if not rep:
            continue
        pca = rep["pca"]
        points = [(x, y, recs[i]["gender"], recs[i]["label"], recs[i]["group"])
                  for i, x, y in zip(pca["recordings"], pca["x"], pca["y"])]
        explained = pca["explained_variance"]
        uri = figures.get("pca", [points, explained, names[model_id]],
                          lambda fig, p=points, e=explained, n=names[model_id]: _draw_pca(fig, p, e, n), size=(12, 3.8))
        parts.append(f"<h3>{_e(names[model_id])}</h3>" + _img(uri, f"PCA of {names[model_id]}"))
    return "\n".join(parts)


def _draw_pca(fig, points, explained, name) -> None:
    axes = fig.subplots(1, 3)
    for ax, (k, title, colours) in zip(axes, ((2, "gender", GENDER_COLOURS), (3, "health status", LABEL_COLOURS),
                                              (4, "group", GROUP_COLOURS))):
        for value, colour in colours.items():
            sel = [(p[0], p[1]) for p in points if p[k] == value]
            if sel:
                xs, ys = zip(*sel)
                ax.scatter(xs, ys, s=14, color=colour, label=value, alpha=0.8, edgecolors="none")
        ax.set_title(f"{name}: {title}", fontsize=8)
        ax.set_xlabel(f"PC1 ({explained[0]:.0%})", fontsize=7)
        ax.set_ylabel(f"PC2 ({explained[1]:.0%})", fontsize=7)
        ax.tick_params(labelsize=6)
        ax.legend(fontsize=6)
    fig.tight_layout()


def _energy(record: dict, figures: Figures) -> str:
    f = record["findings"]["energy"]
    names = {m["id"]: m["name"] for m in record["models"]}
    parts = ["<h2>3. Relevance and energy (finding 2)</h2>", _method(f["method"]), _claim(f["claim"])]
    rows = [[names[m], s["n"], _est(s["spearman"]), _num(s["spearman_median"]), _num(s["share_negative"], 2),
             _est(s["top_overlap"]), _est(s["chance"]), _est(s["overlap_minus_chance"])]
            for m, s in f["models"].items() if s]
    parts.append(_table(["model", "recordings", "mean Spearman ρ", "median ρ", "share ρ < 0",
                         "top-10 % overlap", "chance", "overlap − chance"], rows))
    values = {names[m]: [r["runs"][m]["spearman"] for r in record["recordings"] if r["runs"].get(m)]
              for m in f["models"] if f["models"][m]}
    parts.append(_img(figures.get("energy", values, lambda fig: _draw_hist(fig, values, "Spearman ρ (relevance vs "
                                                                                         "power) per recording")),
                      "Spearman per recording"))
    return "\n".join(parts)


def _draw_hist(fig, values: dict, xlabel: str) -> None:
    ax = fig.add_subplot(111)
    clean = {k: [x for x in v if x is not None] for k, v in values.items()}
    every = [x for v in clean.values() for x in v]
    if every:
        bins = np.linspace(min(every), max(every) + 1e-9, 21)
        for name, v in clean.items():
            ax.hist(v, bins=bins, alpha=0.55, label=name)
    ax.axvline(0, color="#444", lw=0.8)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel("recordings", fontsize=8)
    ax.legend(fontsize=7)


def _phones(record: dict, figures: Figures) -> str:
    f = record["findings"]["phones"]
    names = {m["id"]: m["name"] for m in record["models"]}
    a = f["alignment"]
    parts = ["<h2>4. Relevance per phone (finding 3)</h2>", _method(f["method"]), _claim(f["claim"]),
             f"<p>Phone tiers: {a['with_tiers']} of {a['recordings']} recordings ({a['from_textgrid']} from TextGrids, "
             f"{a['from_aligner']} from the built-in aligner); {a['doubtful']} doubtful alignments (confidence below "
             f"0.5); {a['below_min_confidence']} below --min-align-confidence ({_e(a['min_align_confidence'])}); "
             f"{a['used']} recordings in these numbers.</p>"]
    for model_id, by_class in f["models"].items():
        rows = by_class["all"]["rows"]
        if not rows:
            parts.append(f"<p>{_e(names[model_id])}: no recording with phone tiers.</p>")
            continue
        ranked = [r for r in rows if r["rank"] is not None]
        shown = ranked[:30] + [r for r in ranked[30:] if r["phone"] in (f"{f['study_phone']}", f["segment"])]
        bars = [(r["phone"], r["value"], r["ci"][0], r["ci"][1], r["phone"] in (f["study_phone"], f["segment"]))
                for r in shown]
        uri = figures.get("phones", [bars, names[model_id]],
                          lambda fig, b=bars, n=names[model_id]: _draw_phone_bars(fig, b, n), size=(11, 3.6))
        parts.append(f"<h3>{_e(names[model_id])}</h3>" + _img(uri, f"phones of {names[model_id]}"))
        table = []
        for cls in ("all", "healthy", "pathological"):
            part = by_class[cls]
            top = [r for r in part["rows"] if r["rank"] is not None][:5]
            table.append([cls, ", ".join(f"{r['phone']} {r['value']:.2f}" for r in top),
                          _callout(part["study_phone"]), _callout(part["segment"])])
        parts.append(_table(["recordings", "top 5 phones (× the recording's mean)", f"/{f['study_phone']}/",
                             f["segment"]], table, 9))
    return "\n".join(parts)


def _callout(c: dict | None) -> str:
    if not c:
        return "not found"
    rank = f"rank {c['rank']} of {c['of']}" if c["rank"] else f"unranked ({c['n_recordings']} recordings)"
    return f"{_est(c, 2)}, {rank}"


def _draw_phone_bars(fig, bars, name) -> None:
    """Each phone's mean (× the recording's mean) with its interval, most relevant first; 1.0 = average."""
    ax = fig.add_subplot(111)
    x = np.arange(len(bars))
    for k, (_, value, lo, hi, called) in enumerate(bars):
        colour = "#d62728" if called else "#4a7fc1"
        if lo is not None and hi is not None:
            ax.vlines(k, lo, hi, color=colour, lw=1.4)
        ax.plot(k, value, "o", color=colour, ms=5)
    ax.axhline(1.0, color="#444", lw=0.8, ls="--")
    ax.set_xticks(x, [b[0] for b in bars], fontsize=8)
    ax.set_xlim(-0.7, len(bars) - 0.3)
    ax.set_ylabel("× the recording's mean", fontsize=8)
    ax.set_title(f"{name}: phones ranked by relevance, 95 % CI (red: /ɔ/ and /e s i n/; dashed: average)",
                 fontsize=9)


def _spread(record: dict, figures: Figures) -> str:
    f = record["findings"]["spread"]
    names = {m["id"]: m["name"] for m in record["models"]}
    parts = ["<h2>5. Spread of relevance (finding 4)</h2>", _method(f["method"]), _claim(f["claim"])]
    rows = []
    for model_id, s in f["models"].items():
        if not s:
            continue
        pk = s["peak"]
        rows.append([names[model_id], s["n"], _est(s["entropy"]), _est(s["area_half"]), _est(pk["position_sd"]),
                     f"{pk['peak_phones']['most_common']} ({_num(pk['peak_phones']['most_common_share'], 2)})"
                     if pk["peak_phones"]["most_common"] else "—", pk["peak_phones"]["distinct"]])
    parts.append(_table(["model", "recordings", "normalised entropy", "area holding 50 %", "SD of peak position",
                         "most common peak phone (share)", "distinct peak phones"], rows))
    comparison = f["comparison"]
    if comparison and comparison["n"]:
        crow = []
        for key, words in (("entropy", "normalised entropy"), ("area_half", "area holding 50 %")):
            c = comparison[key]
            crow.append([words, comparison["n"], _est(c["mean_difference"]), _num(c["wilcoxon"]["median_difference"]),
                         _num(c["wilcoxon"]["p"], 4), _num(c["share_second_narrower"], 2)])
        parts.append(f"<p>{_e(names[comparison['second']])} minus {_e(names[comparison['first']])}:</p>")
        parts.append(_table(["measure", "recordings", "mean difference", "median difference", "Wilcoxon p",
                             "share narrower"], crow))
        pairs = [(r["runs"][comparison["first"]]["entropy"], r["runs"][comparison["second"]]["entropy"])
                 for r in record["recordings"] if r["runs"].get(comparison["first"]) and
                 r["runs"].get(comparison["second"])]
        positions = {names[m]: [r["runs"][m]["peak_position"] for r in record["recordings"] if r["runs"].get(m)]
                     for m in (comparison["first"], comparison["second"])}
        labels = (names[comparison["first"]], names[comparison["second"]])
        uri = figures.get("spread", [pairs, positions, labels],
                          lambda fig: _draw_spread(fig, pairs, positions, labels), size=(11, 3.8))
        parts.append(_img(uri, "spread"))
    return "\n".join(parts)


def _draw_spread(fig, pairs, positions, labels) -> None:
    left, right = fig.subplots(1, 2)
    if pairs:
        a, b = zip(*[(x, y) for x, y in pairs if x is not None and y is not None])
        left.scatter(a, b, s=12, color="#4a7fc1")
        lo, hi = min(a + b), max(a + b)
        left.plot([lo, hi], [lo, hi], color="#888", lw=0.8, ls="--")
    left.set_xlabel(f"entropy, {labels[0]}", fontsize=8)
    left.set_ylabel(f"entropy, {labels[1]}", fontsize=8)
    left.set_title("normalised entropy per recording (below the line: narrower)", fontsize=8)
    bins = np.linspace(0, 1, 21)
    for name, values in positions.items():
        right.hist([v for v in values if v is not None], bins=bins, alpha=0.55, label=name)
    right.set_xlabel("peak position (share of the recording)", fontsize=8)
    right.set_ylabel("recordings", fontsize=8)
    right.legend(fontsize=7)
    fig.tight_layout()


def _examples(run, record: dict, figures: Figures) -> str:
    """A few recordings of each case drawn as the study drew them."""
    freeze, finetuned = run.data.pair
    if not freeze or not finetuned:
        return ("<h3>Examples</h3><p>The study's pictures of each case need an ast_freeze and an ast_finetuned model "
                "that give verdicts.</p>")
    per_case = int(run.plan.settings.get("examples_per_case", 2))
    names = {m.id: m.name for m in run.plan.models}
    rows = record["findings"]["cases"]["rows"]
    parts = ["<h3>Examples of each case</h3><p class='small'>Spectrogram (grey, as Praat draws it), then each "
             "model's relevance map in the study's rendering (hue = relevance within the recording, blue low to red "
             "high; brightness = power, the recording's top 70 dB), on the model's mel scale, phone tier "
             "underneath. Recordings with confident phone tiers first.</p>"]
    for case in CASE_ORDER:
        members = [run.data.recordings[r["index"]] for r in rows if r["case"] == case]
        members.sort(key=lambda rec: (rec.alignment is None, -(rec.tiers_confidence if rec.tiers_confidence
                                                                is not None else 2.0), rec.file))
        members = [m for m in members if m.index in run.run_paths[freeze] and m.index in run.run_paths[finetuned]]
        parts.append(f"<h4>Case {case}: {_e(record['findings']['cases']['cases'][case])} ({len(members)} "
                     "recordings)</h4>")
        for rec in members[:per_case]:
            paths = [run.run_paths[freeze][rec.index], run.run_paths[finetuned][rec.index]]
            phones = rec.alignment.phones if rec.alignment is not None else []
            row = next(r for r in rows if r["index"] == rec.index)
            titles = []
            for model_id in (freeze, finetuned):
                m = row["models"][model_id]
                titles.append(f"{names[model_id]}: P = {_num(m['p_pathological'], 2)} → {m['label']}")
            inputs = [[f"{p.parent.name}/{p.name}" for p in paths], [(p.start, p.end, p.label) for p in phones], titles]

            def draw(fig, paths=paths, titles=titles, phones=phones):
                explanations = [run.cache.get_run_at(p) for p in paths]
                draw_case_example(fig, explanations, titles, phones)

            uri = figures.get("case-example", inputs, draw, size=(13, 3.6))
            caption = (f"{Path(rec.file).name} — speaker {rec.speaker}, {rec.gender}, {rec.group_name}, true label "
                       f"{rec.label}; tiers: {rec.tiers_source or 'none'}"
                       + (f" (confidence {rec.tiers_confidence:.2f})" if rec.tiers_confidence is not None else ""))
            parts.append(f"<p class='small'>{_e(caption)}</p>" + _img(uri, caption))
    return "\n".join(parts)


def _trust(record: dict, figures: Figures) -> str:
    f = record["findings"].get("trust")
    parts = ["<h2>6. Can the maps be trusted?</h2>"]
    if not f or not f.get("models"):
        sentence = (f or {}).get("claim", {}).get("sentence", "Not measured.")
        return "\n".join(parts + [f"<p>{_e(sentence)}</p>"])
    names = {m["id"]: m["name"] for m in record["models"]}
    parts += [_method(f["method"]), _claim(f["claim"])]
    rows, sanity_rows, curves, stages = [], [], {}, {}
    for model_id, by_method in f["models"].items():
        for method, entry in by_method.items():
            who = f"{names.get(model_id, model_id)} — {entry['title'].lower()}"
            faith = entry.get("faithfulness")
            if faith:
                rows.append([who, f"{faith['measured']} of {faith['n']}", _est(faith["deletion_auc"], 2),
                             _est(faith["random_deletion_auc"], 2), _est(faith["deletion_lead"], 3),
                             _est(faith["insertion_auc"], 2), _est(faith["random_insertion_auc"], 2),
                             _est(faith["insertion_lead"], 3), faith["verdict"]])
                if faith.get("mean_curves"):
                    curves[who] = faith["mean_curves"]
            sanity = entry.get("sanity")
            if sanity:
                final = sanity["correlation"][-1]
                sanity_rows.append([who, sanity["recordings"], _est(sanity["correlation"][0], 2), _est(final, 2),
                                    sanity["verdict"]])
                stages[who] = (sanity["stages"], [c["value"] for c in sanity["correlation"]])
    if rows:
        parts.append(_table(["model — method", "recordings measured", "deletion area", "random", "deletion lead",
                             "insertion area", "random", "insertion lead", "on this data"], rows))
        parts.append("<p class='small'>Deletion: lower is better; insertion: higher is better. A lead whose "
                     "interval lies above 0 means the maps rank what the model uses above chance.</p>")
    if curves:
        uri = figures.get("trust-curves", curves, lambda fig: _draw_trust_curves(fig, curves),
                          size=(11, 3.4))
        parts.append(_img(uri, "mean deletion and insertion curves"))
    if sanity_rows:
        parts.append(_table(["model — method", "recordings", "ρ, head randomised", "ρ, every weight randomised",
                             "reading"], sanity_rows))
        uri = figures.get("trust-sanity", stages, lambda fig: _draw_sanity(fig, stages), size=(8, 3.4))
        parts.append(_img(uri, "randomisation check"))
    return "\n".join(parts)


def _draw_trust_curves(fig, curves: dict) -> None:
    left, right = fig.subplots(1, 2)
    for i, (who, c) in enumerate(curves.items()):
        colour = f"C{i}"
        left.plot(c["fractions"], c["deletion"], color=colour, label=who)
        left.plot(c["fractions"], c["random_deletion"], color=colour, linestyle=":")
        right.plot(c["fractions"], c["insertion"], color=colour, label=who)
        right.plot(c["fractions"], c["random_insertion"], color=colour, linestyle=":")
    for ax, title, xlabel in ((left, "deletion (dotted: random orders)", "share of patches removed"),
                              (right, "insertion (dotted: random orders)", "share of patches restored")):
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("P(map's class), mean")
        ax.set_ylim(-0.02, 1.02)
    right.legend(fontsize=7, loc="lower right")


def _draw_sanity(fig, stages: dict) -> None:
    ax = fig.subplots()
    for i, (who, (names, values)) in enumerate(stages.items()):
        ax.plot(range(len(names)), [np.nan if v is None else v for v in values], marker="o", color=f"C{i}", label=who)
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.set_ylim(-1.05, 1.05)
    ax.set_ylabel("Spearman ρ with the trained map")
    ax.set_xlabel("randomised from the top down, cumulatively")
    ax.legend(fontsize=7)


def render(run, record: dict, figures: Figures) -> str:
    claims = [("1. Representations", record["findings"]["representations"]["claim"]),
              ("2. Relevance vs energy", record["findings"]["energy"]["claim"]),
              ("3. /ɔ/ and /e s i n/", record["findings"]["phones"]["claim"]),
              ("4. Spread", record["findings"]["spread"]["claim"])]
    glance = _table(["finding of the study", "on this data"],
                    [[name, claim["verdict"]] for name, claim in claims], 2)
    body = [f"<h1>Voice Desk study: {_e(Path(record['data']['source']).name or record['data']['source'])}, "
            f"{_e(record['data']['part'])}</h1>",
            "<p class='small'>For research use; not a diagnosis. Every number is in results.json beside this "
            "page; per-recording tables in the CSV files.</p>",
            "<h2>At a glance</h2>", glance, _provenance(record),
            _cases(record, figures, _examples(run, record, figures)),
            _representations(record, figures), _energy(record, figures), _phones(record, figures),
            _spread(record, figures), _trust(record, figures)]
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>Voice Desk study</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_report(out: str | Path, run, record: dict) -> tuple[Path, Figures]:
    from voice_desk.study.results import write_text_atomic

    figures = Figures(run.cache)
    page = render(run, record, figures)
    path = Path(out) / "report.html"
    write_text_atomic(path, page)
    return path, figures
