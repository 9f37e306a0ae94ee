"""The ``litho`` command: analyse FEM files, make mock data, draw plots.

Exit status: 0 on success, 2 for invalid input or options (the report goes to stderr, with row
numbers for file problems). With ``--format json`` stdout carries exactly one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from litho import columns as col
from litho.analysis import AnalysisOptions, analyze, analyze_groups
from litho.io import FemData, read_fem
from litho.mock import DEFAULT_DOSES, DEFAULT_FOCI, generate_with_truth
from litho.plots import KINDS, render
from litho.spec import Spec
from litho.validation import FemValidationError

CONVENTION_TEXT = {"center": "relative to the interval's centre dose", "log": "100·ln(hi/lo)"}


def _numbers(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers, got {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError("expected at least one number")
    return values


def _levels(text: str) -> tuple[float, ...]:
    """A list "20,21,22" or an even range "START:STOP:COUNT"."""
    if ":" in text:
        parts = text.split(":")
        try:
            start, stop, count = float(parts[0]), float(parts[1]), int(parts[2])
        except (ValueError, IndexError):
            raise argparse.ArgumentTypeError(
                f"expected START:STOP:COUNT, got {text!r}") from None
        if len(parts) != 3 or count < 1:
            raise argparse.ArgumentTypeError(f"expected START:STOP:COUNT, got {text!r}")
        step = (stop - start) / (count - 1) if count > 1 else 0.0
        return tuple(round(start + i * step, 10) for i in range(count))
    return _numbers(text)


def _add_analysis_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="FEM data, CSV or Parquet")
    parser.add_argument("--target-cd", type=float, required=True, help="target CD in nm")
    parser.add_argument("--tolerance-pct", type=float, required=True,
                        help="CD tolerance in percent of target")
    parser.add_argument("--el", type=_numbers, default=(5.0, 10.0),
                        help="exposure latitudes in percent, comma-separated (default 5,10)")
    parser.add_argument("--model", choices=("surface", "bossung"), default="surface",
                        help="response surface in log dose (default) or per-dose fits")
    parser.add_argument("--focus-degree", type=int, choices=(2, 4), default=2)
    parser.add_argument("--el-ref", default="center",
                        help="EL convention: center (default), log, or a reference dose")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="litho", description=(
        "Process-window analysis of focus-exposure matrix (FEM) data."))
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("analyze", help="analyse a FEM file",
                              description="Fit CD(dose, focus), find the process window, "
                                          "report DOF at each EL.")
    _add_analysis_options(run)
    run.add_argument("--by", metavar="COLUMN",
                     help="analyse each group (e.g. Field, Wafer_ID) and their overlap")
    run.add_argument("--format", choices=("table", "json"), default="table")
    run.add_argument("--plots", metavar="DIR", type=Path, help="also write plots into DIR")
    run.add_argument("--plot-format", choices=("png", "svg"), default="png")
    run.set_defaults(handler=_run_analyze)

    mock = commands.add_parser("mock", help="write synthetic FEM data with known truth",
                               description="Write a mock FEM file; the truth goes to stdout "
                                           "as JSON.")
    mock.add_argument("-o", "--output", type=Path, required=True,
                      help="output file (.csv, or .parquet)")
    mock.add_argument("--doses", type=_levels, default=DEFAULT_DOSES,
                      help="doses in mJ/cm²: list or START:STOP:COUNT (default 20:28:17)")
    mock.add_argument("--foci", type=_levels, default=DEFAULT_FOCI,
                      help="foci in µm: list or START:STOP:COUNT (default -0.4:0.4:9); write "
                           "--foci=-0.4:0.4:9 when the value starts with a minus sign")
    mock.add_argument("--target-cd", type=float, default=45.0, help="c0, nm (default 45)")
    mock.add_argument("--e0", type=float, default=24.0, help="dose-to-size, mJ/cm² (default 24)")
    mock.add_argument("--beta", type=float, default=45.0, help="nm per unit ln dose (default 45)")
    mock.add_argument("--alpha", type=float, default=120.0,
                      help="focus curvature, nm/µm² (default 120)")
    mock.add_argument("--f0", type=float, default=0.0, help="best focus, µm (default 0)")
    mock.add_argument("--isofocal-tilt", type=float, default=0.0,
                      help="change of curvature per unit ln dose, nm/µm² (default 0)")
    mock.add_argument("--quartic", type=float, default=0.0, help="quartic focus term, nm/µm⁴")
    mock.add_argument("--fields", type=int, default=1, help="FEM copies per wafer")
    mock.add_argument("--field-focus-offsets", type=_numbers,
                      help="best-focus offset of each field, µm, comma-separated")
    mock.add_argument("--wafers", type=int, default=1)
    mock.add_argument("--repeats", type=int, default=1, help="measurements per site")
    mock.add_argument("--noise", type=float, default=0.0, help="CD noise sigma, nm")
    mock.add_argument("--missing", type=float, default=0.0, help="fraction of CDs left empty")
    mock.add_argument("--outliers", type=float, default=0.0, help="fraction of outlying CDs")
    mock.add_argument("--die-coordinates", action="store_true",
                      help="add X/Y die positions (mm) for CD maps")
    mock.add_argument("--seed", type=int, default=0)
    mock.set_defaults(handler=_run_mock)

    plot = commands.add_parser("plot", help="draw one figure of an analysis")
    _add_analysis_options(plot)
    plot.add_argument("--kind", choices=KINDS, required=True)
    plot.add_argument("-o", "--output", type=Path, required=True,
                      help="image file; .svg gives SVG, anything else PNG")
    plot.set_defaults(handler=_run_plot)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: the process arguments); returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args, parser)
    except FemValidationError as exc:
        print(f"{getattr(args, 'file', 'input')}: {exc.report()}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: stop quietly, as other command-line tools do.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - must outlive this frame for exit
        return 1


def _options(args, parser) -> tuple[Spec, AnalysisOptions]:
    try:
        return (Spec(args.target_cd, args.tolerance_pct),
                AnalysisOptions(el_pct=args.el, model=args.model,
                                focus_degree=args.focus_degree, el_ref=args.el_ref))
    except ValueError as exc:
        parser.error(str(exc))  # exits with status 2


def _run_analyze(args, parser) -> int:
    spec, options = _options(args, parser)
    data = read_fem(args.file)
    if args.by:
        result = analyze_groups(data, args.by, spec, options)
    else:
        result = analyze(data, spec, options)
    if args.format == "json":
        print(json.dumps(result, indent=2, allow_nan=False))
    else:
        name = Path(args.file).name
        print(_group_tables(name, args.by, result) if args.by else _table(name, result))
    if args.plots:
        _write_plots(args.plots, args.plot_format, data, result, args.by)
    return 0


def _run_plot(args, parser) -> int:
    spec, options = _options(args, parser)
    data = read_fem(args.file)
    result = analyze(data, spec, options)
    fmt = "svg" if args.output.suffix.lower() == ".svg" else "png"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(render(args.kind, data, result, fmt))
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _run_mock(args, parser) -> int:
    try:
        frame, truth = generate_with_truth(
            doses=args.doses, foci=args.foci, target_cd=args.target_cd, e0=args.e0,
            beta=args.beta, alpha=args.alpha, f0=args.f0, isofocal_tilt=args.isofocal_tilt,
            quartic=args.quartic, fields=args.fields, field_focus_offsets=args.field_focus_offsets,
            wafers=args.wafers, repeats=args.repeats, noise_sigma=args.noise,
            missing_fraction=args.missing, outlier_fraction=args.outliers,
            die_coordinates=args.die_coordinates, seed=args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    if args.output.suffix.lower() in (".parquet", ".pq"):
        frame.to_parquet(args.output, index=False)
    else:
        frame.to_csv(args.output, index=False, float_format="%.6g")
    print(json.dumps({"file": str(args.output), "rows": len(frame), "seed": args.seed,
                      "truth": truth.to_dict()}, indent=2))
    return 0


def _write_plots(directory: Path, fmt: str, data: FemData, result: dict, by: str | None) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    written = []

    def save(name: str, kind: str, subset: FemData, single: dict) -> None:
        path = directory / f"{name}.{fmt}"
        path.write_bytes(render(kind, subset, single, fmt))
        written.append(path)

    if by:
        column = col.canonical_name(by)
        for group, single in result["groups"].items():
            subset = FemData(data.frame.loc[data.frame[column].map(_group_text) == group],
                             data.source_rows)
            stem = f"{col.DISPLAY[column].lower()}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', group)}"
            for kind in ("bossung", "process-window", "el-dof"):
                save(f"{stem}-{kind}", kind, subset, single)
        for kind in ("process-window", "el-dof"):
            save(f"overlap-{kind}", kind, data, result["overlap"])
        save("cd-map", "cd-map", data, result["overlap"])
    else:
        for kind in KINDS:
            save(kind, kind, data, result)
    print("plots: " + ", ".join(str(p) for p in written), file=sys.stderr)


def _group_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _fixed(value: float | None, digits: int, missing: str = "—") -> str:
    if value is None:
        return missing
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _columns(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                      for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
            for row in rows]


def _convention(result: dict) -> str:
    reference = result.get("el_ref", "center")
    if reference in CONVENTION_TEXT:
        return CONVENTION_TEXT[reference]
    return f"relative to {reference:g} mJ/cm²"


def _table(name: str, result: dict, heading: str | None = None) -> str:
    spec, model, data = result["spec"], result["model"], result["data_summary"]
    if model["kind"] == "overlap":
        isofocal = "—"
    elif result["isofocal_dose"] is None:
        isofocal = "none in the sampled dose range"
    else:
        isofocal = (f"{_fixed(result['isofocal_dose'], 2)} mJ/cm² "
                    f"(CD {_fixed(result['isofocal_cd'], 2)} nm)")
    if model["kind"] == "overlap":
        model_text = (f"intersection of {model['groups']} group windows (worst RMS residual "
                      f"{model['rms_residual']:.3f} nm)")
    else:
        dose_part = "log dose degree" if model["kind"] == "surface" else "per-dose fits, degree"
        model_text = (f"{model['kind']} ({dose_part} {model['dose_degree']}, focus degree "
                      f"{model['focus_degree']}), RMS residual {model['rms_residual']:.3f} nm")
    summary = [
        ["Spec", f"{spec['target_cd']:g} nm ± {spec['tolerance_pct']:g} %  "
                 f"({spec['cd_min']:g} to {spec['cd_max']:g} nm)"],
        ["Data", f"{data['points']} points, {data['doses']} doses × {data['foci']} foci, "
                 f"{100 * data['in_spec_fraction']:.1f} % of points in spec"],
        ["Model", model_text],
        ["Best focus", _fixed(result["best_focus"], 3) + (" µm" if result["best_focus"]
                                                           is not None else "")],
        ["Dose-to-size", _fixed(result["dose_to_size"], 2) + (" mJ/cm²" if result[
            "dose_to_size"] is not None else "")],
        ["Isofocal", isofocal],
        ["Max EL", f"{result['max_el_pct']:.2f} %  (EL {_convention(result)})"],
        ["DOF at EL 0", f"{result['dof_at_zero_el']:.3f} µm" + (
            "  (clipped: the window reaches the sampled focus or dose range)"
            if result.get("dof_at_zero_el_clipped") else "")],
    ]
    lines = [heading or f"FEM analysis of {name}"]
    lines += ["  " + line for line in _columns(summary, right=set())]
    rows = [["EL %", "DOF µm", "centre focus µm", "centre dose mJ/cm²", "clipped",
             "ellipse DOF µm", "ellipse clipped"]]
    for row in result["process_window"]:
        rows.append([f"{row['el_pct']:g}", f"{row['dof']:.3f}", _fixed(row["center_focus"], 3),
                     _fixed(row["center_dose"], 2), "yes" if row["clipped"] else "no",
                     f"{row['ellipse_dof']:.3f}", "yes" if row["ellipse_clipped"] else "no"])
    lines += ["", "  Process window (rectangle: worst-case errors; ellipse: independent errors)"]
    lines += ["  " + line for line in _columns(rows, right={0, 1, 2, 3, 5})]
    if result.get("warnings"):
        lines += ["", "  Notes:"] + [f"  - {note}" for note in result["warnings"]]
    return "\n".join(lines)


def _group_tables(name: str, by: str, result: dict) -> str:
    column = col.DISPLAY.get(col.canonical_name(by) or "", by)
    levels = [row["el_pct"] for row in result["overlap"]["process_window"]]
    rows = [[column, "points", "best focus µm", "dose-to-size mJ/cm²", "max EL %",
             *[f"DOF@{level:g}% µm" for level in levels], "RMS nm"]]
    for group, single in [*result["groups"].items(), ("overlap", result["overlap"])]:
        rows.append([group, str(single["data_summary"]["points"]),
                     _fixed(single["best_focus"], 3), _fixed(single["dose_to_size"], 2),
                     f"{single['max_el_pct']:.2f}",
                     *[f"{row['dof']:.3f}" for row in single["process_window"]],
                     f"{single['model']['rms_residual']:.3f}"])
    lines = [f"FEM analysis of {name} by {column}"]
    lines += ["  " + line for line in _columns(rows, right=set(range(1, len(rows[0]))))]
    lines += ["", _table(name, result["overlap"],
                         heading=f"Common window of all {len(result['groups'])} groups")]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
