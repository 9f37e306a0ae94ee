"""The litho command: in-process through litho.cli.main, and once as a real subprocess."""

import json
import subprocess
import sys

import pytest

from litho import generate
from litho.cli import main

CONTRACT_KEYS = {"spec", "model", "best_focus", "dose_to_size", "isofocal_dose", "isofocal_cd",
                 "max_el_pct", "dof_at_zero_el", "process_window", "el_vs_dof", "bossung",
                 "data_summary"}


@pytest.fixture(scope="module")
def fem_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("fem") / "fem.csv"
    generate().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def fields_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("fields") / "fields.csv"
    generate(fields=2, field_focus_offsets=[-0.05, 0.05], die_coordinates=True).to_csv(
        path, index=False)
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_table(capsys, fem_file):
    code, out, err = run(capsys, "analyze", fem_file, "--target-cd", 45, "--tolerance-pct", 10)
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == "FEM analysis of fem.csv"
    # Truth (test_truth_window): best focus 0, dose-to-size 24, max EL 19.93 %, DOF@0 0.548 µm,
    # DOF 0.474 µm at 5 % and 0.387 µm at 10 %, ellipse 0.511 and 0.467 µm.
    assert "  Best focus    0.000 µm" in lines
    assert "  Dose-to-size  24.00 mJ/cm²" in lines
    assert "  Max EL        19.93 %  (EL relative to the interval's centre dose)" in lines
    assert "  DOF at EL 0   0.548 µm" in lines
    rows = {line.split()[0]: line.split() for line in lines if line.split()[:1] in (["5"], ["10"])}
    # columns: EL, DOF, centre focus, centre dose, clipped, ellipse DOF, ellipse clipped
    assert float(rows["5"][1]) == pytest.approx(0.474, abs=0.001)
    assert float(rows["5"][5]) == pytest.approx(0.511, abs=0.002)
    assert float(rows["10"][1]) == pytest.approx(0.387, abs=0.001)
    assert float(rows["10"][5]) == pytest.approx(0.467, abs=0.002)
    assert rows["5"][4] == rows["5"][6] == "no"


def test_json_is_one_document(capsys, fem_file):
    code, out, _ = run(capsys, "analyze", fem_file, "--target-cd", 45, "--tolerance-pct", 10,
                       "--format", "json", "--el", "3,6,9", "--el-ref", "log")
    assert code == 0
    document = json.loads(out)
    assert set(document) >= CONTRACT_KEYS
    assert [row["el_pct"] for row in document["process_window"]] == [3.0, 6.0, 9.0]
    assert document["el_ref"] == "log"


def test_by_field_json_and_table(capsys, fields_file):
    code, out, _ = run(capsys, "analyze", fields_file, "--target-cd", 45, "--tolerance-pct", 10,
                       "--by", "Field", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert set(document) == {"groups", "overlap"}
    assert set(document["groups"]) == {"1", "2"}
    # Overlap of fields at ±0.05 µm: single DOF − 0.1 µm = 0.374 µm at 5 % (test_truth_derived).
    assert document["overlap"]["process_window"][0]["dof"] == pytest.approx(0.3743, abs=0.001)
    code, out, _ = run(capsys, "analyze", fields_file, "--target-cd", 45, "--tolerance-pct", 10,
                       "--by", "field")
    assert code == 0
    assert "FEM analysis of fields.csv by Field" in out
    assert "Common window of all 2 groups" in out
    overlap_line = next(line for line in out.splitlines() if line.strip().startswith("overlap"))
    assert "0.374" in overlap_line


def test_plots_directory(capsys, fields_file, tmp_path):
    code, _, err = run(capsys, "analyze", fields_file, "--target-cd", 45, "--tolerance-pct", 10,
                       "--plots", tmp_path, "--plot-format", "svg")
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bossung.svg", "cd-map.svg", "el-dof.svg", "process-window.svg"]
    assert "plots:" in err


def test_invalid_file_exits_2_with_the_report(capsys, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Dose,Focus,CD\n20,0,45\n20,x,46\n-1,0.1,44\n")
    code, out, err = run(capsys, "analyze", path, "--target-cd", 45, "--tolerance-pct", 10,
                         "--format", "json")
    assert code == 2
    assert out == ""
    assert "row 3, column Focus: 'x' is not a number" in err
    assert "row 4, column Dose: dose must be positive, got -1" in err
    assert "Traceback" not in err


def test_invalid_option_exits_2(capsys, fem_file):
    with pytest.raises(SystemExit) as exited:
        main(["analyze", str(fem_file), "--target-cd", "45", "--tolerance-pct", "120"])
    assert exited.value.code == 2
    assert "tolerance_pct must be between 0 and 100" in capsys.readouterr().err


def test_mock_writes_data_and_prints_truth(capsys, tmp_path):
    path = tmp_path / "mock.csv"
    code, out, _ = run(capsys, "mock", "-o", path, "--doses", "20:28:9", "--foci=-0.3:0.3:7",
                       "--f0", "0.05", "--noise", "0.2", "--seed", 7)
    assert code == 0
    truth = json.loads(out)
    assert truth["rows"] == 63
    assert truth["truth"]["best_focus"] == [0.05]
    code, out, _ = run(capsys, "analyze", path, "--target-cd", 45, "--tolerance-pct", 10,
                       "--format", "json")
    # Noise of 0.2 nm moves best focus by ~0.0004 µm (see TestNoise, scaled by 0.2/0.5).
    assert json.loads(out)["best_focus"] == pytest.approx(0.05, abs=0.003)


def test_mock_parquet_output(capsys, tmp_path):
    path = tmp_path / "mock.parquet"
    assert run(capsys, "mock", "-o", path)[0] == 0
    assert path.read_bytes().startswith(b"PAR1")


def test_plot_command(capsys, fem_file, tmp_path):
    out_path = tmp_path / "window.png"
    code, _, _ = run(capsys, "plot", fem_file, "--target-cd", 45, "--tolerance-pct", 10,
                     "--kind", "process-window", "-o", out_path)
    assert code == 0
    assert out_path.read_bytes().startswith(b"\x89PNG")


def test_as_a_subprocess(fem_file):
    completed = subprocess.run(
        [sys.executable, "-m", "litho.cli", "analyze", str(fem_file), "--target-cd", "45",
         "--tolerance-pct", "10", "--format", "json"], capture_output=True, text=True,
        check=False, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["dose_to_size"] == pytest.approx(24.0, rel=1e-9)
