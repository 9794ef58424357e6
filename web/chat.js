/* 政策问答助手 — chat page (full page at / and compact iframe at /embed).
 * Plain DOM, no build step. Every server string goes in via textContent, never as HTML.
 * URLs are relative so the app also works behind a path prefix on the portal. */
(function () {
  "use strict";

  var MODE = document.body.getAttribute("data-mode") === "embed" ? "embed" : "full";
  var STORE_KEY = "policy-assistant.session." + MODE;   // separate conversations for page and widget
  var RATINGS_KEY = "policy-assistant.feedback." + MODE;
  var RETURN_KEY = "policy-assistant.return." + MODE;
  var MAX_RATINGS = 200;          // ratings remembered for redisplay; older ones are dropped
  var LIST_COLLAPSE_OVER = 5;     // a numbered list longer than this shows its first LIST_HEAD items
  var LIST_HEAD = 3;
  var SUMMARY_MATTERS = 4;        // from this many matters, verdict rows are shown once per level
  var COUNTER_FROM = 0.8;         // the character counter appears from this share of the limit
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

  var app = document.querySelector(".app");
  var messages = document.getElementById("messages");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var sendBtn = document.getElementById("send");
  var newChat = document.getElementById("new-chat");
  var maxChars = input.maxLength > 0 ? input.maxLength : 500;
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

  /** Scroll so that `node` (a row in .messages, its offsetParent) is at the top, or as far as it goes. */
  function scrollToRow(node) {
    messages.scrollTop = Math.max(0, node.offsetTop - 8);
  }

  function storage(kind) {
    try { return kind === "session" ? window.sessionStorage : window.localStorage; }
    catch (e) { return null; }   // blocked in some iframes
  }
  function getSession() { var s = storage(); return s ? s.getItem(STORE_KEY) : null; }
  function setSession(id) { var s = storage(); if (s) { if (id) s.setItem(STORE_KEY, id); else s.removeItem(STORE_KEY); } }

  // The server keeps the ratings too, but has no read-back for them: the page remembers its own
  // (answer id → "up"/"down") so a reload shows what was chosen instead of inviting a second vote.
  function ratings() {
    var s = storage();
    try { return (s && JSON.parse(s.getItem(RATINGS_KEY) || "{}")) || {}; } catch (e) { return {}; }
  }
  function saveRating(answerId, rating) {
    var s = storage();
    if (!s) return;
    var all = ratings();
    delete all[answerId];
    all[answerId] = rating;
    var ids = Object.keys(all);
    ids.slice(0, Math.max(0, ids.length - MAX_RATINGS)).forEach(function (id) { delete all[id]; });
    try { s.setItem(RATINGS_KEY, JSON.stringify(all)); } catch (e) { /* storage full: not worth failing */ }
  }
  function forgetRatings() { var s = storage(); if (s) s.removeItem(RATINGS_KEY); }

  /** The same question, ignoring spaces and punctuation ("专利导航谁出钱" = "专利导航谁出钱？"). */
  function sameQuestion(a, b) {
    function key(s) { return String(s || "").replace(/[\s？?。.！!，,、；;：:“”"'‘’]/g, ""); }
    return key(a) !== "" && key(a) === key(b);
  }

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

  function isJoint(f) {
    return !!f.shares || /共同/.test((f.authority || "") + (f.payer || ""));
  }

  /** The level badge's text: a joint verdict (no single level) is "共同", never a dash. */
  function levelText(f) {
    return f.level || (isJoint(f) ? "共同" : "");
  }

  function findingRow(f, scope) {
    var level = levelText(f);
    var notes = [];
    if (f.principle) notes.push("依据原则：" + f.principle);
    if (f.condition) notes.push("条件：" + f.condition);
    if (scope) notes.push(scope);
    return el("div", {class: "finding"},
      level ? el("span", {class: "finding-level", text: level}) : null,
      el("span", {class: "finding-badges"},
        f.authority ? el("span", {class: "badge badge-authority", title: "财政事权"},
          el("span", {class: "badge-key", text: "事权"}), f.authority) : null,
        f.payer ? el("span", {class: "badge badge-payer", title: "支出责任"},
          el("span", {class: "badge-key", text: "支出"}), payerText(f.payer)) : null),
      notes.length ? el("span", {class: "finding-principle", text: notes.join(" · ")}) : null);
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
    if (groups.length >= SUMMARY_MATTERS) {
      // A list answer: the text already names every item, so each distinct verdict is shown once
      // (per level), with the items it covers, instead of one badge row per item and level.
      var verdicts = [];
      var byVerdict = {};
      findings.forEach(function (f) {
        var key = [levelText(f), f.authority, f.payer, f.principle, f.condition, JSON.stringify(f.shares || null)].join("|");
        if (!(key in byVerdict)) { byVerdict[key] = {finding: f, matters: []}; verdicts.push(byVerdict[key]); }
        if (byVerdict[key].matters.indexOf(f.matter) < 0) byVerdict[key].matters.push(f.matter);
      });
      var group = el("div", {class: "finding-group finding-summary"},
        el("div", {class: "finding-matter", text: "共 " + groups.length + " 项，按层级："}));
      verdicts.forEach(function (v) {
        var n = v.matters.length;
        var scope = n === groups.length ? "适用于全部 " + n + " 项"
          : n <= 2 ? "适用于：" + v.matters.join("、") : "适用于其中 " + n + " 项";
        group.appendChild(findingRow(v.finding, scope));
      });
      box.appendChild(group);
      return box;
    }
    groups.forEach(function (g) {
      var group = el("div", {class: "finding-group"});
      if (g.matter) group.appendChild(el("div", {class: "finding-matter", text: g.matter}));
      g.rows.forEach(function (f) { group.appendChild(findingRow(f)); });
      box.appendChild(group);
    });
    return box;
  }

  function citationsBlock(citations, answerId) {
    var box = el("div", {class: "citations"});
    citations.forEach(function (c, i) {
      var label = citationLabel(c);
      // After the first chip of a document, its others need not repeat the 文号: "二（五）第1段" fits
      // beside its 原文 button on a phone.
      var prefix = (c.doc_number || "") + " ";
      var short = i > 0 && c.doc_id === citations[0].doc_id && c.doc_number && label.indexOf(prefix) === 0;
      var link = el("a", {class: "cite-chip", href: docLink(c), title: "查看原文：" + label,
        target: MODE === "embed" ? "_blank" : null, rel: MODE === "embed" ? "noopener" : null},
        el("span", {class: "cite-pill"}, el("span", {class: "cite-icon", "aria-hidden": "true", text: "§"}),
           short ? label.slice(prefix.length) : label));
      if (answerId && MODE === "full") {
        // 返回问答 comes back to this answer, not to the end of the conversation.
        link.addEventListener("click", function () {
          var s = storage("session");
          if (s) s.setItem(RETURN_KEY, answerId);
        });
      }
      var quote = c.quote ? el("blockquote", {class: "quote", text: "“" + c.quote + "”"}) : null;
      var caption = el("figcaption", null, link);
      var fig = el("figure", {class: "citation"}, quote, caption);
      if (quote && i > 0) {
        // Only the first quote is open: the others wait behind their chips.
        fig.classList.add("collapsed");
        var toggle = el("button", {type: "button", class: "quote-toggle", "aria-expanded": "false", text: "展开原文"});
        toggle.addEventListener("click", function () {
          var open = fig.classList.toggle("collapsed") === false;
          toggle.setAttribute("aria-expanded", String(open));
          toggle.textContent = open ? "收起原文" : "展开原文";
        });
        caption.appendChild(toggle);
      }
      box.appendChild(fig);
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
    function mark(value) {
      rating = value;
      up.classList.toggle("chosen", value === "up");
      down.classList.toggle("chosen", value === "down");
      up.setAttribute("aria-pressed", String(value === "up"));
      down.setAttribute("aria-pressed", String(value === "down"));
    }
    function choose(value) {
      mark(value);
      extra.hidden = false;
      note.textContent = "";
      comment.focus();
    }
    function done(text) {
      extra.hidden = true;
      up.disabled = down.disabled = true;
      note.className = "feedback-note ok";
      note.textContent = text;
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
          saveRating(answerId, rating);
          done("感谢反馈");
        })
        .catch(function () {
          submit.disabled = false;
          note.className = "feedback-note error";
          note.textContent = "反馈提交失败，请稍后再试";
        });
    });
    box.appendChild(el("div", {class: "feedback-bar"}, el("span", {class: "feedback-ask", text: "这个回答有帮助吗？"}), up, down, note));
    box.appendChild(extra);
    var given = ratings()[answerId];
    if (given === "up" || given === "down") {
      mark(given);
      done("已反馈");
    }
    return box;
  }

  /** Numbered items; past LIST_COLLAPSE_OVER only the first LIST_HEAD show, with a button for all. */
  function listBlock(items) {
    var list = el("div", {class: "answer-list"});
    items.forEach(function (text, i) {
      list.appendChild(el("p", {class: "detail list-item" + (i >= LIST_HEAD ? " list-more" : ""), text: text}));
    });
    if (items.length <= LIST_COLLAPSE_OVER) return list;
    list.classList.add("collapsed");
    var label = "展开全部 " + items.length + " 项";
    var more = el("button", {type: "button", class: "list-toggle", "aria-expanded": "false", text: label});
    more.addEventListener("click", function () {
      var open = list.classList.toggle("collapsed") === false;
      more.setAttribute("aria-expanded", String(open));
      more.textContent = open ? "收起" : label;
      if (!open) more.scrollIntoView({block: "nearest"});
    });
    list.appendChild(more);
    return list;
  }

  /** The card, and the suggestions it shows itself (examples it promises with "例如："). */
  function answerCard(result) {
    var citations = result.citations || [];
    var lines = String(result.answer || "").split(/\n+/).map(function (s) { return s.trim(); }).filter(Boolean);
    var verdict = lines.shift() || "";
    // The 依据 lines are shown as quotes with source chips below, so don't repeat them as prose.
    var rest = citations.length ? lines.filter(function (l) { return !/^依据/.test(l); }) : lines;
    var suggested = result.suggestions || [];
    var options = result.options || [];
    var labels = options.map(function (o) { return o.label; });
    // Numbered options are for channels without buttons: here they are buttons below.
    rest = rest.filter(function (l) {
      var n = /^\d+\.\s*(.+)$/.exec(l);
      return !(options.length && (/^（回复序号即可）$/.test(l) || (n && labels.indexOf(n[1].trim()) >= 0)));
    });
    // The server no longer had this conversation (expired, or restarted without it): a follow-up that
    // needed it says so rather than being a bare clarify.
    if (result.session_expired && result.status === "clarify") {
      rest.unshift(verdict);
      verdict = "之前的对话已过期，请补充完整问题";
    }
    // Runs of the text's lines: prose, example questions (· lines that are suggestions: shown as chips
    // where the text promises them), and numbered list items.
    var parts = [];
    var shown = [];
    rest.forEach(function (l) {
      var bullet = /^[·•\-]\s*(.+)$/.exec(l);
      var item = /^\d+[.．、]\s*\S/.test(l);
      var kind = bullet && suggested.indexOf(bullet[1].trim()) >= 0 ? "examples" : item ? "list" : "prose";
      var last = parts[parts.length - 1];
      var value = kind === "examples" ? bullet[1].trim() : l;
      if (kind === "examples") shown.push(value);
      if (kind !== "prose" && last && last.kind === kind) last.items.push(value);
      else parts.push({kind: kind, items: [value]});
    });
    var card = el("div", {class: "bubble bubble-bot card status-" + (result.status || "answered")});
    if (result.answer_id) card.setAttribute("data-answer-id", result.answer_id);
    if (STATUS_LABEL[result.status]) card.appendChild(el("span", {class: "status-tag", text: STATUS_LABEL[result.status]}));
    card.appendChild(el("p", {class: "verdict"}, el("strong", {text: verdict})));
    parts.forEach(function (p) {
      if (p.kind === "examples") card.appendChild(chips(p.items, "examples-inline"));
      else if (p.kind === "list") card.appendChild(listBlock(p.items));
      else card.appendChild(el("p", {class: "detail", text: p.items[0]}));
    });
    if (options.length) {
      var box = el("div", {class: "chips options"});
      options.forEach(function (o) {
        box.appendChild(el("button", {type: "button", class: "chip option", text: o.label,
                                      onclick: function () { ask(o.question); }}));
      });
      card.appendChild(box);
    }
    if (result.findings && result.findings.length) card.appendChild(findingsBlock(result.findings));
    if (citations.length) card.appendChild(citationsBlock(citations, result.answer_id));
    if (result.contact) card.appendChild(contactBlock(result.contact));
    if (result.answer_id) card.appendChild(feedbackBlock(result.answer_id));
    return {card: card, shown: shown};
  }

  // Phone numbers in the contact text: 0777-2800000, 12345, 400-123-4567, 13800000000 (not dates).
  var PHONE = /\+?\d[\d-]{3,}\d/g;
  var DATE = /^\d{4}-\d{1,2}-\d{1,2}$/;

  function contactBlock(text) {
    var p = el("p", {class: "contact"}, el("span", {class: "contact-key", text: "人工咨询："}));
    var pos = 0;
    var m;
    PHONE.lastIndex = 0;
    while ((m = PHONE.exec(text))) {
      var digits = m[0].replace(/-/g, "");
      if (digits.replace("+", "").length < 5 || DATE.test(m[0])) continue;    // not a number anyone dials
      if (m.index > pos) p.appendChild(document.createTextNode(text.slice(pos, m.index)));
      p.appendChild(el("a", {class: "tel", href: "tel:" + digits, text: m[0]}));
      pos = m.index + m[0].length;
    }
    if (pos < text.length) p.appendChild(document.createTextNode(text.slice(pos)));
    return p;
  }

  function addAnswer(result, questionRow, question) {
    var built = answerCard(result);
    var r = row("bot", built.card);
    var follow = (result.suggestions || []).filter(function (s) {
      return built.shown.indexOf(s) < 0 && !sameQuestion(s, question);
    });
    if (follow.length) {
      messages.appendChild(el("div", {class: "suggestions"},
        el("span", {class: "suggestions-label", text: "您可能还想问"}), chips(follow, "follow")));
    }
    // Scroll to the end, but never past the question: above a tall answer it stays in sight.
    if (questionRow) scrollToRow(questionRow); else scrollToEnd();
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
        addAnswer(res.data, asked, question);
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
    var s = storage("session");
    var back = s ? s.getItem(RETURN_KEY) : null;
    if (s) s.removeItem(RETURN_KEY);
    if (!sid) return;
    fetch("api/sessions/" + encodeURIComponent(sid)).then(function (r) {
      if (r.status === 404) { setSession(null); return null; }
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then(function (data) {
      if (!data) return;
      data.turns.forEach(function (t) { addAnswer(t.result, addUser(t.question), t.question); });
      // Back from the source viewer: show the answer whose citation was opened, with its question.
      var cards = messages.querySelectorAll(".card[data-answer-id]");
      for (var i = 0; i < cards.length; i++) {
        if (cards[i].getAttribute("data-answer-id") === back) {
          var answerRow = cards[i].parentNode;
          var q = answerRow.previousElementSibling;
          scrollToRow(q && q.classList.contains("row-user") ? q : answerRow);
          break;
        }
      }
    }).catch(function () {
      addNotice("无法连接服务器，暂时不能恢复之前的对话。");
    });
  }

  // ------------------------------------------------------------------ composer: counter, cut pastes

  var meta = el("div", {class: "composer-meta", hidden: true});
  var composerNote = el("span", {class: "composer-note", role: "status"});
  var counter = el("span", {class: "counter", "aria-live": "polite"});
  meta.appendChild(composerNote);
  meta.appendChild(counter);
  app.insertBefore(meta, form);

  function updateMeta() {
    var n = input.value.length;
    counter.textContent = n >= maxChars * COUNTER_FROM ? n + "/" + maxChars : "";
    counter.classList.toggle("full", n >= maxChars);
    meta.hidden = !counter.textContent && !composerNote.textContent;
  }

  input.addEventListener("paste", function (e) {
    var text = e.clipboardData ? e.clipboardData.getData("text/plain") : "";
    var start = input.selectionStart, end = input.selectionEnd;
    var room = maxChars - (input.value.length - (end - start));
    if (!text || text.length <= room) return;       // fits: the browser pastes it as usual
    // maxlength would cut it silently: insert what fits ourselves and say so.
    e.preventDefault();
    var kept = text.slice(0, Math.max(room, 0));
    if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1);   // never half a character
    input.setRangeText(kept, start, end, "end");
    composerNote.textContent = "粘贴的内容有 " + text.length + " 字，问题最多 " + maxChars + " 字，已截去超出的部分。";
    autosize();
    updateMeta();
  });

  // ------------------------------------------------------------------ new conversation (asks first)

  var confirmBox = el("div", {class: "confirm", role: "alertdialog", "aria-label": "开始新对话", hidden: true},
    el("span", {class: "confirm-text", text: "清空当前对话，开始新对话？"}));
  var confirmYes = el("button", {type: "button", class: "confirm-yes", text: "清空"});
  var confirmNo = el("button", {type: "button", class: "confirm-no", text: "取消"});
  confirmBox.appendChild(confirmNo);
  confirmBox.appendChild(confirmYes);
  app.insertBefore(confirmBox, messages);

  function startOver() {
    confirmBox.hidden = true;
    setSession(null);
    forgetRatings();
    messages.textContent = "";
    addWelcome();
    input.focus();
  }
  newChat.addEventListener("click", function () {
    if (!messages.querySelector(".row-user")) { startOver(); return; }   // nothing to lose
    confirmBox.hidden = !confirmBox.hidden;
    if (!confirmBox.hidden) confirmNo.focus();
  });
  confirmYes.addEventListener("click", startOver);
  confirmNo.addEventListener("click", function () { confirmBox.hidden = true; newChat.focus(); });
  confirmBox.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { confirmBox.hidden = true; newChat.focus(); }
  });

  // ------------------------------------------------------------------ wiring

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value;
    if (!q.trim() || busy) return;
    input.value = "";
    composerNote.textContent = "";
    autosize();
    updateMeta();
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
  input.addEventListener("input", function () { autosize(); updateMeta(); });
  // Restored from the back-forward cache: the page is as it was left, the return mark is spent.
  window.addEventListener("pageshow", function (e) {
    var s = storage("session");
    if (e.persisted && s) s.removeItem(RETURN_KEY);
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
