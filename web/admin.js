/* 服务台管理页: log in with the admin token, draw /api/admin/stats, export /api/admin/questions.csv. */
(function () {
  "use strict";

  var TOKEN_KEY = "assistant-admin-token";
  var STATUS_NAMES = { answered: "已回答", not_listed: "方案未列出", out_of_scope: "超出范围", clarify: "需要澄清", error: "出错" };
  var STATUS_COLORS = { answered: "#2e7d32", not_listed: "#ef6c00", out_of_scope: "#8e24aa", clarify: "#1e6fd9", error: "#757575" };
  var CHANNEL_NAMES = { web: "网页", api: "接口", wechat: "微信公众号", wecom: "企业微信" };
  var STATUSES = ["answered", "not_listed", "out_of_scope", "clarify", "error"];
  var charts = {};

  function $(id) { return document.getElementById(id); }

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }

  function show(loggedIn) {
    $("login").hidden = loggedIn;
    $("dashboard").hidden = !loggedIn;
    $("logout").hidden = !loggedIn;
  }

  function fmtTime(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    if (isNaN(d.getTime())) return iso;
    return d.toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
  }

  function fmtMs(v) { return v === null || v === undefined ? "–" : (Math.round(v * 10) / 10).toString(); }

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function fillTable(id, rows, render, columns) {
    var body = $(id).querySelector("tbody");
    body.textContent = "";
    if (!rows.length) {
      var tr = document.createElement("tr");
      var td = cell(tr, "暂无记录", "empty");
      td.colSpan = columns;
      body.appendChild(tr);
      return;
    }
    // Each cell carries its column's name: on a phone the rows are stacked and show it (admin.css).
    var names = Array.prototype.map.call($(id).querySelectorAll("thead th"), function (th) { return th.textContent; });
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      render(tr, row);
      Array.prototype.forEach.call(tr.children, function (td, i) { if (names[i]) td.setAttribute("data-label", names[i]); });
      body.appendChild(tr);
    });
  }

  function api(path) {
    return fetch(path, { headers: { Authorization: "Bearer " + token() }, cache: "no-store" });
  }

  function loggedOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    show(false);
    var err = $("login-error");
    err.textContent = message;
    err.hidden = !message;
  }

  function drawChart(key, canvasId, config) {
    if (typeof Chart === "undefined") return;
    if (charts[key]) charts[key].destroy();
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    charts[key] = new Chart($(canvasId), config);
  }

  function render(s) {
    var t = s.totals;
    $("c-questions").textContent = t.questions;
    $("c-sessions").textContent = t.sessions;
    $("c-rate").textContent = t.answered_rate === null ? "–" : (t.answered_rate * 100).toFixed(1) + "%";
    $("c-unanswered").textContent = t.unanswered;
    $("c-up").textContent = t.feedback_up;
    $("c-down").textContent = t.feedback_down;
    $("c-latency").textContent = fmtMs(s.latency_ms.p50) + " / " + fmtMs(s.latency_ms.p95) + " ms";
    $("generated").textContent = "更新于 " + fmtTime(s.generated_at) + (s.since ? "（自 " + s.since + " 起）" : "（全部）");

    drawChart("days", "chart-days", {
      type: "bar",
      data: {
        labels: s.per_day.map(function (d) { return d.day; }),
        datasets: STATUSES.map(function (st) {
          return { label: STATUS_NAMES[st], data: s.per_day.map(function (d) { return d[st] || 0; }),
                   backgroundColor: STATUS_COLORS[st], stack: "q" };
        })
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
    });
    var statuses = STATUSES.filter(function (st) { return s.per_status[st]; });
    drawChart("status", "chart-status", {
      type: "doughnut",
      data: {
        labels: statuses.map(function (st) { return STATUS_NAMES[st]; }),
        datasets: [{ data: statuses.map(function (st) { return s.per_status[st]; }),
                     backgroundColor: statuses.map(function (st) { return STATUS_COLORS[st]; }) }]
      }
    });
    var channels = Object.keys(s.per_channel);
    drawChart("channels", "chart-channels", {
      type: "bar",
      data: {
        labels: channels.map(function (c) { return CHANNEL_NAMES[c] || c; }),
        datasets: [{ label: "提问数", data: channels.map(function (c) { return s.per_channel[c]; }), backgroundColor: "#1e6fd9" }]
      },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });

    var l = s.latency_ms;
    fillTable("latency", [l], function (tr, r) {
      cell(tr, r.count, "num"); cell(tr, fmtMs(r.p50), "num"); cell(tr, fmtMs(r.p90), "num");
      cell(tr, fmtMs(r.p95), "num"); cell(tr, fmtMs(r.p99), "num"); cell(tr, fmtMs(r.max), "num");
    }, 6);
    ["not_listed", "out_of_scope", "clarify"].forEach(function (st) {
      fillTable("top-" + st, s.top_unanswered[st] || [], function (tr, r) {
        cell(tr, r.question); cell(tr, r.count, "num"); cell(tr, fmtTime(r.last), "when");
      }, 3);
    });
    fillTable("disliked", s.disliked, function (tr, r) {
      cell(tr, fmtTime(r.time), "when");
      cell(tr, CHANNEL_NAMES[r.channel] || r.channel);
      cell(tr, r.question);
      var st = cell(tr, "");
      var badge = document.createElement("span");
      badge.className = "status";
      badge.textContent = STATUS_NAMES[r.status] || r.status;
      st.appendChild(badge);
      cell(tr, (r.anchors || []).join("；"));
      cell(tr, r.comment || "（无意见）");
    }, 6);
  }

  function load() {
    var range = $("range").value;
    var err = $("dash-error");
    err.hidden = true;
    return api("api/admin/stats" + (range ? "?days=" + range : "")).then(function (r) {
      if (r.status === 401) { loggedOut("令牌无效或已更换，请重新登录。"); return false; }
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json().then(function (s) { show(true); render(s); return true; });
    }).catch(function () {
      err.textContent = "统计数据加载失败，请稍后重试。";
      err.hidden = false;
      return false;
    });
  }

  function exportCsv() {
    var btn = $("export");
    btn.disabled = true;
    var range = $("range").value;
    api("api/admin/questions.csv" + (range ? "?days=" + range : "")).then(function (r) {
      if (r.status === 401) { loggedOut("令牌无效或已更换，请重新登录。"); return; }
      if (!r.ok) throw new Error("HTTP " + r.status);
      var name = "questions.csv";
      var m = /filename="([^"]+)"/.exec(r.headers.get("Content-Disposition") || "");
      if (m) name = m[1];
      return r.blob().then(function (blob) {
        var url = URL.createObjectURL(blob);
        var a = document.createElement("a");
        a.href = url;
        a.download = name;
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
      });
    }).catch(function () {
      var err = $("dash-error");
      err.textContent = "导出失败，请稍后重试。";
      err.hidden = false;
    }).then(function () { btn.disabled = false; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("login-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var value = $("token").value.trim();
      if (!value) return;
      sessionStorage.setItem(TOKEN_KEY, value);
      $("login-btn").disabled = true;
      load().then(function (ok) {
        $("login-btn").disabled = false;
        if (ok) { $("token").value = ""; $("login-error").hidden = true; }
      });
    });
    $("logout").addEventListener("click", function () { loggedOut(""); });
    $("refresh").addEventListener("click", load);
    $("range").addEventListener("change", load);
    $("export").addEventListener("click", exportCsv);
    if (token()) load(); else show(false);
  });
})();
