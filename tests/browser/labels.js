(selector) => {
  // each visible SVG text of every chart as the four corners of its drawn box (rotation
  // kept), then: two boxes that overlap (separating axis test), a box out of its chart
  function corners(t) {
    const b = t.getBBox(), m = t.getScreenCTM();
    const pt = (x, y) => ({x: m.a * x + m.c * y + m.e, y: m.b * x + m.d * y + m.f});
    return [pt(b.x, b.y), pt(b.x + b.width, b.y), pt(b.x + b.width, b.y + b.height), pt(b.x, b.y + b.height)];
  }
  function apart(p, q) {
    for (const poly of [p, q]) for (let i = 0; i < 4; i++) {
      const a = poly[i], c = poly[(i + 1) % 4];
      const nx = c.y - a.y, ny = a.x - c.x, len = Math.hypot(nx, ny) || 1;
      const proj = (pts) => pts.map((v) => (v.x * nx + v.y * ny) / len);
      const pa = proj(p), qa = proj(q);
      const gap = Math.max(Math.min(...qa) - Math.max(...pa), Math.min(...pa) - Math.max(...qa));
      if (gap > -2) return true; // 2 px of touching is fine
    }
    return false;
  }
  const out = [];
  // every chart the selector names (the report's "div.jejak-chart", the dashboard's plots)
  document.querySelectorAll(selector || "div.jejak-chart").forEach((chart, i) => {
    const box = chart.getBoundingClientRect();
    const heading = (chart.closest("section") || document).querySelector("h2");
    const section = heading ? heading.textContent : "";
    const texts = [];
    chart.querySelectorAll("svg text").forEach((t) => {
      if (!t.textContent.trim()) return;
      for (let e = t; e && e !== chart; e = e.parentElement) {
        const st = getComputedStyle(e);
        if (st.display === "none" || +st.opacity === 0 || st.visibility === "hidden") return;
      }
      const c = corners(t);
      if (t.getBBox().width === 0) return;
      let clip = null;  // the plot area a clip-path keeps the text in, if any
      for (let e = t; e && e !== chart; e = e.parentElement) {
        const ref = e.getAttribute && e.getAttribute("clip-path");
        const id = ref && ref.match(/url\(["']?#([^"')]+)/);
        const shape = id && document.getElementById(id[1]);
        const rect = shape && shape.querySelector("rect");
        if (rect && e.getScreenCTM) {
          const m = e.getScreenCTM(), g = (n) => +(rect.getAttribute(n) || 0);
          const x0 = g("x"), y0 = g("y"), x1 = x0 + g("width"), y1 = y0 + g("height");
          const xs = [m.a * x0 + m.c * y0 + m.e, m.a * x1 + m.c * y1 + m.e];
          const ys = [m.b * x0 + m.d * y0 + m.f, m.b * x1 + m.d * y1 + m.f];
          clip = {left: Math.min(...xs), right: Math.max(...xs), top: Math.min(...ys), bottom: Math.max(...ys)};
          break;
        }
      }
      texts.push({text: t.textContent, c, clip});
    });
    for (const t of texts) {
      const xs = t.c.map((v) => v.x), ys = t.c.map((v) => v.y);
      for (const r of [box, t.clip]) {
        if (r && (Math.min(...xs) < r.left - 1 || Math.max(...xs) > r.right + 1 || Math.min(...ys) < r.top - 1 || Math.max(...ys) > r.bottom + 1)) {
          out.push({chart: i, section, kind: r === box ? "outside its chart" : "clipped by the plot area", a: t.text});
          break;
        }
      }
    }
    for (let a = 0; a < texts.length; a++) for (let b = a + 1; b < texts.length; b++)
      if (!apart(texts[a].c, texts[b].c)) out.push({chart: i, section, kind: "overlap", a: texts[a].text, b: texts[b].text});
  });
  return out;
}
