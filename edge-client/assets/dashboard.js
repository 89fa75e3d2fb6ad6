/* GridVeil edge dashboard. Plain ES2017, no modules; needs window.uPlot (vendor/uPlot.iife.min.js).
 * Fetches /api/public and /api/private, renders, refreshes every 5 s. */
(function () {
  'use strict';

  const URLS = ['/api/public', '/api/private'];
  const REFRESH_MS = 5000;
  const FETCH_TIMEOUT_MS = 4000;
  const CHART_HEIGHT = 220;
  const MIN_WIDTH = 320;
  const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

  // Amounts: u128 planck as decimal strings, shown in the chain's token with
  // at most 4 decimals. The symbol and decimals come from the chain
  // (/api/public `token`, the node's system_properties); until the node has
  // named them, amounts are shown in planck. BigInt only, no float before dividing.
  const ZERO = BigInt(0);
  const TEN = BigInt(10);
  const SHOWN_DECIMALS = 4;
  let token = { symbol: 'planck', decimals: 0 };

  function setToken(t) {
    token = t && typeof t.symbol === 'string' && Number.isInteger(t.decimals) && t.decimals >= 0
      ? t
      : { symbol: 'planck', decimals: 0 };
  }

  function shownDecimals() {
    return Math.min(SHOWN_DECIMALS, token.decimals);
  }

  function toPlanck(s) {
    if (typeof s === 'number' && Number.isSafeInteger(s)) return BigInt(s);
    if (typeof s !== 'string' || !/^-?\d+$/.test(s.trim())) return null;
    return BigInt(s.trim());
  }

  // Round to whole steps of 10^-shown tokens, half away from zero.
  function toSteps(p) {
    const perStep = TEN ** BigInt(token.decimals - shownDecimals());
    const neg = p < ZERO;
    const q = ((neg ? -p : p) + perStep / BigInt(2)) / perStep;
    return neg ? -q : q;
  }

  function fmtAmount(s) {
    const p = toPlanck(s);
    if (p === null) return s == null || s === '' ? '—' : String(s);
    const shown = shownDecimals();
    const stepsPerToken = TEN ** BigInt(shown);
    let q = toSteps(p);
    const neg = q < ZERO;
    if (neg) q = -q;
    const whole = (q / stepsPerToken).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    const frac = shown ? (q % stepsPerToken).toString().padStart(shown, '0').replace(/0+$/, '') : '';
    return (neg ? '−' : '') + whole + (frac ? '.' + frac : '') + ' ' + token.symbol;
  }

  // Tokens as a JS number for plotting (already rounded by BigInt division).
  function amountNumber(s) {
    const p = toPlanck(s);
    return p === null ? null : Number(toSteps(p)) / 10 ** shownDecimals();
  }

  function num(v) {
    return typeof v === 'number' && isFinite(v) ? v : null;
  }

  function arr(v) {
    return Array.isArray(v) ? v : [];
  }

  function fmtWh(v) {
    return v == null ? '—' : Math.round(v).toLocaleString('en-US') + ' Wh';
  }

  function short(s) {
    if (s == null) return '—';
    s = String(s);
    return s.length <= 16 ? s : s.slice(0, 8) + '…' + s.slice(-6);
  }

  function hhmm(slot) {
    const m = Math.round(slot) * 15;
    return String(Math.floor(m / 60) % 24).padStart(2, '0') + ':' + String(m % 60).padStart(2, '0');
  }

  function fmtTime(ms) {
    return num(ms) == null ? '—' : new Date(ms).toLocaleString();
  }

  function fmtDuration(ms) {
    if (num(ms) == null) return '—';
    if (ms < 1000) return ms + ' ms';
    if (ms < 120000) return +(ms / 1000).toFixed(1) + ' s';
    if (ms < 7200000) return +(ms / 60000).toFixed(1) + ' min';
    return +(ms / 3600000).toFixed(1) + ' h';
  }

  // Tiny DOM builder; text always goes through textContent / text nodes.
  function el(tag, attrs, children) {
    const n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      const v = attrs[k];
      if (v == null) return;
      if (k === 'class') n.className = v;
      else if (k === 'text') n.textContent = v;
      else n.setAttribute(k, v);
    });
    (children || []).forEach(function (c) {
      if (c != null) n.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return n;
  }

  function table(headers, rows) {
    return el('div', { class: 'table-wrap' }, [
      el('table', {}, [
        el('thead', {}, [el('tr', {}, headers.map(function (h) { return el('th', { text: h }); }))]),
        el('tbody', {}, rows.map(function (r) {
          return el('tr', {}, r.map(function (c) {
            return c instanceof Node ? el('td', {}, [c]) : el('td', { text: String(c) });
          }));
        })),
      ]),
    ]);
  }

  function code(text, title, cls) {
    return el('code', { class: cls || null, title: title || null, text: text });
  }

  function empty(text) {
    return el('p', { class: 'empty', text: text });
  }

  // ---------- charts ----------

  // Always include 0 on the y axis; nice rounded bounds.
  function yRange(u, min, max) {
    if (min == null || max == null) return [0, 1];
    let lo = Math.min(0, min);
    let hi = Math.max(0, max);
    if (lo === hi) hi = lo + 1;
    const r = uPlot.rangeNum(lo, hi, 0.1, true);
    return [lo < 0 ? r[0] : 0, hi > 0 ? r[1] : 0];
  }

  function drawZeroLine(u) {
    const y = Math.round(u.valToPos(0, 'y', true)) + 0.5;
    const b = u.bbox;
    if (y < b.top || y > b.top + b.height) return;
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = '#9ca3af';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(b.left, y);
    ctx.lineTo(b.left + b.width, y);
    ctx.stroke();
    ctx.restore();
  }

  // A chart job is created while building DOM and drawn once the DOM is attached
  // (so the container has a real clientWidth).
  // cfg: { title, xs, xRange:[lo,hi], xLabel, xTick(v), xIncrs, yLabel,
  //        series:[{ label, values, color, bars, align, size, dash, width, spanGaps, fmt(v, idx) }] }
  function chartBox(jobs, cfg) {
    const box = el('div', { class: 'chart' });
    jobs.push({ box: box, cfg: cfg });
    return box;
  }

  function drawChart(job) {
    const cfg = job.cfg;
    const width = Math.max(MIN_WIDTH, job.box.clientWidth);
    const xTick = cfg.xTick || String;
    const series = [{ label: cfg.xLabel, value: function (u, v) { return v == null ? '—' : xTick(v); } }];
    cfg.series.forEach(function (s) {
      series.push({
        label: s.label,
        stroke: s.color,
        width: s.width || (s.bars ? 1 : 2),
        dash: s.dash,
        fill: s.bars ? s.color + 'b3' : undefined,
        paths: s.bars ? uPlot.paths.bars({ size: [s.size || 0.6, 80], align: s.align || 0 }) : undefined,
        points: { show: !s.bars, size: 5 },
        spanGaps: !!s.spanGaps,
        value: function (u, v, si, idx) {
          if (v == null) return '—';
          return s.fmt ? s.fmt(v, idx) : String(v);
        },
      });
    });
    const opts = {
      title: cfg.title,
      width: width,
      height: CHART_HEIGHT,
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false, range: function () { return cfg.xRange; } },
        y: { range: yRange },
      },
      axes: [
        {
          label: cfg.xLabel,
          incrs: cfg.xIncrs || [1, 2, 5, 10, 20, 50, 100],
          values: function (u, splits) { return splits.map(xTick); },
        },
        { label: cfg.yLabel, size: 64 },
      ],
      series: series,
      hooks: { drawAxes: [drawZeroLine] },
    };
    const data = [cfg.xs].concat(cfg.series.map(function (s) { return s.values; }));
    return new uPlot(opts, data, job.box);
  }

  function range(n) {
    const out = [];
    for (let i = 0; i < n; i++) out.push(i);
    return out;
  }

  // ---------- public view ----------

  function kv(label, value, cls) {
    return el('div', { class: 'kv' }, [el('span', { class: 'k', text: label }), el('span', { class: 'v ' + (cls || ''), text: value })]);
  }

  function renderStatus(pub) {
    const node = pub.node || {};
    const ob = pub.outbox || {};
    const connected = node.connected === true;
    return el('div', { class: 'cards' }, [
      el('div', { class: 'card small' }, [
        el('h3', { text: 'Node' }),
        kv('status', connected ? 'connected' : 'disconnected', connected ? 'ok' : 'bad'),
        kv('best block', num(node.best_block) == null ? '—' : '#' + node.best_block),
        kv('finalized block', num(node.finalized_block) == null ? '—' : '#' + node.finalized_block),
      ]),
      el('div', { class: 'card small' }, [
        el('h3', { text: 'Outbox' }),
        kv('pending', String(num(ob.pending) == null ? '—' : ob.pending)),
        kv('in flight', String(num(ob.in_flight) == null ? '—' : ob.in_flight)),
        kv('retired', String(num(ob.retired) == null ? '—' : ob.retired)),
        kv('expired', String(num(ob.expired) == null ? '—' : ob.expired), ob.expired > 0 ? 'bad' : ''),
      ]),
    ]);
  }

  function renderPublicProgram(p, jobs) {
    const reg = arr(p.registered).filter(function (r) { return r && num(r.hour) != null && r.hour >= 0; })
      .slice().sort(function (a, b) { return a.hour - b.hour; });
    let hours = num(p.hours) != null && p.hours > 0 ? p.hours : 0;
    reg.forEach(function (r) { hours = Math.max(hours, r.hour + 1); });
    hours = Math.max(hours, 1);

    // Escrow at hour boundaries: x = 0 is the start of hour 0 (the reward), x = h+1 is after hour h.
    const escrowStr = new Array(hours + 1).fill(null);
    escrowStr[0] = p.reward;
    const deviation = new Array(hours).fill(null);
    reg.forEach(function (r) {
      escrowStr[r.hour + 1] = r.escrow_after;
      deviation[r.hour] = num(r.deviation_wh);
    });
    const escrow = escrowStr.map(function (s) { return s == null ? null : amountNumber(s); });

    const rows = reg.map(function (r) {
      return [
        String(r.hour),
        fmtWh(num(r.deviation_wh)),
        fmtAmount(r.penalty),
        code(short(r.fingerprint), r.fingerprint),
        r.transaction ? code(short(r.transaction), r.transaction) : el('span', { class: 'muted', text: 'unknown' }),
      ];
    });

    return el('div', { class: 'card program' }, [
      el('h3', {}, ['Program #' + p.program_id + ' ', el('span', { class: 'badge status-' + String(p.status).toLowerCase(), text: String(p.status) })]),
      el('div', { class: 'meta' }, [
        kv('start', fmtTime(p.start_ms)),
        kv('hour length', fmtDuration(p.hour_length_ms)),
        kv('hours', String(num(p.hours) == null ? '—' : p.hours)),
        kv('reward', fmtAmount(p.reward)),
        kv('escrow', fmtAmount(p.escrow)),
      ]),
      el('div', { class: 'charts' }, [
        chartBox(jobs, {
          title: 'Escrow balance (' + token.symbol + ')',
          xs: range(hours + 1),
          xRange: [0, hours],
          xLabel: 'hours elapsed',
          yLabel: token.symbol,
          series: [{
            label: 'escrow', values: escrow, color: COLORS[0], spanGaps: true,
            fmt: function (v, idx) { return idx != null && escrowStr[idx] != null ? fmtAmount(escrowStr[idx]) : v.toFixed(shownDecimals()) + ' ' + token.symbol; },
          }],
        }),
        chartBox(jobs, {
          title: 'Registered deviation per hour (Wh)',
          xs: range(hours),
          xRange: [-0.5, hours - 0.5],
          xLabel: 'hour',
          yLabel: 'Wh',
          series: [{ label: 'deviation', values: deviation, color: COLORS[3], bars: true, fmt: fmtWh }],
        }),
      ]),
      rows.length ? table(['hour', 'deviation', 'penalty', 'fingerprint', 'transaction'], rows) : empty('no hours registered yet'),
    ]);
  }

  function renderPublic(pub, jobs) {
    if (!pub) return [empty('public data unavailable')];
    if (pub.token) setToken(pub.token);
    const programs = arr(pub.programs).filter(Boolean);
    return [
      renderStatus(pub),
      el('h3', { class: 'group', text: 'Demand-response programs' }),
    ].concat(programs.length ? programs.map(function (p) { return renderPublicProgram(p, jobs); }) : [empty('no programs yet')]);
  }

  // ---------- private view ----------

  function renderPrivateProgram(p, jobs) {
    const req = arr(p.requested_wh).map(num);
    const act = arr(p.actual_wh).map(num);
    const n = Math.max(req.length, act.length);
    while (req.length < n) req.push(null);
    while (act.length < n) act.push(null);
    let sumReq = 0, sumAct = 0, done = 0;
    for (let i = 0; i < n; i++) {
      if (act[i] != null) { done++; sumAct += act[i]; sumReq += req[i] || 0; }
    }
    const ALARMS = {
      readings_mismatch: 'the stored readings do not give the fingerprint the meter signed',
      no_start_attestation: 'the meter did not sign the start of the hour',
    };
    const alarms = arr(p.alarms).filter(Boolean).map(function (a) {
      return el('div', { class: 'banner', role: 'alert',
        text: 'Alarm, hour ' + a.hour + ': ' + (ALARMS[a.alarm] || a.alarm) + '. The hour is not proven and stays missing.' });
    });
    return el('div', { class: 'card program' }, alarms.concat([
      el('h3', { text: 'Program #' + p.program_id }),
      el('div', { class: 'meta' }, [
        kv('completed hours', done + ' / ' + n),
        kv('requested (completed hours)', fmtWh(sumReq)),
        kv('actual (completed hours)', fmtWh(sumAct)),
      ]),
      n ? chartBox(jobs, {
        title: 'Requested vs actual energy per hour (Wh)',
        xs: range(n),
        xRange: [-0.5, n - 0.5],
        xLabel: 'hour',
        xIncrs: [1, 2, 3, 4, 6, 12, 24, 48],
        yLabel: 'Wh',
        series: [
          { label: 'requested', values: req, color: COLORS[0], bars: true, size: 0.4, align: -1, fmt: fmtWh },
          { label: 'actual', values: act, color: COLORS[2], bars: true, size: 0.4, align: 1, fmt: fmtWh },
        ],
      }) : empty('no hourly data'),
    ]));
  }

  function renderTrading(t, jobs) {
    if (!t || t.day == null) return el('div', { class: 'card' }, [el('h3', { text: 'Trading' }), empty('no trading day')]);
    const pseudonyms = arr(t.pseudonyms);
    const slots = arr(t.slots).filter(function (s) { return s && num(s.slot_of_day) != null; })
      .slice().sort(function (a, b) { return a.slot_of_day - b.slot_of_day; });
    const accounts = arr(t.accounts).filter(Boolean);
    const xs = slots.map(function (s) { return s.slot_of_day; });
    const series = [{ label: 'net', values: slots.map(function (s) { return num(s.net_wh); }), color: '#111827', width: 3, fmt: fmtWh }];
    pseudonyms.forEach(function (ps, i) {
      series.push({
        label: short(ps), color: COLORS[i % COLORS.length], dash: [6, 4], fmt: fmtWh,
        values: slots.map(function (s) { return num(arr(s.shares_wh)[i]); }),
      });
    });
    const lo = xs.length ? xs[0] : 0;
    const hi = xs.length ? xs[xs.length - 1] : 0;
    const rows = accounts.map(function (a) {
      const mine = pseudonyms.indexOf(a.account) >= 0;
      return [code(short(a.account), a.account), fmtAmount(a.debt), fmtAmount(a.credit), mine ? 'yes' : ''];
    });
    return el('div', { class: 'card' }, [
      el('h3', { text: 'Trading today (day ' + t.day + ')' }),
      el('div', { class: 'meta' }, [
        kv('pseudonyms', String(pseudonyms.length)),
        kv('slots', String(slots.length)),
        kv('shares included', String(slots.reduce(function (acc, s) { return acc + (num(s.included) || 0); }, 0))),
      ]),
      slots.length ? chartBox(jobs, {
        title: '15-minute slots: net and pseudonym shares (Wh)',
        xs: xs,
        xRange: lo === hi ? [lo - 1, hi + 1] : [lo, hi],
        xLabel: 'slot (time of day)',
        xTick: hhmm,
        xIncrs: [1, 2, 4, 8, 12, 16, 24, 32, 48],
        yLabel: 'Wh',
        series: series,
      }) : empty('no slots yet today'),
      el('h4', { text: 'Debts and credits' }),
      rows.length ? table(['account', 'debt', 'credit', 'our pseudonym'], rows) : empty('no accounts'),
    ]);
  }

  function renderPrivate(priv, jobs) {
    if (!priv) return [empty('private data unavailable')];
    const programs = arr(priv.programs).filter(Boolean);
    return [el('h3', { class: 'group', text: 'Demand-response programs' })]
      .concat(programs.length ? programs.map(function (p) { return renderPrivateProgram(p, jobs); }) : [empty('no programs yet')])
      .concat([el('h3', { class: 'group', text: 'Trading' }), renderTrading(priv.trading, jobs)]);
  }

  // ---------- main loop ----------

  const state = { pub: null, priv: null, charts: [], errors: [], updated: null };

  function setError(msg) {
    const banner = document.getElementById('error');
    if (msg) {
      document.body.dataset.error = msg;
      banner.textContent = msg;
      banner.hidden = false;
    } else {
      delete document.body.dataset.error;
      banner.textContent = '';
      banner.hidden = true;
    }
  }

  function fill(id, nodes) {
    const root = document.getElementById(id);
    root.textContent = '';
    nodes.forEach(function (n) { root.appendChild(n); });
  }

  function render() {
    state.charts.forEach(function (c) { c.destroy(); });
    state.charts = [];
    const errors = state.errors.slice();
    try {
      if (typeof uPlot !== 'function') throw new Error('uPlot did not load (/assets/vendor/uPlot.iife.min.js)');
      const jobs = [];
      fill('public-body', renderPublic(state.pub, jobs));
      fill('private-body', renderPrivate(state.priv, jobs));
      jobs.forEach(function (j) { state.charts.push(drawChart(j)); });
    } catch (e) {
      errors.push('render: ' + (e && e.message ? e.message : e));
    }
    document.getElementById('updated').textContent = state.updated
      ? 'updated ' + state.updated.toLocaleTimeString() + (state.pub && num(state.pub.now_ms) != null ? ' · daemon clock ' + fmtTime(state.pub.now_ms) : '')
      : 'not updated yet';
    setError(errors.join(' · '));
    document.body.dataset.charts = String(state.charts.length);
    document.body.dataset.rendered = 'true';
  }

  async function fetchJSON(url) {
    const ctl = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = ctl ? setTimeout(function () { ctl.abort(); }, FETCH_TIMEOUT_MS) : null;
    try {
      const res = await fetch(url, { cache: 'no-store', headers: { Accept: 'application/json' }, signal: ctl ? ctl.signal : undefined });
      if (!res.ok) throw new Error('HTTP ' + res.status + (res.statusText ? ' ' + res.statusText : ''));
      return await res.json();
    } catch (e) {
      throw new Error(url + ': ' + (e && e.name === 'AbortError' ? 'timed out' : (e && e.message) || e));
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  async function refresh() {
    const results = await Promise.all(URLS.map(function (u) {
      return fetchJSON(u).then(function (d) { return { data: d }; }, function (e) { return { error: e.message }; });
    }));
    state.errors = results.filter(function (r) { return r.error; }).map(function (r) { return r.error; });
    if (!results[0].error) state.pub = results[0].data;
    if (!results[1].error) state.priv = results[1].data;
    if (state.errors.length < results.length) state.updated = new Date();
    render();
  }

  function loop() {
    refresh().catch(function (e) { setError(String(e && e.message ? e.message : e)); })
      .then(function () { setTimeout(loop, REFRESH_MS); });
  }

  let resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { if (document.body.dataset.rendered) render(); }, 250);
  });

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', loop);
  else loop();
})();
