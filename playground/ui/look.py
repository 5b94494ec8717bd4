"""The page's look and its few browser-side helpers: a theme with WCAG AA contrast, the CSS, and
the script that keeps the lesson map, the sketch pads and the toasts in step with the page.

Gradio's Soft theme puts field labels in #6366f1 on #e0e7ff (3.6:1), info text in #9ca3af on
white (2.5:1) and white on #6366f1 buttons (4.46:1): under AA's 4.5:1 for small text (axe-core's
color-contrast rule). The shades below are the same indigo and grey, a few steps darker.
"""
from __future__ import annotations

import json

import gradio as gr

from playground.strings import LANGUAGES, text


def theme() -> gr.themes.Base:
    return gr.themes.Soft().set(
        # light: indigo 700 text on indigo 100 is 7.2:1; grey 600 on white 7.6:1; white on indigo 700 7.9:1
        block_label_text_color="*primary_700", block_title_text_color="*primary_700",
        body_text_color_subdued="*neutral_600", block_info_text_color="*neutral_600",
        input_placeholder_color="*neutral_500",
        button_primary_background_fill="*primary_700", button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white",
        checkbox_label_background_fill_selected="*primary_700", checkbox_label_text_color_selected="white",
        # dark: light indigo on the dark label fill, light grey info text
        block_label_text_color_dark="*primary_200", block_title_text_color_dark="*primary_200",
        body_text_color_subdued_dark="*neutral_300", block_info_text_color_dark="*neutral_300",
        button_primary_background_fill_dark="*primary_600",
    )


CSS = """
.pixelated img, .pixelated canvas { image-rendering: pixelated; }
.upscale img { width: 100%; height: 100%; object-fit: contain; }
.panel-notes textarea { font-size: 0.9em; }
/* The lesson map in the sidebar is the tab bar: the flat bar of fifteen tabs folded most of them
   behind an unlabelled "..." button, so it is hidden and the map selects the tabs. */
#lessons > .tab-wrapper { display: none; }
#lesson-map button { justify-content: flex-start; text-align: left; }
#lesson-map button.current { background: var(--primary-700); color: white; }
#lesson-map .group-name p { margin: 0.6em 0 0.1em; font-weight: 600; }
.pad-note { color: #9a3412; font-size: 0.9em; margin: 0.3em 0; }
/* our galleries: captions wrap instead of ending in "..." (the denoising strip's "step 1/20 ·
   t=999" was cut), and a picture opened in a gallery hides the grid behind it (gradio's preview
   is 90% opaque over a blur, so the grid showed through) */
.pixelated .caption-label { white-space: normal !important; max-width: 96% !important; }
.pixelated .preview::before { opacity: 1 !important; }
/* the portfolio's count stays in sight (top right) while the page scrolls; it opens the portfolio */
#portfolio-badge { position: fixed; top: 0.5rem; right: 0.75rem; z-index: 30; width: auto !important;
  min-width: 0 !important; flex: none !important; box-shadow: 0 1px 4px rgba(0,0,0,.25); }
/* the seed grid's charts, drawn here from Vega-Lite specs (playground/charts.py): gradio centres
   a chart in a flex box, so a chart as wide as its container measured 0 px; and vega-embed's "..."
   menu is an unnamed <summary> (axe: summary-name) whose editor link needs the internet */
.lab-chart .altair > div { width: 100%; }
.lab-chart .vega-embed details { display: none; }
/* a focus ring that shows on every control (Soft's is a faint shadow) */
button:focus-visible, a:focus-visible, input:focus-visible, textarea:focus-visible,
[role=tab]:focus-visible, [tabindex]:focus-visible {
  outline: 3px solid #1d4ed8 !important; outline-offset: 2px !important; }
"""

# Gradio scopes launch(css=...) under .gradio-container .contain; the page's frame (its side
# margins) and the skip link (first in <body>) sit outside it, so their rules go in <head>.
HEAD = """<style>
.skip-link { position: absolute; left: -9999px; top: 0.5rem; z-index: 100; padding: 0.5em 1em;
  background: white; color: #1e3a8a; border: 2px solid #1d4ed8; border-radius: 6px; }
.skip-link:focus { left: 0.5rem; }
@media (max-width: 480px) {
  /* a phone: the page's 32 px side margins go, so pictures and the sketch pad use the width
     (the title moves right of the lesson map's toggle instead) */
  .main.fillable.app { padding-left: 4px !important; padding-right: 4px !important; }
  .main.fillable.app h1 { margin-left: 30px; margin-right: 110px; font-size: 1.4em; }
}
</style>"""

