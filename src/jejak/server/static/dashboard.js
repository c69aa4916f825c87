// jejak dashboard: fetch the page's sections, draw the charts, sort and export tables.
(function () {
  "use strict";
  // the page's words and number marks, in its language (the server writes them in the page)
  const main = document.getElementById("content");
  const words = Object.assign({
    sort: "Sort", step: "Step {number}", group: ",", decimal: ".",
    expired: "Your sign-in has expired; sign in again with the read key.",
    answered: "The server answered {status}; try again shortly.",
    failed: "This page could not load",
    unreachable: "The server could not be reached; check that jejak serve is running, then reload."
  }, main && main.dataset.words ? JSON.parse(main.dataset.words) : {});
  // the funnel builder: one input per step, added and removed in place
  document.querySelectorAll("fieldset.steps").forEach(function (fieldset) {
    const add = fieldset.querySelector(".add-step");
    function wire(step) {
      step.querySelector(".remove").addEventListener("click", function () {
        if (fieldset.querySelectorAll(".step").length > 2) step.remove();
      });
    }
    fieldset.querySelectorAll(".step").forEach(wire);
    add.addEventListener("click", function () {
      const steps = fieldset.querySelectorAll(".step");
      const step = steps[steps.length - 1].cloneNode(true);
      const input = step.querySelector("input");
      input.value = "";
      input.setAttribute("aria-label", words.step.replace("{number}", steps.length + 1));
      fieldset.insertBefore(step, add);
      wire(step);
      input.focus();
    });
  });
  if (!main || main.querySelector(".empty")) {
    if (main) main.dataset.state = "done";
    return;
  }
  const slug = document.body.dataset.page;
  const config = { displaylogo: false, responsive: true };
  if (words.plotly) {  // the charts' toolbar and date names in the page's language
    Plotly.register(words.plotly);
    config.locale = words.plotly.name;
  }

  function draw(root) {
    root.querySelectorAll("figure.chart[data-figure]").forEach(function (div) {
      const figure = JSON.parse(div.dataset.figure);
      Plotly.newPlot(div, figure.data, figure.layout, config);
    });
  }

  function cellValue(cell) {
    const text = cell.textContent.trim();
    const plain = text.split(words.group).join("").split(words.decimal).join(".");
    const number = Number(plain.replace(/[%\s]/g, "").replace(/[^0-9.eE+-]/g, ""));
    return text !== "" && text !== "–" && !Number.isNaN(number) && /\d/.test(text)
      ? number : text.toLowerCase();
  }

  function sortable(table) {
    table.querySelectorAll("thead th").forEach(function (th, column) {
      th.tabIndex = 0;
      th.title = words.sort;
      th.addEventListener("click", function () {
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        rows.sort(function (a, b) {
          const x = cellValue(a.cells[column]);
          const y = cellValue(b.cells[column]);
          const order = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function csv(table) {
    const quote = function (text) { return '"' + text.replace(/"/g, '""') + '"'; };
    return Array.from(table.rows).map(function (row) {
      return Array.from(row.cells).filter(function (cell) { return !cell.classList.contains("actions"); })
        .map(function (cell) { return quote(cell.textContent.trim()); }).join(",");
    }).join("\n");
  }

  function tables(root) {
    root.querySelectorAll("section").forEach(function (section) {
      const table = section.querySelector("table");
      const button = section.querySelector("button.csv");
      if (!table) return;
      sortable(table);
      if (button) {
        button.addEventListener("click", function () {
          const blob = new Blob([csv(table)], { type: "text/csv" });
          const link = document.createElement("a");
          link.href = URL.createObjectURL(blob);
          link.download = slug + ".csv";
          link.click();
        });
      }
    });
  }

  // what went wrong, in words: the server's detail, never a raw response body
  function problem(response) {
    return response.text().then(function (text) {
      let detail = "";
      try {
        const body = JSON.parse(text);
        detail = typeof body.detail === "string" ? body.detail
          : (body.detail || []).map(function (d) { return d.msg; }).join("; ");
      } catch (ignored) { /* not JSON: say what the status means */ }
      if (response.status === 401) detail = words.expired;
      throw new Error(detail || words.answered.replace("{status}", response.status));
    });
  }

  // a cell of an analysis saved as a segment: its definition sits in the button
  document.addEventListener("click", function (event) {
    const button = event.target.closest("button.save-segment");
    if (!button) return;
    const name = window.prompt(words.name);
    if (!name) return;
    button.disabled = true;
    fetch("/v1/segments", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Jejak-Request": "1" },
      body: JSON.stringify({ name: name, definition: JSON.parse(button.dataset.definition) })
    })
      .then(function (response) { return response.ok ? response.json() : problem(response); })
      .then(function (saved) {
        const said = document.createElement("span");
        said.className = "saved";
        said.textContent = words.saved.replace("{name}", saved.name)
          .replace("{people}", saved.people.toLocaleString(document.documentElement.lang));
        button.replaceWith(said);
      })
      .catch(function (error) {
        button.disabled = false;
        window.alert(words.unsaved.replace("{problem}", error.message));
      });
  });

  function load(attempt) {
    fetch("/dashboard/" + slug + "/content" + window.location.search, { credentials: "same-origin" })
      .then(function (response) {
        if ((response.status === 429 || response.status === 503) && attempt < 30) {
          const wait = Number(response.headers.get("Retry-After")) || 1;
          setTimeout(function () { load(attempt + 1); }, wait * 1000);
          return null;  // still loading
        }
        return response.ok ? response.text() : problem(response);
      })
      .then(function (fragment) {
        if (fragment === null) return;
        main.innerHTML = fragment;
        draw(main);
        tables(main);
        main.dataset.state = "done";
      })
      .catch(function (error) {
        main.innerHTML = '<section class="panel error"><h2></h2><p></p></section>';
        main.querySelector(".error h2").textContent = words.failed;
        const text = error instanceof TypeError ? words.unreachable : error.message;
        main.querySelector(".error p").textContent = text;
        main.dataset.state = "error";
      });
  }
  load(0);
})();
