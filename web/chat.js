/* 政策问答助手 — chat page (full page at / and compact iframe at /embed).
 * Plain DOM, no build step. Every server string goes in via textContent, never as HTML.
 * URLs are relative so the app also works behind a path prefix on the portal. */
(function () {
  "use strict";

  var MODE = document.body.getAttribute("data-mode") === "embed" ? "embed" : "full";
  var STORE_KEY = "policy-assistant.session." + MODE;   // separate conversations for page and widget
  // Shown only if the server's own examples (from the default plan, /api/documents) cannot be read.
  var EXAMPLES = [
    "钦南区开展专利导航，谁出钱？",
    "知识产权质押融资属于哪级财政事权？",
    "市知识产权保护中心建设由谁承担支出责任？",
    "作品登记的支出责任怎么划分？",
    "与边境国家开展知识产权执法合作，支出责任怎么划分？",
    "这个方案从什么时候开始施行？"
  ];
  var STATUS_LABEL = {
    not_listed: "方案未列明",
    out_of_scope: "超出收录范围",
    clarify: "需要补充信息"
  };

  var messages = document.getElementById("messages");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var sendBtn = document.getElementById("send");
  var busy = false;
  var lastQuestionRow = null;

  // ------------------------------------------------------------------ small DOM helpers

  /** el("div", {class: "x"}, child, "text", ...) — strings become text nodes, never markup. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "class") node.className = v;
        else if (k === "text") node.textContent = v;
        else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? "" : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return node;
  }

  function scrollToEnd() {
    messages.scrollTop = messages.scrollHeight;
  }

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }   // blocked in some iframes
  }
  function getSession() { var s = storage(); return s ? s.getItem(STORE_KEY) : null; }
  function setSession(id) { var s = storage(); if (s) { if (id) s.setItem(STORE_KEY, id); else s.removeItem(STORE_KEY); } }

  // ------------------------------------------------------------------ message rows

  function row(who, bubble) {
    var avatar = el("div", {class: "avatar avatar-" + who, "aria-hidden": "true", text: who === "bot" ? "策" : "我"});
    var r = el("div", {class: "row row-" + who}, avatar, bubble);
    messages.appendChild(r);
    scrollToEnd();
    return r;
  }

  function addUser(text) {
    return row("user", el("div", {class: "bubble bubble-user", text: text}));
  }

  function chips(list, cls) {
    var box = el("div", {class: "chips " + (cls || "")});
    list.forEach(function (q) {
      box.appendChild(el("button", {type: "button", class: "chip", text: q, onclick: function () { ask(q); }}));
    });
    return box;
  }

  function addWelcome() {
    var docs = el("p", {class: "welcome-docs"});
    var tryLine = el("p", {class: "welcome-try", text: "您可以试着问："});
    var bubble = el("div", {class: "bubble bubble-bot welcome"},
      el("p", {class: "welcome-hi", text: "您好！我是政策问答助手。"}),
      el("p", {text: "我可以根据已收录的政策文件，告诉您某项工作属于哪级财政事权、由谁承担支出责任，并附上原文依据。"}),
      docs, tryLine);
    row("bot", bubble);
    // The examples fit the plans this server answers for; they appear once, when known.
    function showExamples(list) {
      list = MODE === "embed" ? list.slice(0, 4) : list;
      bubble.appendChild(chips(list, "examples"));
    }
    fetch("api/documents").then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      showExamples(data && data.examples && data.examples.length ? data.examples : EXAMPLES);
      if (!data || !data.documents || !data.documents.length) return;
      docs.textContent = "已收录：" + data.documents.map(function (d) {
        return "《" + (d.title || d.doc_id) + "》" + (d.doc_number ? "（" + d.doc_number + "）" : "");
      }).join("、");
    }).catch(function () { showExamples(EXAMPLES); });
  }

  function addNotice(text, retryQuestion) {
    var box = el("div", {class: "notice", role: "alert"}, el("span", {text: text}));
    if (retryQuestion) {
      box.appendChild(el("button", {type: "button", class: "notice-retry", text: "重试", onclick: function () {
        box.remove();
        ask(retryQuestion, true);
      }}));
    }
    messages.appendChild(box);
    scrollToEnd();
    return box;
  }

  function addTyping() {
    return row("bot", el("div", {class: "bubble bubble-bot typing", "aria-label": "正在回答"},
      el("span", {class: "dot"}), el("span", {class: "dot"}), el("span", {class: "dot"})));
  }

  // ------------------------------------------------------------------ the answer card

  function docLink(c) {
    var href = "doc/" + encodeURIComponent(c.doc_id);
    if (c.quote) href += "?q=" + encodeURIComponent(c.quote);
    if (c.anchor) href += "#" + encodeURIComponent(c.anchor);
    return href;
  }

  function citationLabel(c) {
    if (c.label) return c.label;
    var parts = [c.doc_number || c.title || c.doc_id].concat(c.path || []);
    if (c.paragraph) parts.push("第" + c.paragraph + "段");
    return parts.join(" ");
  }

  function payerText(p) {
    return /承担$/.test(p) ? p : p + "承担";
  }

  function findingsBlock(findings) {
    var groups = [];
    var byMatter = {};
    findings.forEach(function (f) {
      var key = f.matter || "";
      if (!(key in byMatter)) { byMatter[key] = {matter: key, rows: []}; groups.push(byMatter[key]); }
      byMatter[key].rows.push(f);
    });
    var box = el("div", {class: "findings"});
    groups.forEach(function (g) {
      var group = el("div", {class: "finding-group"});
      if (g.matter) group.appendChild(el("div", {class: "finding-matter", text: g.matter}));
      g.rows.forEach(function (f) {
        group.appendChild(el("div", {class: "finding"},
          el("span", {class: "finding-level", text: f.level || "—"}),
          el("span", {class: "finding-badges"},
            f.authority ? el("span", {class: "badge badge-authority", title: "财政事权"},
              el("span", {class: "badge-key", text: "事权"}), f.authority) : null,
            f.payer ? el("span", {class: "badge badge-payer", title: "支出责任"},
              el("span", {class: "badge-key", text: "支出"}), payerText(f.payer)) : null),
          f.principle ? el("span", {class: "finding-principle", text: "依据原则：" + f.principle}) : null));
      });
      box.appendChild(group);
    });
    return box;
  }

  function citationsBlock(citations) {
    var box = el("div", {class: "citations"});
    citations.forEach(function (c) {
      var link = el("a", {class: "cite-chip", href: docLink(c), title: "查看原文",
        target: MODE === "embed" ? "_blank" : null, rel: MODE === "embed" ? "noopener" : null},
        el("span", {class: "cite-icon", "aria-hidden": "true", text: "§"}), citationLabel(c));
      box.appendChild(el("figure", {class: "citation"},
        c.quote ? el("blockquote", {class: "quote", text: "“" + c.quote + "”"}) : null,
        el("figcaption", null, link)));
    });
    return box;
  }

  function feedbackBlock(answerId) {
    var box = el("div", {class: "feedback"});
    var note = el("span", {class: "feedback-note", "aria-live": "polite"});
    var rating = null;
    var comment = el("textarea", {class: "feedback-comment", rows: "2", maxlength: "500",
      placeholder: "补充说明（可选）", "aria-label": "补充说明"});
    var submit = el("button", {type: "button", class: "feedback-submit", text: "提交反馈"});
    var extra = el("div", {class: "feedback-form", hidden: true}, comment, submit);
    function choose(value, btn) {
      rating = value;
      up.classList.toggle("chosen", value === "up");
      down.classList.toggle("chosen", value === "down");
      up.setAttribute("aria-pressed", String(value === "up"));
      down.setAttribute("aria-pressed", String(value === "down"));
      extra.hidden = false;
      note.textContent = "";
      comment.focus();
    }
    var up = el("button", {type: "button", class: "feedback-btn feedback-up", "aria-label": "有帮助", "aria-pressed": "false",
      text: "👍", onclick: function () { choose("up"); }});
    var down = el("button", {type: "button", class: "feedback-btn feedback-down", "aria-label": "没帮助", "aria-pressed": "false",
      text: "👎", onclick: function () { choose("down"); }});
    submit.addEventListener("click", function () {
      if (!rating) return;
      var body = {answer_id: answerId, rating: rating};
      var text = comment.value.trim();
      if (text) body.comment = text;
      submit.disabled = true;
      fetch("api/feedback", {method: "POST", headers: {"Content-Type": "application/json", "X-Assistant-Channel": "web"},
        body: JSON.stringify(body)})
        .then(function (r) {
          if (!r.ok) throw new Error(String(r.status));
          extra.hidden = true;
          up.disabled = down.disabled = true;
          note.className = "feedback-note ok";
          note.textContent = "感谢反馈";
        })
        .catch(function () {
          submit.disabled = false;
          note.className = "feedback-note error";
          note.textContent = "反馈提交失败，请稍后再试";
        });
    });
    box.appendChild(el("div", {class: "feedback-bar"}, el("span", {class: "feedback-ask", text: "这个回答有帮助吗？"}), up, down, note));
    box.appendChild(extra);
    return box;
  }

  function answerCard(result) {
    var citations = result.citations || [];
    var lines = String(result.answer || "").split(/\n+/).map(function (s) { return s.trim(); }).filter(Boolean);
    var verdict = lines.shift() || "";
    // The 依据 lines are shown as quotes with source chips below, so don't repeat them as prose.
    var rest = citations.length ? lines.filter(function (l) { return !/^依据/.test(l); }) : lines;
    // Example questions listed in the text are offered as tappable chips below the card instead.
    var suggested = result.suggestions || [];
    var options = result.options || [];
    var labels = options.map(function (o) { return o.label; });
    rest = rest.filter(function (l) {
      var m = /^[·•\-]\s*(.+)$/.exec(l);
      var n = /^\d+\.\s*(.+)$/.exec(l);
      // Numbered options are for channels without buttons: here they are buttons below.
      if (options.length && (/^（回复序号即可）$/.test(l) || (n && labels.indexOf(n[1].trim()) >= 0))) return false;
      return !(m && suggested.indexOf(m[1].trim()) >= 0);
    });
    var card = el("div", {class: "bubble bubble-bot card status-" + (result.status || "answered")});
    if (STATUS_LABEL[result.status]) card.appendChild(el("span", {class: "status-tag", text: STATUS_LABEL[result.status]}));
    card.appendChild(el("p", {class: "verdict"}, el("strong", {text: verdict})));
    rest.forEach(function (l) { card.appendChild(el("p", {class: "detail", text: l})); });
    if (options.length) {
      var box = el("div", {class: "chips options"});
      options.forEach(function (o) {
        box.appendChild(el("button", {type: "button", class: "chip option", text: o.label,
                                      onclick: function () { ask(o.question); }}));
      });
      card.appendChild(box);
    }
    if (result.findings && result.findings.length) card.appendChild(findingsBlock(result.findings));
    if (citations.length) card.appendChild(citationsBlock(citations));
    if (result.contact) card.appendChild(el("p", {class: "contact"}, el("span", {class: "contact-key", text: "人工咨询："}), result.contact));
    if (result.answer_id) card.appendChild(feedbackBlock(result.answer_id));
    return card;
  }

  function addAnswer(result, question) {
    var r = row("bot", answerCard(result));
    if (result.suggestions && result.suggestions.length) {
      messages.appendChild(el("div", {class: "suggestions"},
        el("span", {class: "suggestions-label", text: "您可能还想问"}), chips(result.suggestions, "follow")));
    }
    // A card taller than the screen would scroll its verdict out of sight: show the question and
    // verdict first instead of the bottom.
    if (question && r.offsetHeight > messages.clientHeight * 0.8) {
      messages.scrollTop = question.offsetTop - 8;   // .messages is the offsetParent (position: relative)
    } else {
      scrollToEnd();
    }
    return r;
  }

  // ------------------------------------------------------------------ talking to the server

  function setBusy(b) {
    busy = b;
    sendBtn.disabled = b;
    form.classList.toggle("busy", b);
  }

  function ask(question, isRetry) {
    question = String(question || "").trim();
    if (!question || busy) return;
    var asked = isRetry ? lastQuestionRow : addUser(question);
    lastQuestionRow = asked;
    setBusy(true);
    var typing = addTyping();
    fetch("api/ask", {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-Assistant-Channel": "web"},
      body: JSON.stringify({question: question, session_id: getSession()})
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (data) { return {status: r.status, data: data}; });
    }).then(function (res) {
      typing.remove();
      if (res.status === 200 && res.data && res.data.status) {
        setSession(res.data.session_id);
        addAnswer(res.data, asked);
      } else if (res.data && res.data.error && res.status < 500) {
        addNotice(res.data.error.message);
      } else {
        addNotice("服务器暂时无法回答，请稍后再试。", question);
      }
    }).catch(function () {
      typing.remove();
      addNotice("无法连接服务器，请检查网络后重试。", question);
    }).then(function () {
      setBusy(false);
    });
  }

  function restore() {
    var sid = getSession();
    if (!sid) return;
    fetch("api/sessions/" + encodeURIComponent(sid)).then(function (r) {
      if (r.status === 404) { setSession(null); return null; }
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then(function (data) {
      if (!data) return;
      data.turns.forEach(function (t) { addUser(t.question); addAnswer(t.result); });
    }).catch(function () {
      addNotice("无法连接服务器，暂时不能恢复之前的对话。");
    });
  }

  // ------------------------------------------------------------------ wiring

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value;
    if (!q.trim() || busy) return;
    input.value = "";
    autosize();
    ask(q);
  });
  input.addEventListener("keydown", function (e) {
    // Enter sends; Shift+Enter is a new line; never send while an IME is composing Chinese.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", {cancelable: true}));
    }
  });
  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }
  input.addEventListener("input", autosize);
  document.getElementById("new-chat").addEventListener("click", function () {
    setSession(null);
    messages.textContent = "";
    addWelcome();
    input.focus();
  });
  if (MODE === "embed") {
    var title = new URLSearchParams(location.search).get("title");
    if (title) {
      document.getElementById("title").textContent = title.slice(0, 40);
      document.title = title.slice(0, 40);
    }
  }
  addWelcome();
  restore();
})();
