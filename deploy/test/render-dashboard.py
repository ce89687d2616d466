#!/usr/bin/env python3
"""Draws the panels of a Grafana dashboard JSON from a live Prometheus into one PNG.

Used by deploy/test/dashboard-snapshot.sh for the README's picture of deploy/grafana/pgguard-dashboard.json.
Grafana itself is not needed (nor used): this reads the dashboard, sends every panel's PromQL targets to
Prometheus' HTTP API and draws the panels with matplotlib in the dashboard's grid (gridPos: 24 columns).

  /usr/bin/python3 deploy/test/render-dashboard.py --prometheus http://127.0.0.1:9090 \
      --start UNIX_TS --end UNIX_TS --out docs/images/dashboard.png [--dashboard FILE] [--strict]

What it understands, and how it differs from Grafana:
  * Template variables: $__rate_interval becomes --rate-interval (default 20s; Grafana would derive it from the
    scrape interval and the step), $__interval and $__range the step and the range; the dashboard's own
    variables ($job, $instance, $upstream...) become their "All" value, the regex .* (every target), and
    $datasource is ignored (there is one Prometheus).
  * timeseries: query_range over [start, end] with --step; legendFormat with {{label}}; unit, min, fill
    opacity, normal stacking, fixed colours by series name (overrides byName); legends in list or table mode
    with the mean / max / last calcs. Series past what a legend has room for are drawn but folded into
    "+N more".
  * stat: an instant query at --end for the value (Grafana reduces the range with lastNotNull: the same value
    for these queries), colour from the thresholds (colorMode value or background), and the range query as
    the sparkline (graphMode area).
  * table: an instant query, one row per series and one column per label, minus excludeByName columns of an
    "organize" transformation.
  * row: a title bar. Times are in UTC. Only the Prometheus HTTP API and Debian's python3-matplotlib are used.
A panel none of whose queries returns a finite value says "No data"; the summary on stdout names it, and
--strict makes that exit 1 (after writing the PNG).
"""
import argparse
import datetime
import json
import math
import re
import sys
import urllib.parse
import urllib.request

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyBboxPatch, Rectangle  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

TITLE = ("PgGuard dashboard (panels of deploy/grafana/pgguard-dashboard.json rendered from a live Prometheus; "
         "not a Grafana screenshot)")

# Grafana's dark theme and classic palette.
BG, PANEL, BORDER, TEXT, MUTED = "#111217", "#181b1f", "#2c3235", "#ccccdc", "#8e8e9e"
PALETTE = ["#73BF69", "#F2CC0C", "#8AB8FF", "#FF780A", "#F2495C", "#5794F2", "#B877D9", "#705DA0",
           "#37872D", "#FADE2A", "#447EBC", "#C15C17", "#890F02", "#0A437C", "#6D1F62", "#584477"]
NAMED = {"green": "#73BF69", "red": "#F2495C", "orange": "#FF9830", "blue": "#5794F2", "yellow": "#FADE2A",
         "purple": "#B877D9", "text": TEXT, "transparent": PANEL}

WIDTH = 1600       # pixels
UNIT = 34          # pixels per gridPos height unit (Grafana: 30)
GAP = 8            # between panels
MARGIN = 12
HEADER = 80        # the image title and two lines under it
DPI = 100


# --- Prometheus -----------------------------------------------------------------------------------------------

class Prometheus:
    def __init__(self, base):
        self.base = base.rstrip("/")

    def _get(self, path, params):
        url = f"{self.base}/api/v1/{path}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=60) as resp:
            body = json.load(resp)
        if body.get("status") != "success":
            raise RuntimeError(f"{path} {params}: {body}")
        return body["data"]

    def query(self, expr, at):
        data = self._get("query", {"query": expr, "time": f"{at:.3f}"})
        if data["resultType"] == "vector":
            return [(s["metric"], float(s["value"][1])) for s in data["result"]]
        if data["resultType"] == "scalar":
            return [({}, float(data["result"][1]))]
        raise RuntimeError(f"unexpected result type {data['resultType']} for {expr}")

    def query_range(self, expr, start, end, step):
        data = self._get("query_range", {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}",
                                         "step": f"{step}"})
        return [(s["metric"], [(float(t), float(v)) for t, v in s["values"]]) for s in data["result"]]


