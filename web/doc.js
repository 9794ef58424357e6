/* Source viewer: /doc/{doc_id}?q=<quote>#<anchor>. Renders the parsed tree, scrolls to the anchored
 * paragraph and highlights the quoted span. Text only (textContent), never HTML. */
(function () {
  "use strict";

  var paper = document.getElementById("paper");
  var locator = document.getElementById("locator");
  var docId = decodeURIComponent(location.pathname.replace(/\/+$/, "").split("/").pop() || "");
  var quote = new URLSearchParams(location.search).get("q") || "";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  var TAGS = {notice_title: "h1", title: "h2", doc_number: "p", addressee: "p", date: "p", paragraph: "p"};
  var TITLES = {notice_title: true, title: true, heading: true};
  // A line break inside a title (published titles are often set on two or three lines) reaches us as a
  // space or a newline between two Chinese characters, where Chinese has none.
  var CJK = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef";
  var BROKEN = new RegExp("([" + CJK + "])\\s+(?=[" + CJK + "])", "g");

  function joinBroken(text) {
    return String(text || "").replace(BROKEN, "$1");
  }

  function blockNode(b) {
    var tag = TAGS[b.kind] || "p";
    if (b.kind === "heading") tag = "h" + Math.min(3 + Math.max((b.depth || 1) - 1, 0), 6);
    var node = el(tag, "blk blk-" + (b.kind || "paragraph") + " depth-" + (b.depth || 0),
                  TITLES[b.kind] ? joinBroken(b.text) : b.text);
    if (TITLES[b.kind]) node.setAttribute("data-title", "");
    if (b.anchor) node.id = b.anchor;
    if (b.label) node.setAttribute("data-label", b.label);
    return node;
  }

  /** Wrap the quoted span(s) of `node` in <mark>; engines may elide with “……”, so match the pieces. */
  function highlight(node, q) {
    var text = node.textContent;
    q = q.replace(/^[“"「『\s]+|[”"」』\s]+$/g, "");
    var pieces = text.indexOf(q) >= 0 ? [q] : q.split(/…+|\.{3,}/).map(function (s) { return s.trim(); })
      .filter(function (s) { return s.length >= 2 && text.indexOf(s) >= 0; });
    if (!q || !pieces.length) return 0;
    var ranges = [];
    var from = 0;
    pieces.forEach(function (p) {
      var i = text.indexOf(p, from);
      if (i >= 0) { ranges.push([i, i + p.length]); from = i + p.length; }
    });
    node.textContent = "";
    var pos = 0;
    ranges.forEach(function (r) {
      if (r[0] > pos) node.appendChild(document.createTextNode(text.slice(pos, r[0])));
      node.appendChild(el("mark", "quote-mark", text.slice(r[0], r[1])));
      pos = r[1];
    });
    if (pos < text.length) node.appendChild(document.createTextNode(text.slice(pos)));
    return ranges.length;
  }

  function focusAnchor() {
    var prev = paper.querySelector(".target");
    if (prev) prev.classList.remove("target");
    var anchor = decodeURIComponent(location.hash.slice(1));
    if (!anchor) return;
    var node = document.getElementById(anchor);
    if (!node) {
      locator.hidden = false;
      locator.textContent = "未在原文中找到引用位置。";
      return;
    }
    node.classList.add("target");
    if (quote && !node.querySelector("mark")) highlight(node, node.hasAttribute("data-title") ? joinBroken(quote) : quote);
    var label = node.getAttribute("data-label");
    if (label) {
      locator.hidden = false;
      locator.textContent = "引用位置：" + label;
    }
    node.scrollIntoView({block: "center"});
  }

  function render(doc) {
    paper.textContent = "";
    document.title = (doc.title || "原文") + " - 政策问答助手";
    var meta = el("div", "meta");
    [["文号", doc.doc_number], ["发文机关", doc.issuer], ["成文日期", doc.date_issued], ["施行日期", doc.date_effective]]
      .forEach(function (kv) {
        if (!kv[1]) return;
        var item = el("span", "meta-item");
        item.appendChild(el("span", "meta-key", kv[0]));
        item.appendChild(document.createTextNode(kv[1]));
        meta.appendChild(item);
      });
    paper.appendChild(meta);
    (doc.blocks || []).forEach(function (b) { paper.appendChild(blockNode(b)); });
    paper.setAttribute("aria-busy", "false");
    focusAnchor();
  }

  function fail(message) {
    paper.textContent = "";
    paper.appendChild(el("p", "error", message));
    paper.setAttribute("aria-busy", "false");
  }

  document.getElementById("back").addEventListener("click", function (e) {
    // Came from the chat in this tab: go back so the conversation is exactly where it was.
    if (document.referrer && new URL(document.referrer).origin === location.origin && history.length > 1) {
      e.preventDefault();
      history.back();
    }
  });
  window.addEventListener("hashchange", focusAnchor);

  fetch("../api/documents/" + encodeURIComponent(docId)).then(function (r) {
    if (r.status === 404) { fail("未找到该文件，或该文件暂不提供原文查看。"); return; }
    if (!r.ok) { fail("原文加载失败，请稍后再试。"); return; }
    return r.json().then(render);
  }).catch(function () {
    fail("无法连接服务器，请检查网络后重试。");
  });
})();