def page_js() -> str:
    """JS with the skip link's words in every language (presets/i18n: page.skip)."""
    return JS.replace("__SKIP__", json.dumps({lang: text("page.skip", lang) for lang in LANGUAGES}, ensure_ascii=False))


# Runs once when the page loads (launch(js=page_js())). Each part says why it is done in the browser.
JS = """
() => {
  const lessonOf = () => {
    // the lesson shown now: the one tab panel of #lessons that is displayed
    for (const item of document.querySelectorAll('#lessons > .tabitem')) {
      if (item.offsetParent !== null || getComputedStyle(item).display !== 'none') return item.id.replace(/^lesson-/, '');
    }
    return null;
  };
  let shown = null;
  // 5a. on a phone the map starts folded: folded the first time it shows open (on a loaded CI
  //     machine the sidebar mounted after this script ran, and stayed open), never after the
  //     student's own tap on its toggle, nor after the first 10 s
  let startDone = false;
  setTimeout(() => { startDone = true; }, 10000);
  document.addEventListener('click', (e) => {
    if (e.isTrusted && e.target.closest && e.target.closest('#lesson-map .toggle-button')) startDone = true;
  }, true);
  function foldAtStart() {
    if (startDone || !narrow()) return;
    const t = document.querySelector('#lesson-map.open .toggle-button');
    if (t) { startDone = true; t.click(); }
  }
  const narrow = () => window.innerWidth < 768;
  const sync = () => {
    foldAtStart();
    const now = lessonOf();
    if (now && now !== shown) {
      shown = now;
      // 1. the map marks where the student is (also after "Send to" and restore, which switch tabs)
      for (const b of document.querySelectorAll('#lesson-map button[id^=nav-]')) {
        const here = b.id === 'nav-' + now;
        b.classList.toggle('current', here);
        if (here) b.setAttribute('aria-current', 'page'); else b.removeAttribute('aria-current');
      }
      // 2. a toast belongs to the tab that raised it: switching lessons clears them
      for (const c of document.querySelectorAll('[data-testid=toast-close]')) c.click();
    }
    // 3. gradio's empty picture boxes carry aria-label="Empty value" on a bare div, which
    //    screen readers ignore (axe: aria-prohibited-attr): role img makes the label count
    for (const e of document.querySelectorAll('div.empty[aria-label]:not([role])')) e.setAttribute('role', 'img');
    //    and a toast's header is a role=button holding its Close button (nested-interactive):
    //    the header becomes a group, Close stays the one button
    for (const h of document.querySelectorAll('.toast-header[role=button]')) {
      h.setAttribute('role', 'group'); h.removeAttribute('tabindex');
    }
    //    and a gallery thumbnail is named "Thumbnail 1 of 8" while it shows its caption: its
    //    name starts with the caption, as a voice-control user reads it
    for (const t of document.querySelectorAll('button.thumbnail-item[aria-label^="Thumbnail "]')) {
      const caption = t.querySelector('.caption-label');
      if (caption && caption.textContent.trim()) {
        t.setAttribute('aria-label', caption.textContent.trim() + ' (' + t.getAttribute('aria-label').slice(10) + ')');
      }
    }
    //    and an upload box is named "Click to upload or drop files" while it shows "Drop File
    //    Here - or - Click to Upload": its name becomes what it shows
    for (const u of document.querySelectorAll('button.upload-container[aria-label]')) {
      const shown = u.innerText.replace(/\s+/g, ' ').trim();
      if (shown && u.getAttribute('aria-label') !== shown) u.setAttribute('aria-label', shown);
    }
    //    and a picture shown in a gr.Image is a button with an empty alt text (no name): it is
    //    named after its box's label
    for (const btn of document.querySelectorAll('button:not([aria-label]) > .image-frame')) {
      const label = btn.closest('.block') && btn.closest('.block').querySelector('[data-testid=block-label]');
      if (label && label.textContent.trim()) btn.parentElement.setAttribute('aria-label', label.textContent.trim());
    }
    // 4. sketch pads open with the brush ready, and get it back after "Clear canvas" (gradio
    //    leaves no tool picked: strokes do nothing until the brush icon is pressed); a tool the
    //    student picked (the eraser) stays picked
    for (const pad of document.querySelectorAll('.brush-ready')) {
      if (pad.offsetParent === null) continue;
      const brush = pad.querySelector('button[aria-label="Brush"]');
      const picked = pad.querySelector('button.highlight[aria-label]');
      const last = Number(pad.dataset.brushAt || 0);
      if (brush && !picked && Date.now() - last > 400) { pad.dataset.brushAt = Date.now(); brush.click(); setTimeout(sync, 450); }
      // on a phone gradio fits the pad with 30 px of border each side (266 px of a 390 px
      // screen); one step of zoom (x1.11) makes the square about as wide as the screen
      const side = Number(([...pad.classList].find(c => c.startsWith('side-')) || 'side-0').slice(5));
      const zoom = parseInt((pad.querySelector('.zoom-number span') || {}).textContent || '0') / 100;
      const canvas = pad.querySelector('canvas');
      const width = canvas ? canvas.getBoundingClientRect().width : 0;
      const zoomIn = pad.querySelector('button[aria-label="Zoom in"]');
      const zoomAt = Number(pad.dataset.zoomAt || 0);
      if (narrow() && side && zoom && zoomIn && zoom * side < 340 && zoom * side * 1.11 <= width - 4
          && Date.now() - zoomAt > 400) { pad.dataset.zoomAt = Date.now(); zoomIn.click(); setTimeout(sync, 450); }
    }
  };
  foldAtStart();
  new MutationObserver(sync).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                                                     attributeFilter: ['style', 'class', 'aria-label']});
  // 5. on a phone the lesson map covers the page: it starts folded (its toggle opens it), and
  //    folds again once a lesson is picked, so the lesson is in sight (two taps in all)
  const fold = () => { const t = document.querySelector('#lesson-map.open .toggle-button'); if (t) t.click(); };
  document.addEventListener('click', (e) => {
    if (narrow() && e.target.closest && e.target.closest('#lesson-map button[id^=nav-]')) setTimeout(fold, 50);
  });
  // 6. strokes off the pad's square: gradio drops them without a word, so the pad says so
  //    (role=status: screen readers hear it too)
  let stroke = null;
  const square = (pad, canvas) => {
    const side = Number(([...pad.classList].find(c => c.startsWith('side-')) || 'side-0').slice(5));
    const zoom = parseInt((pad.querySelector('.zoom-number span') || {}).textContent || '0') / 100;
    const r = canvas.getBoundingClientRect(), w = side * zoom;
    return {left: r.left + (r.width - w) / 2, right: r.left + (r.width + w) / 2,
            top: r.top + (r.height - w) / 2, bottom: r.top + (r.height + w) / 2};
  };
  const outside = (b, e) => e.clientX < b.left || e.clientX > b.right || e.clientY < b.top || e.clientY > b.bottom;
  document.addEventListener('pointerdown', (e) => {
    const pad = e.target.closest && e.target.closest('.brush-ready');
    const canvas = pad && e.target.tagName === 'CANVAS' ? e.target : null;
    stroke = canvas && pad.querySelector('button.highlight[aria-label="Brush"]') ? {pad, box: square(pad, canvas), off: false} : null;
  }, true);
  document.addEventListener('pointermove', (e) => { if (stroke && outside(stroke.box, e)) stroke.off = true; }, true);
  document.addEventListener('pointerup', () => {
    if (!stroke) return;
    const {pad, off} = stroke; stroke = null;
    let note = pad.parentElement.querySelector(':scope > .pad-note');
    if (!off) { if (note) note.remove(); return; }
    if (!note) {
      note = document.createElement('p'); note.className = 'pad-note'; note.setAttribute('role', 'status');
      pad.after(note);
    }
    note.textContent = 'Part of that stroke fell outside the white square and was not kept: draw inside it.';
  }, true);
  // 7. the skip link: straight to the shown lesson's main button
  const skip = document.createElement('a');
  skip.href = '#'; skip.className = 'skip-link';
  // the page's language: gradio's Settings choice where made, else the browser's (as gr.I18n)
  const words = __SKIP__;
  const lang = (localStorage.getItem('gradio-locale') || navigator.language || 'en').slice(0, 2);
  skip.textContent = words[lang] || words.en;
  skip.addEventListener('click', (e) => {
    e.preventDefault();
    const item = document.getElementById('lesson-' + lessonOf());
    const main = item && item.querySelector('button.primary');
    if (main) { main.focus(); main.scrollIntoView({block: 'center'}); }
  });
  document.body.prepend(skip);
  sync();
}
"""