def finite(v):
    return v is not None and not math.isnan(v) and not math.isinf(v)


# --- Grafana bits ---------------------------------------------------------------------------------------------

class Variables:
    def __init__(self, dashboard, rate_interval, step, range_seconds):
        self.builtins = {"__rate_interval": rate_interval, "__interval": f"{step}s",
                         "__range": f"{int(range_seconds)}s"}
        self.all_values = {}
        for v in dashboard.get("templating", {}).get("list", []):
            if v.get("type") == "datasource":
                continue
            self.all_values[v["name"]] = v.get("allValue") or ".*"

    def apply(self, expr):
        def repl(m):
            name = m.group(1) or m.group(2)
            if name in self.builtins:
                return self.builtins[name]
            if name in self.all_values:
                return self.all_values[name]
            return m.group(0)
        return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", repl, expr)


def legend_name(fmt, metric, expr):
    if fmt:
        return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: metric.get(m.group(1), ""), fmt)
    labels = {k: v for k, v in metric.items() if k != "__name__"}
    if labels:
        return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"
    return expr


def threshold_color(thresholds, value):
    color = NAMED["green"]
    steps = (thresholds or {}).get("steps") or []
    for st in steps:
        if st.get("value") is None or (finite(value) and value >= st["value"]):
            color = NAMED.get(st.get("color"), st.get("color") or color)
    return color


def override_colors(panel):
    out = {}
    for ov in panel.get("fieldConfig", {}).get("overrides", []):
        m = ov.get("matcher", {})
        if m.get("id") != "byName":
            continue
        for prop in ov.get("properties", []):
            if prop.get("id") == "color" and prop.get("value", {}).get("mode") == "fixed":
                c = prop["value"].get("fixedColor")
                out[m.get("options")] = NAMED.get(c, c)
    return out


# --- units ----------------------------------------------------------------------------------------------------

def _num(v):
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}".rstrip("0").rstrip(".")
    if a >= 1:
        return f"{v:.2f}".rstrip("0").rstrip(".")
    return f"{v:.3g}"


def _scaled(v, base, suffixes):
    i = 0
    while abs(v) >= base and i < len(suffixes) - 1:
        v /= base
        i += 1
    return f"{_num(v)}{suffixes[i]}"


def fmt(v, unit):
    if not finite(v):
        return "-"
    if unit == "percentunit":
        return f"{_num(v * 100)}%"
    if unit == "s":
        a = abs(v)
        if a == 0:
            return "0 s"
        if a < 1e-6:
            return f"{_num(v * 1e9)} ns"
        if a < 1e-3:
            return f"{_num(v * 1e6)} µs"
        if a < 1:
            return f"{_num(v * 1e3)} ms"
        return f"{_num(v)} s"
    if unit == "bytes":
        return _scaled(v, 1024, [" B", " KiB", " MiB", " GiB", " TiB"])
    if unit == "Bps":
        return _scaled(v, 1000, [" B/s", " kB/s", " MB/s", " GB/s"])
    short = _scaled(v, 1000, ["", " K", " Mil", " Bil", " Tri"])
    if unit == "ops":
        return f"{short} ops/s"
    if unit == "cps":
        return f"{short} c/s"
    return short


# --- drawing --------------------------------------------------------------------------------------------------

