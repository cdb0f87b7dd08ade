/*
 * The operator page's script (plain browser JS, no build step; served as /operator/operator.js).
 * Every sample interval it reads /operator/history.json (request rate and hit ratio per interval,
 * drawn with uPlot) and /status (cache and FastDFS now); the file box asks /operator/file?id= and
 * purges with POST /purge. Everything shown is set as text, never as HTML.
 */
/* global document, fetch, setTimeout, ResizeObserver, uPlot */
'use strict';

(() => {
  /** The two series' colours (a test looks for them in the chart's pixels). */
  const COLORS = { rate: '#2563eb', ratio: '#16a34a' };
  const CHART_HEIGHT = 260;
  /** Poll as often as the front samples, within these bounds. */
  const MIN_POLL_MS = 250;
  const MAX_POLL_MS = 5000;

  const $ = (id) => document.getElementById(id);
  let pollMs = MAX_POLL_MS;
  let plot;

  async function getJson(url, init) {
    const response = await fetch(url, { cache: 'no-store', ...init });
    const body = await response.json().catch(() => undefined);
    return { status: response.status, body };
  }

  function setState(element, state, text) {
    element.dataset.state = state;
    element.textContent = text;
  }

  function formatBytes(n) {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return `${i === 0 ? n : n.toFixed(n < 10 ? 2 : 1)} ${units[i]}`;
  }

  function percent(ratio) {
    return ratio === null || ratio === undefined ? '–' : `${(ratio * 100).toFixed(1)} %`;
  }

  function duration(seconds) {
    if (seconds < 120) return `${seconds} s`;
    if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
    if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
    return `${Math.round(seconds / 86400)} days`;
  }

  // ---- the chart ----

  function chartOptions(width) {
    return {
      width,
      height: CHART_HEIGHT,
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        rate: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
        // A little beyond 0..100, so that a line at 0 % or 100 % is not half clipped by the plot's edge.
        ratio: { range: [-2, 102] },
      },
      series: [
        {},
        {
          label: 'requests/s',
          scale: 'rate',
          stroke: COLORS.rate,
          width: 2,
          fill: 'rgba(37, 99, 235, 0.07)',
          value: (_u, v) => (v === null || v === undefined ? '–' : v.toFixed(1)),
        },
        {
          label: 'hit ratio',
          scale: 'ratio',
          stroke: COLORS.ratio,
          width: 2,
          value: (_u, v) => (v === null || v === undefined ? '–' : `${v.toFixed(1)} %`),
        },
      ],
      axes: [
        {},
        { scale: 'rate', label: 'requests/s', size: 60 },
        {
          scale: 'ratio',
          side: 1,
          label: 'hit ratio %',
          size: 60,
          grid: { show: false },
          splits: () => [0, 25, 50, 75, 100],
        },
      ],
    };
  }

  function drawChart(history) {
    const chart = $('chart');
    const data = [history.t, history.request_rate, history.hit_ratio.map((r) => (r === null ? null : r * 100))];
    if (plot === undefined) {
      plot = new uPlot(chartOptions(chart.clientWidth), data, chart);
      new ResizeObserver(() => plot.setSize({ width: chart.clientWidth, height: CHART_HEIGHT })).observe(chart);
    } else {
      plot.setData(data);
    }
    const n = history.t.length;
    chart.dataset.points = String(n);
    chart.dataset.ratioPoints = String(history.hit_ratio.filter((r) => r !== null).length);
    $('chart-empty').hidden = n >= 2;
    const span = duration(Math.round((history.capacity * history.interval_ms) / 1000));
    $('traffic-span').textContent = `the last ${span}, one point every ${history.interval_ms / 1000} s`;
    $('now-rate').textContent = n === 0 ? '–' : history.request_rate[n - 1].toFixed(1);
    $('now-ratio').textContent = n === 0 ? '–' : percent(history.hit_ratio[n - 1]);
    pollMs = Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, history.interval_ms));
  }

  // ---- cache and FastDFS, from /status ----

  function showStatus(status) {
    const c = status.cache;
    $('identity').textContent = `version ${status.version} · up ${duration(status.uptime_s)}`;
    $('ratio-since-start').textContent = `since start: ${percent(c.hit_ratio)} (${c.hits} hits, ${c.misses} misses)`;
    $('cache-bytes').textContent = formatBytes(c.bytes);
    $('cache-budget').textContent = `of ${formatBytes(c.max_bytes)}`;
    const meter = $('cache-meter');
    meter.max = c.max_bytes;
    meter.value = c.bytes;
    $('cache-entries').textContent = String(c.entries);
    $('cache-churn').textContent = `evicted ${c.evictions} · purged ${c.purged}`;
    setState($('redis-state'), c.redis, c.redis);
    showFastdfs(status.fastdfs);
  }

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className !== undefined) td.className = className;
    return td;
  }

  function pillCell(state) {
    const td = document.createElement('td');
    const pill = document.createElement('span');
    pill.className = 'pill';
    setState(pill, state, state);
    td.append(pill);
    return td;
  }

  function showFastdfs(fastdfs) {
    setState($('fastdfs-state'), fastdfs.state, fastdfs.state);
    $('fastdfs-checked').textContent =
      fastdfs.checked_at === null ? 'not listed yet' : `listed ${new Date(fastdfs.checked_at).toLocaleTimeString()}`;
    const rows = [];
    for (const cluster of fastdfs.clusters) {
      const trackers = cluster.trackers.map((t) => `${t.address} ${t.state}`).join(', ');
      if (cluster.groups.length === 0) {
        const row = document.createElement('tr');
        row.append(cell(`${cluster.hostid}`), cell(trackers), pillCell(cluster.state));
        const why = cell(cluster.error ?? 'no groups', 'error');
        why.colSpan = 4;
        row.append(why);
        rows.push(row);
        continue;
      }
      for (const group of cluster.groups) {
        for (const storage of group.storages) {
          const row = document.createElement('tr');
          row.dataset.group = group.name;
          row.dataset.storage = storage.id;
          row.dataset.status = storage.status;
          const disk =
            typeof storage.total_mb === 'number' && storage.total_mb > 0
              ? `${formatBytes(storage.free_mb * 1048576)} of ${formatBytes(storage.total_mb * 1048576)}`
              : '–';
          row.append(
            cell(`${cluster.hostid} (${cluster.state})`),
            cell(trackers),
            cell(group.name),
            cell(storage.id),
            cell(storage.address),
            pillCell(storage.status),
            cell(disk, 'number'),
          );
          rows.push(row);
        }
      }
    }
    $('fastdfs-table').tBodies[0].replaceChildren(...rows);
  }

  async function poll() {
    try {
      const [history, status] = await Promise.all([getJson('/operator/history.json'), getJson('/status')]);
      if (history.status !== 200) throw new Error(`history: HTTP ${history.status}`);
      if (status.status !== 200) throw new Error(`status: HTTP ${status.status}`);
      drawChart(history.body);
      showStatus(status.body);
      setState($('connection'), 'ok', `live · ${new Date().toLocaleTimeString()}`);
    } catch (err) {
      setState($('connection'), 'error', `no answer: ${err.message}`);
    } finally {
      setTimeout(poll, pollMs);
    }
  }

  // ---- the file box ----

  /** [label, key of /operator/file's answer, how to show it] */
  const FILE_FIELDS = [
    ['file id', 'file_id', String],
    ['group', 'group', String],
    ['store path', 'store_path', String],
    ['type', 'type', (v, f) => (f.trunk ? `${v} (in a trunk file)` : v)],
    ['stored first on', 'source_ip', (v, f) => (v === '' ? `storage id ${f.source_id}` : v)],
    ['created', 'created', (v, f) => `${v} (${f.create_timestamp})`],
    ['size', 'size', (v) => (v === null ? 'not in the id' : `${v} bytes (${formatBytes(v)})`)],
    ['crc32', 'crc32', (v) => (v === null ? 'not in the id' : v)],
    ['content type', 'content_type', String],
    ['cached here', 'cached', (v) => (v ? 'yes' : 'no')],
    ['download URL', 'download_url', String],
  ];

  let shownFile;

  function showFile(file) {
    const fields = $('file-fields');
    fields.replaceChildren();
    for (const [label, key, show] of FILE_FIELDS) {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.dataset.field = key;
      dd.textContent = show(file[key], file);
      fields.append(dt, dd);
    }
  }

  async function lookUp(event) {
    event.preventDefault();
    const id = $('file-id').value.trim();
    const error = $('file-error');
    const { status, body } = await getJson(`/operator/file?id=${encodeURIComponent(id)}`).catch((err) => ({
      status: 0,
      body: { message: err.message },
    }));
    if (status !== 200) {
      error.textContent = body?.message ?? `HTTP ${status}`;
      error.hidden = false;
      $('file-result').hidden = true;
      shownFile = undefined;
      return;
    }
    error.hidden = true;
    shownFile = body;
    showFile(body);
    const answer = $('purge-answer');
    answer.hidden = true;
    delete answer.dataset.status;
    const img = $('file-picture');
    delete img.dataset.loaded;
    $('file-picture-size').textContent = 'loading…';
    img.src = body.download_url;
    $('file-result').hidden = false;
  }

  /** Asks /operator/file again for the file shown, and shows the answer (its "cached here" line changes). */
  async function refreshFile() {
    if (shownFile === undefined) return;
    const again = await getJson(`/operator/file?id=${encodeURIComponent(shownFile.file_id)}`);
    if (again.status === 200 && again.body.file_id === shownFile.file_id) {
      shownFile = again.body;
      showFile(again.body);
    }
  }

  function pictureLoaded() {
    const img = $('file-picture');
    img.dataset.loaded = `${img.naturalWidth}x${img.naturalHeight}`;
    $('file-picture-size').textContent = `${img.naturalWidth} × ${img.naturalHeight} pixels`;
    // Loading it went through this front's cache: "cached here" is likely yes now.
    void refreshFile().catch(() => undefined);
  }

  function pictureFailed() {
    const img = $('file-picture');
    img.dataset.loaded = 'error';
    $('file-picture-size').textContent = 'this front could not serve it (see its download URL)';
  }

  async function purge() {
    if (shownFile === undefined) return;
    const button = $('purge');
    const answer = $('purge-answer');
    button.disabled = true;
    try {
      const { status, body } = await getJson('/purge', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify([shownFile.file_id]),
      });
      answer.textContent = `HTTP ${status}\n${JSON.stringify(body, null, 2)}`;
      answer.dataset.ok = String(status === 200);
      answer.dataset.status = String(status);
      // The file is asked again, not the picture: reloading it would cache it again.
      await refreshFile();
    } catch (err) {
      answer.textContent = `no answer: ${err.message}`;
      answer.dataset.ok = 'false';
      answer.dataset.status = '0';
    } finally {
      answer.hidden = false;
      button.disabled = false;
    }
  }

  $('file-form').addEventListener('submit', lookUp);
  $('file-picture').addEventListener('load', pictureLoaded);
  $('file-picture').addEventListener('error', pictureFailed);
  $('purge').addEventListener('click', purge);
  void poll();
})();
