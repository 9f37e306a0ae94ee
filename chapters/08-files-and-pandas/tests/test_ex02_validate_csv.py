"""Graded tests of ex02_validate_csv: every problem with its file line, aliases, duplicates."""

from __future__ import annotations

import io

import numpy as np
import pytest

HINT = (
    "Read everything as text (header=None, dtype=str, keep_default_na=False, "
    "skip_blank_lines=False) so pandas neither guesses NaN nor mangles headers; line n of the "
    "file is position n-1 of that frame. Build one boolean mask per check with "
    "pd.to_numeric(errors='coerce') and report each masked cell once."
)


def csv(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


def problems(report):
    return [(p.row, p.column, p.problem) for p in report.errors]


GOOD = """Dose,Focus,CD,Wafer_ID,Field
22.0,-0.1,47.2,W01,1
22.0,0.0,45.9,W01,2
24.0,-0.1,45.1,W01,3
24.0,0.0,44.0,W01,4
"""


@pytest.mark.points(2)
def test_a_clean_file_is_valid_with_a_typed_frame(ex):
    report = ex.validate_fem_csv(csv(GOOD))
    assert report.valid, problems(report)
    assert (report.rows, report.errors, report.warnings) == (4, [], [])
    frame = report.frame
    assert list(frame.columns) == ["Dose", "Focus", "CD", "Wafer_ID", "Field"]
    assert list(frame.index) == [2, 3, 4, 5], "the index holds file line numbers"
    assert frame["Dose"].dtype == np.float64
    assert frame["Field"].dtype == np.float64
    assert frame["CD"].tolist() == [47.2, 45.9, 45.1, 44.0]
    assert frame["Wafer_ID"].tolist() == ["W01"] * 4


@pytest.mark.points(3)
def test_every_bad_cell_is_reported_with_its_file_line(ex):
    text = (
        "Dose,Focus,CD\n"      # line 1
        "22.0,-0.1,47.2\n"     # 2 fine
        "abc,0.0,45.9\n"       # 3 Dose not a number
        "24.0,,45.1\n"         # 4 Focus missing
        "24.0,0.0,NaN\n"       # 5 CD NaN
        "0,0.1,44.0\n"         # 6 Dose 0: not positive
        "-3,xyz,\n"            # 7 Dose negative, Focus not a number, CD missing
        "26.0,0.1,inf\n"       # 8 CD infinite
        "26.0,0.2,NA\n"       # 9 "NA" is text, not NaN
    )
    report = ex.validate_fem_csv(csv(text))
    assert not report.valid
    assert report.frame is None
    assert problems(report) == [
        (3, "Dose", "not_a_number"),
        (4, "Focus", "missing"),
        (5, "CD", "not_finite"),
        (6, "Dose", "out_of_range"),
        (7, "Dose", "out_of_range"),
        (7, "Focus", "not_a_number"),
        (7, "CD", "missing"),
        (8, "CD", "not_finite"),
        (9, "CD", "not_a_number"),
    ]
    assert all(p.message for p in report.errors)
    assert "abc" in report.errors[0].message


@pytest.mark.points(2)
def test_range_boundaries(ex):
    text = (
        "Dose,Focus,CD,Field\n"
        "0.001,-10,0.001,1\n"        # 2: all at the edge, valid
        "1000,10,10000,10000\n"      # 3: all at the upper edge, valid
        "1000.5,10.01,10000.1,0\n"   # 4: each just outside
        "22,-10.01,-1,10001\n"       # 5: outside below / above
    )
    report = ex.validate_fem_csv(csv(text))
    assert problems(report) == [
        (4, "Dose", "out_of_range"), (4, "Focus", "out_of_range"),
        (4, "CD", "out_of_range"), (4, "Field", "out_of_range"),
        (5, "Focus", "out_of_range"), (5, "CD", "out_of_range"),
        (5, "Field", "out_of_range"),
    ]


@pytest.mark.points(2)
def test_aliases_and_case_are_accepted_unknown_columns_ignored(ex):
    text = " exposure ,DEFOCUS,cd,comment,x,Y\n24,0.05,44.1,first,1.5,\n25,0.05,43.0,,, 2.5 \n"
    report = ex.validate_fem_csv(csv(text))
    assert report.valid, problems(report)
    assert list(report.frame.columns) == ["Dose", "Focus", "CD", "X", "Y"]
    assert report.ignored_columns == ["comment"]
    assert report.frame["Dose"].tolist() == [24.0, 25.0]
    assert report.frame["Y"].isna().tolist() == [True, False], "an optional cell may be empty"
    assert report.frame["Y"].iloc[1] == 2.5


@pytest.mark.points(2)
def test_header_problems_are_reported_on_row_1(ex):
    report = ex.validate_fem_csv(csv("Energy,CD,Wafer_ID\n24,45,W1\n"))
    assert problems(report) == [(1, "Focus", "missing_column")]
    report = ex.validate_fem_csv(csv("Dose,Exposure,Focus\nabc,24,0\n"))
    assert problems(report) == [(1, "Dose", "duplicate_column"), (1, "CD", "missing_column")]
    assert report.frame is None
    report = ex.validate_fem_csv(csv("Dose,Focus,CD\n"))
    assert problems(report) == [(1, None, "no_rows")]


@pytest.mark.points(2)
def test_duplicates_are_warnings_naming_the_first_row(ex):
    text = (
        "Wafer_ID,Dose,Focus,CD\n"
        "W1,24,0.0,45.0\n"      # 2
        "W1,24,0.1,44.0\n"      # 3
        "W2,24,0.0,45.3\n"      # 4: other wafer, not a duplicate
        "W1,24.0,0,45.2\n"      # 5: same as row 2 once parsed
        "W1,24,0.1,43.8\n"      # 6: same as row 3
        "W1,x,0.1,43.8\n"       # 7: bad dose: an error, no part in duplicates
        "W1,,0.1,43.7\n"        # 8: no dose: an error, no part in duplicates
        "W1,24,0.0,44.9\n"      # 9: same as row 2 again
    )
    report = ex.validate_fem_csv(csv(text))
    assert problems(report) == [(7, "Dose", "not_a_number"), (8, "Dose", "missing")]
    assert [(w.row, w.column, w.problem) for w in report.warnings] == [
        (5, None, "duplicate"), (6, None, "duplicate"), (9, None, "duplicate"),
    ]
    assert "row 2" in report.warnings[0].message
    assert "row 3" in report.warnings[1].message
    assert "row 2" in report.warnings[2].message

    without_errors = text.replace("W1,x,0.1,43.8\n", "").replace("W1,,0.1,43.7\n", "")
    clean = ex.validate_fem_csv(csv(without_errors))
    assert clean.valid, "duplicates do not make a file invalid"
    assert len(clean.warnings) == 3
    assert clean.rows == 6


@pytest.mark.points(2)
def test_blank_lines_keep_the_numbering_and_a_bom_is_ignored(ex):
    text = "\ufeffDose,Focus,CD\n22,0,45\n\n22,0.1,\n 22 ,0.2,   \n"
    report = ex.validate_fem_csv(csv(text))
    assert problems(report) == [(4, "CD", "missing"), (5, "CD", "missing")], (
        "line 4, after a blank line 3; spaces alone are an empty cell"
    )
    assert report.rows == 3


@pytest.mark.points(2)
def test_unparsable_files_raise_unreadable(ex, tmp_path):
    for label, data in [("empty", b""), ("too many fields", b"Dose,Focus,CD\n1,2,3,4\n"),
                        ("not UTF-8", b"Dose,Focus,CD\n\xff\xfe,1,2\n")]:
        with pytest.raises(ex.UnreadableCSV):
            ex.validate_fem_csv(io.BytesIO(data))
        assert issubclass(ex.UnreadableCSV, ValueError), label
    path = tmp_path / "fem.csv"
    path.write_text(GOOD)
    assert ex.validate_fem_csv(path).valid, "a path works as well as a file object"
    assert ex.validate_fem_csv(str(path)).rows == 4
