#include "report_html_assets.h"

namespace trestle::cli::html {

const char* const kCss = R"css(
:root{--fg:#1d2430;--muted:#5b6575;--line:#d8dde5;--bg:#fff;--soft:#f4f6f9;--accent:#1f6fb4;--bad:#c0392b;--good:#23863b}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:24px 32px;max-width:1240px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 8px}.sub{color:var(--muted);font-weight:normal;font-size:13px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;background:var(--muted);vertical-align:middle}
.badge.succeeded{background:var(--good)}.badge.failed{background:var(--bad)}.badge.drained{background:#b7791f}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:3px 16px;margin:0}dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
.mono,code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12.5px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}th,td{border-bottom:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600;white-space:nowrap}td.mono{white-space:nowrap}
#anomalies{width:100%}#anomalies td{white-space:nowrap}#anomalies td.wrap{white-space:normal;overflow-wrap:anywhere;min-width:180px}
#anomalies .code,#since .code{font-weight:600;color:var(--bad);white-space:nowrap;overflow-wrap:normal;display:inline-block}#anomalies .msg{color:var(--muted);font-size:12.5px}table.sortable th{cursor:pointer}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:var(--good)}.err{color:var(--bad);font-weight:600}.note,figcaption{color:var(--muted);font-size:12.5px}
.charts{display:flex;flex-wrap:wrap;gap:8px 20px}figure{margin:0}figcaption{max-width:560px}
svg.chart{background:#fff;display:block}svg .ctitle{font-size:12.5px;font-weight:600;fill:var(--fg)}
svg .grid{stroke:#eceff3}svg .axis{stroke:#9aa3b0}svg .ytick{font-size:10.5px;fill:var(--muted);text-anchor:end}
svg .xtick{font-size:10px;fill:var(--muted);text-anchor:middle}svg .legend{font-size:11px;fill:var(--fg)}
svg .series{fill:none;stroke-width:1.8}svg .threshold{fill:none;stroke:var(--bad);stroke-width:1.4;stroke-dasharray:6 4}
svg .thlabel{font-size:10.5px;fill:var(--bad);text-anchor:end}svg .refline{stroke:#7f8c8d;stroke-dasharray:3 3}
svg .reflabel{font-size:10px;fill:#7f8c8d;text-anchor:end}svg .firstalert{stroke:#e07b00;stroke-width:1.5;stroke-dasharray:2 2}
svg .falabel{font-size:10.5px;fill:#b35f00;font-weight:600}svg .thisrun{fill:#eaf2fb}svg .runlabel{font-size:10px;fill:var(--accent)}
svg .refbar{fill:#b8c2cf}svg .curbar{fill:var(--accent)}
#script-errors{background:#fdecea;color:var(--bad);padding:8px;border-radius:4px}
footer{margin-top:32px;color:var(--muted);font-size:12px}
)css";

const char* const kScript = R"js(
(function () {
  'use strict';
  var body = document.body;
  function sortBy(table, col, th) {
    var tbody = table.tBodies[0];
    if (!tbody) return;
    var asc = th.getAttribute('data-sort') !== 'asc';
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col] ? a.cells[col].textContent : '', y = b.cells[col] ? b.cells[col].textContent : '';
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny) && String(nx) === x.trim() && String(ny) === y.trim()) ? nx - ny : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute('data-sort'); });
    th.setAttribute('data-sort', asc ? 'asc' : 'desc');
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    if (!table.tHead) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.title = 'sort';
      th.addEventListener('click', function () { sortBy(table, i, th); });
    });
  });
  var resources = (window.performance && performance.getEntriesByType) ? performance.getEntriesByType('resource').length : 0;
  body.setAttribute('data-charts', String(document.querySelectorAll('svg.chart').length));
  body.setAttribute('data-network-resources', String(resources));
  var errors = document.documentElement.getAttribute('data-script-errors');
  body.setAttribute('data-report-ready', errors ? 'error' : 'ok');
})();
)js";

const char* const kErrorHook = R"js(
window.addEventListener('error', function (e) {
  var root = document.documentElement;
  var n = Number(root.getAttribute('data-script-errors') || '0') + 1;
  root.setAttribute('data-script-errors', String(n));
  if (document.body) {
    document.body.setAttribute('data-report-ready', 'error');
    var box = document.getElementById('script-errors');
    if (box) { box.hidden = false; box.textContent += 'Script error: ' + (e && e.message) + '\n'; }
  }
});
)js";

}  // namespace trestle::cli::html
