"""Open a page in real headless Chromium (the Debian package) and report what rendered.

The page is copied with a probe: a first script records uncaught errors and console.error calls,
a last one waits for the load event and writes, into a <pre id="aurora-probe">, every plotly
chart's rendered SVG layers and trace data. Chromium dumps the DOM once the page settles. Every
host name resolves to nothing, so a page that needed the network would fail visibly.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0",
    "--virtual-time-budget=20000", "--dump-dom",
]

HEAD_PROBE = """<script>
window.__auroraErrors = [];
window.addEventListener('error', function (e) { window.__auroraErrors.push('uncaught: ' + e.message); });
window.addEventListener('unhandledrejection', function (e) { window.__auroraErrors.push('rejection: ' + e.reason); });
(function () { var original = console.error; console.error = function () {
  window.__auroraErrors.push('console.error: ' + Array.prototype.map.call(arguments, String).join(' '));
  return original.apply(console, arguments); }; })();
</script>"""

BODY_PROBE = """<script>
window.addEventListener('load', function () { setTimeout(function () {
  var charts = Array.prototype.map.call(document.querySelectorAll('.js-plotly-plot'), function (gd) {
    return {
      id: gd.id,
      main_svgs: gd.querySelectorAll('svg.main-svg').length,
      marks: gd.querySelectorAll('.barlayer path, .scatterlayer path').length,
      width: gd.getBoundingClientRect().width,
      height: gd.getBoundingClientRect().height,
      traces: (gd.data || []).map(function (t) { return {name: t.name || null, type: t.type, x: t.x, y: t.y}; })
    };
  });
  var pre = document.createElement('pre');
  pre.id = 'aurora-probe';
  pre.textContent = JSON.stringify({charts: charts, errors: window.__auroraErrors});
  document.body.appendChild(pre);
}, 200); });
</script>"""


def render_in_chromium(page: Path, workdir: Path) -> tuple[dict, str, str]:
    """(probe results, the rendered DOM, Chromium's stderr)."""
    assert CHROMIUM, "chromium is not installed (apt-get install -y chromium)"
    text = page.read_text()
    probed = workdir / "probed.html"
    probed.write_text(text.replace("<head>", "<head>" + HEAD_PROBE, 1).replace("</body>", BODY_PROBE + "</body>", 1))
    profile = workdir / "chromium-profile"
    result = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", probed.as_uri()],
        capture_output=True, text=True, timeout=180,
    )
    dom = result.stdout
    found = re.search(r'<pre id="aurora-probe">(.*?)</pre>', dom, re.S)
    assert found, f"the probe never ran (exit {result.returncode}): {result.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1))), dom, result.stderr
