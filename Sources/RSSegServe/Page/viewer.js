// The rsseg serve page: Leaflet over scene pixels (CRS.Simple: x = column, −y = row), tiles drawn
// by the server, runs started here and followed through server-sent events.
'use strict';

const $ = (id) => document.getElementById(id);
const view = { state: null, scene: null, map: null, base: null, classes: null, overlay: null, polygons: null, run: null, job: null };

function pixelLatLng(x, y) { return L.latLng(-y, x); }
function areaBounds(a) { return L.latLngBounds(pixelLatLng(a.x, a.y + a.height), pixelLatLng(a.x + a.width, a.y)); }
function option(value, text) { const o = document.createElement('option'); o.value = value; o.textContent = text; return o; }

function setStatus(text, error) {
  $('status').textContent = text;
  $('status').classList.toggle('error', !!error);
}

async function api(path, init) {
  const response = await fetch(path, Object.assign({ credentials: 'same-origin' }, init));
  if (!response.ok) throw new Error(`${response.status}: ${(await response.text()).trim()}`);
  return response.headers.get('content-type').includes('json') ? response.json() : response.text();
}

async function loadState(selectRun) {
  view.state = await api('/api/state');
  const select = $('scene-select');
  if (!select.options.length) view.state.scenes.forEach((s) => select.appendChild(option(s.id, s.name)));
  view.scene = view.state.scenes.find((s) => s.id === select.value) || view.state.scenes[0];
  $('refer-form').hidden = !view.state.referring;
  $('refer-text').maxLength = view.state.maxTextLength;
  fillRuns(selectRun);
}

function showScene() {
  const scene = view.scene;
  if (view.map) view.map.remove();
  const bounds = areaBounds({ x: 0, y: 0, width: scene.width, height: scene.height });
  view.map = L.map('map', { crs: L.CRS.Simple, minZoom: scene.minZoom, maxZoom: 3, zoomSnap: 1, attributionControl: false });
  view.map.fitBounds(bounds);
  view.map.on('mousemove', (e) => showCoordinates(e.latlng));
  view.map.on('click', (e) => showPixel(e.latlng));
  document.querySelectorAll('.band').forEach((select, channel) => {
    select.innerHTML = '';
    for (let b = 1; b <= scene.bands; b++) select.appendChild(option(b, `band ${b}`));
    select.value = scene.defaultBands[Math.min(channel, scene.defaultBands.length - 1)];
  });
  view.base = null;
  view.classes = view.overlay = view.polygons = null;
  showBase();
  showRun();
}

function tileOptions(bounds, extra) {
  return Object.assign({ tileSize: 256, minZoom: view.scene.minZoom, maxZoom: 3, minNativeZoom: view.scene.minZoom, maxNativeZoom: 0, bounds, noWrap: true }, extra);
}

function showBase() {
  const bands = [...document.querySelectorAll('.band')].map((s) => s.value).join(',');
  const url = `/api/scenes/${view.scene.id}/tiles/{z}/{x}/{y}?bands=${bands}&stretch=${$('stretch').value}`;
  if (view.base) { view.base.setUrl(url); return; }
  view.base = L.tileLayer(url, tileOptions(areaBounds({ x: 0, y: 0, width: view.scene.width, height: view.scene.height }), { className: 'rs-scene' })).addTo(view.map);
}

function fillRuns(selectRun) {
  const select = $('run-select');
  const previous = selectRun || select.value;
  select.innerHTML = '';
  select.appendChild(option('', 'none'));
  for (const p of view.scene.predictions) select.appendChild(option(p.id, `${p.id}: ${p.title}${p.state === 'complete' ? '' : ` (${p.state})`}`));
  const runs = view.scene.predictions.filter((p) => p.state !== 'failed');
  select.value = view.scene.predictions.some((p) => p.id === previous) ? previous : (runs.length ? runs[runs.length - 1].id : '');
  const queries = $('queries');
  queries.innerHTML = '';
  for (const p of view.scene.predictions.filter((p) => p.title.startsWith('“'))) {
    const li = document.createElement('li');
    li.textContent = p.title;
    li.onclick = () => { $('run-select').value = p.id; showRun(); };
    queries.appendChild(li);
  }
}

