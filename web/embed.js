/* 政策问答助手 — embed snippet. On any page:
 *   <script src="（服务地址）/embed.js" data-title="政策问答"></script>
 * adds a floating chat button that opens the compact chat (/embed) in a panel. Styles live in a
 * shadow root so the host page's CSS and ours don't touch. The host's origin must be in
 * ASSISTANT_ALLOWED_ORIGINS, or the browser refuses to show /embed in the frame: the server writes that
 * list into this script, so on a host that is not allowed it shows nothing and says why in the console. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__policyAssistantEmbed) return;
  window.__policyAssistantEmbed = true;

  var base = new URL(".", script.src);               // the app's root, next to embed.js
  // Written by the server (GET /embed.js) from ASSISTANT_ALLOWED_ORIGINS; stays null when this file
  // is served as is, and then the check is left to the browser.
  var allowed = /*ALLOWED_ORIGINS*/null;
  if (allowed && !mayFrame(allowed)) {
    if (window.console) {
      console.warn("政策问答助手：本网站（" + location.origin + "）不在助手服务器的 ASSISTANT_ALLOWED_ORIGINS 中，" +
        "浏览器不允许嵌入，所以不显示咨询按钮。请在助手服务器上设置 ASSISTANT_ALLOWED_ORIGINS=" + location.origin +
        "（多个网站用逗号分隔）后重启服务。");
    }
    return;
  }

  /** The same test as the browser's frame-ancestors: the app's own origin, a listed origin, or "*". */
  function mayFrame(origins) {
    if (location.origin === base.origin) return true;
    for (var i = 0; i < origins.length; i++) {
      if (origins[i] === "*") return true;
      try { if (new URL(origins[i]).origin === location.origin) return true; } catch (e) { /* malformed */ }
    }
    return false;
  }

  var title = (script.getAttribute("data-title") || "政策问答助手").slice(0, 40);
  var src = new URL("embed", base);
  src.searchParams.set("title", title);

  var CSS = [
    ":host{all:initial}",
    ".pa-btn{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;border:0;border-radius:50%;",
    "background:#07c160;color:#fff;font:600 15px/1 sans-serif;box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer}",
    ".pa-btn:focus-visible{outline:3px solid #9ed9b6}",
    ".pa-panel{position:fixed;right:20px;bottom:88px;z-index:2147483001;width:380px;height:600px;",
    "max-height:calc(100vh - 108px);border-radius:10px;overflow:hidden;background:#ededed;",
    "box-shadow:0 8px 30px rgba(0,0,0,.3)}",
    ".pa-panel[hidden]{display:none}",
    ".pa-frame{display:block;width:100%;height:100%;border:0}",
    ".pa-close{position:absolute;top:2px;right:2px;width:44px;height:44px;border:0;border-radius:50%;",
    "background:transparent;color:#555;font:22px/1 sans-serif;cursor:pointer}",
    ".pa-close:hover{background:rgba(0,0,0,.08)}",
    "@media (max-width:480px){.pa-panel{right:0;bottom:0;width:100vw;height:100%;max-height:none;border-radius:0}}"
  ].join("");

  var host = document.createElement("div");
  host.id = "policy-assistant-embed";
  var root = host.attachShadow ? host.attachShadow({mode: "open"}) : host;
  var style = document.createElement("style");
  style.textContent = CSS;

  var button = document.createElement("button");
  button.type = "button";
  button.className = "pa-btn";
  button.textContent = "咨询";
  button.title = title;
  button.setAttribute("aria-label", "打开" + title);
  button.setAttribute("aria-expanded", "false");

  var panel = document.createElement("div");
  panel.className = "pa-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  var close = document.createElement("button");
  close.type = "button";
  close.className = "pa-close";
  close.textContent = "×";
  close.setAttribute("aria-label", "关闭");

  var frame = null;
  function toggle(open) {
    if (open && !frame) {
      // Load the chat only when first opened: host pages pay nothing until then.
      frame = document.createElement("iframe");
      frame.className = "pa-frame";
      frame.title = title;
      frame.src = src.href;
      panel.insertBefore(frame, close);
    }
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "×" : "咨询";
    button.setAttribute("aria-label", (open ? "关闭" : "打开") + title);
  }
  button.addEventListener("click", function () { toggle(panel.hidden); });
  close.addEventListener("click", function () { toggle(false); button.focus(); });

  panel.appendChild(close);
  root.appendChild(style);
  root.appendChild(panel);
  root.appendChild(button);
  function mount() { document.body.appendChild(host); }
  // The snippet may sit in <head>, before <body> exists.
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
