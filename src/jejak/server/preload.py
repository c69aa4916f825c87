"""What the server imports in one thread as it starts, before its threads run.

The library imports its heavy parts on first use, so that ``jejak --help`` stays quick.
In a server, the warmer and the request threads may first use them at the same moment,
and two threads importing modules that import each other can deadlock in Python's
import system (``_DeadlockError``: seen on narwhals, which scikit-learn's clusters and
plotly's charts both import). Plotly also imports a class per kind of chart when one is
first drawn, so one of each kind is drawn here.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module

import jejak.analyses
import jejak.report

# imported inside functions (see each module's "imported when used"): a module imported
# so later must be named here too
THIRD_PARTY = (
    "narwhals.stable.v1",
    "pandas",
    "pyarrow",
    "pyarrow.compute",
    "scipy.optimize",
    "scipy.stats",
    "sklearn.cluster",
    "sklearn.metrics.pairwise",
    "sklearn.utils.extmath",
    "plotly.graph_objects",
    "plotly.io",
    "plotly.subplots",
    "babel.dates",
    "babel.numbers",
)


def preload() -> None:
    """Import every analysis, figure and report module, and what they import when used."""
    for name in THIRD_PARTY:
        import_module(name)
    for package in (jejak.analyses, jejak.report):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            import_module(module.name)
    _draw_each_kind()


def _draw_each_kind() -> None:
    """One small chart of each kind the report draws, with the layout parts it uses."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=1, cols=2)
    figure.add_trace(go.Scatter(x=[1], y=[1], mode="lines+markers+text", text=["a"]), 1, 1)
    figure.add_trace(go.Bar(x=[1], y=[1], marker={"color": "#000"}), 1, 2)
    figure.add_trace(go.Heatmap(z=[[1]], colorscale="Blues"), 1, 1)
    figure.add_trace(go.Funnel(x=[1], y=["a"]), 1, 2)
    figure.add_annotation(text="a", x=1, y=1, showarrow=False)
    figure.add_shape(type="line", x0=0, x1=1, y0=0, y1=1)
    figure.add_vline(x=1)
    figure.add_hline(y=1)
    figure.add_vrect(x0=0, x1=1)
    figure.update_layout(
        title={"text": "a"},
        legend={"orientation": "h"},
        hoverlabel={"font": {"size": 12}},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        barmode="stack",
    )
    figure.update_xaxes(title={"text": "a"}, tickformat=",d")
    figure.update_yaxes(title={"text": "a"}, automargin=True)
    figure.update_traces(hovertemplate="%{y}")
    link = {"source": [0], "target": [1], "value": [1]}
    sankey = go.Sankey(node={"label": ["a", "b"]}, link=link)
    for drawn in (figure, go.Figure(sankey)):
        drawn.to_json()
