/* 服务台管理页: log in with the admin token, draw /api/admin/stats, export /api/admin/questions.csv;
   teach: a logged question's trace (/api/admin/explain), link it to a matter, mark it not listed, add a
   synonym (/api/admin/teachings, confirming when existing cases change), users' candidates, undo. */
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

  function post(path, body) {
    return fetch(path, {
      method: "POST", cache: "no-store",
      headers: { Authorization: "Bearer " + token(), "Content-Type": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, data: data }; });
    });
  }

  /** A question in a table: a button that opens it in the teaching panel. */
  function questionCell(tr, text) {
    var td = cell(tr, "");
    var b = document.createElement("button");
    b.type = "button";
    b.className = "qlink";
    b.textContent = text;
    b.title = "查看判断过程并教助手";
    b.addEventListener("click", function () { teachFor(text); });
    td.appendChild(b);
    return td;
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
        questionCell(tr, r.question); cell(tr, r.count, "num"); cell(tr, fmtTime(r.last), "when");
      }, 3);
    });
    fillTable("disliked", s.disliked, function (tr, r) {
      cell(tr, fmtTime(r.time), "when");
      cell(tr, CHANNEL_NAMES[r.channel] || r.channel);
      questionCell(tr, r.question);
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
      return r.json().then(function (s) { show(true); render(s); loadTeaching(); return true; });
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

  // ------------------------------------------------------------------ teaching

  var KIND_NAMES = { link: "关联事项", not_listed: "方案未列明", synonym: "同义词" };
  var TEACH_STATUS = { active: "生效中", undone: "已撤销", candidate: "候选", rejected: "已拒绝" };
  var WHO_KEY = "assistant-admin-who";
  var picked = null;          // the matter chosen for a link: {doc_id, id, name, levels}
  var pending = null;         // a teaching waiting for the admin's confirmation: {path, body}
  var searchTimer = null;

  function teachError(message) {
    var e = $("teach-error");
    e.textContent = message || "";
    e.hidden = !message;
  }

  function firstLine(text) { return String(text || "").split("\n")[0]; }

  function teachFor(question) {
    $("teach-question").value = question;
    explain(false);
    $("teach").scrollIntoView({ block: "start" });
  }

  /** The trace of the question in the panel; `keep`: leave the last save's result shown. */
  function explain(keep) {
    var question = $("teach-question").value.trim();
    if (!question) return Promise.resolve();
    teachError("");
    if (keep !== true) {
      $("teach-result").hidden = true;
      $("teach-confirm").hidden = true;
    }
    return post("api/admin/explain", { question: question }).then(function (res) {
      if (res.status === 401) { loggedOut("令牌无效或已更换，请重新登录。"); return; }
      if (res.status !== 200) { teachError((res.data.error && res.data.error.message) || "无法取得判断过程。"); return; }
      renderTrace(res.data);
      $("teach-actions").hidden = false;
    });
  }

  function term(dl, name, value) {
    var dt = document.createElement("dt");
    dt.textContent = name;
    var dd = document.createElement("dd");
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = value;
    dl.appendChild(dt);
    dl.appendChild(dd);
  }

  function renderTrace(t) {
    var a = t.answer;
    $("trace").hidden = false;
    $("trace-status").textContent = STATUS_NAMES[a.status] || a.status;
    $("trace-status").className = "status status-" + a.status;
    $("trace-answer").textContent = firstLine(a.answer);
    var dl = $("trace-details");
    dl.textContent = "";
    term(dl, "内容词", (t.frame.words || []).join("、") || "（无）");
    (t.plans || []).forEach(function (plan) {
      var levels = (plan.levels || []).map(function (m) {
        return m.words + "→" + (m.level || m.foreign || "方案外") + (m.role === "claim" ? "（所问的承担方）" : "（做事的层级）");
      });
      if (levels.length) term(dl, "层级", levels.join("；"));
      var list = document.createElement("ul");
      list.className = "candidates";
      (plan.candidates || []).forEach(function (c) {
        var li = document.createElement("li");
        li.textContent = c.matter + "（" + c.id + "）：" + (c.evidence === "taught"
          ? "依据教学 " + c.teaching
          : "由问题中的“" + (c.explains || []).join("、") + "”匹配");
        if (c.evidence === "taught") li.className = "taught";
        list.appendChild(li);
      });
      if (plan.taught_not_listed) {
        var li = document.createElement("li");
        li.className = "taught";
        li.textContent = "依据教学 " + plan.taught_not_listed + "：方案未列明";
        list.appendChild(li);
      }
      term(dl, "候选事项", list.children.length ? list : "（没有候选事项）");
      if ((plan.unexplained || []).length) term(dl, "未解释的词", plan.unexplained.join("、"));
    });
    var d = t.decision;
    var options = (d.options || []).map(function (o) { return o.label; });
    term(dl, "结论", (STATUS_NAMES[d.status] || d.status) + (d.verdicts.length
      ? "：" + d.verdicts.map(function (v) { return v.matter + "（" + v.payers.join("、") + "）"; }).join("；")
      : "") + (options.length ? "；提供选项：" + options.join("、") : ""));
  }

  function searchMatters() {
    var q = $("matter-search").value.trim();
    return api("api/admin/matters" + (q ? "?q=" + encodeURIComponent(q) : "")).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (data) {
      var list = $("matter-results");
      list.textContent = "";
      data.matters.slice(0, 12).forEach(function (m) {
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button";
        b.className = "matter";
        b.textContent = m.name;
        b.title = m.title + " · " + m.id;
        b.addEventListener("click", function () { pickMatter(m); });
        li.appendChild(b);
        var small = document.createElement("span");
        small.className = "muted";
        small.textContent = " " + m.id + " · " + m.levels.map(function (l) { return l.label; }).join("、");
        li.appendChild(small);
        list.appendChild(li);
      });
      if (!data.matters.length) {
        var li = document.createElement("li");
        li.className = "muted";
        li.textContent = "没有找到名称含这些字的事项。";
        list.appendChild(li);
      }
    }).catch(function () { teachError("事项查找失败，请稍后重试。"); });
  }

  function pickMatter(m) {
    picked = m;
    $("matter-picked").textContent = m.name + "（" + m.id + "）";
    var select = $("teach-level");
    select.textContent = "";
    var none = document.createElement("option");
    none.value = "";
    none.textContent = "不指定（按问题本身）";
    select.appendChild(none);
    m.levels.forEach(function (l) {
      var o = document.createElement("option");
      o.value = l.name;
      o.textContent = l.label;
      select.appendChild(o);
    });
    $("teach-link").disabled = false;
  }

  function who() {
    var value = $("who").value.trim();
    if (value) sessionStorage.setItem(WHO_KEY, value);
    return value;
  }

  function submitTeaching(path, body) {
    teachError("");
    $("teach-result").hidden = true;
    $("teach-confirm").hidden = true;
    var buttons = ["teach-link", "teach-not-listed", "teach-synonym", "confirm-yes"].map($);
    buttons.forEach(function (b) { b.dataset.was = b.disabled ? "1" : ""; b.disabled = true; });
    var result = $("teach-result");
    result.hidden = false;
    result.textContent = "正在用全部测试用例检查这条教学……";
    return post(path, body).then(function (res) {
      result.hidden = true;
      if (res.status === 401) { loggedOut("令牌无效或已更换，请重新登录。"); return; }
      if (res.status === 409 && res.data.changes) { askConfirm(path, body, res.data); return; }
      if (res.status !== 200 && res.status !== 201) {
        teachError((res.data.error && res.data.error.message) || "保存失败，请稍后重试。");
        return;
      }
      var t = res.data.teaching;
      result.hidden = false;
      result.textContent = "";
      var head = document.createElement("p");
      head.innerHTML = "";
      head.appendChild(document.createTextNode("已保存教学 " + t.id + "（" + KIND_NAMES[t.kind] + "：“" + t.phrasing + "”"
        + (t.matter_name ? " → " + t.matter_name : t.means ? " = " + t.means : "") + "），检查了 "
        + res.data.checked + " 个用例，" + res.data.changed + " 个回答改变。"));
      result.appendChild(head);
      [["之前", res.data.before], ["现在", res.data.after]].forEach(function (pair) {
        var p = document.createElement("p");
        p.className = "answer-line";
        p.textContent = pair[0] + "：" + firstLine(pair[1].answer);
        result.appendChild(p);
      });
      loadTeaching();
      explain(true);
    }).catch(function () {
      result.hidden = true;
      teachError("保存失败，请稍后重试。");
    }).then(function () {
      buttons.forEach(function (b) { b.disabled = b.dataset.was === "1"; });
      if (!picked) $("teach-link").disabled = true;
    });
  }

  function askConfirm(path, body, data) {
    pending = { path: path, body: Object.assign({}, body, { confirm: true }) };
    $("teach-confirm").hidden = false;
    $("confirm-text").textContent = data.error.message + "（共检查 " + data.checked + " 个用例；之后：" + firstLine(data.after.answer) + "）";
    fillTable("changes", data.changes, function (tr, c) {
      cell(tr, c.case);
      cell(tr, c.question);
      cell(tr, firstLine(c.before.answer));
      cell(tr, firstLine(c.after.answer));
    }, 4);
  }

  function teachLink() {
    if (!picked) return;
    submitTeaching("api/admin/teachings", {
      kind: "link", question: $("teach-question").value.trim(), matter: picked.id, doc_id: picked.doc_id,
      level: $("teach-level").value || null, who: who()
    });
  }

  function teachNotListed() {
    submitTeaching("api/admin/teachings", { kind: "not_listed", question: $("teach-question").value.trim(), who: who() });
  }

  function teachSynonym() {
    submitTeaching("api/admin/teachings", {
      kind: "synonym", question: $("teach-question").value.trim(), word: $("syn-word").value.trim(),
      means: $("syn-means").value.trim(), who: who()
    });
  }

  function teachAction(label, path, body, cls) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-small " + (cls || "");
    b.textContent = label;
    b.addEventListener("click", function () {
      b.disabled = true;
      post(path, body ? body() : {}).then(function (res) {
        if (res.status === 409 && res.data.changes) { askConfirm(path, body ? body() : {}, res.data); $("teach").scrollIntoView(); return; }
        if (res.status !== 200 && res.status !== 201) teachError((res.data.error && res.data.error.message) || "操作失败。");
        loadTeaching();
      }).catch(function () { teachError("操作失败，请稍后重试。"); }).then(function () { b.disabled = false; });
    });
    return b;
  }

  function loadTeaching() {
    var status = $("teach-status").value;
    api("api/admin/teachings?status=" + status).then(function (r) { return r.ok ? r.json() : { teachings: [] }; })
      .then(function (data) {
        fillTable("teachings", data.teachings, function (tr, t) {
          cell(tr, t.id);
          cell(tr, KIND_NAMES[t.kind] || t.kind);
          questionCell(tr, t.question).title = "说法：" + t.phrasing;
          cell(tr, t.kind === "link" ? (t.matter_name || t.matter_id) + (t.level ? "（" + t.level + "）" : "")
            : t.kind === "synonym" ? t.word + " = " + t.means : "方案未列明");
          cell(tr, t.who);
          cell(tr, fmtTime(t.when), "when");
          cell(tr, TEACH_STATUS[t.status] || t.status);
          var ops = cell(tr, "");
          if (t.status === "active") ops.appendChild(teachAction("撤销", "api/admin/teachings/" + t.id + "/undo"));
        }, 8);
      });
    api("api/admin/candidates").then(function (r) { return r.ok ? r.json() : { candidates: [] }; })
      .then(function (data) {
        fillTable("candidates", data.candidates, function (tr, c) {
          cell(tr, c.phrasing);
          questionCell(tr, c.question);
          cell(tr, c.matter_name || c.matter_id);
          cell(tr, c.count, "num");
          cell(tr, fmtTime(c.when), "when");
          var ops = cell(tr, "");
          ops.appendChild(teachAction("批准", "api/admin/candidates/" + c.id + "/approve", function () { return { who: who() }; }));
          ops.appendChild(teachAction("拒绝", "api/admin/candidates/" + c.id + "/reject", null, "btn-plain"));
        }, 6);
      });
    loadRecent();
  }

  function loadRecent() {
    var status = $("recent-status").value, q = $("recent-q").value.trim();
    var query = "?limit=30" + (status ? "&status=" + status : "") + (q ? "&q=" + encodeURIComponent(q) : "");
    return api("api/admin/questions" + query).then(function (r) { return r.ok ? r.json() : { questions: [] }; })
      .then(function (data) {
        fillTable("recent", data.questions, function (tr, r) {
          cell(tr, fmtTime(r.time), "when");
          questionCell(tr, r.question);
          cell(tr, STATUS_NAMES[r.status] || r.status);
          cell(tr, (r.matters || []).join("；"));
          cell(tr, r.rating === "down" ? "👎 " + (r.comment || "") : r.rating === "up" ? "👍" : "");
        }, 5);
      });
  }

  function exportTeachings() {
    api("api/admin/teachings.yaml").then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.blob();
    }).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var a = document.createElement("a");
      a.href = url;
      a.download = "teachings.yaml";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    }).catch(function () { teachError("导出失败，请稍后重试。"); });
  }

  function installTeaching() {
    $("who").value = sessionStorage.getItem(WHO_KEY) || "";
    $("explain-form").addEventListener("submit", function (e) { e.preventDefault(); explain(false); });
    $("matter-search").addEventListener("input", function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(searchMatters, 200);
    });
    $("teach-link").addEventListener("click", teachLink);
    $("teach-not-listed").addEventListener("click", teachNotListed);
    $("teach-synonym").addEventListener("click", teachSynonym);
    $("confirm-yes").addEventListener("click", function () { if (pending) submitTeaching(pending.path, pending.body); });
    $("confirm-no").addEventListener("click", function () { pending = null; $("teach-confirm").hidden = true; });
    $("teach-status").addEventListener("change", loadTeaching);
    $("teach-export").addEventListener("click", exportTeachings);
    $("recent-form").addEventListener("submit", function (e) { e.preventDefault(); loadRecent(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    installTeaching();
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
