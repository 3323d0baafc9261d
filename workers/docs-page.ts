// A dependency-free reader for /openapi.json: every path, its parameters, body and responses.
export const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Stockmesh API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1rem 1.5rem;color:#1b1f24}
h1{margin-bottom:0}.op{border:1px solid #d0d7de;border-radius:6px;margin:.75rem 0}
summary{cursor:pointer;padding:.5rem .75rem;display:flex;gap:.75rem;align-items:baseline}
.m{font:600 12px monospace;text-transform:uppercase;padding:2px 6px;border-radius:4px;background:#ddf4ff}
.m.post{background:#dafbe1}.m.put,.m.patch{background:#fff8c5}.m.delete{background:#ffebe9}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f6f8fa;padding:.75rem;overflow:auto;margin:.25rem .75rem .75rem}
h4{margin:.5rem .75rem 0}
</style></head><body>
<h1>Stockmesh API</h1>
<p>Generated from <a href="/openapi.json">/openapi.json</a>. Send keys as <code>Authorization: Bearer &lt;key&gt;</code>.</p>
<main id="ops">Loading…</main>
<script>
fetch('/openapi.json').then(r => r.json()).then(doc => {
  const main = document.getElementById('ops');
  main.textContent = '';
  const esc = s => String(s).replace(/[&<>]/g, ch => ({'&':'&amp;','<':'&lt;','>':'&gt;'}[ch]));
  const show = v => '<pre>' + esc(JSON.stringify(v, null, 2)) + '</pre>';
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      const d = document.createElement('details');
      d.className = 'op';
      let html = '<summary><span class="m ' + method + '">' + method + '</span><code>' + esc(path) + '</code><span>' + esc(op.summary || '') + '</span></summary>';
      if (op.description) html += '<p style="margin:.5rem .75rem">' + esc(op.description) + '</p>';
      if (op.parameters && op.parameters.length) html += '<h4>Parameters</h4>' + show(op.parameters.map(p => ({ name: p.name, in: p.in, required: !!p.required, schema: p.schema })));
      const body = op.requestBody && op.requestBody.content && Object.values(op.requestBody.content)[0];
      if (body) html += '<h4>Body</h4>' + show(body.schema);
      for (const [status, res] of Object.entries(op.responses || {})) {
        const c = res.content && Object.values(res.content)[0];
        html += '<h4>' + esc(status) + ' ' + esc(res.description || '') + '</h4>' + (c ? show(c.schema) : '');
      }
      d.innerHTML = html;
      main.appendChild(d);
    }
  }
});
</script></body></html>`;
