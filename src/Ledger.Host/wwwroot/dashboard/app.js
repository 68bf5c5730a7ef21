// The Ledger dashboard: plain JavaScript over the node's public API. Every figure comes from an API
// answer read with the signed-in token, so the page shows a role exactly what the API lets it see;
// a refusal is shown as the API's problem (status, rule, detail). Nothing is built or fetched from
// elsewhere. Text from answers goes into the page as text (textContent), never as markup.
"use strict";

(() => {
  const TOKEN_KEY = "ledger.token";
  const POLL_MS = 1000;
  const $ = (id) => document.getElementById(id);
  const money = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const count = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const percent = new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });

  const state = {
    role: null, // operator, risk (from /v1/day), or "other" (occ or a participant: /v1/day refused)
    page: null,
    day: null,
    chart: null,
    account: null, // participant id shown on the Account page
    replaying: false,
    timer: null,
    hubServed: false,
  };

  // ---- the API ----

  async function api(method, path, body) {
    const headers = { Authorization: "Bearer " + sessionStorage.getItem(TOKEN_KEY) };
    const init = { method, headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      return { ok: false, status: 0, problem: { rule: "network", detail: "the node did not answer: " + e.message } };
    }
    const type = response.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await response.json().catch(() => null) : await response.text();
    if (response.ok) return { ok: true, status: response.status, data };
    const problem = data && typeof data === "object" ? data : { rule: "http", detail: String(data || response.statusText) };
    return { ok: false, status: response.status, problem };
  }

  /** Whether the node serves the route at all: an unmapped route is answered 404 with rule route-known. */
  const notServed = (r) => !r.ok && r.status === 404 && r.problem && r.problem.rule === "route-known";

  function showProblem(el, r) {
    const p = r.problem || {};
    el.textContent = `${r.status || ""} ${p.rule || ""}${p.field ? " (" + p.field + ")" : ""}: ${p.detail || p.title || "refused"}`.trim();
    el.dataset.status = String(r.status);
    el.dataset.rule = p.rule || "";
    el.hidden = false;
  }

  function hideProblem(el) {
    el.hidden = true;
    el.textContent = "";
  }

  // ---- small DOM helpers ----

  function cell(row, text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }

  function doLink(row, id) {
    const td = document.createElement("td");
    const a = document.createElement("a");
    a.href = "#do=" + encodeURIComponent(id);
    a.textContent = id;
    td.appendChild(a);
    row.appendChild(td);
  }

  /**
   * Redraws a table only when its rows changed: a live page that replaced every row each second
   * would lose a reader's place, a selection and the focus on a link.
   */
  const drawn = new WeakMap();
  function fillTable(table, rows, fill, empty) {
    const signature = JSON.stringify(rows);
    if (drawn.get(table) === signature) return;
    drawn.set(table, signature);
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const item of rows) {
      const tr = document.createElement("tr");
      fill(tr, item);
      body.appendChild(tr);
    }
    if (rows.length === 0) {
      const tr = document.createElement("tr");
      const td = cell(tr, empty, "empty");
      td.colSpan = table.tHead.rows[0].cells.length;
      body.appendChild(tr);
    }
  }

  /** A UTC time to the second, as "2026-12-07 20:10:00Z". */
  const utc = (t) => new Date(t).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");

  const dollars = (v) => (v === null || v === undefined ? "-" : money.format(v));

  function setField(id, text) {
    const el = $(id);
    if (el.textContent !== text) el.textContent = text;
  }

  // ---- signing in ----

  async function signIn(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    const day = await api("GET", "/v1/day");
    if (!day.ok && day.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      showProblem($("sign-in-problem"), day);
      return;
    }
    hideProblem($("sign-in-problem"));
    state.role = day.ok ? day.data.caller : "other";
    $("sign-in").hidden = true;
    $("nav").hidden = false;
    $("who").hidden = false;
    $("who-text").textContent = day.ok ? "signed in as " + day.data.caller : "signed in";
    $("nav-day").hidden = !day.ok;
    probeHub();
    if (!location.hash || (location.hash === "#day" && !day.ok)) location.hash = day.ok ? "#day" : "#account";
    route();
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    location.hash = "";
    location.reload();
  }

  async function probeHub() {
    // A well-formed control number no mailbox has allocated: a node serving the hub answers 404
    // control-number-known (403 to a participant), one that does not serve it 404 route-known.
    const r = await api("GET", "/v1/recall-hub/messages/0000000000000001/trace");
    state.hubServed = !notServed(r);
    $("nav-recall-hub").hidden = !state.hubServed;
  }

  // ---- pages and polling ----

  function route() {
    if (!sessionStorage.getItem(TOKEN_KEY)) return;
    const hash = decodeURIComponent(location.hash.slice(1));
    const [page, arg] = hash.includes("=") ? hash.split(/=(.*)/s) : [hash || "day", ""];
    const known = { day: "day", account: "account", do: "deliver-order", hub: "recall-hub" };
    const name = known[page] || "day";
    show(name);
    if (name === "account" && arg) {
      $("account-id").value = arg;
      openAccount(arg);
    }
    if (name === "deliver-order" && arg) {
      $("do-id").value = arg;
      explain(arg);
    }
  }

  function show(name) {
    state.page = name;
    for (const section of document.querySelectorAll(".page")) section.hidden = section.id !== "page-" + name;
    for (const button of document.querySelectorAll("#nav button")) {
      if (button.dataset.page === name) button.setAttribute("aria-current", "page");
      else button.removeAttribute("aria-current");
    }
    clearInterval(state.timer);
    state.timer = setInterval(tick, POLL_MS);
    tick();
  }

  function tick() {
    if (state.page === "day") refreshDay();
    else if (state.page === "account" && state.account && !state.replaying) refreshAccount(state.account);
  }

  // ---- Day ----

  async function refreshDay() {
    const r = await api("GET", "/v1/day");
    if (state.page !== "day") return;
    if (!r.ok) {
      showProblem($("day-problem"), r);
      return;
    }
    hideProblem($("day-problem"));
    const d = r.data;
    state.day = d;
    setField("day-date", d.businessDate);
    renderCutoff();
    setField("day-occ", d.occFlat === null ? "no central counterparty" : d.occFlat ? "flat" : "not flat");
    $("day-occ").dataset.flat = String(d.occFlat);
    const occDetail = d.centralCounterparties.map((c) => `${c.participant}: balance ${dollars(c.settlementBalance)}, ${count.format(c.sharesHeld)} sh, ${c.pending} pending`).join("; ");
    $("day-occ").title = occDetail;
    setField("day-pending-total", count.format(d.pendingTotal));
    const lat = d.journalWriteLatency;
    setField("day-latency-window", lat ? String(lat.windowSeconds) : "-");
    setField("day-latency", !lat ? "not measured on this node"
      : lat.writes === 0 ? "no writes"
      : `p50 ${lat.p50Ms} ms, p99 ${lat.p99Ms} ms, max ${lat.maxMs} ms (${count.format(lat.writes)} writes)`);
    const orders = d.deliverOrders;
    setField("day-accepted-total", orders ? count.format(orders.acceptedTotal) : "-");
    setField("day-completed-total", orders ? count.format(orders.completedTotal) : "-");
    $("day-operator").hidden = d.caller !== "operator";

    fillTable($("day-pending-by-reason"), d.pendingByReason, (tr, p) => {
      tr.dataset.reason = p.reason;
      cell(tr, p.reason);
      cell(tr, count.format(p.deliver), "num");
      cell(tr, count.format(p.receive), "num");
      cell(tr, count.format(p.total), "num");
    }, "nothing pending");
    fillTable($("day-net-debits"), d.largestNetDebits, (tr, n) => {
      tr.dataset.participant = n.participant;
      cell(tr, `${n.participant} ${n.name}`, "wrap");
      cell(tr, dollars(n.netDebit), "num");
      cell(tr, dollars(n.netDebitCap), "num");
      const td = cell(tr, "", "bar");
      const meter = document.createElement("meter");
      meter.min = 0;
      meter.max = 1;
      meter.low = 0.75;
      meter.high = 0.9;
      meter.optimum = 0;
      meter.value = n.capUsed === null ? 1 : Math.min(1, n.capUsed);
      const label = n.capUsed === null ? "no cap" : percent.format(n.capUsed);
      meter.setAttribute("aria-label", `${n.participant}: ${label} of the cap`);
      td.appendChild(meter);
      const span = document.createElement("span");
      span.textContent = " " + label;
      td.appendChild(span);
    }, "no net debits");
    fillTable($("day-collateral"), d.collateralMonitorsNearZero, (tr, c) => {
      tr.dataset.participant = c.participant;
      cell(tr, `${c.participant} ${c.name}`, "wrap");
      cell(tr, dollars(c.collateralMonitor), "num" + (c.collateralMonitor < 0 ? " negative" : ""));
    }, "no accounts");
    $("day-queue-note").textContent = d.pendingItems.length < d.pendingTotal
      ? `The first ${d.pendingItems.length} of ${count.format(d.pendingTotal)} pending, by account.`
      : `${count.format(d.pendingTotal)} pending.`;
    fillTable($("day-queue"), d.pendingItems, (tr, p) => {
      tr.dataset.deliverOrder = p.deliverOrderId;
      doLink(tr, p.deliverOrderId);
      cell(tr, p.participant);
      cell(tr, p.side);
      cell(tr, p.reason);
      cell(tr, p.counterparty);
      cell(tr, p.cusip);
      cell(tr, count.format(p.shares), "num");
      cell(tr, dollars(p.amount), "num");
    }, "the recycle queues are empty");
    renderRate(orders);
  }

  function renderCutoff() {
    const d = state.day;
    if (!d) return;
    let text;
    if (d.cutoffReached) text = "reached";
    else if (d.secondsToRecycleCutoff === null) text = "set by the operator (no automatic cutoff)";
    else {
      const s = d.secondsToRecycleCutoff;
      const days = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      const two = (n) => String(n).padStart(2, "0");
      text = `in ${days ? days + "d " : ""}${days ? two(h) : h}h ${two(m)}m ${two(sec)}s (${utc(d.recycleCutoffAt)})`;
    }
    setField("day-cutoff", text);
  }

  function renderRate(orders) {
    const holder = $("rate-chart");
    if (!orders || typeof uPlot === "undefined") {
      $("rate-caption").textContent = orders ? "" : "Not measured on this node.";
      return;
    }
    const xs = orders.perSecond.map((s) => Date.parse(s.at) / 1000);
    const data = [xs, orders.perSecond.map((s) => s.accepted), orders.perSecond.map((s) => s.completed)];
    const last = orders.perSecond[orders.perSecond.length - 1];
    $("rate-caption").textContent = last
      ? `Last whole second: ${count.format(last.accepted)} accepted, ${count.format(last.completed)} completed.`
      : "";
    const width = Math.max(300, holder.clientWidth || 600);
    if (!state.chart) {
      state.chart = new uPlot({
        width,
        height: 220,
        scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(5, max)] } },
        axes: [{ stroke: "#1f2933" }, { stroke: "#1f2933", label: "per second" }],
        series: [
          {},
          { label: "accepted", stroke: "#1d4ed8", width: 2 },
          { label: "completed", stroke: "#047857", width: 2, dash: [6, 3] },
        ],
      }, data, holder);
    } else {
      if (Math.abs(state.chart.width - width) > 2) state.chart.setSize({ width, height: 220 });
      state.chart.setData(data);
    }
  }

  async function businessDay(action) {
    const d = state.day;
    if (!d) return;
    const what = action === "cutoff"
      ? `Run the recycle cutoff of ${d.businessDate} now? Every pending deliver order is dropped.`
      : `Close the business day ${d.businessDate}? Balances settle and the next business date opens.`;
    if (!window.confirm(what)) return;
    const r = action === "cutoff"
      ? await api("POST", "/v1/business-day/cutoff")
      : await api("POST", "/v1/business-day/close", { businessDate: d.businessDate });
    const out = $("day-operator-result");
    if (r.ok) out.textContent = `${action === "cutoff" ? "Cutoff" : "Close"} of ${r.data.businessDate}: ${r.data.message || "done"}${r.data.nextBusinessDate ? "; next business date " + r.data.nextBusinessDate : ""}`;
    else out.textContent = `Refused: ${r.status} ${r.problem.rule}: ${r.problem.detail}`;
    refreshDay();
  }

  // ---- Account ----

  async function openAccount(id) {
    state.account = id;
    state.replaying = false;
    $("replay").value = $("replay").max;
    $("replay-at").textContent = "now (live)";
    $("account-services").replaceChildren();
    const shown = await refreshAccount(id);
    if (shown) probeServices(id);
  }

  async function refreshAccount(id) {
    const r = await api("GET", `/v1/participants/${encodeURIComponent(id)}/account`);
    if (state.account !== id || state.replaying) return false;
    return renderAccount(r, null);
  }

  function renderAccount(r, asOf) {
    if (!r.ok) {
      showProblem($("account-problem"), r);
      // Nothing of another account stays on the page once the API refuses.
      if (!asOf) $("account-body").hidden = true;
      return false;
    }
    hideProblem($("account-problem"));
    const a = r.data;
    $("account-body").hidden = false;
    $("account-body").dataset.participant = a.participant;
    setField("account-name", `${a.participant} ${a.name}`);
    setField("account-date", a.businessDate);
    setField("account-asof-note", asOf ? `(replayed as of ${asOf})` : "(live)");
    setField("account-balance", dollars(a.settlementBalance));
    setField("account-net-debit", dollars(a.netDebit));
    setField("account-cap", dollars(a.netDebitCap));
    setField("account-collateral", dollars(a.collateralMonitor));
    setField("account-fund", dollars(a.participantsFund));
    fillTable($("account-positions"), a.positions, (tr, p) => {
      tr.dataset.cusip = p.cusip;
      cell(tr, p.cusip);
      cell(tr, count.format(p.shares), "num");
      cell(tr, count.format(p.reservedShares), "num");
    }, "no positions");
    fillTable($("account-pending"), a.pending, (tr, p) => {
      tr.dataset.deliverOrder = p.deliverOrderId;
      doLink(tr, p.deliverOrderId);
      cell(tr, p.side);
      cell(tr, p.reason);
      cell(tr, p.counterparty);
      cell(tr, p.cusip);
      cell(tr, count.format(p.shares), "num");
      cell(tr, dollars(p.amount), "num");
    }, "nothing pending");
    return true;
  }

  /** The replay slider spans the business day (from its midnight UTC) up to now; a day far from now spans the last 24 hours. */
  function replayMoment() {
    const now = Date.now();
    const date = $("account-date").textContent;
    let start = Date.parse(date + "T00:00:00Z");
    if (!(start < now) || now - start > 48 * 3600 * 1000) start = now - 24 * 3600 * 1000;
    const slider = $("replay");
    const at = start + ((now - start) * Number(slider.value)) / Number(slider.max);
    return new Date(Math.floor(at)).toISOString();
  }

  let replayTimer = null;
  function onReplayInput() {
    const slider = $("replay");
    if (slider.value === slider.max) {
      goLive();
      return;
    }
    state.replaying = true;
    const at = replayMoment();
    $("replay-at").textContent = at;
    clearTimeout(replayTimer);
    replayTimer = setTimeout(() => replay(at), 250);
  }

  async function replay(at) {
    const id = state.account;
    if (!id) return;
    const r = await api("GET", `/v1/participants/${encodeURIComponent(id)}/account?asOf=${encodeURIComponent(at)}`);
    if (state.account !== id || !state.replaying) return;
    renderAccount(r, at);
  }

  function goLive() {
    state.replaying = false;
    $("replay").value = $("replay").max;
    $("replay-at").textContent = "now (live)";
    if (state.account) refreshAccount(state.account);
  }

  /** Memo lines, loans, recalls and income: shown only where the node serves them. */
  async function probeServices(id) {
    const services = [
      { title: "Memo lines (stock loans)", path: `/v1/participants/${id}/stock-loans` },
      { title: "Loans", path: `/v1/participants/${id}/loans` },
      { title: "Recalls", path: `/v1/participants/${id}/recalls` },
      { title: "Income paid today", path: `/v1/participants/${id}/income?payableDate=${encodeURIComponent($("account-date").textContent)}` },
    ];
    const holder = $("account-services");
    for (const service of services) {
      const r = await api("GET", service.path);
      if (state.account !== id) return;
      if (notServed(r)) continue;
      const section = document.createElement("section");
      const h = document.createElement("h3");
      h.textContent = service.title;
      section.appendChild(h);
      if (r.ok) section.appendChild(genericTable(r.data));
      else {
        const p = document.createElement("p");
        p.className = "problem";
        showProblem(p, r);
        section.appendChild(p);
      }
      holder.appendChild(section);
    }
  }

  /** A table of the first list in an answer, its columns the first item's fields. */
  function genericTable(data) {
    const list = Array.isArray(data) ? data : Object.values(data || {}).find(Array.isArray) || [];
    const table = document.createElement("table");
    const columns = list.length ? Object.keys(list[0]) : [];
    const head = table.createTHead().insertRow();
    for (const c of columns) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = c;
      head.appendChild(th);
    }
    table.appendChild(document.createElement("tbody"));
    fillTable(table, list, (tr, item) => {
      for (const c of columns) cell(tr, typeof item[c] === "object" && item[c] !== null ? JSON.stringify(item[c]) : String(item[c] ?? ""));
    }, "none");
    if (!columns.length) table.tHead.rows[0].appendChild(document.createElement("th"));
    return table;
  }

  // ---- Deliver order ----

  async function explain(id) {
    const r = await api("GET", `/v1/deliver-orders/${encodeURIComponent(id)}/explanation`);
    if ($("do-id").value !== id) return;
    if (!r.ok) {
      showProblem($("do-problem"), r);
      $("do-body").hidden = true;
      return;
    }
    hideProblem($("do-problem"));
    const e = r.data;
    $("do-body").hidden = false;
    $("do-summary").textContent = (e.cusip
      ? `${e.deliverOrderId}: ${e.deliverer} to ${e.receiver}, ${count.format(e.shares)} sh of ${e.cusip} against ${dollars(e.amount)}`
      : e.deliverOrderId) + `. Final state: ${e.finalState}${e.completedBy ? " by " + e.completedBy : ""}.`;
    const list = $("do-timeline");
    list.replaceChildren();
    for (const step of e.steps) {
      const li = document.createElement("li");
      li.dataset.kind = step.kind;
      const head = document.createElement("p");
      head.className = "step";
      const time = document.createElement("time");
      time.dateTime = step.at;
      time.textContent = utc(step.at);
      head.appendChild(time);
      const outcome = step.outcome && step.outcome !== step.kind ? ", " + step.outcome : "";
      head.appendChild(document.createTextNode(` ${step.participant} (${step.side}): ${step.kind}${outcome}`));
      li.appendChild(head);
      const sentence = document.createElement("p");
      sentence.textContent = step.sentence;
      li.appendChild(sentence);
      if (step.inputs) li.appendChild(inputsList(step.inputs));
      list.appendChild(li);
    }
    const notes = $("do-notes");
    notes.replaceChildren();
    for (const n of e.notes || []) {
      const li = document.createElement("li");
      li.textContent = n;
      notes.appendChild(li);
    }
  }

  function inputsList(i) {
    const dl = document.createElement("dl");
    dl.className = "inputs";
    const add = (term, value) => {
      if (value === null || value === undefined) return;
      const div = document.createElement("div");
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = value;
      div.append(dt, dd);
      dl.appendChild(div);
    };
    add("rule", i.rule);
    add("price", dollars(i.price));
    add("haircut", percent.format(i.haircut));
    add("available shares", count.format(i.availableShares));
    const delta = i.collateralDelta < 0 ? `- ${dollars(-i.collateralDelta)}` : `+ ${dollars(i.collateralDelta)}`;
    add("collateral monitor", `${dollars(i.collateralMonitor)} ${delta} = ${dollars(i.collateralMonitorAfter)}${i.collateralMonitorBypassed ? " (bypassed)" : ""}`);
    add("settlement balance", i.settlementBalanceAfter === null ? dollars(i.settlementBalance) : `${dollars(i.settlementBalance)} -> ${dollars(i.settlementBalanceAfter)}`);
    if (i.netDebitAfter !== null) add("net debit after / cap", `${dollars(i.netDebitAfter)} / ${dollars(i.netDebitCap)}`);
    return dl;
  }

  // ---- Recall hub (only where the node serves it) ----

  async function hubMailbox(participant) {
    const r = await api("GET", `/v1/recall-hub/mailbox/${encodeURIComponent(participant)}`);
    renderHub(r, `Mailbox of ${participant}`);
  }

  async function hubTrace(control) {
    const r = await api("GET", `/v1/recall-hub/messages/${encodeURIComponent(control)}/trace`);
    renderHub(r, `Trace of ${control}`);
  }

  function renderHub(r, title) {
    const holder = $("hub-body");
    holder.replaceChildren();
    if (!r.ok) {
      showProblem($("hub-problem"), r);
      return;
    }
    hideProblem($("hub-problem"));
    const h = document.createElement("h3");
    h.textContent = title;
    holder.append(h, genericTable(r.data));
  }

  // ---- wiring ----

  document.addEventListener("DOMContentLoaded", () => {
    $("sign-in-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const token = $("token").value.trim();
      $("token").value = "";
      if (token) signIn(token);
    });
    $("sign-out").addEventListener("click", signOut);
    for (const button of document.querySelectorAll("#nav button")) {
      const hashes = { day: "#day", account: "#account", "deliver-order": "#do", "recall-hub": "#hub" };
      button.addEventListener("click", () => {
        const target = hashes[button.dataset.page] + (button.dataset.page === "account" && state.account ? "=" + state.account : "");
        if (location.hash === target) route();
        else location.hash = target;
      });
    }
    $("cutoff").addEventListener("click", () => businessDay("cutoff"));
    $("close").addEventListener("click", () => businessDay("close"));
    $("account-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const id = $("account-id").value.trim();
      const target = "#account=" + id;
      if (location.hash === target) openAccount(id);
      else location.hash = target;
    });
    $("replay").addEventListener("input", onReplayInput);
    $("replay-live").addEventListener("click", goLive);
    $("do-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const id = $("do-id").value.trim();
      const target = "#do=" + encodeURIComponent(id);
      if (location.hash === target) explain(id);
      else location.hash = target;
    });
    $("hub-form").addEventListener("submit", (e) => {
      e.preventDefault();
      hubMailbox($("hub-participant").value.trim());
    });
    $("hub-trace-form").addEventListener("submit", (e) => {
      e.preventDefault();
      hubTrace($("hub-control").value.trim());
    });
    window.addEventListener("hashchange", () => {
      route();
      const heading = document.querySelector(".page:not([hidden]) h2");
      if (heading) {
        heading.tabIndex = -1;
        heading.focus();
      }
    });
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) signIn(token);
    else $("token").focus();
  });
})();
