/*
 * dsure web page logic (web/static/app.js), plain JavaScript with no library and no build step.
 *
 * What it does: keeps the API key in sessionStorage (never in the URL, never logged), builds the
 * grading and quote requests of DESIGN.md section 5 from the form, calls the JSON API of
 * `dsure serve` (section 8) with `Authorization: Bearer`, and renders what comes back: the
 * grading profile, the premium with its factor breakdown, the what-if savings (largest first),
 * the expected loss by coverage and the loss exceedance curve as an inline SVG drawn here. The
 * insurer view looks quotes, policies and claims up by id through the GET routes.
 *
 * Guarantees: every figure shown comes from the API response, unchanged except for formatting (the
 * page computes nothing actuarial). Text from the API or from uploaded files is inserted with
 * textContent only, never as HTML, so ids such as `<script>` or SQL strings are shown, not run.
 * An API error {"error": {"code", "message", "field"}} is shown next to the input whose
 * data-field names that field (or its closest named parent), and in the banner otherwise.
 */
'use strict';

(function () {
  const KEY_STORAGE = 'dsure.apiKey';

  /* OED v4 cyber coverage codes (DESIGN.md section 5), in the order the form lists them. */
  const COVERAGES = [
    ['INRE', 'Incident response'],
    ['NPBI', 'Business interruption'],
    ['CBI', 'Contingent business interruption'],
    ['DIAS', 'Digital asset restoration'],
    ['EXT', 'Extortion'],
    ['FIN', 'Financial fraud'],
    ['LIA', 'Liability'],
    ['REG', 'Regulatory fines and penalties'],
    ['ENO', 'Technology errors and omissions'],
  ];
  const COVERAGE_NAME = Object.fromEntries(COVERAGES);
  const WAITING_CODES = new Set(['NPBI', 'CBI']);
  const CONTROLS = ['mfa', 'encryption_at_rest', 'offline_backup', 'edr', 'dlp',
    'incident_response_plan'];
  const IMPACT_OBJECTS = [
    ['national_security', 'National security'],
    ['economic_operation', 'Economic operation'],
    ['social_order', 'Social order'],
    ['public_interest', 'Public interest'],
    ['organization', 'Organization'],
    ['individual', 'Individual'],
  ];
  const DEGREES = [['particularly_serious', 'Particularly serious'], ['serious', 'Serious'],
    ['general', 'General']];
  const GRADES = ['core', 'important', 'general'];
  const KINDS = ['exfiltration', 'ransomware', 'misuse', 'outage', 'loss'];

  /* The example of DESIGN.md section 5 (tests/data/quotes/design-example.json). */
  const EXAMPLE = {
    platform: { id: 'P-001', name: 'Demo Precision Motors', industry: 'C36',
      revenue: 800000000, employees: 1200 },
    maturity: { dsmm_level: 3 },
    controls: { mfa: true, encryption_at_rest: true, offline_backup: true, edr: false,
      dlp: false, incident_response_plan: true },
    assets: [
      { id: 'A1', name: 'process recipes', records: 200000,
        impacts: [{ object: 'economic_operation', degree: 'serious' }] },
      { id: 'A2', name: 'customer contacts', records: 1500000, grade: 'general',
        personal: true },
      { id: 'A3', name: 'grid telemetry', records: 50000,
        impacts: [{ object: 'national_security', degree: 'serious' }] },
    ],
    incidents: [{ date: '2025-03-02', kind: 'exfiltration', records: 12000, loss: 350000 }],
    history_years: 3,
    cover: {
      currency: 'CNY', period: { start: '2027-01-01', end: '2027-12-31' },
      retroactive_date: '2025-01-01', reporting_days: 90,
      coverages: [
        { code: 'INRE', sublimit: 2000000 },
        { code: 'NPBI', sublimit: 2000000, deductible: 10000, waiting_hours: 12 },
        { code: 'CBI', sublimit: 1000000, waiting_hours: 12 },
        { code: 'DIAS', sublimit: 1000000 },
        { code: 'EXT', sublimit: 1000000 },
        { code: 'FIN', sublimit: 500000 },
        { code: 'LIA', sublimit: 3000000 },
        { code: 'REG', sublimit: 2000000 },
        { code: 'ENO', sublimit: 2000000 },
      ],
      deductible: 50000,
      layer: { attachment: 0, limit: 10000000, participation: 1.0 },
      aggregate_limit: 10000000,
    },
    rating_plan: 'default',
    options: { sims: 100000, seed: 1, principle: 'cost_of_capital', what_if: true },
  };

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  /* Terms from an uploaded request that the form does not edit, sent back unchanged. */
  const state = { coverExtra: {}, ratingPlan: 'default', incidentSeq: 0, assetSeq: 0 };

  /* ------------------------------------------------------------------ DOM helpers */

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') node.textContent = v;
      else node.setAttribute(k, String(v));
    }
    for (const c of children.flat()) if (c) node.append(c);
    return node;
  }

  function select(options, value, attrs) {
    const s = el('select', attrs);
    for (const [v, label] of options) s.append(el('option', { value: v, text: label }));
    if (value !== undefined && value !== null) s.value = value;
    return s;
  }

  /* ------------------------------------------------------------------ formatting */

  const moneyFmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'CNY',
    currencyDisplay: 'code', minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const compactFmt = new Intl.NumberFormat('en-US', { notation: 'compact',
    maximumFractionDigits: 1 });

  function fmtMoney(v) {
    if (typeof v !== 'number' || !isFinite(v)) return '—';
    return moneyFmt.format(v).replace(/\u00a0/g, ' ');
  }
  function fmtInt(v) { return typeof v === 'number' ? intFmt.format(v) : '—'; }
  function fmtPct(v, digits) {
    if (typeof v !== 'number') return '—';
    return (v * 100).toFixed(digits === undefined ? 1 : digits) + '%';
  }
  function fmtNum(v) {
    if (typeof v !== 'number') return String(v);
    if (Number.isInteger(v)) return intFmt.format(v);
    return Number(v.toPrecision(4)).toString();
  }

  /* ------------------------------------------------------------------ API */

  class ApiError extends Error {
    constructor(status, body) {
      const e = (body && body.error) || {};
      super(e.message || ('HTTP ' + status));
      this.status = status;
      this.code = e.code || 'http_' + status;
      this.field = e.field || '';
    }
  }

  async function api(method, path, body) {
    const key = sessionStorage.getItem(KEY_STORAGE) || '';
    const headers = { Accept: 'application/json' };
    if (key) headers.Authorization = 'Bearer ' + key;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, { method, headers,
        body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiError(0, { error: { code: 'network',
        message: 'cannot reach the server (' + e.message + ')' } });
    }
    let data = null;
    const text = await res.text();
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (!res.ok) {
      if (!data || !data.error) data = { error: { message: 'HTTP ' + res.status + ' ' +
        res.statusText } };
      if (res.status === 401 && !data.error.field) {
        data.error.message += key ? ' (check the API key)' : ' (enter an API key above)';
        data.error.field = 'api-key';
      }
      throw new ApiError(res.status, data);
    }
    return data;
  }

  /* ------------------------------------------------------------------ errors */

  function clearErrors(scope) {
    for (const n of $$('.field-error', scope)) n.remove();
    for (const n of $$('[aria-invalid="true"]', scope)) {
      n.removeAttribute('aria-invalid');
      const ids = (n.getAttribute('aria-describedby') || '').split(/\s+/)
        .filter((id) => id && !id.startsWith('err-'));
      if (ids.length) n.setAttribute('aria-describedby', ids.join(' '));
      else n.removeAttribute('aria-describedby');
    }
    if (!scope || scope.contains($('#banner'))) hideBanner();
    if (!scope) hideBanner();
  }

  function showBanner(msg, kind) {
    const b = $('#banner');
    b.className = 'banner ' + (kind || 'error');
    b.textContent = msg;
    b.hidden = false;
  }
  function hideBanner() { $('#banner').hidden = true; }

  /* The element named by an error field: exact data-field match, else its parents in turn
   * ("assets[1].impacts[0].degree" -> "assets[1].impacts[0]" -> "assets[1]" -> "assets"). */
  function findFieldElement(field, scope) {
    let f = field;
    while (f) {
      const q = '[data-field~="' + f.replace(/["\\]/g, '\\$&') + '"]';
      const hit = $$(q, scope).find((n) => !n.closest('[hidden]'));
      if (hit) return hit;
      const cut = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
      f = cut > 0 ? f.slice(0, cut) : '';
    }
    return null;
  }

  let errSeq = 0;
  function showError(err, scope) {
    const field = err.field || '';
    const target = field ? (field === 'api-key' ? $('#api-key') : findFieldElement(field, scope))
      : null;
    const label = err.status ? ' (' + err.status + (err.code ? ' ' + err.code : '') + ')' : '';
    const path = field && field !== 'api-key' ? field : '';
    if (!target) { showBanner((path ? path + ': ' : '') + err.message + label); return; }
    /* Next to its input the message comes first; the request path follows, for API users. */
    const id = 'err-' + (++errSeq);
    const msg = el('p', { class: 'field-error', id, role: 'alert', 'data-status': err.status || '',
      'data-field-path': path }, err.message, path ? el('span', { class: 'err-path',
      text: ' (' + path + ')' }) : null);
    if (target.tagName === 'TABLE') target.closest('.table-scroll').after(msg);
    else if (target.tagName === 'TR') target.cells[target.cells.length - 1].append(msg);
    else if (target.tagName === 'FIELDSET') target.append(msg);
    else (target.closest('.field, td, fieldset') || target.parentNode).append(msg);
    target.setAttribute('aria-invalid', 'true');
    const d = target.getAttribute('aria-describedby');
    target.setAttribute('aria-describedby', (d ? d + ' ' : '') + id);
    if (typeof target.focus === 'function' && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) {
      target.focus();
    } else {
      msg.scrollIntoView({ block: 'center' });
    }
  }

  class FormError extends Error {
    constructor(field, message) { super(message); this.field = field; this.status = 0; }
  }

  /* A number typed into an input: thousands separators allowed; empty gives undefined. */
  function readNumber(input, opts) {
    const o = opts || {};
    const raw = (input.value || '').replace(/[,\s_]/g, '');
    const field = (input.dataset.field || input.id).split(' ')[0];
    if (raw === '') {
      if (o.required) throw new FormError(field, 'required');
      return undefined;
    }
    if (!/^-?\d+(\.\d+)?$/.test(raw)) throw new FormError(field, 'must be a number');
    const v = Number(raw);
    if (o.integer && !Number.isInteger(v)) throw new FormError(field, 'must be an integer');
    return v;
  }

  /* ------------------------------------------------------------------ API key */

  function refreshKeyStatus() {
    const key = sessionStorage.getItem(KEY_STORAGE);
    const s = $('#key-status');
    s.textContent = key ? 'Key set for this session' : 'No key';
    s.classList.toggle('ok', !!key);
  }

  function initKey() {
    $('#key-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = $('#api-key').value.trim();
      clearErrors($('#key-form'));
      if (v) sessionStorage.setItem(KEY_STORAGE, v);
      else sessionStorage.removeItem(KEY_STORAGE);
      $('#api-key').value = '';
      $('#api-key').placeholder = v ? '•••••••• (saved)' :
        'Paste the API key';
      refreshKeyStatus();
    });
    $('#key-forget').addEventListener('click', () => {
      sessionStorage.removeItem(KEY_STORAGE);
      $('#api-key').value = '';
      $('#api-key').placeholder = 'Paste the API key';
      refreshKeyStatus();
    });
    if (sessionStorage.getItem(KEY_STORAGE)) {
      $('#api-key').placeholder = '•••••••• (saved)';
    }
    refreshKeyStatus();
  }

  /* ------------------------------------------------------------------ tabs */

  function initTabs() {
    const tabs = $$('[role="tab"]');
    function activate(tab, focus) {
      for (const t of tabs) {
        const on = t === tab;
        t.setAttribute('aria-selected', on ? 'true' : 'false');
        t.tabIndex = on ? 0 : -1;
        document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
      }
      hideBanner();
      if (focus) tab.focus();
    }
    tabs.forEach((t, i) => {
      t.addEventListener('click', () => activate(t, false));
      t.addEventListener('keydown', (ev) => {
        let j = null;
        if (ev.key === 'ArrowRight') j = (i + 1) % tabs.length;
        else if (ev.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
        else if (ev.key === 'Home') j = 0;
        else if (ev.key === 'End') j = tabs.length - 1;
        if (j !== null) { ev.preventDefault(); activate(tabs[j], true); }
      });
    });
  }

  /* ------------------------------------------------------------------ assets editor */

  function impactRow(impact) {
    const obj = select(IMPACT_OBJECTS, impact && impact.object, { class: 'imp-object' });
    const deg = select(DEGREES, impact && impact.degree, { class: 'imp-degree' });
    const row = el('div', { class: 'impact' }, obj, el('span', { class: 'times',
      'aria-hidden': 'true', text: '×' }), deg);
    const rm = el('button', { type: 'button', class: 'icon-btn', text: '×',
      onclick: () => { const list = row.parentNode; row.remove(); renumberAssets(); list; } });
    row.append(rm);
    return row;
  }

  function addAsset(a) {
    const n = ++state.assetSeq;
    const asset = a || {};
    const tr = el('tr', { class: 'asset-row' });
    const id = el('input', { class: 'a-id', value: asset.id !== undefined ? asset.id : 'A' + n,
      'aria-label': 'Asset id', spellcheck: 'false' });
    const name = el('input', { class: 'a-name', value: asset.name || '',
      'aria-label': 'Asset name' });
    const records = el('input', { class: 'a-records num', inputmode: 'numeric',
      value: asset.records !== undefined ? fmtInt(asset.records) : '',
      'aria-label': 'Records' });
    const impacts = el('div', { class: 'impacts' });
    for (const im of asset.impacts || []) impacts.append(impactRow(im));
    const addImp = el('button', { type: 'button', class: 'link-btn', text: '+ impact',
      onclick: () => { impacts.append(impactRow()); renumberAssets();
        $$('select', impacts).slice(-2)[0].focus(); } });
    const grade = select([['', '(derived)']].concat(GRADES.map((g) => [g, g])),
      asset.grade || '', { class: 'a-grade', 'aria-label': 'Declared grade' });
    const personal = el('input', { type: 'checkbox', class: 'a-personal',
      'aria-label': 'Personal information' });
    personal.checked = !!asset.personal;
    const rm = el('button', { type: 'button', class: 'icon-btn', text: '×',
      onclick: () => { tr.remove(); renumberAssets(); } });
    tr.append(el('td', {}, id), el('td', {}, name), el('td', {}, records),
      el('td', {}, impacts, addImp), el('td', {}, grade),
      el('td', { class: 'center' }, personal), el('td', {}, rm));
    $('#assets-body').append(tr);
    renumberAssets();
    return tr;
  }

  /* data-field and accessible names follow the row's position, which is its index in the
   * request, so that an error such as assets[2].records lands on the right input. */
  function renumberAssets() {
    $$('#assets-body tr').forEach((tr, i) => {
      const p = 'assets[' + i + ']';
      tr.dataset.field = p;
      const idv = $('.a-id', tr).value || ('row ' + (i + 1));
      for (const [cls, key, label] of [['.a-id', 'id', 'Id'], ['.a-name', 'name', 'Name'],
        ['.a-records', 'records', 'Records'], ['.a-grade', 'grade', 'Declared grade'],
        ['.a-personal', 'personal', 'Personal information']]) {
        const n = $(cls, tr);
        n.dataset.field = p + '.' + key;
        n.setAttribute('aria-label', label + ' of asset ' + (i + 1));
      }
      $('.impacts', tr).dataset.field = p + '.impacts';
      $$('.impact', tr).forEach((imp, j) => {
        const q = p + '.impacts[' + j + ']';
        imp.dataset.field = q;
        $('.imp-object', imp).dataset.field = q + '.object';
        $('.imp-object', imp).setAttribute('aria-label',
          'Impact object ' + (j + 1) + ' of asset ' + idv);
        $('.imp-degree', imp).dataset.field = q + '.degree';
        $('.imp-degree', imp).setAttribute('aria-label',
          'Degree of harm ' + (j + 1) + ' of asset ' + idv);
        $('.icon-btn', imp).setAttribute('aria-label', 'Remove impact ' + (j + 1) +
          ' of asset ' + idv);
      });
      $('td:last-child .icon-btn', tr).setAttribute('aria-label', 'Remove asset ' + idv);
    });
  }

  function readAssets() {
    return $$('#assets-body tr').map((tr) => {
      const a = { id: $('.a-id', tr).value.trim() };
      const name = $('.a-name', tr).value.trim();
      if (name) a.name = name;
      const r = readNumber($('.a-records', tr), { required: true, integer: true });
      a.records = r;
      const imps = $$('.impact', tr).map((imp) => ({ object: $('.imp-object', imp).value,
        degree: $('.imp-degree', imp).value }));
      if (imps.length) a.impacts = imps;
      const g = $('.a-grade', tr).value;
      if (g) a.grade = g;
      if ($('.a-personal', tr).checked) a.personal = true;
      return a;
    });
  }

  /* ------------------------------------------------------------------ incidents editor */

  function addIncident(inc) {
    const x = inc || {};
    const tr = el('tr');
    const date = el('input', { type: 'date', class: 'i-date', value: x.date || '' });
    const kind = select(KINDS.map((k) => [k, k]), x.kind || 'exfiltration', { class: 'i-kind' });
    const records = el('input', { class: 'i-records num', inputmode: 'numeric',
      value: x.records !== undefined ? fmtInt(x.records) : '' });
    const loss = el('input', { class: 'i-loss num', inputmode: 'decimal',
      value: x.loss !== undefined ? fmtInt(x.loss) : '' });
    const rm = el('button', { type: 'button', class: 'icon-btn', text: '×',
      onclick: () => { tr.remove(); renumberIncidents(); } });
    tr.append(el('td', {}, date), el('td', {}, kind), el('td', {}, records), el('td', {}, loss),
      el('td', {}, rm));
    $('#incidents-body').append(tr);
    renumberIncidents();
  }

  function renumberIncidents() {
    const rows = $$('#incidents-body tr');
    $('#incidents-table').hidden = rows.length === 0;
    rows.forEach((tr, i) => {
      const p = 'incidents[' + i + ']';
      tr.dataset.field = p;
      for (const [cls, key, label] of [['.i-date', 'date', 'Date'], ['.i-kind', 'kind', 'Kind'],
        ['.i-records', 'records', 'Records compromised'], ['.i-loss', 'loss', 'Loss (CNY)']]) {
        $(cls, tr).dataset.field = p + '.' + key;
        $(cls, tr).setAttribute('aria-label', label + ' of incident ' + (i + 1));
      }
      $('.icon-btn', tr).setAttribute('aria-label', 'Remove incident ' + (i + 1));
    });
  }

  function readIncidents() {
    return $$('#incidents-body tr').map((tr) => {
      const x = { date: $('.i-date', tr).value, kind: $('.i-kind', tr).value };
      const r = readNumber($('.i-records', tr), { integer: true });
      if (r !== undefined) x.records = r;
      const l = readNumber($('.i-loss', tr));
      if (l !== undefined) x.loss = l;
      return x;
    });
  }

  /* ------------------------------------------------------------------ coverages editor */

  function buildCoverages() {
    const body = $('#coverages-body');
    for (const [code, name] of COVERAGES) {
      const box = el('input', { type: 'checkbox', class: 'cv-on', id: 'cv-on-' + code });
      const sub = el('input', { class: 'cv-sublimit num', inputmode: 'decimal',
        placeholder: 'no sublimit', 'aria-label': 'Sublimit of ' + name + ' (CNY)' });
      const ded = el('input', { class: 'cv-deductible num', inputmode: 'decimal',
        placeholder: 'none', 'aria-label': 'Deductible of ' + name + ' (CNY)' });
      const wait = WAITING_CODES.has(code)
        ? el('input', { class: 'cv-waiting num', inputmode: 'decimal',
          'aria-label': 'Waiting hours of ' + name })
        : el('span', { class: 'muted', text: '—' });
      const tr = el('tr', { 'data-code': code },
        el('td', {}, el('label', { for: 'cv-on-' + code, class: 'check' }, box,
          el('span', { class: 'code', text: code }), ' ' + name)),
        el('td', {}, sub), el('td', {}, ded), el('td', {}, wait));
      box.addEventListener('change', () => syncCoverageRow(tr));
      body.append(tr);
    }
  }

  function syncCoverageRow(tr) {
    const on = $('.cv-on', tr).checked;
    tr.classList.toggle('off', !on);
    for (const i of $$('input.num', tr)) i.disabled = !on;
  }

  function setCoverages(list) {
    const byCode = Object.fromEntries((list || []).map((c) => [c.code, c]));
    for (const tr of $$('#coverages-body tr')) {
      const c = byCode[tr.dataset.code];
      $('.cv-on', tr).checked = !!c;
      $('.cv-sublimit', tr).value = c && c.sublimit !== undefined ? fmtInt(c.sublimit) : '';
      $('.cv-deductible', tr).value = c && c.deductible !== undefined ? fmtInt(c.deductible) : '';
      const w = $('.cv-waiting', tr);
      if (w) w.value = c && c.waiting_hours !== undefined ? String(c.waiting_hours) : '';
      syncCoverageRow(tr);
    }
  }

  /* Only ticked coverages are sent; each one's data-field is its index in that list. */
  function readCoverages() {
    const out = [];
    for (const tr of $$('#coverages-body tr')) {
      const inputs = $$('input.num', tr);
      if (!$('.cv-on', tr).checked) {
        delete tr.dataset.field;
        for (const i of inputs) delete i.dataset.field;
        continue;
      }
      const p = 'cover.coverages[' + out.length + ']';
      tr.dataset.field = p;
      $('.cv-on', tr).dataset.field = p + '.code';
      $('.cv-sublimit', tr).dataset.field = p + '.sublimit';
      $('.cv-deductible', tr).dataset.field = p + '.deductible';
      const c = { code: tr.dataset.code };
      const s = readNumber($('.cv-sublimit', tr));
      if (s !== undefined) c.sublimit = s;
      const d = readNumber($('.cv-deductible', tr));
      if (d !== undefined) c.deductible = d;
      const w = $('.cv-waiting', tr);
      if (w) {
        w.dataset.field = p + '.waiting_hours';
        const h = readNumber(w);
        if (h !== undefined) c.waiting_hours = h;
      }
      out.push(c);
    }
    return out;
  }

  /* ------------------------------------------------------------------ form <-> request */

  function setValue(sel, v, money) {
    if (v === undefined || v === null) return;
    $(sel).value = money && typeof v === 'number' ? fmtInt(v) : String(v);
  }

  /* Fills the form from a grading request or a quote request (uploaded or the example). */
  function fillForm(req) {
    if (!req || typeof req !== 'object' || Array.isArray(req)) {
      throw new Error('the file must hold a JSON object with an "assets" list');
    }
    const p = req.platform || {};
    setValue('#p-id', p.id || req.platform_id);
    setValue('#p-name', p.name);
    setValue('#p-industry', p.industry);
    setValue('#p-revenue', p.revenue, true);
    setValue('#p-employees', p.employees, true);
    if (req.maturity && req.maturity.dsmm_level) setValue('#p-dsmm', req.maturity.dsmm_level);
    if (req.history_years !== undefined) setValue('#p-history', req.history_years);
    if (req.controls) {
      for (const c of CONTROLS) $('#c-' + c).checked = !!req.controls[c];
    }
    if (Array.isArray(req.assets)) {
      $('#assets-body').replaceChildren();
      state.assetSeq = 0;
      for (const a of req.assets) addAsset(a);
    }
    if (Array.isArray(req.incidents)) {
      $('#incidents-body').replaceChildren();
      for (const x of req.incidents) addIncident(x);
    }
    const cv = req.cover;
    if (cv) {
      if (cv.period) {
        setValue('#cv-start', cv.period.start);
        setValue('#cv-end', cv.period.end);
      }
      $('#cv-deductible').value = cv.deductible !== undefined ? fmtInt(cv.deductible) : '';
      const layer = cv.layer || {};
      $('#cv-attachment').value = layer.attachment !== undefined ? fmtInt(layer.attachment) : '';
      $('#cv-limit').value = layer.limit !== undefined ? fmtInt(layer.limit) : '';
      $('#cv-aggregate').value = cv.aggregate_limit !== undefined ? fmtInt(cv.aggregate_limit)
        : '';
      if (Array.isArray(cv.coverages)) setCoverages(cv.coverages);
      state.coverExtra = {};
      for (const k of ['retroactive_date', 'reporting_days']) {
        if (cv[k] !== undefined) state.coverExtra[k] = cv[k];
      }
      state.participation = layer.participation;
    }
    if (req.rating_plan) state.ratingPlan = req.rating_plan;
    const o = req.options;
    if (o) {
      if (o.sims) {
        const s = $('#o-sims');
        if (!$$('option', s).some((op) => op.value === String(o.sims))) {
          s.append(el('option', { value: o.sims, text: fmtInt(o.sims) }));
        }
        s.value = String(o.sims);
      }
      if (o.seed !== undefined) setValue('#o-seed', o.seed);
      if (o.principle) setValue('#o-principle', o.principle);
    }
  }

  function platformId() { return $('#p-id').value.trim(); }

  function gradeRequest() {
    return { platform_id: platformId(), assets: readAssets() };
  }

  function quoteRequest() {
    const platform = { id: platformId() };
    const name = $('#p-name').value.trim();
    if (name) platform.name = name;
    const ind = $('#p-industry').value.trim();
    if (ind) platform.industry = ind;
    platform.revenue = readNumber($('#p-revenue'), { required: true });
    const emp = readNumber($('#p-employees'), { integer: true });
    if (emp !== undefined) platform.employees = emp;
    const controls = {};
    for (const c of CONTROLS) controls[c] = $('#c-' + c).checked;
    const req = { platform, maturity: { dsmm_level: Number($('#p-dsmm').value) }, controls,
      assets: readAssets() };
    const incidents = readIncidents();
    if (incidents.length) req.incidents = incidents;
    const hy = readNumber($('#p-history'));
    if (hy !== undefined) req.history_years = hy;
    const cover = Object.assign({ currency: 'CNY',
      period: { start: $('#cv-start').value, end: $('#cv-end').value } }, state.coverExtra);
    cover.coverages = readCoverages();
    const ded = readNumber($('#cv-deductible'));
    if (ded !== undefined) cover.deductible = ded;
    const layer = {};
    const att = readNumber($('#cv-attachment'));
    if (att !== undefined) layer.attachment = att;
    const lim = readNumber($('#cv-limit'));
    if (lim !== undefined) layer.limit = lim;
    if (Object.keys(layer).length) {
      layer.participation = state.participation !== undefined ? state.participation : 1.0;
      cover.layer = layer;
    }
    const agg = readNumber($('#cv-aggregate'));
    if (agg !== undefined) cover.aggregate_limit = agg;
    req.cover = cover;
    req.rating_plan = state.ratingPlan;
    req.options = { sims: Number($('#o-sims').value),
      seed: readNumber($('#o-seed'), { integer: true }),
      principle: $('#o-principle').value, what_if: true };
    if (req.options.seed === undefined) delete req.options.seed;
    return req;
  }

  /* ------------------------------------------------------------------ busy buttons */

  async function withBusy(btn, busyEl, message, fn) {
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    busyEl.textContent = message;
    busyEl.classList.add('on');
    try {
      return await fn();
    } finally {
      btn.disabled = false;
      btn.removeAttribute('aria-busy');
      busyEl.textContent = '';
      busyEl.classList.remove('on');
    }
  }

  /* ------------------------------------------------------------------ grading profile */

  function gradeBadge(g) {
    return el('span', { class: 'grade grade-' + (GRADES.includes(g) ? g : 'none'),
      text: g || '—' });
  }

  function renderProfile(profile) {
    const box = $('#profile');
    const cards = $('#profile-grades');
    cards.replaceChildren();
    const byGrade = profile.by_grade || {};
    for (const g of GRADES) {
      const x = byGrade[g] || { assets: 0, records: 0, share: 0 };
      cards.append(el('div', { class: 'grade-card gc-' + g },
        el('div', { class: 'gc-top' }, gradeBadge(g),
          el('span', { class: 'gc-share', text: fmtPct(x.share) })),
        el('div', { class: 'bar', role: 'presentation' },
          el('span', { style: 'width:' + Math.min(100, Math.max(0, (x.share || 0) * 100)) +
            '%' })),
        el('p', { class: 'gc-num' }, el('strong', { text: fmtInt(x.records) }), ' records'),
        el('p', { class: 'gc-sub', text: fmtInt(x.assets) + (x.assets === 1 ? ' asset' :
          ' assets') })));
    }
    const tbody = $('#profile-table tbody');
    tbody.replaceChildren();
    for (const a of profile.assets || []) {
      const rule = el('td', { class: 'rule' }, a.rule || '');
      if (a.declared_below_rules) {
        rule.append(el('span', { class: 'warn', text: ' declared below the rules (derived ' +
          a.derived_grade + ')' }));
      }
      tbody.append(el('tr', {},
        el('td', { class: 'mono', text: a.id }), el('td', { text: a.name || '' }),
        el('td', { class: 'num', text: fmtInt(a.records) }),
        el('td', { text: a.personal ? 'yes' : 'no' }),
        el('td', {}, gradeBadge(a.grade)), rule));
    }
    tbody.append(el('tr', { class: 'total' }, el('th', { scope: 'row', colspan: 2,
      text: 'Total' }), el('td', { class: 'num', text: fmtInt(profile.total_records) }),
    el('td', { colspan: 3, class: 'muted', text: profile.standard || '' })));
    box.hidden = false;
  }

  /* ------------------------------------------------------------------ loss exceedance plot */

  /* Round up to 1, 2, 2.5 or 5 times a power of ten: axis ticks a reader can read. */
  function niceStep(span, ticks) {
    const raw = span / ticks;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * p) return m * p;
    return 10 * p;
  }

  /* Loss exceedance curve: return period on a log10 x axis, annual insured loss on y. */
  function epPlot(curve, currency, px) {
    const pts = (curve || []).filter((p) => p.return_period > 0 && isFinite(p.loss))
      .sort((a, b) => a.return_period - b.return_period);
    const W = 760, H = 340, m = { l: 84, r: 24, t: 20, b: 56 };
    const iw = W - m.l - m.r, ih = H - m.t - m.b;
    const root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'ep-plot', role: 'img',
      'aria-labelledby': px + 'ep-title ' + px + 'ep-desc',
      preserveAspectRatio: 'xMidYMid meet' });
    root.append(svg('title', { id: px + 'ep-title', text: 'Loss exceedance curve' }),
      svg('desc', { id: px + 'ep-desc', text: 'Annual insured loss exceeded once in each return ' +
        'period: ' + pts.map((p) => p.return_period + ' years ' + fmtMoney(p.loss))
        .join('; ') }));
    if (!pts.length) {
      root.append(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'axis-label',
        text: 'No curve in this quote' }));
      return root;
    }
    const lo = Math.floor(Math.log10(pts[0].return_period));
    let hi = Math.ceil(Math.log10(pts[pts.length - 1].return_period));
    if (hi === lo) hi = lo + 1;
    const maxLoss = Math.max(...pts.map((p) => p.loss));
    const step = maxLoss > 0 ? niceStep(maxLoss, 5) : 1;
    const yMax = maxLoss > 0 ? Math.ceil(maxLoss / step) * step : 5;
    const x = (rp) => m.l + (Math.log10(rp) - lo) / (hi - lo) * iw;
    const y = (v) => m.t + ih - v / yMax * ih;
    const grid = svg('g', { class: 'grid' });
    const axes = svg('g', { class: 'axes' });
    /* y ticks */
    for (let v = 0; v <= yMax + step / 2; v += step) {
      grid.append(svg('line', { x1: m.l, x2: m.l + iw, y1: y(v), y2: y(v) }));
      axes.append(svg('text', { x: m.l - 8, y: y(v) + 4, 'text-anchor': 'end', class: 'tick',
        text: v === 0 ? '0' : compactFmt.format(v) }));
    }
    /* x ticks at 1, 2, 5 per decade: the usual labels of return-period axes */
    for (let d = lo; d <= hi; d++) {
      for (const k of [1, 2, 5]) {
        const rp = k * Math.pow(10, d);
        const lg = Math.log10(rp);
        if (lg < lo - 1e-9 || lg > hi + 1e-9) continue;
        const major = k === 1;
        grid.append(svg('line', { x1: x(rp), x2: x(rp), y1: m.t, y2: m.t + ih,
          class: major ? 'major' : 'minor' }));
        axes.append(svg('line', { x1: x(rp), x2: x(rp), y1: m.t + ih, y2: m.t + ih + 5 }));
        axes.append(svg('text', { x: x(rp), y: m.t + ih + 20, 'text-anchor': 'middle',
          class: 'tick', text: intFmt.format(rp) }));
      }
    }
    axes.append(svg('line', { x1: m.l, x2: m.l + iw, y1: m.t + ih, y2: m.t + ih }));
    axes.append(svg('line', { x1: m.l, x2: m.l, y1: m.t, y2: m.t + ih }));
    axes.append(svg('text', { x: m.l + iw / 2, y: H - 10, 'text-anchor': 'middle',
      class: 'axis-label', text: 'Return period (years, log scale)' }));
    axes.append(svg('text', { x: 16, y: m.t + ih / 2, 'text-anchor': 'middle',
      class: 'axis-label', transform: 'rotate(-90 16 ' + (m.t + ih / 2) + ')',
      text: 'Annual insured loss (' + (currency || 'CNY') + ')' }));
    const coords = pts.map((p) => [x(p.return_period), y(p.loss)]);
    const line = coords.map((c, i) => (i ? 'L' : 'M') + c[0].toFixed(1) + ' ' + c[1].toFixed(1))
      .join(' ');
    const area = line + ' L' + coords[coords.length - 1][0].toFixed(1) + ' ' + (m.t + ih) +
      ' L' + coords[0][0].toFixed(1) + ' ' + (m.t + ih) + ' Z';
    const dots = svg('g', { class: 'dots' });
    for (let i = 0; i < pts.length; i++) {
      dots.append(svg('circle', { cx: coords[i][0].toFixed(1), cy: coords[i][1].toFixed(1),
        r: 4 }, svg('title', { text: '1 in ' + intFmt.format(pts[i].return_period) +
        ' years: ' + fmtMoney(pts[i].loss) })));
    }
    root.append(grid, svg('path', { class: 'ep-area', d: area }),
      svg('path', { class: 'ep-line', d: line, 'data-points': pts.length }), dots, axes);
    return root;
  }

  /* ------------------------------------------------------------------ quote rendering */

  function table(caption, head, rows, opts) {
    const o = opts || {};
    return el('div', { class: 'table-scroll' }, el('table', { class: 'data ' + (o.cls || '') },
      el('caption', { class: o.showCaption ? '' : 'visually-hidden', text: caption }),
      el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col',
        class: h.num ? 'num' : '', text: h.label || h })))),
      el('tbody', {}, rows)));
  }

  function factorValue(f) {
    if (f.applies_to === 'frequency' && /rate$|^credibility$/.test(f.factor)) {
      return f.factor === 'credibility' ? 'Z = ' + fmtNum(f.value) : fmtNum(f.value) + ' / yr';
    }
    return '× ' + fmtNum(f.value);
  }

  function tile(label, value, sub, attrs) {
    return el('div', Object.assign({ class: 'tile' }, attrs || {}),
      el('p', { class: 'tile-label', text: label }),
      el('p', { class: 'tile-value', text: value }),
      sub ? el('p', { class: 'tile-sub', text: sub }) : null);
  }

  /* px prefixes the ids, so that the platform's quote and the insurer's look-up can coexist. */
  function renderQuote(container, q, px) {
    const cur = q.currency || 'CNY';
    const parts = [['Expected loss', q.expected_loss, 'c-el'], ['Risk load', q.risk_load, 'c-rl'],
      ['Expenses and profit', q.expense_load, 'c-ex']];
    const sum = parts.reduce((s, p) => s + (p[1] > 0 ? p[1] : 0), 0) || 1;
    const plan = q.rating_plan ? q.rating_plan.name + ' ' + q.rating_plan.version : '';
    const head = el('div', { class: 'quote-head' },
      el('div', { class: 'premium-box' },
        el('p', { class: 'tile-label', text: 'Annual premium' }),
        el('p', { class: 'premium', id: px + 'premium', 'data-value': q.premium,
          text: fmtMoney(q.premium) }),
        el('p', { class: 'tile-sub' }, 'Quote ', el('span', { class: 'mono quote-id',
          id: px + 'quote-id', text: q.quote_id || '—' }),
        plan ? ' · rating plan ' + plan : '')),
      el('div', { class: 'composition' },
        el('div', { class: 'stack', role: 'img', 'aria-label': 'Premium composition: ' +
          parts.map((p) => p[0] + ' ' + fmtMoney(p[1])).join(', ') },
        parts.map((p) => el('span', { class: p[2], style: 'width:' +
          (Math.max(0, p[1]) / sum * 100).toFixed(2) + '%' }))),
        el('ul', { class: 'legend' }, parts.map((p) => el('li', {},
          el('span', { class: 'swatch ' + p[2], 'aria-hidden': 'true' }), p[0] + ' ',
          el('strong', { text: fmtMoney(p[1]) }))))));
    const fr = q.frequency || {};
    const ms = q.measures || {};
    const tiles = el('div', { class: 'tiles' },
      tile('Expected events a year', fmtNum(fr.rate), 'class rate ' + fmtNum(fr.class_rate) +
        ', credibility ' + fmtNum(fr.credibility)),
      tile('Probability of a claim', fmtPct(ms.prob_attach, 2), 'in a policy year'),
      tile('Probability of exhausting the limit', fmtPct(ms.prob_exhaust, 3)),
      tile('Simulated years', fmtInt(q.sims), 'seed ' + q.seed + ' · ' +
        String(q.principle || '').replace(/_/g, ' ')));

    /* What-if savings, largest first: what the platform gains by improving. */
    const wi = (q.what_if || []).slice().sort((a, b) => b.saving - a.saving);
    const wiRows = wi.map((w) => el('tr', {},
      el('td', { text: w.change }), el('td', { class: 'num', text: fmtMoney(w.premium) }),
      el('td', { class: 'num saving' + (w.saving < 0 ? ' neg' : ''),
        text: (w.saving >= 0 ? '−' : '+') + fmtMoney(Math.abs(w.saving)) }),
      el('td', { class: 'num', text: fmtPct(q.premium ? w.saving / q.premium : 0) }),
      el('td', { class: 'num', text: fmtMoney(w.expected_loss) })));
    const whatIf = el('section', { class: 'panel', 'aria-labelledby': px + 'h-whatif' },
      el('h3', { id: px + 'h-whatif', text: 'What would lower the premium' }),
      wi.length ? table('What-if premiums, largest saving first',
        ['Change', { label: 'Premium', num: true }, { label: 'Saving', num: true },
          { label: '%', num: true }, { label: 'Expected loss', num: true }], wiRows,
        { cls: 'whatif' })
        : el('p', { class: 'muted', text: 'No what-if scenarios in this quote.' }));

    const bc = q.by_coverage || [];
    const maxShare = Math.max(0.0001, ...bc.map((c) => c.share || 0));
    const bcRows = bc.slice().sort((a, b) => b.expected_loss - a.expected_loss).map((c) =>
      el('tr', {},
        el('td', {}, el('span', { class: 'code', text: c.code }), ' ' +
          (COVERAGE_NAME[c.code] || '')),
        el('td', { class: 'num', text: fmtMoney(c.expected_ground_up) }),
        el('td', { class: 'num', text: fmtMoney(c.expected_loss) }),
        el('td', {}, el('div', { class: 'share-cell' }, el('span', { class: 'mini-bar' },
          el('span', { style: 'width:' + ((c.share || 0) / maxShare * 100).toFixed(1) + '%' })),
        el('span', { class: 'num', text: fmtPct(c.share) })))));
    const byCov = el('section', { class: 'panel', 'aria-labelledby': px + 'h-bycov' },
      el('h3', { id: px + 'h-bycov', text: 'Expected loss by coverage' }),
      table('Expected annual loss by coverage', ['Coverage',
        { label: 'Ground-up', num: true }, { label: 'Insured', num: true }, 'Share'], bcRows,
      { cls: 'bycov' }));

    const ep = q.ep_curve || [];
    const epTable = el('details', { class: 'ep-data' }, el('summary', { text: 'Curve data' }),
      table('Loss exceedance curve', [{ label: 'Return period (years)', num: true },
        { label: 'Annual insured loss', num: true }],
      ep.map((p) => el('tr', {}, el('td', { class: 'num', text: fmtInt(p.return_period) }),
        el('td', { class: 'num', text: fmtMoney(p.loss) })))));
    const varRows = [el('tr', {}, el('td', { text: 'Mean (expected loss)' }),
      el('td', { class: 'num', text: fmtMoney(q.expected_loss) }))];
    for (const v of ms.var || []) {
      varRows.push(el('tr', {}, el('td', { text: 'VaR ' + fmtPct(v.p, 1) }),
        el('td', { class: 'num', text: fmtMoney(v.value) })));
    }
    for (const v of ms.tvar || []) {
      varRows.push(el('tr', {}, el('td', { text: 'TVaR ' + fmtPct(v.p, 1) }),
        el('td', { class: 'num', text: fmtMoney(v.value) })));
    }
    const plot = el('section', { class: 'panel plot-panel', 'aria-labelledby': px + 'h-ep' },
      el('h3', { id: px + 'h-ep', text: 'Loss exceedance curve' }),
      el('p', { class: 'help', text: 'The annual insured loss exceeded on average once in the ' +
        'return period (' + cur + ').' }),
      el('div', { class: 'plot-wrap' }, epPlot(ep, cur, px)), epTable);
    const risk = el('section', { class: 'panel', 'aria-labelledby': px + 'h-risk' },
      el('h3', { id: px + 'h-risk', text: 'Risk measures of the insured annual loss' }),
      table('Value at risk and tail value at risk', ['Measure', { label: cur, num: true }],
        varRows, { cls: 'measures' }));

    const fRows = (q.factors || []).map((f) => el('tr', {},
      el('td', { class: 'mono', text: f.factor }), el('td', { text: f.applies_to }),
      el('td', { class: 'num', text: factorValue(f) }), el('td', { class: 'basis',
        text: f.basis })));
    const factors = el('section', { class: 'panel', 'aria-labelledby': px + 'h-factors' },
      el('h3', { id: px + 'h-factors', text: 'Rating factors' }),
      table('Every rating factor with its value and basis', ['Factor', 'Applies to',
        { label: 'Value', num: true }, 'Basis'], fRows, { cls: 'factors' }));

    container.replaceChildren(head, tiles,
      el('div', { class: 'two-col plot-row' }, plot, risk),
      whatIf, byCov, factors);
  }

  /* ------------------------------------------------------------------ generic rendering */

  const MONEY_KEY = new RegExp('(premium|loss|paid|limit|deductible|sublimit|amount|attachment|' +
    'reserve|ground_up|verified|saving|_load|revenue|payout|claimed|allocated|payable)');
  const NOT_MONEY_KEY = /(prob|share|ratio|count|rate|records|hours|days|_at$|date|id$)/;

  function fmtValue(key, v) {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    if (typeof v === 'number') {
      if (MONEY_KEY.test(key) && !NOT_MONEY_KEY.test(key)) return fmtMoney(v);
      return fmtNum(v);
    }
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }

  function humanKey(k) {
    const t = String(k).replace(/_/g, ' ');
    return t.charAt(0).toUpperCase() + t.slice(1);
  }

  /* Any JSON object as readable HTML: scalars in a definition list, objects as sub-panels,
   * arrays of objects as tables. Used for policies and claims, whose shape the page does not
   * need to know. */
  function renderGeneric(obj, depth) {
    const d = depth || 0;
    const wrap = el('div', { class: 'generic depth-' + d });
    const dl = el('dl', { class: 'kv' });
    const nested = [];
    for (const [k, v] of Object.entries(obj || {})) {
      if (Array.isArray(v)) {
        if (v.length && v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
          const cols = [];
          for (const x of v) for (const c of Object.keys(x)) if (!cols.includes(c)) cols.push(c);
          const numeric = (c) => v.every((x) => x[c] === undefined || typeof x[c] === 'number');
          nested.push(el('section', { class: 'panel' }, el(d ? 'h4' : 'h3', { text: humanKey(k) }),
            table(humanKey(k), cols.map((c) => ({ label: humanKey(c), num: numeric(c) })),
              v.map((x) => el('tr', {},
              cols.map((c) => el('td', { class: numeric(c) ? 'num' : '',
                text: fmtValue(c, x[c]) })))))));
        } else {
          dl.append(el('dt', { text: humanKey(k) }), el('dd', { text: v.length ?
            v.map((x) => fmtValue(k, x)).join(', ') : '—' }));
        }
      } else if (v && typeof v === 'object') {
        nested.push(el('section', { class: 'panel' }, el(d ? 'h4' : 'h3', { text: humanKey(k) }),
          renderGeneric(v, d + 1)));
      } else if (typeof v === 'string' && v.includes('\n')) {
        dl.append(el('dt', { text: humanKey(k) }), el('dd', {}, el('pre', { class: 'mono-block',
          text: v })));
      } else if (k === 'status' && /^(approved|reduced|denied)$/.test(v)) {
        dl.append(el('dt', { text: humanKey(k) }), el('dd', { 'data-key': k },
          el('span', { class: 'status status-' + v, text: v })));
      } else {
        dl.append(el('dt', { text: humanKey(k) }), el('dd', { 'data-key': k,
          text: fmtValue(k, v) }));
      }
    }
    if (dl.children.length) wrap.append(dl);
    wrap.append(...nested);
    return wrap;
  }

  /* ------------------------------------------------------------------ actions */

  async function onGrade() {
    const scope = $('#view-platform');
    clearErrors();
    let req;
    try { req = gradeRequest(); } catch (e) { showError(e, scope); return; }
    await withBusy($('#grade-btn'), $('#grade-busy'), 'Grading…', async () => {
      try {
        renderProfile(await api('POST', '/v1/grade', req));
        $('#profile').scrollIntoView({ block: 'nearest' });
      } catch (e) {
        showError(e, scope);
      }
    });
  }

  async function onQuote() {
    const scope = $('#view-platform');
    clearErrors();
    let req;
    try { req = quoteRequest(); } catch (e) { showError(e, scope); return; }
    await withBusy($('#quote-btn'), $('#quote-busy'), 'Simulating ' +
      fmtInt(req.options.sims) + ' years…', async () => {
      try {
        const q = await api('POST', '/v1/quotes', req);
        const box = $('#quote-result');
        renderQuote($('.quote-view', box), q, 'q-');
        box.hidden = false;
        box.scrollIntoView({ block: 'start' });
      } catch (e) {
        showError(e, scope);
      }
    });
  }

  async function onLookup(ev) {
    ev.preventDefault();
    const scope = $('#view-insurer');
    clearErrors();
    const kind = $('#lk-kind').value;
    const id = $('#lk-id').value.trim();
    const out = $('#lookup-result');
    if (!id) { showError(new FormError('id', 'enter an id'), scope); return; }
    await withBusy($('#lookup-btn'), $('#lookup-busy'), 'Looking up…', async () => {
      try {
        const obj = await api('GET', '/v1/' + kind + '/' + encodeURIComponent(id));
        const title = { quotes: 'Quote', policies: 'Policy', claims: 'Claim' }[kind] + ' ' + id;
        const body = el('div', { class: 'quote-view' });
        out.replaceChildren(el('h2', { text: title }), body);
        if (obj && typeof obj.premium === 'number' && Array.isArray(obj.ep_curve)) {
          renderQuote(body, obj, 'lk-');
        } else {
          body.append(renderGeneric(obj));
        }
        out.append(el('details', { class: 'raw' }, el('summary', { text: 'Raw JSON' }),
          el('pre', { text: JSON.stringify(obj, null, 2) })));
        out.hidden = false;
      } catch (e) {
        out.hidden = true;
        if (e.status === 404) {
          e.field = 'id';
          e.message = 'no ' + kind.replace(/ies$/, 'y').replace(/s$/, '') + ' "' + id +
            '" visible to this key';
        }
        showError(e, scope);
      }
    });
  }

  function onUpload(ev) {
    const file = ev.target.files && ev.target.files[0];
    const status = $('#upload-status');
    clearErrors();
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => {
      try {
        fillForm(JSON.parse(String(reader.result)));
        status.textContent = 'Loaded ' + file.name + ' (' + $$('#assets-body tr').length +
          ' assets).';
        status.className = 'help ok';
      } catch (e) {
        status.textContent = '';
        showError(new FormError('upload', file.name + ': ' + e.message), $('#view-platform'));
      }
      ev.target.value = '';
    };
    reader.onerror = () => showError(new FormError('upload', 'cannot read ' + file.name));
    reader.readAsText(file);
  }

  function init() {
    initKey();
    initTabs();
    buildCoverages();
    setCoverages(EXAMPLE.cover.coverages);
    for (const c of ['mfa', 'encryption_at_rest']) $('#c-' + c).checked = true;
    addAsset();
    $('#add-asset').addEventListener('click', () => {
      const tr = addAsset({ records: 0 });
      $('.a-id', tr).focus();
    });
    $('#add-incident').addEventListener('click', () => {
      addIncident();
      $$('#incidents-body .i-date').slice(-1)[0].focus();
    });
    $('#load-example').addEventListener('click', () => {
      clearErrors();
      fillForm(EXAMPLE);
      $('#upload-status').textContent = 'Example loaded (DESIGN.md section 5).';
      $('#upload-status').className = 'help ok';
    });
    $('#upload').dataset.field = 'upload';
    $('#upload').addEventListener('change', onUpload);
    $('#grade-btn').addEventListener('click', onGrade);
    $('#quote-btn').addEventListener('click', onQuote);
    $('#lookup-form').addEventListener('submit', onLookup);
    renumberIncidents();
    document.body.dataset.ready = 'true';
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