class Canvas:
    """Pixel coordinates from the top left, on a matplotlib figure."""

    def __init__(self, width, height):
        self.w, self.h = width, height
        self.fig = plt.figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor=BG)
        self.renderer = self.fig.canvas.get_renderer()

    def fx(self, x):
        return x / self.w

    def fy(self, y):
        return 1 - y / self.h

    def rect(self, x, y, w, h, color, rounded=True, edge=None, alpha=1.0):
        style = "round,pad=0,rounding_size=0.003" if rounded else "square,pad=0"
        self.fig.patches.append(FancyBboxPatch(
            (self.fx(x), self.fy(y + h)), w / self.w, h / self.h, boxstyle=style, transform=self.fig.transFigure,
            facecolor=color, edgecolor=edge or color, linewidth=0.8, alpha=alpha, figure=self.fig,
            zorder=-10))   # below the axes (zorder 0) drawn on it

    def text(self, x, y, s, size=9, color=TEXT, weight="normal", ha="left", va="baseline", family=None):
        return self.fig.text(self.fx(x), self.fy(y), s, fontsize=size, color=color, fontweight=weight, ha=ha,
                             va=va, family=family or "DejaVu Sans")

    def width_of(self, s, size=9, weight="normal"):
        t = self.fig.text(0, 0, s, fontsize=size, fontweight=weight)
        w = t.get_window_extent(self.renderer).width
        t.remove()
        return w

    def fit(self, s, max_w, size, weight="normal"):
        if self.width_of(s, size, weight) <= max_w:
            return s
        lo, hi = 0, len(s)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.width_of(s[:mid] + "…", size, weight) <= max_w:
                lo = mid
            else:
                hi = mid - 1
        return s[:lo] + "…"

    def axes(self, x, y, w, h):
        ax = self.fig.add_axes([self.fx(x), self.fy(y + h), w / self.w, h / self.h])
        ax.set_facecolor("none")
        for sp in ax.spines.values():
            sp.set_visible(False)
        ax.tick_params(colors=MUTED, labelsize=7.5, length=0, pad=3)
        return ax


def to_dates(ts):
    return [datetime.datetime.fromtimestamp(t, tz=datetime.timezone.utc) for t in ts]


