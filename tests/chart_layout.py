"""Chart text in a real browser: every text box of every visible Plotly chart, checked for overlap and clipping."""

from __future__ import annotations

CHECK = """
() => {
  const problems = [];
  const visible = (r) => r.width > 0 && r.height > 0;
  document.querySelectorAll('.js-plotly-plot').forEach((plot) => {
    const frame = plot.getBoundingClientRect();
    if (!visible(frame)) return;  // a chart in a hidden tab
    const title = (plot.querySelector('.gtitle') || {}).textContent || '(untitled chart)';
    const boxes = Array.from(plot.querySelectorAll('text'))
      .map((t) => ({text: t.textContent.trim(), rect: t.getBoundingClientRect()}))
      .filter((b) => b.text && visible(b.rect));
    for (const b of boxes) {
      const r = b.rect;
      if (r.left < frame.left - 1 || r.right > frame.right + 1 || r.top < frame.top - 1 || r.bottom > frame.bottom + 1)
        problems.push(`${title}: '${b.text}' is cut at the chart's edge`);
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].rect, b = boxes[j].rect;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 2 && h > 2) problems.push(`${title}: '${boxes[i].text}' overlaps '${boxes[j].text}'`);
      }
    }
  });
  return problems;
}
"""
"""Returns one line per text box cut at its chart's edge and per pair of overlapping text boxes."""


def chart_text_problems(page) -> list[str]:
    """Overlapping or cut chart text on the page as it is drawn now (charts in hidden tabs are skipped)."""
    return page.evaluate(CHECK)
