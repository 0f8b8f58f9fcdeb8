"""The studio and the notebook grid in a real browser: Playwright drives Debian's chromium.

One server and one browser serve the whole module. The tests load a library pattern, click
cells, save, change tempo and swing, play and stop, watch the playhead keep time, make an edit
with the keyboard alone, check that the streamed audio the page plays (Web Audio) is the
engine's own render, sample for sample, and load the widget's front-end. They also take the
README's screenshots (GROOVEBOX_UPDATE_SCREENSHOTS=1 writes them to docs/studio.png and
docs/notebook-grid.png).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette", reason="the studio extra is not installed (pip install 'groovebox[studio]')")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (make install)")

import groovebox as gb  # noqa: E402
from groovebox.formats import pattern_toml  # noqa: E402
from groovebox.studio.server import StudioServer  # noqa: E402
from groovebox.studio.session import Studio  # noqa: E402
from groovebox.studio.widget import widget_esm  # noqa: E402
from tests.conftest import ROOT  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# The README's screenshots: taken on every run, written over docs/ only when asked (like the
# golden event lists), so a test run leaves the repository as it was.
UPDATE = bool(os.environ.get("GROOVEBOX_UPDATE_SCREENSHOTS"))
DOCS = ROOT / "docs" if UPDATE else Path(tempfile.mkdtemp(prefix="groovebox-screenshots-"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--autoplay-policy=no-user-gesture-required"]

if not Path(CHROMIUM).exists():
    pytest.skip("chromium is not installed (apt-get install chromium; .ci/run does)", allow_module_level=True)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("studio-browser")
    (root / "out").mkdir()
    return root / "patterns", root / "out"


@pytest.fixture(scope="module")
def server(folders):
    pats, out = folders
    srv = StudioServer(Studio("rock/straight-eighths", audio="browser", patterns_dir=pats, out_dir=out,
                              watch=False)).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="groovebox-chromium-")
    with sync_api.sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True, args=ARGS,
                                                    viewport={"width": 1500, "height": 720})
        yield ctx
        ctx.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def page(browser, server):
    pg = browser.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(server.url)
    pg.wait_for_selector("body[data-ready=true]", timeout=30_000)
    yield pg
    assert not errors, errors


def cell(page, track, step):
    return page.locator(f'.gb-cell[data-track="{track}"][data-step="{step}"]')


def wait_state(page, track, step, state, timeout=10_000):
    page.wait_for_selector(f'.gb-cell[data-track="{track}"][data-step="{step}"][data-state="{state}"]', timeout=timeout)


def server_grid(server, track):
    return server.studio.pattern.track(track).grid


def op(page, msg):
    return page.evaluate("(m) => window.groovebox.send(m)", msg)


# -- library, cells, save ---------------------------------------------------------------------------
def test_load_a_library_pattern_click_cells_and_save(page, server, folders):
    pats, _ = folders
    page.fill('[data-action="search"]', "funky drummer")
    page.wait_for_function("() => Number(document.querySelector('[data-role=library]').dataset.count) < 10")
    ids = page.locator('[data-action="load"]').evaluate_all("bs => bs.map(b => b.dataset.id)")
    assert "breaks/funky-drummer" in ids and all("funky" in i or "drummer" in i or i for i in ids)
    page.click('[data-action="load"][data-id="breaks/funky-drummer"]')
    page.wait_for_selector('.gb-row[data-track="kick"]')
    page.wait_for_function("() => window.groovebox.state.pattern.id === 'breaks/funky-drummer'")
    funky = gb.load("breaks/funky-drummer")
    rows = page.locator(".gb-row[data-track]").evaluate_all("rs => rs.map(r => r.dataset.track)")
    assert rows == list(funky.instruments)
    states = cell(page, "snare", 0).locator("xpath=..").locator(".gb-cell").evaluate_all(
        "cs => cs.map(c => c.dataset.state)")
    assert "".join({"off": ".", "hit": "x", "accent": "X", "ghost": "o"}[s] for s in states) == funky.track("snare").grid

    # clicks cycle off > hit > accent > ghost; shift+click is an accent, alt+click a ghost
    k = next(i for i, c in enumerate(funky.track("kick").grid) if c == ".")
    cell(page, "kick", k).click()
    wait_state(page, "kick", k, "hit")
    cell(page, "kick", k).click()
    wait_state(page, "kick", k, "accent")
    assert server_grid(server, "kick")[k] == "X"
    j = next(i for i, c in enumerate(funky.track("snare").grid) if c == ".")
    cell(page, "snare", j).click(modifiers=["Alt"])
    wait_state(page, "snare", j, "ghost")
    h = next(i for i, c in enumerate(funky.track("closed_hat").grid) if c == ".")
    cell(page, "closed_hat", h).click(modifiers=["Shift"])
    wait_state(page, "closed_hat", h, "accent")

    # save under the library pattern's name: the page asks first (a library file is never
    # overwritten unasked), then writes into the user's patterns folder
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    page.fill('[data-action="save-name"]', "funky-drummer")
    page.click('[data-action="save"]')
    saved = pats / "breaks" / "funky-drummer.toml"
    page.wait_for_function("() => document.querySelector('[data-role=status]').textContent.startsWith('saved')")
    assert dialogs and "library pattern" in dialogs[0]
    on_disk = pattern_toml.load(saved)
    assert on_disk == server.studio.pattern
    assert on_disk.track("kick").grid[k] == "X" and on_disk.track("snare").grid[j] == "o"
    assert on_disk.track("closed_hat").grid[h] == "X"
    assert gb.load("breaks/funky-drummer") == funky  # the library's file is as it was
    page.wait_for_function("() => document.querySelector('[data-role=dirty]').textContent === ''")  # saved


def test_bad_input_shows_a_message_and_keeps_the_page(page, server):
    reply = op(page, {"op": "cell", "track": "theremin", "step": 0, "state": "hit"})
    assert reply["ok"] is False and "unknown track 'theremin'" in reply["error"]
    assert "theremin" in page.text_content('[data-role="status"]')
    reply = op(page, {"op": "save", "name": "../../escape"})
    assert reply["ok"] is False and "not a plain name" in reply["error"]
    reply = op(page, {"op": "cell", "track": "kick", "step": 10_000, "state": "hit"})
    assert reply["ok"] is False and "step" in reply["error"]
    assert page.evaluate("window.groovebox.ws.readyState") == 1  # still connected


# -- tempo, swing, transport, playhead -----------------------------------------------------------------
def test_bpm_swing_play_stop_and_the_playhead_keeps_time(page, server):
    page.fill('[data-action="bpm"]', "132")
    page.press('[data-action="bpm"]', "Enter")
    page.wait_for_function("() => window.groovebox.state.pattern.bpm === 132")
    page.eval_on_selector('[data-action="swing"]',
                          "el => { el.value = 60; el.dispatchEvent(new Event('change')); }")
    page.wait_for_function("() => window.groovebox.state.pattern.swing === 60")
    assert (server.studio.pattern.bpm, server.studio.pattern.swing) == (132, 60)

    page.click('[data-action="play"]')
    page.wait_for_function("() => document.body.dataset.playing === 'true'")
    assert server.studio.transport.playing
    page.wait_for_function("() => document.querySelector('.gb-grid').dataset.stepCount > 4", timeout=15_000)
    sample = ("() => [performance.now(), window.groovebox.heardStep(), "
              "Number(document.querySelector('.gb-grid').dataset.stepCount), "
              "document.querySelectorAll('.gb-cell.now').length]")
    t0, g0, drawn, lit = page.evaluate(sample)
    assert lit == len(server.studio.pattern.tracks)  # one lit step per row
    assert abs(drawn - g0) <= 1  # the grid shows the step being heard (drawn at the last frame)
    time.sleep(2.5)
    t1, g1, _, _ = page.evaluate(sample)
    expected = (t1 - t0) / 1000 * 132 * 4 / 60
    assert abs((g1 - g0) - expected) <= 1.0, (g1 - g0, expected)  # within one step
    assert page.evaluate("window.groovebox.audio.stats.started") is True  # from the audio clock

    # an edit while playing: heard from the next step (the player got a new segment)
    segments = len(server.studio.transport.player.timeline)
    k = server_grid(server, "snare").index(".")
    cell(page, "snare", k).click()
    wait_state(page, "snare", k, "hit")
    assert len(server.studio.transport.player.timeline) == segments + 1

    page.click('[data-action="stop"]')
    page.wait_for_function("() => document.body.dataset.playing === 'false'")
    page.wait_for_function("() => document.querySelector('.gb-grid').dataset.playhead === ''")
    assert not server.studio.transport.playing


# -- the keyboard alone ----------------------------------------------------------------------------
def test_one_full_edit_with_the_keyboard_only(page, server):
    before = server.studio.pattern
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    for _ in range(80):  # Tab through the controls to the grid
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('gb-cell')"):
            break
    focused = "() => [document.activeElement.dataset.track, Number(document.activeElement.dataset.step)]"
    assert page.evaluate(focused) == [before.tracks[0].instrument, 0]
    page.keyboard.press("ArrowDown")  # second track
    for _ in range(before.tracks[1].grid.index(".")):
        page.keyboard.press("ArrowRight")
    track, step = page.evaluate(focused)
    assert track == before.tracks[1].instrument and before.track(track).grid[step] == "."
    page.keyboard.press("Space")
    wait_state(page, track, step, "hit")
    page.keyboard.press("Shift+Space")
    wait_state(page, track, step, "accent")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Alt+Space")
    wait_state(page, track, step, "ghost")
    assert server_grid(server, track)[step] == "o"
    page.keyboard.press("Control+z")
    wait_state(page, track, step, "accent")
    page.keyboard.press("Control+Shift+z")
    wait_state(page, track, step, "ghost")
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")
    wait_state(page, track, step, "off")
    assert server.studio.pattern == before


# -- browser audio ---------------------------------------------------------------------------------
def test_browser_audio_plays_the_engines_render_sample_for_sample(page, server):
    op(page, {"op": "load", "id": "hip-hop/boom-bap"})
    page.wait_for_function("() => window.groovebox.state.pattern.id === 'hip-hop/boom-bap'")
    page.click('[data-action="play"]')
    page.wait_for_function("() => window.groovebox.audio.stats.started === true && "
                           "window.groovebox.audio.stats.played > 24000", timeout=15_000)
    got = page.evaluate("async () => { const c = await window.groovebox.audio.capture(48000); "
                        "return [c.frame, c.samples]; }")
    origin = page.evaluate("window.groovebox.timeline.origin")
    stats0 = page.evaluate("({...window.groovebox.audio.stats})")
    t0 = time.monotonic()
    time.sleep(1.0)
    stats1 = page.evaluate("({...window.groovebox.audio.stats})")
    dt = time.monotonic() - t0
    page.click('[data-action="stop"]')
    page.wait_for_function("() => document.body.dataset.playing === 'false'")
    frame = got[0] - origin
    played = np.array(got[1], dtype=np.float32).reshape(-1, 2)
    p = server.studio.pattern
    offline = gb.render(p, bars=8, kit=p.kit or "808", bpm=p.bpm, swing=p.swing).samples
    np.testing.assert_array_equal(played, offline[frame:frame + len(played)])
    assert np.max(np.abs(played)) > 0.05  # real sound, not silence
    rate = (stats1["played"] - stats0["played"]) / dt / 48000
    assert 0.8 < rate < 1.2  # the page plays in real time


# -- screenshots and the widget --------------------------------------------------------------------
def test_studio_screenshot_for_the_readme(page, server):
    op(page, {"op": "load", "id": "breaks/funky-drummer"})
    page.wait_for_function("() => window.groovebox.state.pattern.id === 'breaks/funky-drummer'")
    page.fill('[data-action="search"]', "")
    page.eval_on_selector('[data-action="genre"]', "el => { el.value = 'breaks'; el.dispatchEvent(new Event('change')); }")
    page.wait_for_function("() => Number(document.querySelector('[data-role=library]').dataset.count) < 40")
    page.click('[data-action="play"]')
    page.wait_for_function("() => document.querySelector('.gb-grid').dataset.stepCount > 2", timeout=15_000)
    cell(page, "snare", 6).focus()
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "studio.png"))
    page.click('[data-action="stop"]')
    assert (DOCS / "studio.png").stat().st_size > 20_000


WIDGET_PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
body { margin: 0; padding: 18px; background: #fff; font: 13px system-ui, sans-serif; }
.cell-in { color: #303f9f; font: 13px monospace; margin-bottom: 6px; }
.code { background: #f5f5f5; border: 1px solid #e0e0e0; padding: 8px 10px; font: 13px monospace; margin-bottom: 10px; }
</style><style>%(css)s</style></head><body>
<div class="cell-in">In [3]:</div>
<div class="code">beat = gb.load("breaks/funky-drummer")<br>w = gb.grid(beat)<br>w</div>
<div id="out"></div>
</body></html>"""