function currentRun() { return view.scene.predictions.find((p) => p.id === $('run-select').value) || null; }

function showRun() {
  const run = currentRun();
  view.run = run;
  for (const layer of ['classes', 'overlay', 'polygons']) if (view[layer]) { view.map.removeLayer(view[layer]); view[layer] = null; }
  const probability = $('probability-select'), heatmap = $('heatmap-select');
  probability.innerHTML = ''; heatmap.innerHTML = '';
  probability.appendChild(option('', 'none')); heatmap.appendChild(option('', 'none'));
  showLegend(run ? run.classes : view.state.classes);
  if (!run || run.state === 'failed') return;
  run.probabilityClasses.forEach((c, band) => probability.appendChild(option(band, run.classes[c].name)));
  for (let l = 0; l < run.heatmapLayers; l++) run.classes.forEach((c, i) => heatmap.appendChild(option(l * run.classes.length + i, `layer ${l + 1} / ${c.name}`)));
  $('show-polygons').disabled = !run.polygons;
  if ($('show-classes').checked) {
    view.classes = L.tileLayer(runUrl(run, 'classes'), tileOptions(areaBounds(run.area), { className: 'rs-classes', opacity: +$('opacity').value })).addTo(view.map);
  }
  if ((run.polygons && $('show-polygons').checked) || (run.polygons && run.title.startsWith('“'))) showPolygons(run);
}

function runUrl(run, layer) { return `/api/predictions/${run.id}/tiles/${layer}/{z}/{x}/{y}${run.state === 'running' ? `?v=${Date.now()}` : ''}`; }

function showOverlay() {
  if (view.overlay) { view.map.removeLayer(view.overlay); view.overlay = null; }
  const run = view.run;
  const p = $('probability-select').value, h = $('heatmap-select').value;
  if (!run || (p === '' && h === '')) return;
  const layer = p !== '' ? `probability-${p}` : `heatmap-${h}`;
  view.overlay = L.tileLayer(runUrl(run, layer), tileOptions(areaBounds(run.area), { className: 'rs-overlay', opacity: 0.85 })).addTo(view.map);
}

async function showPolygons(run) {
  try {
    const data = await api(`/api/predictions/${run.id}/polygons`);
    if (view.run !== run) return;
    const t = view.scene.geoTransform, det = t[1] * t[5] - t[2] * t[4];
    const toPixel = (c) => pixelLatLng((t[5] * (c[0] - t[0]) - t[2] * (c[1] - t[3])) / det, (-t[4] * (c[0] - t[0]) + t[1] * (c[1] - t[3])) / det);
    view.polygons = L.geoJSON(data, {
      coordsToLatLng: toPixel,
      style: (f) => ({ color: (run.classes[f.properties.class_id] || {}).colour || '#ff2828', weight: 2, fill: false }),
    }).addTo(view.map);
  } catch (error) { setStatus(`polygons: ${error.message}`, true); }
}

function showLegend(classes) {
  const legend = $('legend');
  legend.innerHTML = '';
  for (const c of classes) {
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = c.colour ? 'swatch' : 'swatch clear';
    if (c.colour) swatch.style.background = c.colour;
    li.append(swatch, document.createTextNode(c.name));
    legend.appendChild(li);
  }
}

function showCoordinates(latlng) {
  const x = latlng.lng, y = -latlng.lat, t = view.scene.geoTransform;
  const mx = t[0] + x * t[1] + y * t[2], my = t[3] + x * t[4] + y * t[5];
  $('coordinates').textContent = `pixel ${Math.floor(x)}, ${Math.floor(y)}\nmap ${mx.toFixed(2)}, ${my.toFixed(2)}\n${view.scene.crs || 'no CRS'}`;
}

