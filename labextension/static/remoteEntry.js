// claude_nb's JupyterLab / Notebook 7 extension: the renderer of the static answer a
// stream leaves (mime type application/vnd.claude-nb.answer+json beside its text/html).
//
// Why: when a stream ends, the kernel replaces the live widget by the static answer,
// the one the notebook saves. Stock JupyterLab parses that HTML and lays the whole
// answer out again in one task, just as the page has laid it out during the stream:
// for a long answer the page freezes for a second as the answer completes. In the page
// that watched, this renderer takes over the live view's DOM instead (handed over by
// the view under the key the bundle names): the blocks on screen stay as they are, the
// rest wait unlaid-out (display: none) behind spacers of the height they had, and come
// back a few groups per frame. Anywhere else (a reopened notebook, another page) it shows the text/html
// as JupyterLab's own renderer would. Untrusted output never reaches it (not safe:
// JupyterLab shows it sanitized as text/html), nor do viewers without the extension.
//
// This file is a module federation container written by hand (init + get, what
// JupyterLab's loader calls): the renderer needs nothing but Lumino's Widget, which
// comes from the page's shared scope, so there is no build step and nothing bundled.
(function () {
  "use strict";
  const NAME = "claude-nb";
  const MIME = "application/vnd.claude-nb.answer+json";
  const HANDOFF = Symbol.for("claude_nb.handoff");
  // Frames stay short on any machine: the number of held groups shown per frame
  // halves when a frame took long and grows back when frames are cheap.
  const FRAME_MS = 30, MAX_GROUPS = 12, GROUP_PX = 600, MARGIN_PX = 300;
  let Widget = null;

  // The blocks of the answer's finished part, in groups about GROUP_PX tall. Groups on
  // screen (as the view last laid them out), and the first and last, stay; every other
  // group is hidden (display: none costs no layout) behind a spacer that holds its
  // place: a run of hidden groups between the shown blocks P and N keeps P and N where
  // they were (spacers have no margins, so the run spans N.top - P.bottom less the
  // margins P and N keep). Returns the held groups, nearest the screen first.
  function holdOffScreen(list, { boxes, viewport }) {
    const groups = [];
    let group = null;
    for (const block of list) {
      const box = boxes.get(block);
      if (!box) break; // drawn after the last painted frame: shown, as are all after it
      if (!group || box.bottom - group.top > GROUP_PX) {
        group = { index: groups.length, blocks: [], top: box.top };
        groups.push(group);
      }
      group.blocks.push(block);
      group.bottom = box.bottom;
    }
    const onScreen = (g) => g.bottom > -MARGIN_PX && g.top < viewport + MARGIN_PX;
    const held = [];
    for (let i = 1; i < groups.length - 1; i++) {
      if (!onScreen(groups[i])) held.push(groups[i]);
    }
    // Spacer heights, run by run.
    for (let i = 0; i < held.length; ) {
      let j = i;
      while (j + 1 < held.length && held[j + 1].index === held[j].index + 1) j++;
      const before = groups[held[i].index - 1], after = groups[held[j].index + 1];
      const p = boxes.get(before.blocks[before.blocks.length - 1]), n = boxes.get(after.blocks[0]);
      let left = Math.max(0, n.top - p.bottom - p.mb - n.mt);
      for (let k = i; k <= j; k++) {
        const next = k < j ? held[k + 1].top : held[k].top + left;
        const height = k < j ? Math.min(left, Math.max(0, next - held[k].top)) : left;
        hide(held[k], height);
        left -= height;
      }
      i = j + 1;
    }
    const middle = viewport / 2;
    return held.sort((a, b) => Math.abs((a.top + a.bottom) / 2 - middle) - Math.abs((b.top + b.bottom) / 2 - middle));
  }

  function hide(group, height) {
    const first = group.blocks[0];
    group.spacer = document.createElement("div");
    group.spacer.className = "cnb-spacer";
    group.spacer.style.height = `${height}px`;
    group.wrap = document.createElement("div");
    group.wrap.className = "cnb-held";
    group.wrap.style.display = "none";
    first.before(group.spacer, group.wrap);
    group.wrap.append(...group.blocks);
  }

  function show(group) {
    if (!group.wrap) return;
    group.wrap.style.removeProperty("display");
    group.spacer.remove();
    group.wrap = group.spacer = null;
  }

  // The live view and this renderer meet on a page-wide shelf, under the key the final
  // frame and the static bundle both carry. Either may come first: the view leaves an
  // entry (its DOM) or finds the renderer waiting (a function); the renderer finds the
  // entry, or a note that a view is about to leave ("pending") and waits for it.
  const PENDING = "pending", WAIT_MS = 1000;
  function shelf() {
    return (globalThis[HANDOFF] = globalThis[HANDOFF] || new Map());
  }

  function styleOf(html) {
    const end = html.startsWith("<style>") ? html.indexOf("</style>") : -1;
    return end > 0 ? html.slice(0, end + "</style>".length) : "";
  }

  function makeRenderer() {
    class AnswerRenderer extends Widget {
      constructor(options) {
        super();
        this.mimeType = options.mimeType;
        this.addClass("cnb-answer-output");
        // The page's MathJax: the saved answer writes its formulas as TeX for it.
        this._typesetter = options.latexTypesetter || null;
        this._pending = null;
        this._frame = 0;
      }

      async renderModel(model) {
        const html = String(model.data["text/html"] || "");
        const key = (model.data[MIME] || {}).key;
        const found = typeof key === "string" && !this.node.firstChild ? shelf().get(key) : undefined;
        if (found && typeof found === "object") {
          shelf().delete(key);
          this._adopt(found, html);
        } else if (found === PENDING) {
          const take = (entry) => {
            clearTimeout(timer);
            if (!this.isDisposed) this._adopt(entry, html);
          };
          const timer = setTimeout(() => {
            if (shelf().get(key) === take) shelf().delete(key);
            if (!this.isDisposed) this._show(html);
          }, WAIT_MS);
          shelf().set(key, take);
        } else {
          this._show(html);
        }
      }

      _show(html) {
        this._stop();
        this.node.innerHTML = html;
        if (this._typesetter) this._typesetter.typeset(this.node);
      }

      _adopt(entry, html) {
        const { root, layout, blocks } = entry;
        const held = layout ? holdOffScreen([...blocks[0].children], layout) : [];
        // anywidget's stylesheet goes with the widget; the answer's own comes along.
        this.node.innerHTML = styleOf(html);
        this.node.appendChild(root);
        this._pending = { root, held, next: 0, budget: 1 };
        this._schedule();
      }

      // A frame shows the next held groups (nearest the screen first): as many as fit
      // in FRAME_MS, learnt from what the last frames took.
      _schedule() {
        if (this._frame || !this._pending) return;
        let last = 0;
        const step = (now) => {
          this._frame = 0;
          const p = this._pending;
          if (!p) return;
          const spent = last ? now - last : 0;
          if (spent > FRAME_MS && spent < 1000) p.budget = Math.max(1, Math.floor(p.budget / 2));
          else if (spent && spent <= FRAME_MS * 0.7) p.budget = Math.min(MAX_GROUPS, p.budget + 1);
          const end = Math.min(p.held.length, p.next + p.budget);
          for (let i = p.next; i < end; i++) show(p.held[i]);
          p.next = end;
          if (p.next < p.held.length) {
            last = now;
            this._frame = requestAnimationFrame(step);
          } else {
            this._finish();
          }
        };
        this._frame = requestAnimationFrame(step);
      }

      _finish() {
        const p = this._pending;
        this._pending = null;
        // What the page shows is the static answer now, no longer the live view.
        if (p) p.root.classList.remove("cnb-live-root");
      }

      _stop() {
        if (this._frame) cancelAnimationFrame(this._frame);
        this._frame = 0;
        if (this._pending) for (const group of this._pending.held) show(group);
        this._finish();
      }

      dispose() {
        this._stop();
        super.dispose();
      }
    }
    return AnswerRenderer;
  }

  // A page reloaded (or opened) during a stream never gets the static answer: Jupyter
  // sends the display update only to the page that ran the cell. Its live view asks
  // the kernel for it and hands it here: the output that shows the widget becomes the
  // static answer, as in the page that watched, so the notebook saves the answer.
  const WIDGET_MIME = "application/vnd.jupyter.widget-view+json";
  function replaceOutput(app, modelId, data) {
    for (const panel of app.shell.widgets("main")) {
      const cells = panel && panel.content && panel.content.widgets;
      if (!cells) continue;
      for (const cell of cells) {
        const outputs = cell.model && cell.model.outputs;
        if (!outputs) continue;
        for (let i = 0; i < outputs.length; i++) {
          const shown = outputs.get(i).data[WIDGET_MIME];
          if (shown && shown.model_id === modelId) {
            outputs.set(i, { output_type: "display_data", data, metadata: {} });
          }
        }
      }
    }
  }

  // A code block's "Insert below": a new code cell under the cell whose output holds
  // the block, with the code as written (what %claude code does from the kernel).
  function insertBelow(app, node, code) {
    for (const panel of app.shell.widgets("main")) {
      const notebook = panel && panel.content;
      if (!notebook || !notebook.widgets || !notebook.model || !panel.node.contains(node)) continue;
      const index = notebook.widgets.findIndex((cell) => cell.node.contains(node));
      if (index < 0) return false;
      notebook.model.sharedModel.insertCell(index + 1, { cell_type: "code", source: code });
      notebook.activeCellIndex = index + 1;
      return true;
    }
    return false;
  }

  // The shelf exists only in a page where this extension is active: a live view hands
  // its DOM over (and drains what it still queues) only where a renderer will take it.
  const shelfPlugin = {
    id: `${NAME}:handoff`,
    description: "Lets a finished claude_nb live view hand its DOM to the static answer.",
    autoStart: true,
    activate: (app) => {
      shelf().replaceOutput = (modelId, data) => replaceOutput(app, modelId, data);
      shelf().insertBelow = (node, code) => insertBelow(app, node, code);
    },
  };

  function extension() {
    const AnswerRenderer = makeRenderer();
    return {
      id: `${NAME}:answer`,
      description: "The static answer of a claude_nb stream, shown without laying it out twice.",
      rendererFactory: {
        safe: false,
        mimeTypes: [MIME],
        defaultRank: 40, // before text/html (50), which every other viewer shows
        createRenderer: (options) => new AnswerRenderer(options),
      },
      rank: 40,
      dataType: "json",
    };
  }

  const container = {
    init: async (scope) => {
      const versions = scope && scope["@lumino/widgets"];
      if (!versions) throw new Error(`${NAME}: @lumino/widgets is not shared by this page`);
      const version = Object.keys(versions).sort().pop();
      Widget = (await versions[version].get())().Widget;
    },
    get: async (module) => {
      if (module === "./mimeExtension") return () => ({ __esModule: true, default: extension() });
      if (module === "./extension") return () => ({ __esModule: true, default: shelfPlugin });
      throw new Error(`${NAME}: no module ${module}`);
    },
  };
  (globalThis._JUPYTERLAB = globalThis._JUPYTERLAB || {})[NAME] = container;
})();
