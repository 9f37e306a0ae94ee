"""Figures render headless in PNG and SVG with labelled axes, and degrade gracefully."""

import matplotlib
import pytest

from litho import FemData, Spec, analyze, analyze_groups, generate, render

SPEC = Spec(45.0, 10.0)


@pytest.fixture(scope="module")
def data():
    return FemData.from_frame(generate(noise_sigma=0.3, die_coordinates=True, seed=1))


@pytest.fixture(scope="module")
def result(data):
    return analyze(data, SPEC)


def svg_text(kind, data, result) -> str:
    # Text stays text (not glyph paths) so the labels can be read back.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        return render(kind, data, result, "svg").decode()


@pytest.mark.parametrize("kind", ["bossung", "process-window", "el-dof", "cd-map"])
def test_png_and_svg(kind, data, result):
    assert render(kind, data, result, "png").startswith(b"\x89PNG\r\n\x1a\n")
    assert "<svg" in render(kind, data, result, "svg").decode()


@pytest.mark.parametrize(("kind", "labels"), [
    ("bossung", ["Focus (µm)", "CD (nm)", "Dose (mJ/cm²)", "spec 40.5–49.5 nm"]),
    ("process-window", ["Focus (µm)", "Dose (mJ/cm²)", "EL 5 %: rectangle DOF",
                        "EL 10 %: ellipse DOF"]),
    ("el-dof", ["DOF (µm)", "EL (%)"]),
    ("cd-map", ["X (mm)", "Y (mm)", "CD (nm)"]),
])
def test_axes_carry_units(kind, labels, data, result):
    text = svg_text(kind, data, result)
    for label in labels:
        assert label in text


def test_cd_map_without_coordinates_says_so():
    data = FemData.from_frame(generate())
    text = svg_text("cd-map", data, analyze(data, SPEC))
    assert "No field coordinates" in text


def test_cd_map_by_field_without_coordinates():
    data = FemData.from_frame(generate(fields=3, field_focus_offsets=[0.0, 0.05, 0.1]))
    text = svg_text("cd-map", data, analyze(data, SPEC))
    assert "Field 3" in text
    assert "Focus (µm)" in text


def test_empty_window_still_draws():
    data = FemData.from_frame(generate())
    result = analyze(data, Spec(100.0, 5.0))
    for kind in ("process-window", "el-dof"):
        assert render(kind, data, result, "png").startswith(b"\x89PNG")
    assert "no process window" in svg_text("el-dof", data, result)


def test_overlap_result_draws():
    data = FemData.from_frame(generate(fields=2, field_focus_offsets=[-0.05, 0.05]))
    overlap = analyze_groups(data, "Field", SPEC)["overlap"]
    assert render("process-window", data, overlap, "png").startswith(b"\x89PNG")


@pytest.mark.parametrize(("kind", "fmt"), [("histogram", "png"), ("bossung", "jpg")])
def test_unknown_kind_or_format(kind, fmt, data, result):
    with pytest.raises(ValueError):
        render(kind, data, result, fmt)