class Renderer:
    def __init__(self, args, dashboard, prom):
        self.args, self.dashboard, self.prom = args, dashboard, prom
        self.vars = Variables(dashboard, args.rate_interval, args.step, args.end - args.start)
        self.grid = [args.start + i * args.step for i in range(int((args.end - args.start) // args.step) + 1)]
        self.summary = []
        self.empty_targets = []   # (panel id, title, expr) of queries without a finite value
        self.annotations = self.annotation_marks()

    # queries ----------------------------------------------------------------------------------------------------
    def range_series(self, panel):
        out = []
        for t in panel.get("targets", []):
            if t.get("hide"):
                continue
            expr = self.vars.apply(t["expr"])
            found = False
            for metric, values in self.prom.query_range(expr, self.args.start, self.args.end, self.args.step):
                by_t = {round(ts, 3): v for ts, v in values}
                ys = [by_t.get(round(g, 3)) for g in self.grid]
                ys = [y if finite(y) else float("nan") for y in ys]
                found = found or any(finite(y) for y in ys)
                out.append((legend_name(t.get("legendFormat"), metric, expr), ys))
            if not found:
                self.empty_targets.append((panel.get("id"), panel.get("title", ""), expr))
        return out

    def instant(self, panel):
        out = []
        for t in panel.get("targets", []):
            if t.get("hide"):
                continue
            expr = self.vars.apply(t["expr"])
            result = self.prom.query(expr, self.args.end)
            if not any(finite(v) for _, v in result):
                self.empty_targets.append((panel.get("id"), panel.get("title", ""), expr))
            out.extend(result)
        return out

    def annotation_marks(self):
        """Prometheus annotations of the dashboard: (unix time, colour) at the start of each run of values."""
        marks = []
        for a in self.dashboard.get("annotations", {}).get("list", []):
            if not a.get("enable", True) or not a.get("expr") or a.get("builtIn"):
                continue
            expr = self.vars.apply(a["expr"])
            color = a.get("iconColor", "purple")
            color = NAMED.get(color, color)
            m = re.match(r"rgba?\((\d+),\s*(\d+),\s*(\d+)", color)
            if m:
                color = "#%02x%02x%02x" % tuple(int(g) for g in m.groups())
            for _, values in self.prom.query_range(expr, self.args.start, self.args.end, self.args.step):
                previous = None
                for t, v in values:
                    if finite(v) and (previous is None or t - previous > self.args.step * 1.5):
                        marks.append((t, color, a.get("name", "")))
                    previous = t if finite(v) else None
        return marks

    def time_ticks(self):
        span = self.args.end - self.args.start
        every = next((s for s in (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600) if span / s <= 6), 7200)
        first = math.ceil(self.args.start / every) * every
        return [t for t in range(int(first), int(self.args.end) + 1, every)]

    # panels -----------------------------------------------------------------------------------------------------
    def draw(self):
        panels = self.dashboard["panels"]
        bottom = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
        height = HEADER + bottom * UNIT + MARGIN
        self.c = Canvas(WIDTH, height)
        self.colw = (WIDTH - 2 * MARGIN) / 24
        start = datetime.datetime.fromtimestamp(self.args.start, tz=datetime.timezone.utc)
        end = datetime.datetime.fromtimestamp(self.args.end, tz=datetime.timezone.utc)
        self.c.text(MARGIN + 4, 26, TITLE, size=12.5, weight="bold")
        self.c.text(MARGIN + 4, 48,
                    f"{start:%Y-%m-%d %H:%M:%S} to {end:%H:%M:%S} UTC; step {self.args.step}s; "
                    f"$__rate_interval = {self.args.rate_interval}; variables "
                    f"{', '.join(self.vars.all_values) or '(none)'} = All (.*); times in UTC."
                    + "".join(f" Dashed lines: annotation \"{n}\"." for n in sorted({n for _, _, n in self.annotations})),
                    size=9, color=MUTED)
        if self.args.note:
            self.c.text(MARGIN + 4, 66, self.c.fit(self.args.note, WIDTH - 2 * MARGIN - 8, 9), size=9, color=MUTED)
        for p in panels:
            self.panel(p)
            for nested in p.get("panels", []):   # a collapsed row keeps its panels inside
                self.panel(nested)
        return self.c.fig

    def box(self, p):
        g = p["gridPos"]
        x = MARGIN + g["x"] * self.colw + GAP / 2
        y = HEADER + g["y"] * UNIT + GAP / 2
        return x, y, g["w"] * self.colw - GAP, g["h"] * UNIT - GAP

    def panel(self, p):
        kind = p.get("type")
        if kind == "row":
            x, y, w, h = self.box(p)
            self.c.text(x + 2, y + h - 6, "⌄ " + p.get("title", ""), size=11.5, weight="bold")
            return
        x, y, w, h = self.box(p)
        try:
            if kind == "stat":
                has = self.stat(p, x, y, w, h)
            elif kind == "timeseries":
                has = self.timeseries(p, x, y, w, h)
            elif kind == "table":
                has = self.table(p, x, y, w, h)
            else:
                self.c.rect(x, y, w, h, PANEL, edge=BORDER)
                self.c.text(x + w / 2, y + h / 2, f"panel type {kind} not drawn", color=MUTED, ha="center")
                has = False
        except Exception as e:  # keep drawing the others; the summary reports it
            self.c.rect(x, y, w, h, PANEL, edge=BORDER)
            self.c.text(x + w / 2, y + h / 2, f"error: {e}"[:80], color=NAMED["red"], ha="center", size=8)
            print(f"panel {p.get('id')} {p.get('title')!r}: {e}", file=sys.stderr)
            has = False
        if not has:
            self.c.text(x + w / 2, y + h / 2 + 8, "No data", size=14, color=MUTED, ha="center")
        self.summary.append((p.get("id"), kind, p.get("title", ""), has))

    def title(self, p, x, y, w, color=TEXT):
        self.c.text(x + 10, y + 19, self.c.fit(p.get("title", ""), w - 20, 9.5, "bold"), size=9.5, weight="bold",
                    color=color)

    def stat(self, p, x, y, w, h):
        defaults = p.get("fieldConfig", {}).get("defaults", {})
        unit = defaults.get("unit", "short")
        opts = p.get("options", {})
        values = self.instant(p)
        value = values[0][1] if values else float("nan")
        color = threshold_color(defaults.get("thresholds"), value)
        background = opts.get("colorMode") == "background" and finite(value)
        self.c.rect(x, y, w, h, color if background else PANEL, edge=BORDER if not background else color)
        text_color = "#ffffff" if background else color
        self.title(p, x, y, w, color="#ffffff" if background else TEXT)
        if opts.get("graphMode", "area") == "area":
            series = self.range_series(p)
            if series:
                ax = self.c.axes(x + 1, y + h * 0.55, w - 2, h * 0.45 - 1)
                ys = series[0][1]
                ds = to_dates(self.grid)
                line = "#ffffff" if background else color
                ax.plot(ds, ys, color=line, lw=1, alpha=0.8)
                ax.fill_between(ds, [0 if finite(v) else float("nan") for v in ys], ys, color=line,
                                alpha=0.18, lw=0)
                lo = min([v for v in ys if finite(v)] + [0])
                hi = max([v for v in ys if finite(v)] + [0])
                ax.set_ylim(lo, hi * 1.15 if hi > lo else lo + 1)
                ax.set_xlim(ds[0], ds[-1])
                ax.set_axis_off()
        if not finite(value):
            return False
        s = fmt(value, unit)
        size = 26
        while size > 10 and self.c.width_of(s, size, "bold") > w - 20:
            size -= 1
        self.c.text(x + w / 2, y + h * 0.52, s, size=size, weight="bold", color=text_color, ha="center",
                    va="center")
        return True

    def timeseries(self, p, x, y, w, h):
        self.c.rect(x, y, w, h, PANEL, edge=BORDER)
        self.title(p, x, y, w)
        defaults = p.get("fieldConfig", {}).get("defaults", {})
        custom = defaults.get("custom", {})
        unit = defaults.get("unit", "short")
        series = self.range_series(p)
        has = any(finite(v) for _, ys in series for v in ys)
        fixed = override_colors(p)
        colors = [fixed.get(name, PALETTE[i % len(PALETTE)]) for i, (name, _) in enumerate(series)]

        legend = p.get("options", {}).get("legend", {})
        table_mode = legend.get("displayMode") == "table"
        calcs = legend.get("calcs", []) if table_mode else []
        legend_h, draw_legend = self.legend_layout(series, colors, unit, calcs, table_mode, x, w, h)

        top, axis_h = y + 30, 16
        plot_h = h - 30 - axis_h - legend_h - 6
        left = 58
        ax = self.c.axes(x + left, top, w - left - 12, plot_h)
        ds = to_dates(self.grid)
        stacked = custom.get("stacking", {}).get("mode") == "normal"
        alpha = custom.get("fillOpacity", 0) / 100
        base = [0.0] * len(self.grid)
        ymax = 0.0
        ymin = 0.0
        for (name, ys), col in zip(series, colors):
            if stacked:
                top_ys = [b + (v if finite(v) else 0) for b, v in zip(base, ys)]
                draw_ys = [t if finite(v) else float("nan") for t, v in zip(top_ys, ys)]
                if alpha:
                    ax.fill_between(ds, base, top_ys, color=col, alpha=alpha, lw=0)
                ax.plot(ds, draw_ys, color=col, lw=custom.get("lineWidth", 1))
                base = top_ys
                vals = top_ys
            else:
                if alpha:
                    ax.fill_between(ds, [0 if finite(v) else float("nan") for v in ys], ys, color=col,
                                    alpha=alpha, lw=0)
                ax.plot(ds, ys, color=col, lw=custom.get("lineWidth", 1))
                vals = ys
            fin = [v for v in vals if finite(v)]
            if fin:
                ymax = max(ymax, max(fin))
                ymin = min(ymin, min(fin))
        lo = defaults.get("min", ymin)
        hi = defaults.get("max", ymax * 1.1 if ymax > lo else lo + 1)
        if hi <= lo:
            hi = lo + 1
        ax.set_ylim(lo, hi)
        ax.set_xlim(ds[0], ds[-1])
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, min_n_ticks=2))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt(v, unit)))
        ax.set_xticks(to_dates(self.time_ticks()))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S", tz=datetime.timezone.utc))
        for t, col, _ in self.annotations:
            ax.axvline(to_dates([t])[0], color=col, lw=1, ls=(0, (3, 2)), alpha=0.9)
        ax.grid(True, color=BORDER, lw=0.6)
        ax.set_axisbelow(True)
        draw_legend(top + plot_h + axis_h + 6)
        return has

    def legend_layout(self, series, colors, unit, calcs, table_mode, x, w, h):
        """Returns (height, draw(y)) for the legend below a graph."""
        c = self.c
        size = 7.5
        if not series:
            return 0, lambda y0: None
        if table_mode:
            row = 13
            names = {"mean": "Mean", "max": "Max", "min": "Min", "lastNotNull": "Last *", "last": "Last"}
            max_rows = max(1, int((h * 0.45) // row) - 1)

            def stat(ys, calc):
                fin = [v for v in ys if finite(v)]
                if not fin:
                    return float("nan")
                return {"mean": sum(fin) / len(fin), "max": max(fin), "min": min(fin),
                        "lastNotNull": fin[-1], "last": ys[-1]}.get(calc, float("nan"))

            rows = [(n, col, [stat(ys, k) for k in calcs]) for (n, ys), col in zip(series, colors)]
            hidden = 0
            if len(rows) > max_rows:
                order = sorted(range(len(rows)), key=lambda i: -(stat(series[i][1], "mean") if
                                                                 finite(stat(series[i][1], "mean")) else -1))
                keep = sorted(order[:max_rows - 1])
                hidden = len(rows) - len(keep)
                rows = [rows[i] for i in keep]
            height = row * (len(rows) + 1 + (1 if hidden else 0))

            colw = max([c.width_of(names.get(k, k), size) for k in calcs]
                       + [c.width_of(fmt(v, unit), size) for _, _, vals in rows for v in vals] + [0]) + 12

            def draw(y0):
                name_w = w - 30 - colw * len(calcs)
                for j, k in enumerate(calcs):
                    c.text(x + w - 10 - colw * (len(calcs) - 1 - j), y0 + 9, names.get(k, k), size=size,
                           color=NAMED["blue"], ha="right")
                for i, (n, col, vals) in enumerate(rows):
                    yy = y0 + 9 + row * (i + 1)
                    c.rect(x + 12, yy - 7, 12, 3, col, rounded=False)
                    c.text(x + 28, yy, c.fit(n, name_w - 20, size), size=size)
                    for j, v in enumerate(vals):
                        c.text(x + w - 10 - colw * (len(calcs) - 1 - j), yy, fmt(v, unit), size=size, ha="right")
                if hidden:
                    c.text(x + 28, y0 + 9 + row * (len(rows) + 1), f"+{hidden} more with smaller means",
                           size=size, color=MUTED)
            return height, draw

        # list mode: entries wrapped over lines
        row = 14
        entries = [(n, col, c.width_of(n, size) + 30) for (n, _), col in zip(series, colors)]
        lines, cur, cur_w = [], [], 0
        for e in entries:
            if cur and cur_w + e[2] > w - 20:
                lines.append(cur)
                cur, cur_w = [], 0
            cur.append(e)
            cur_w += e[2]
        if cur:
            lines.append(cur)
        max_lines = max(1, int((h * 0.35) // row))
        hidden = sum(len(ln) for ln in lines[max_lines:])
        lines = lines[:max_lines]

        def draw(y0):
            for i, ln in enumerate(lines):
                xx = x + 12
                yy = y0 + 9 + row * i
                for n, col, ew in ln:
                    c.rect(xx, yy - 7, 12, 3, col, rounded=False)
                    c.text(xx + 16, yy, n, size=size)
                    xx += ew
                if hidden and i == len(lines) - 1:
                    c.text(xx, yy, f"+{hidden} more", size=size, color=MUTED)
        return row * len(lines), draw

    def table(self, p, x, y, w, h):
        self.c.rect(x, y, w, h, PANEL, edge=BORDER)
        self.title(p, x, y, w)
        excluded = set()
        for t in p.get("transformations", []):
            if t.get("id") == "organize":
                excluded |= {k for k, v in t.get("options", {}).get("excludeByName", {}).items() if v}
        results = self.instant(p)
        cols = sorted({k for m, _ in results for k in m if k != "__name__"})
        cols = [k for k in (["Time"] + cols + ["Value"]) if k not in excluded]
        if not results or not cols:
            return False
        rows = []
        for m, v in results:
            full = dict(m)
            full["Time"] = datetime.datetime.fromtimestamp(self.args.end, tz=datetime.timezone.utc).strftime(
                "%H:%M:%S")
            full["Value"] = _num(v)
            rows.append([full.get(k, "") for k in cols])
        size = 8.5
        widths = [max([self.c.width_of(k, size, "bold")] + [self.c.width_of(r[i], size) for r in rows]) + 16
                  for i, k in enumerate(cols)]
        avail = w - 20
        if sum(widths) > avail:   # shrink the widest columns first; their text gets an ellipsis
            while sum(widths) > avail:
                i = widths.index(max(widths))
                widths[i] -= 4
        y0 = y + 34
        xx = x + 10
        self.c.rect(x + 6, y0 - 4, w - 12, 22, "#22252b", rounded=False)
        for k, cw in zip(cols, widths):
            self.c.text(xx + 6, y0 + 11, self.c.fit(k, cw - 10, size, "bold"), size=size, weight="bold",
                        color=NAMED["blue"])
            xx += cw
        for j, r in enumerate(rows):
            xx = x + 10
            yy = y0 + 11 + 24 * (j + 1)
            for s, cw in zip(r, widths):
                self.c.text(xx + 6, yy, self.c.fit(s, cw - 10, size), size=size, family="DejaVu Sans Mono"
                            if len(s) > 20 else None)
                xx += cw
            self.c.fig.patches.append(Rectangle((self.c.fx(x + 6), self.c.fy(yy + 8)), (w - 12) / self.c.w,
                                                0.6 / self.c.h, transform=self.c.fig.transFigure,
                                                facecolor=BORDER, edgecolor=BORDER, figure=self.c.fig))
        return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--prometheus", required=True, help="Prometheus base URL, e.g. http://127.0.0.1:9090")
    ap.add_argument("--dashboard", default="deploy/grafana/pgguard-dashboard.json")
    ap.add_argument("--start", type=float, required=True, help="unix time")
    ap.add_argument("--end", type=float, required=True, help="unix time")
    ap.add_argument("--step", type=int, default=2, help="seconds between points (default 2)")
    ap.add_argument("--rate-interval", default="20s", help="what $__rate_interval becomes (default 20s)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--note", default="", help="a line under the title, e.g. where the traffic came from")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a panel has no data")
    args = ap.parse_args()
    with open(args.dashboard, encoding="utf-8") as f:
        dashboard = json.load(f)
    r = Renderer(args, dashboard, Prometheus(args.prometheus))
    fig = r.draw()
    fig.savefig(args.out, dpi=DPI, facecolor=BG)
    drawn = [s for s in r.summary]
    with_data = [s for s in drawn if s[3]]
    rows = sum(1 for p in dashboard["panels"] if p.get("type") == "row")
    print(f"{len(dashboard['panels'])} panels ({rows} rows); {len(with_data)} of {len(drawn)} data panels have data")
    for pid, kind, title, has in drawn:
        if not has:
            print(f"  NO DATA: panel {pid} ({kind}) {title!r}")
    for pid, title, expr in r.empty_targets:
        print(f"  empty query: panel {pid} {title!r}: {expr}")
    print(f"wrote {args.out}")
    if args.strict and len(with_data) < len(drawn):
        sys.exit(1)


if __name__ == "__main__":
    main()
