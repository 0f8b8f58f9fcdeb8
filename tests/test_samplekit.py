"""Sample kits: folders of one-shots and Hydrogen drumkits play like the synthesized kits."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import groovebox as gb
from groovebox.errors import KitError
from groovebox.kits import kit_tables
from groovebox.kits.samples import clear_cache, load_sample_kit
from groovebox.kits.synth import n_variants, render_hit
from groovebox.kits.tables import SYNTH_LAYER_BOUNDS, SYNTH_LAYER_VELOCITIES
from groovebox.model.instruments import INSTRUMENT_INDEX
from groovebox.model.kit import Kit, get_kit

SR = 48000
GMROCK = Path("/usr/share/hydrogen/data/drumkits/GMRockKit")
needs_hydrogen = pytest.mark.skipif(not GMROCK.is_dir(), reason="hydrogen-data (GMRockKit) is not installed")

BEAT = gb.Pattern.from_grid(
    {"kick": "x... ..x. x... ....", "snare": ".... X..o .o.. X..o", "closed_hat": "xxxx xxx. xxxx x.xx",
     "open_hat": ".... ...x .... .x.."}, bpm=100, swing=58, name="beat",
)


def drumkit_xml(instruments) -> str:
    body = ""
    for iid, (name, layers) in enumerate(instruments):
        lays = "".join(f"<layer><filename>{f}</filename><min>{lo}</min><max>{hi}</max><gain>1</gain>"
                       f"<pitch>0</pitch></layer>" for f, lo, hi in layers)
        body += (f"<instrument><id>{iid}</id><name>{name}</name><volume>1</volume><isMuted>false</isMuted>"
                 f"<pitchOffset>0</pitchOffset><gain>1</gain><muteGroup>-1</muteGroup>"
                 f"<instrumentComponent><component_id>0</component_id><gain>1</gain>{lays}"
                 f"</instrumentComponent></instrument>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<drumkit_info xmlns="http://www.hydrogen-music.org/drumkit">'
            f"<name>Synth808AsSamples</name><instrumentList>{body}</instrumentList></drumkit_info>\n")


def test_the_808_as_a_hydrogen_drumkit_renders_sample_for_sample_like_the_808(tmp_path):
    """The synth's own tables, written as float WAVs with its velocity layers and noise
    variants, make a sample kit: every hit, choke and layer must come out identical (to the
    808 centred: a sample kit carries sounds, not the 808's stereo placement)."""
    kit = get_kit("808")
    centred = Kit("808", kit.description, {i: dataclasses.replace(v, pan=0.0) for i, v in kit.voices.items()})
    names = {"kick": "Kick", "snare": "Snare", "closed_hat": "Hat Closed", "open_hat": "Hat Open"}
    spec = []
    for instrument, hname in names.items():
        layers, lo = [], 0.0
        for vel, hi in zip(SYNTH_LAYER_VELOCITIES, SYNTH_LAYER_BOUNDS, strict=True):
            for v in range(n_variants(kit, instrument)):
                f = f"{instrument}_{vel}_{v}.wav"
                sf.write(str(tmp_path / f), render_hit(kit, instrument, vel, v, SR), SR, subtype="FLOAT")
                layers.append((f, lo, hi))
            lo = hi
        spec.append((hname, layers))
    (tmp_path / "drumkit.xml").write_text(drumkit_xml(spec))
    for opts in ({}, {"humanize_ms": 6.0, "seed": 9, "swing": 66}):
        synth = gb.render(BEAT, bars=2, kit=centred, **opts).samples
        sampled = gb.render(BEAT, bars=2, kit=tmp_path, **opts).samples
        assert synth.shape == sampled.shape and np.array_equal(synth, sampled)
        assert np.abs(synth).max() > 0.1


def write(path, x, rate=SR, subtype="FLOAT"):
    sf.write(str(path), np.asarray(x, np.float32), rate, subtype=subtype)
    return path


def test_folder_kit_hits_land_on_the_events_samples(tmp_path):
    click = np.zeros(64, np.float32)
    click[0], click[1] = 0.9, 0.45  # a two-sample click: its first sample marks the onset
    for name in ("kick", "snare", "closed_hat", "open_hat"):
        write(tmp_path / f"{name}.wav", click)
    for opts in ({}, {"humanize_ms": 5.0, "seed": 2}):
        audio = gb.render(BEAT, bars=2, kit=str(tmp_path), tail=False, **opts).samples[:, 0]
        ev = gb.events(BEAT, bars=2, **opts)
        nz = np.flatnonzero(audio)
        onsets = nz[np.r_[True, np.diff(nz) > 2]]
        assert onsets.tolist() == sorted(set(ev["sample"].tolist()))


def test_folder_naming_layers_variants_and_kit_toml(tmp_path):
    for i, level in enumerate((0.1, 0.2, 0.3), start=1):
        write(tmp_path / f"snare_{i}.wav", np.full(100, level))
    write(tmp_path / "closed_hat_rr1.wav", np.full(50, 0.4))
    write(tmp_path / "closed_hat_rr2.wav", np.full(60, 0.5))
    write(tmp_path / "BD.wav", np.full(80, 0.6))  # another program's name for a kick
    write(tmp_path / "HatOpen.flac", np.full(70, 0.25), subtype="PCM_16")
    (tmp_path / "README.txt").write_text("not a sample")
    (tmp_path / "kit.toml").write_text('name = "test kit"\n[tune]\nkick = 12\n[gain_db]\nsnare = -6\n')
    kt = load_sample_kit(tmp_path, SR)
    assert kt.name == "test kit"
    s = INSTRUMENT_INDEX["snare"]
    first = kt.layer_first[s]
    assert kt.layer_count[s] == 3
    assert kt.layer_max_vel[first:first + 3].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])
    levels = [float(kt.data[kt.var_start[kt.var_first[first + k]]]) for k in range(3)]
    assert levels == pytest.approx([0.1, 0.2, 0.3])  # softest first
    assert kt.var_gain[kt.var_first[first]] == pytest.approx(10 ** (-6 / 20))
    h = INSTRUMENT_INDEX["closed_hat"]
    assert kt.var_count[kt.layer_first[h]] == 2
    assert kt.rate[INSTRUMENT_INDEX["kick"]] == pytest.approx(2.0)  # +12 semitones
    assert kt.layer_count[INSTRUMENT_INDEX["open_hat"]] == 1 and kt.layer_count[INSTRUMENT_INDEX["ride"]] == 0