HARNESS = """async ([esm, state]) => {
  // A stand-in for the notebook's widget manager: the same model API anywidget gives.
  const listeners = {};
  const model = {
    state: state,
    get(k) { return this.state[k]; },
    set(k, v) { this.state[k] = v; },
    save_changes() {},
    on(ev, fn) { (listeners[ev] = listeners[ev] || []).push(fn); },
    send(msg) { window.sent.push(msg); window.toKernel(msg); },
  };
  window.sent = [];
  window.fromKernel = (changes) => {
    for (const [k, v] of Object.entries(changes)) { model.state[k] = v; (listeners['change:' + k] || []).forEach(f => f()); }
  };
  const url = URL.createObjectURL(new Blob([esm], { type: 'text/javascript' }));
  const mod = await import(url);
  mod.default.render({ model, el: document.getElementById('out') });
  return true;
}"""


def test_widget_front_end_loads_in_chromium_and_edits_the_python_pattern(browser):
    pytest.importorskip("anywidget", reason="the studio extra is not installed")
    from groovebox.studio.widget import STATIC

    w = gb.grid("breaks/funky-drummer")
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_content(WIDGET_PAGE % {"css": (STATIC / "grid.css").read_text()})

    def to_kernel(msg):  # the front-end's message reaches the real widget object
        w._on_front_end(w, msg, [])
        page.evaluate("(c) => window.fromKernel(c)", {"view": w.view, "error": w.error, "mute": w.mute,
                                                      "solo": w.solo})

    page.expose_function("toKernel", to_kernel)
    state = {k: v for k, v in w.get_state().items() if k in ("view", "mute", "solo", "error", "bars", "kit")}
    assert page.evaluate(HARNESS, [widget_esm(), json.loads(json.dumps(state))])
    page.wait_for_selector('#out .gb-cell[data-track="snare"]')
    k = w.pattern.track("closed_hat").grid.index(".")
    page.click(f'#out .gb-cell[data-track="closed_hat"][data-step="{k}"]')
    page.wait_for_selector(f'#out .gb-cell[data-track="closed_hat"][data-step="{k}"][data-state="hit"]')
    assert w.pattern.track("closed_hat").grid[k] == "x"  # the Python pattern changed
    page.click('#out [data-action="mute"][data-track="kick"]')
    page.wait_for_selector('#out .gb-row[data-track="kick"].silent')
    assert w.mute == ["kick"]
    # Python changes the pattern: the grid redraws
    w.pattern = w.pattern.replace(name="Funky Drummer (edited)")
    page.evaluate("(c) => window.fromKernel(c)", {"view": w.view})
    page.wait_for_selector("text=Funky Drummer (edited)")
    DOCS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 900, "height": 330})
    page.screenshot(path=str(DOCS / "notebook-grid.png"))
    page.close()
    assert not errors, errors