async function showPixel(latlng) {
  const x = Math.floor(latlng.lng), y = Math.floor(-latlng.lat);
  if (x < 0 || y < 0 || x >= view.scene.width || y >= view.scene.height) return;
  try {
    const info = await api(`/api/scenes/${view.scene.id}/pixel?x=${x}&y=${y}`);
    const lines = [`pixel ${info.x}, ${info.y}: ${info.values.map((v) => (v === null ? 'nodata' : v)).join(' ')}`];
    for (const p of info.predictions) {
      lines.push(`${p.id} ${p.title}: ${p.className || 'nodata'}`);
      for (const q of p.probabilities) lines.push(`  ${q.name} ${(q.p * 100).toFixed(1)} %`);
    }
    $('pixel-info').textContent = lines.join('\n');
  } catch (error) { $('pixel-info').textContent = error.message; }
}

function visibleArea() {
  const b = view.map.getBounds(), s = view.scene;
  const x0 = Math.max(0, Math.floor(b.getWest())), y0 = Math.max(0, Math.floor(-b.getNorth()));
  const x1 = Math.min(s.width, Math.ceil(b.getEast())), y1 = Math.min(s.height, Math.ceil(-b.getSouth()));
  return { x: x0, y: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) };
}

async function submit(kind, text) {
  const body = { scene: view.scene.id, kind };
  if (kind !== 'scene') body.area = visibleArea();
  if (text) body.text = text;
  try {
    const receipt = await api('/api/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    setStatus(receipt.position ? `job ${receipt.job} queued (${receipt.position} ahead)` : `job ${receipt.job} starting`);
  } catch (error) { setStatus(error.message, true); }
}

let repaint = 0;
function listen() {
  const events = new EventSource('/api/events');
  events.onmessage = async (message) => {
    const e = JSON.parse(message.data);
    if (e.scene !== view.scene.id) return;
    if (['finished', 'failed', 'cancelled'].includes(e.kind) && view.job === e.job) {
      view.job = null;
      $('cancel-run').hidden = true;
    }
    if (e.kind === 'started') {
      view.job = e.job;
      $('cancel-run').hidden = false;
      await loadState(e.prediction);
      showRun();
      setStatus(`job ${e.job} running`);
      $('progress-bar').style.width = '0';
    } else if (e.kind === 'progress') {
      $('progress-bar').style.width = `${(100 * e.windows / e.total).toFixed(1)}%`;
      setStatus(`job ${e.job}: ${e.windows} of ${e.total} windows`);
    } else if (e.kind === 'painted' && view.classes && view.run && view.run.id === e.prediction && Date.now() - repaint > 400) {
      repaint = Date.now();
      view.classes.setUrl(runUrl(view.run, 'classes'));
    } else if (e.kind === 'finished') {
      $('progress-bar').style.width = '100%';
      await loadState(e.prediction);
      showRun();
      setStatus(`job ${e.job} finished: ${e.prediction}`);
    } else if (e.kind === 'failed') {
      await loadState();
      showRun();
      setStatus(`job ${e.job} failed: ${e.message}`, true);
    } else if (e.kind === 'cancelled') {
      $('progress-bar').style.width = '0';
      await loadState();
      showRun();
      setStatus(`job ${e.job} cancelled`);
    }
  };
}

async function start() {
  try {
    await loadState();
    showScene();
    listen();
  } catch (error) { setStatus(error.message, true); return; }
  $('scene-select').onchange = async () => { await loadState(); showScene(); };
  document.querySelectorAll('.band').forEach((s) => { s.onchange = showBase; });
  $('stretch').onchange = showBase;
  $('run-select').onchange = showRun;
  $('show-classes').onchange = showRun;
  $('show-polygons').onchange = showRun;
  $('opacity').oninput = () => view.classes && view.classes.setOpacity(+$('opacity').value);
  $('probability-select').onchange = () => { $('heatmap-select').value = ''; showOverlay(); };
  $('heatmap-select').onchange = () => { $('probability-select').value = ''; showOverlay(); };
  $('segment-view').onclick = () => submit('view');
  $('segment-scene').onclick = () => submit('scene');
  $('cancel-run').onclick = async () => {
    if (!view.job) return;
    try { await api(`/api/jobs/${view.job}`, { method: 'DELETE' }); setStatus(`job ${view.job} stopping`); } catch (error) { setStatus(error.message, true); }
  };
  $('refer-form').onsubmit = (e) => { e.preventDefault(); const text = $('refer-text').value.trim(); if (text) submit('refer', text); };
}

start();