def test_tuning_plays_a_sample_an_octave_up(tmp_path):
    t = np.arange(SR // 2) / SR
    write(tmp_path / "kick.wav", 0.5 * np.sin(2 * np.pi * 200 * t))
    p = gb.Pattern.from_grid({"kick": "x..."}, bpm=60)
    plain = gb.render(p, bars=1, kit=tmp_path, tail=False).samples[:12000, 0]
    tuned_tables = load_sample_kit(tmp_path, SR, tune={"kick": 12})
    tuned = gb.render(p, bars=1, kit=tuned_tables, tail=False).samples[:12000, 0]

    def freq(x):
        spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
        return np.fft.rfftfreq(len(x), 1 / SR)[spec.argmax()]

    assert freq(plain) == pytest.approx(200, abs=4) and freq(tuned) == pytest.approx(400, abs=4)


@pytest.mark.parametrize("rate, subtype, suffix", [
    (11025, "PCM_U8", ".wav"), (22050, "PCM_16", ".flac"), (44100, "PCM_24", ".wav"),
    (44100, "FLOAT", ".wav"), (48000, "PCM_32", ".wav"), (96000, "PCM_24", ".wav"), (96000, "DOUBLE", ".wav"),
], ids=lambda v: str(v))
def test_odd_rates_and_bit_depths_load_correctly(tmp_path, rate, subtype, suffix):
    seconds = 0.25
    t = np.arange(int(rate * seconds)) / rate
    x = 0.5 * np.sin(2 * np.pi * 440 * t)
    sf.write(str(tmp_path / f"snare{suffix}"), np.stack([x, x], axis=1), rate, subtype=subtype)  # stereo
    kt = load_sample_kit(tmp_path, SR)
    table = kt.data[: kt.var_len[0]]
    assert len(table) == int(np.ceil(len(x) * SR / rate))
    mid = table[len(table) // 4: 3 * len(table) // 4]
    ref = 0.5 * np.sin(2 * np.pi * 440 * (np.arange(len(table)) / SR))[len(table) // 4: 3 * len(table) // 4]
    tolerance = 3 / 128 if subtype == "PCM_U8" else 1e-3  # 8-bit: a few steps of 1/128
    assert np.abs(mid - ref).max() < tolerance


@pytest.mark.parametrize("setup, message", [
    (lambda d: [write(d / "snare_1.wav", np.ones(10)), write(d / "snare_3.wav", np.ones(10))],
     "snare velocity layer 2 of 3 is missing (have snare_1.wav, snare_3.wav)"),
    (lambda d: (d / "kick.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunk"), "cannot read sample"),
    (lambda d: write(d / "laser zap.wav", np.ones(10)), "cannot tell the instrument of laser zap.wav"),
    (lambda d: (d / "notes.txt").write_text("x"), "no samples"),
    (lambda d: write(d / "kick.wav", np.array([0.1, np.nan, 0.2])), "contains NaN or infinite values"),
    (lambda d: write(d / "kick.wav", np.zeros(0)), "has no audio frames"),
    (lambda d: (d / "drumkit.xml").write_text(drumkit_xml([("Kick", [("gone.wav", 0, 1)])])), "missing sample"),
    (lambda d: (d / "drumkit.xml").write_text("<drumkit_info><instrumentList><instr"), "not valid Hydrogen XML"),
    # names from the file with a newline inside (found by make fuzz): one line all the same
    (lambda d: (d / "drumkit.xml").write_text(
        drumkit_xml([("Kick\nDrum", [("gone.wav", 0, 1)])]).replace("Synth808AsSamples", "Seed\nKit")),
     "kit Seed Kit: missing sample"),
    (lambda d: [write(d / "kick.wav", np.ones(10)), (d / "kit.toml").write_text("[tune]\nkick = 99\n")],
     "tune.kick: expected -24..24 semitones, got 99"),
], ids=["layer-gap", "unreadable", "unknown-name", "empty", "nan", "no-frames", "h2-missing", "h2-truncated",
                         "h2-newline-names", "kit-toml"])
def test_bad_kits_are_one_clear_line(tmp_path, cli, setup, message):
    kit = tmp_path / "kit"
    kit.mkdir()
    setup(kit)
    with pytest.raises(KitError) as err:
        load_sample_kit(kit, SR)
    assert message in str(err.value) and "\n" not in str(err.value)
    out = tmp_path / "x.wav"
    r = cli("render", "rock/straight-eighths", "-o", out, "--kit", kit, "--bars", "1")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and message in r.stderr, r.stderr
    assert not out.exists()


def test_no_such_kit(tmp_path):
    with pytest.raises(KitError, match="no such folder or file"):
        kit_tables(str(tmp_path / "nope/"), SR)
    with pytest.raises(gb.UnknownNameError, match="unknown kit 'nope'"):
        kit_tables("nope", SR)


def test_samples_load_once_and_again_when_the_file_changes(tmp_path):
    from groovebox.kits import samples as samplekit

    clear_cache()
    f = write(tmp_path / "kick.wav", np.full(100, 0.5))
    a = load_sample_kit(tmp_path, SR)
    (table,) = samplekit._cache.values()
    b = load_sample_kit(tmp_path, SR)
    (again,) = samplekit._cache.values()
    assert again is table  # read once, reused
    assert a.data[0] == b.data[0] == pytest.approx(0.5)
    write(f, np.full(100, 0.25))
    os.utime(f, ns=(time.time_ns(), time.time_ns() + 10**9))
    c = load_sample_kit(tmp_path, SR)
    assert c.data[0] == pytest.approx(0.25) and len(samplekit._cache) == 2
    load_sample_kit(tmp_path, 44100)  # another engine rate is another entry
    assert len(samplekit._cache) == 3


def test_kit_path_works_on_the_command_line(tmp_path, cli):
    write(tmp_path / "kick.wav", np.hanning(200))
    write(tmp_path / "snare.wav", np.hanning(300))
    out = tmp_path / "x.wav"
    r = cli("render", "rock/straight-eighths", "-o", out, "--kit", tmp_path, "--bars", "1")
    assert r.returncode == 0, r.stderr
    x, _ = sf.read(str(out))
    assert np.abs(x).max() > 0.1


@needs_hydrogen
def test_gm_rock_kit_loads_with_its_velocity_layers():
    report = []
    kt = load_sample_kit(GMROCK, SR, report=report)
    k = INSTRUMENT_INDEX["kick"]
    first = kt.layer_first[k]
    assert kt.layer_count[k] == 5
    assert kt.layer_max_vel[first:first + 5].tolist() == pytest.approx([0.202899, 0.369565, 0.731884, 0.865942, 1.0])
    assert "'Ride 2' also plays ride; 'Ride' is used" in report
    p = gb.Pattern.from_grid({"kick": "o... X..."}, bpm=120)
    x = gb.render(p, bars=1, kit=GMROCK, tail=False).samples[:, 0]
    ghost, accent = np.abs(x[:24000]).max(), np.abs(x[24000:48000]).max()  # steps 0 and 4
    assert 0 < ghost < 0.5 * accent  # the softest layer, quieter still by velocity
