// claude_nb live view. The kernel sends one message per frame:
//   {seq, reset?, a?: pane, th?: pane, tl?: thinkingLabel, tk?: thinkingLive,
//    tools?: html, extra?: html, foot?: html, fn?: {c, t}: the footer's counts,
//    el?: elapsed seconds | null, st?: status}
// pane = {f?: [frozen html...], m?: move the first m units of live into frozen,
//         k: keep (UTF-16 units of the remaining live html), t: tail, n: new live length}
// State lives once per model (this factory runs once per model) so a second or late
// view of the same model is exact from its first frame; views only draw from it.
// The final frame carries `key`: when the static answer replaces the view, the view
// hands its DOM over under that key (see HANDOFF), with where its blocks were laid out.
// Only a page that shows the static answer (an element carrying the key) lets the
// kernel release the widget: a page reloaded or opened during the stream never gets
// that answer from Jupyter, so its view keeps showing the answer by itself, and with
// claude_nb's page extension it asks the kernel for the static answer to put in place.
const HANDOFF = Symbol.for("claude_nb.handoff");
const PENDING = "pending";
// Made by claude_nb's page extension: without it there is nobody to hand over to.
function handoffShelf() {
  return globalThis[HANDOFF] || null;
}
export default () => {
  const state = {
    seq: -1,
    panes: { a: { frozen: [], live: "" }, th: { frozen: [], live: "" } },
    tl: "", tk: false, rd: "", tools: "", extra: "", foot: "", fn: {}, st: "waiting",
    el: null, elAt: 0, key: null,
    views: new Set(), ticks: new Set(), finals: new Set(),
  };
  let model = null;
  let ticker = null;
  let drawnAt = 0;
  const ENDED = new Set(["done", "error", "stopped"]);

  function requestSync() {
    if (model) model.send({ type: "sync" });
  }

  // Elapsed time counts on in the page while the stream is silent (a long thinking
  // pause, a stall): one timer per model, no kernel message per tick.
  function elapsedText() {
    return (state.el + (performance.now() - state.elAt) / 1000).toFixed(1) + " s";
  }
  function setTicker() {
    const running = typeof state.el === "number";
    // While frames flow, each draw sets the time: the timer only fills silences (a
    // page update of its own would cost a frame's paint for one digit).
    const fill = () => {
      if (performance.now() - drawnAt < 150) return;
      for (const tick of state.ticks) tick();
    };
    if (running && !ticker) ticker = setInterval(fill, 200);
    if (!running && ticker) { clearInterval(ticker); ticker = null; }
  }

  function applyPane(name, p, reset) {
    const pane = state.panes[name];
    if (reset) { pane.frozen = []; pane.live = ""; }
    if (p.m) { pane.frozen.push(pane.live.slice(0, p.m)); pane.live = pane.live.slice(p.m); }
    if (p.f && p.f.length) pane.frozen.push(...p.f);
    pane.live = pane.live.slice(0, p.k) + p.t;
    return pane.live.length === p.n;
  }

  // Where the static answer for `key` is on the page (the kernel's, or this view's DOM
  // taken over by it): then, and only then, may the kernel let the widget go.
  function staticShown(key) {
    return !!document.querySelector(`[data-cnb-key="${CSS.escape(key)}"]`);
  }
  function releaseOnceReplaced(tries = 0) {
    if (!model || !state.key) return;
    if (staticShown(state.key)) { model.send({ type: "release" }); return; }
    if (tries < 100) setTimeout(() => releaseOnceReplaced(tries + 1), 100);
  }
  // A page that never got the static answer (reloaded during the stream) asks for it,
  // where the page extension can put it in place of the widget (and so in the saved
  // notebook); elsewhere the view goes on showing the answer.
  let asked = false;
  function askForStaticAnswer() {
    if (asked || !model || !state.key) return;
    asked = true;
    setTimeout(() => {
      const shelf = handoffShelf();
      if (state.views.size && shelf && shelf.replaceOutput && !staticShown(state.key)) model.send({ type: "bundle" });
    }, 2000);
  }

  function onMessage(msg) {
    if (msg && msg.type === "bundle") {
      const shelf = handoffShelf();
      if (shelf && shelf.replaceOutput) shelf.replaceOutput(msg.model, msg.data);
      return;
    }
    if (!msg || typeof msg.seq !== "number") return;
    if (!msg.reset && msg.seq !== state.seq + 1) { requestSync(); return; }
    let ok = true;
    for (const name of ["a", "th"]) {
      if (msg[name]) ok = applyPane(name, msg[name], msg.reset) && ok;
      else if (msg.reset) { state.panes[name] = { frozen: [], live: "" }; }
    }
    for (const key of ["tl", "tk", "rd", "tools", "extra", "foot", "fn", "st", "el", "ask", "runs"]) {
      if (key in msg) state[key] = msg[key];
    }
    if ("el" in msg) state.elAt = performance.now();
    if ("st" in msg && ENDED.has(msg.st)) state.endedAt = performance.now();
    if (typeof msg.key === "string" && !state.key) {
      state.key = msg.key;
      for (const final of state.finals) final();
      // The static answer may reach the page before this view leaves it: its renderer
      // learns here that a view is about to hand over, and waits for it.
      const shelf = handoffShelf();
      if (shelf && !shelf.has(msg.key)) {
        shelf.set(msg.key, PENDING);
        setTimeout(() => { if (shelf.get(msg.key) === PENDING) shelf.delete(msg.key); }, 10000);
      }
    }
    if (state.key && ENDED.has(state.st)) askForStaticAnswer();
    setTicker();
    state.seq = msg.seq;
    if (!ok) { state.seq = -1; requestSync(); }
    schedule();
  }

  // Views draw once per animation frame, not once per message: messages that arrive
  // together cost one layout, and a hidden tab draws nothing until it is shown. A
  // frame adds at most `budget` elements of finished blocks to the page (the rest wait
  // for the next frame), so a burst (a fast stream, a page catching up, a late view
  // of a long answer) never blocks the page for long: the layout of what is added,
  // not the parse, is what costs. What an element costs differs threefold between
  // machines, so the budget follows what frames took: from the start of a frame that
  // added blocks to the start of the next one is that frame's script, style, layout
  // and paint. A frame over FRAME_MS cuts the budget to what would have fit; a cheap
  // frame that used most of it lets it grow, up to MAX_BUDGET.
  const MAX_BUDGET = 1500, MIN_BUDGET = 150, FRAME_MS = 30;
  let budget = 400;
  let scheduled = false, frameAt = 0, added = 0;
  function adapt(now) {
    if (!added) return;
    const spent = now - frameAt;
    if (spent > 1000) { added = 0; return; } // a hidden page: no frames, nothing learnt
    if (spent > FRAME_MS) budget = Math.max(MIN_BUDGET, Math.min(budget, Math.round((added * FRAME_MS) / spent)));
    else if (added >= budget / 2) budget = Math.min(MAX_BUDGET, Math.round(budget * 1.25));
    added = 0;
  }
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame((now) => {
      scheduled = false;
      adapt(now);
      drawnAt = performance.now();
      let more = false;
      for (const draw of state.views) more = draw() || more;
      if (added) frameAt = now;
      if (more) schedule();
      else if (added) requestAnimationFrame(adapt); // the start of the next frame ends this one
    });
  }

  function build(el) {
    el.innerHTML = "";
    const root = document.createElement("div");
    root.className = "cnb jp-RenderedHTMLCommon cnb-live-root mathjax_ignore tex2jax_ignore";
    root.innerHTML =
      '<details class="cnb-thinking cnb-hidden"><summary></summary>' +
      '<div class="cnb-thinking-body"><div class="cnb-frozen"></div><div class="cnb-live"></div><div class="cnb-rd-box"></div></div></details>' +
      '<div class="cnb-answer"><div class="cnb-frozen"></div><div class="cnb-live"></div></div>' +
      '<div class="cnb-extra"></div><div class="cnb-tools-box"></div><div class="cnb-foot-box"></div>';
    // Stop, while the answer streams: heard by the kernel even though the cell is
    // still running (the stream's loop dispatches the page's messages).
    const stop = document.createElement("button");
    stop.type = "button"; stop.className = "cnb-stop"; stop.textContent = "Stop";
    stop.title = "Stop this answer (what arrived is kept)";
    stop.addEventListener("click", () => {
      stop.disabled = true; stop.textContent = "Stopping";
      if (model) model.send({ type: "stop" });
    });
    root.appendChild(stop);
    el.appendChild(root);
    const q = (s) => root.querySelector(s);
    const dom = {
      root,
      details: q(".cnb-thinking"), summary: q(".cnb-thinking > summary"),
      a: { frozen: q(".cnb-answer > .cnb-frozen"), live: q(".cnb-answer > .cnb-live"), count: 0, html: null, queue: document.createDocumentFragment() },
      th: { frozen: q(".cnb-thinking-body > .cnb-frozen"), live: q(".cnb-thinking-body > .cnb-live"), count: 0, html: null, queue: document.createDocumentFragment() },
      rd: q(".cnb-rd-box"), extra: q(".cnb-extra"), tools: q(".cnb-tools-box"), foot: q(".cnb-foot-box"),
      last: {},
    };
    return dom;
  }

  // A copy button on each finished code block. Added by the page only: the HTML the
  // kernel sends (and the saved snapshot) holds no button and no script.
  async function copyText(text) {
    try { await navigator.clipboard.writeText(text); return true; } catch (_) { /* not a secure context */ }
    const area = document.createElement("textarea");
    area.value = text; area.setAttribute("readonly", ""); area.style.position = "fixed"; area.style.opacity = "0";
    document.body.appendChild(area); area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
    area.remove();
    return ok;
  }
  function button(label, title, onClick) {
    const b = document.createElement("button");
    // The label is CSS content, not text: the answer's text (innerText, a copy of
    // the whole answer) holds the code alone.
    b.type = "button"; b.className = "cnb-copy"; b.dataset.label = label;
    b.title = title; b.setAttribute("aria-label", title);
    b.addEventListener("click", async () => {
      const said = await onClick();
      b.dataset.label = said;
      setTimeout(() => { b.dataset.label = label; }, 1500);
    });
    return b;
  }
  function addCopyButtons(fragment) {
    for (const pre of fragment.querySelectorAll("pre")) {
      if (pre.closest(".cnb-tools")) continue;
      const code = () => (pre.querySelector("code") || pre).textContent;
      const bar = document.createElement("span");
      bar.className = "cnb-code-bar";
      bar.appendChild(button("Copy", "Copy this code", async () => ((await copyText(code())) ? "Copied" : "Copy failed")));
      // Where claude_nb's page extension is, the code can go into a new cell below the
      // answer's cell (as %claude code does); elsewhere only Copy is offered.
      const shelf = handoffShelf();
      if (shelf && shelf.insertBelow) {
        bar.appendChild(button("Insert below", "Insert this code in a new cell below", async () =>
          (shelf.insertBelow(pre, code().replace(/\n$/, "")) ? "Inserted" : "Copied: " + ((await copyText(code())) ? "paste it" : "failed"))));
      }
      pre.classList.add("cnb-has-copy");
      pre.prepend(bar);
    }
  }
  // Parsed in an inert <template>: nothing in it runs or loads until it is placed,
  // and a <script> parsed this way never runs (the sanitizer removes them anyway).
  function parseHtml(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    addCopyButtons(template.content);
    return template.content;
  }
  function weight(node) {
    return node.nodeType === 1 ? 1 + node.getElementsByTagName("*").length : 0;
  }

  // New finished blocks are parsed at once and queued; the queue goes into the page
  // up to the frame's budget (at least one block). True when some wait for the next
  // frame: the live block is drawn only after them, so the answer never shows a gap.
  function enqueue(d, pane) {
    if (pane.frozen.length > d.count) {
      d.queue.appendChild(parseHtml(pane.frozen.slice(d.count).join("")));
      d.count = pane.frozen.length;
    }
  }
  function setLive(d, pane) {
    if (d.html !== pane.live) { d.live.innerHTML = pane.live; d.html = pane.live; }
  }
  function drawPane(d, pane) {
    if (pane.frozen.length < d.count) { d.frozen.innerHTML = ""; d.count = 0; d.queue = document.createDocumentFragment(); }
    enqueue(d, pane);
    if (d.queue.firstChild) {
      const batch = document.createDocumentFragment();
      let spent = 0;
      for (let node = d.queue.firstChild; node; node = d.queue.firstChild) {
        const cost = weight(node);
        if (spent > 0 && spent + cost > budget) break;
        spent += cost;
        batch.appendChild(node);
      }
      d.frozen.appendChild(batch);
      added += spent;
      if (d.queue.firstChild) {
        if (d.html !== "") { d.live.innerHTML = ""; d.html = ""; }
        return true;
      }
    }
    setLive(d, pane);
    return false;
  }

  // Everything the pane holds, into the page at once: the view is leaving the page
  // (its DOM is detached, so this costs no layout) and hands its DOM on complete.
  function drainPane(d, pane) {
    enqueue(d, pane);
    if (d.queue.firstChild) d.frozen.appendChild(d.queue);
    setLive(d, pane);
  }
  // Where the answer's blocks are as laid out now (the stream has just ended, the
  // last frame is painted, so reading this forces no layout): the static answer's
  // renderer lays out at once only the blocks on screen, holding the place of the rest.
  function measure(dom) {
    const boxes = new Map();
    for (const box of [dom.a.frozen, dom.a.live]) {
      for (const child of box.children) {
        const rect = child.getBoundingClientRect();
        const style = getComputedStyle(child);
        boxes.set(child, {
          top: rect.top, bottom: rect.bottom,
          mt: parseFloat(style.marginTop) || 0, mb: parseFloat(style.marginBottom) || 0,
        });
      }
    }
    return { boxes, viewport: window.innerHeight };
  }
  function handOff(dom, draw) {
    drainPane(dom.a, state.panes.a);
    drainPane(dom.th, state.panes.th);
    draw();
    const shelf = handoffShelf();
    const key = state.key;
    if (!shelf || !key) return;
    dom.root.dataset.cnbKey = key;
    const entry = { root: dom.root, layout: dom.layout || null, blocks: [dom.a.frozen, dom.a.live] };
    const waiting = shelf.get(key);
    if (typeof waiting === "function") { shelf.delete(key); waiting(entry); return; }
    shelf.set(key, entry);
    // Nothing claims it in a page without claude_nb's extension: let it go.
    setTimeout(() => { if (shelf.get(key) === entry) shelf.delete(key); }, 5000);
  }

  // The agent's request to run code, in the row of its call: the question's HTML
  // comes sanitized from the kernel; the buttons are the page's own (never saved).
  function renderAsk(dom) {
    if (dom.last.ask === state.ask && dom.last.askOn === dom.last.tools) return;
    dom.last.ask = state.ask; dom.last.askOn = dom.last.tools;
    const old = dom.tools.querySelector(".cnb-ask");
    if (old) old.remove();
    const ask = state.ask;
    if (!ask || !ask.id || !model) return;
    const row = dom.tools.querySelector(`tr[data-tool-id="${CSS.escape(ask.id)}"]`);
    const label = row && row.querySelector("td small");
    if (label) label.textContent = ask.options ? "waiting for your answer" : "waiting for your approval";
    const holder = document.createElement(row ? "tr" : "div");
    holder.className = "cnb-ask";
    const cell = row ? document.createElement("td") : holder;
    if (row) { cell.colSpan = 3; holder.appendChild(cell); }
    const question = document.createElement("div");
    question.innerHTML = ask.html;
    if (ask.options) { // Claude's question to the user: a button per option, or typed
      const bar = document.createElement("div");
      bar.className = "cnb-ask-bar";
      const typed = document.createElement("input");
      typed.type = "text"; typed.className = "cnb-ask-reason"; typed.placeholder = "or type an answer";
      const answer = (text) => {
        for (const b of bar.querySelectorAll("button")) b.disabled = true;
        model.send({ type: "consent", action: "answer", text });
      };
      for (const option of ask.options) {
        const b = document.createElement("button");
        b.type = "button"; b.textContent = option; b.addEventListener("click", () => answer(option));
        bar.appendChild(b);
      }
      const send = document.createElement("button");
      send.type = "button"; send.textContent = "Send"; send.addEventListener("click", () => answer(typed.value));
      bar.append(typed, send);
      cell.append(question, bar);
      if (row) row.after(holder); else dom.tools.appendChild(holder);
      return;
    }
    const editor = document.createElement("textarea");
    editor.className = "cnb-ask-edit"; editor.hidden = true; editor.value = ask.code || ""; editor.rows = 8;
    const reason = document.createElement("input");
    reason.type = "text"; reason.className = "cnb-ask-reason"; reason.placeholder = "why not (optional, Claude is told)";
    const bar = document.createElement("div");
    bar.className = "cnb-ask-bar";
    const send = (action, code) => {
      for (const b of bar.querySelectorAll("button")) b.disabled = true;
      model.send({ type: "consent", action, code, reason: reason.value });
    };
    const edited = () => (editor.hidden ? null : editor.value);
    const add = (label, onClick, primary) => {
      const b = document.createElement("button");
      b.type = "button"; b.textContent = label; b.className = primary ? "cnb-ask-primary" : "";
      b.addEventListener("click", onClick);
      bar.appendChild(b);
      return b;
    };
    add("Run", () => send("run", edited()), true);
    add("Run all for this cell", () => send("run_all", edited()));
    const edit = add("Edit", () => {
      if (editor.hidden) { editor.hidden = false; edit.textContent = "Run edited"; editor.focus(); }
      else send("run", editor.value);
    });
    add("Skip", () => send("skip", null));
    add("Stop", () => send("stop", null));
    bar.appendChild(reason);
    cell.append(question, editor, bar);
    if (row) row.after(holder); else dom.tools.appendChild(holder);
  }

  // Once an agent's answer has ended: its runs as cells below, one a run, where
  // claude_nb's page extension can insert cells (%claude runs joins them elsewhere).
  function renderRuns(dom) {
    const runs = ENDED.has(state.st) ? state.runs || [] : [];
    const shelf = handoffShelf();
    if (dom.last.runs === runs.length || !shelf || !shelf.insertBelow) return;
    dom.last.runs = runs.length;
    const old = dom.root.querySelector(".cnb-runs");
    if (old) old.remove();
    if (!runs.length) return;
    const b = document.createElement("button");
    b.type = "button"; b.className = "cnb-runs";
    b.textContent = `Insert the ${runs.length === 1 ? "run" : runs.length + " runs"} as cells below`;
    b.addEventListener("click", () => {
      let ok = true;
      for (const source of [...runs].reverse()) ok = shelf.insertBelow(dom.root, source) && ok;
      b.disabled = true; b.textContent = ok ? "Inserted" : "Could not insert: use %claude runs";
    });
    dom.root.appendChild(b);
  }

  function setOnce(dom, key, el, value) {
    if (dom.last[key] !== value) { el.innerHTML = value; dom.last[key] = value; }
  }

  return {
    initialize(ctx) {
      model = ctx.model;
      model.on("msg:custom", onMessage);
      // The kernel sends the first frame with the display, so a page that watched
      // from the start has it by now; a page opened or reloaded later (or during a
      // silence) has nothing and asks for the whole state. A gap asks too (onMessage).
      const check = setTimeout(() => { if (state.seq < 0) requestSync(); }, 500);
      return () => { clearTimeout(check); model.off("msg:custom", onMessage); };
    },
    render({ el }) {
      const dom = build(el);
      const draw = () => {
        const more = drawPane(dom.a, state.panes.a) | drawPane(dom.th, state.panes.th);
        const hasThinking = state.tl !== "";
        dom.details.classList.toggle("cnb-hidden", !hasThinking);
        if (dom.last.tl !== state.tl) { dom.summary.textContent = state.tl; dom.last.tl = state.tl; }
        dom.details.dataset.live = state.tk ? "1" : "0";
        setOnce(dom, "rd", dom.rd, state.rd);
        setOnce(dom, "extra", dom.extra, state.extra);
        setOnce(dom, "tools", dom.tools, state.tools);
        renderAsk(dom);
        renderRuns(dom);
        if (dom.last.foot !== state.foot) {
          dom.foot.innerHTML = state.foot; dom.last.foot = state.foot;
          dom.elapsed = dom.foot.querySelector(".cnb-elapsed");
          dom.last.fn = null;
        }
        // Between changes of wording only the footer's counts move: written in place.
        if (dom.last.fn !== state.fn) {
          for (const [name, value] of Object.entries(state.fn || {})) {
            const span = dom.foot.querySelector(`.cnb-n-${name}`);
            const text = Number(value).toLocaleString("en-US");
            if (span && span.textContent !== text) span.textContent = text;
          }
          dom.last.fn = state.fn;
        }
        tick();
        // Ended, but finished blocks still queued for the next frames: not "done" on
        // this page until the whole answer is drawn (a reloaded page catching up).
        dom.root.dataset.status = more && ENDED.has(state.st) ? "drawing" : state.st;
        return more;
      };
      const tick = () => {
        if (dom.elapsed && typeof state.el === "number") {
          const text = elapsedText();
          if (dom.elapsed.textContent !== text) dom.elapsed.textContent = text;
        }
      };
      const final = () => { if (dom.root.isConnected) dom.layout = measure(dom); };
      state.views.add(draw);
      state.ticks.add(tick);
      state.finals.add(final);
      if (draw()) schedule();
      return () => {
        state.views.delete(draw);
        state.ticks.delete(tick);
        state.finals.delete(final);
        // Removed once the stream ended: when the output was replaced by the static
        // answer (what the notebook saves), the kernel may let the widget go. A view
        // removed for any other reason (a page re-rendering its outputs) keeps it.
        if (!state.views.size && state.endedAt && model) {
          if (state.key && handoffShelf()) handOff(dom, draw);
          releaseOnceReplaced();
        }
      };
    },
  };
};
