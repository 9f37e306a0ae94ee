"""Loading FEM files and the validation report (row numbers as a spreadsheet shows them)."""

import io

import numpy as np
import pandas as pd
import pytest

from litho import FemData, FemValidationError, Problem, generate, read_fem
from litho.validation import MAX_PROBLEMS


def problems_of(source, **kwargs) -> list[str]:
    with pytest.raises(FemValidationError) as caught:
        read_fem(source, **kwargs)
    return [str(p) for p in caught.value.problems]


def test_every_problem_is_reported_with_its_row():
    csv = (b"Dose,Focus,CD\n"  # row 1
           b"20,-0.1,45\n"     # row 2: fine
           b"20,0,abc\n"       # row 3
           b",0.1,44\n"        # row 4
           b"21,-0.1,-3\n"     # row 5
           b"\n"               # row 6: blank, skipped but counted
           b"21,0,inf\n"       # row 7
           b"0,0.1,44\n"       # row 8
           b"22,x,44,9\n"      # row 9: one field too many
           b"22,0,\n")         # row 10: missing CD is dropped, not an error
    assert problems_of(csv) == [
        "row 3, column CD: 'abc' is not a number",
        "row 4, column Dose: missing value",
        "row 5, column CD: CD must be positive, got -3",
        "row 7, column CD: infinite value",
        "row 8, column Dose: dose must be positive, got 0",
        "row 9: expected 3 fields, found 4",
    ]


def test_blank_lines_keep_later_row_numbers():
    # Lines: 1 header, 2 data, 3 and 4 blank, 5 the bad value.
    csv = b"Dose,Focus,CD\n20,0,45\n\n\n21,0.1,oops\n22,0.2,44\n"
    assert problems_of(csv) == ["row 5, column CD: 'oops' is not a number"]


def test_problem_report_is_capped():
    rows = "".join(f"{20 + i % 3},x{i},45\n" for i in range(MAX_PROBLEMS + 50))
    problems = problems_of(("Dose,Focus,CD\n" + rows).encode())
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[0] == "row 2, column Focus: 'x0' is not a number"
    assert problems[-1] == "and 50 more problems"


@pytest.mark.parametrize(("payload", "message"), [
    (b"", "the file is empty (0 bytes)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a CSV file: it contains binary data"),
    (b"Dose,Focus,CD\n", "there are no data rows below the header"),
    (b"   \n20,0,45\n", "the first line is empty; the file needs a header line naming Dose, "
                         "Focus and CD"),
])
def test_file_level_problems(payload, message):
    assert problems_of(payload) == [message]


def test_missing_and_conflicting_columns():
    assert problems_of(b"Dose,Exposure,CD\n20,20,45\n") == [
        "columns 'Dose' and 'Exposure' both give Dose; keep only one of them",
        "missing column Focus (accepted headers: Focus, Defocus; case does not matter)",
    ]


def test_too_few_doses_and_foci_for_a_fit():
    assert problems_of(b"Dose,Focus,CD\n20,0,45\n20,0.1,46\n") == [
        "column Dose: a fit needs at least 2 different doses with a CD; the data have 1 (20)",
        "column Focus: a fit needs at least 3 different focus values with a CD; "
        "the data have 2 (0, 0.1)",
    ]


def test_unreadable_path():
    problems = problems_of("no/such/fem.csv")
    assert len(problems) == 1
    assert problems[0].startswith("cannot read no/such/fem.csv")


def test_max_rows():
    csv = b"Dose,Focus,CD\n" + b"20,0,45\n" * 11
    assert problems_of(csv, max_rows=10) == [
        "the file has more than 10 data rows (the limit)"]


def test_aliases_units_and_case_are_accepted():
    csv = ("exposure (mJ/cm²);Defocus [µm];cd;Wafer ID;site\n"
           "20;0;45;W1;a\n21;0;44;W1;a\n22;0.1;43;W1;a\n20;-0.1;46;W1;a\n").encode()
    data = read_fem(csv)
    assert list(data.frame.columns) == ["dose", "focus", "cd", "wafer_id"]
    assert data.warnings == ["ignored columns: site"]
    assert data.frame["dose"].tolist() == [20.0, 20.0, 21.0, 22.0]  # sorted by dose, focus


def test_latin1_file_is_read_with_a_note():
    csv = "Dose (mJ/cm²),Focus (µm),CD\n20,0,45\n21,0.1,44\n22,0.2,43\n".encode("latin-1")
    data = read_fem(csv)
    assert len(data.frame) == 3
    assert "the file is not UTF-8; it was read as Latin-1" in data.warnings


def test_missing_cd_rows_are_dropped_and_counted():
    csv = b"Dose,Focus,CD\n20,0,45\n20,0.1,\n21,0.1,44\n21,0.3,NaN\n22,0.2,43\n"
    data = read_fem(csv)
    assert (data.source_rows, len(data.frame), data.dropped_missing_cd) == (5, 3, 2)
    assert data.warnings == ["2 rows without a CD value were dropped (rows 3, 5)"]


def test_duplicates_are_averaged_and_counted():
    # Two repeats of (20, 0): CDs 44 and 46 average to 45; (21, 0.1) appears three times.
    csv = (b"Dose,Focus,CD\n20,0,44\n21,0.1,40\n20,0,46\n21,0.1,41\n21,0.1,42\n"
           b"22,0.2,43\n")
    data = read_fem(csv)
    assert data.duplicates_averaged == 3
    assert data.frame.to_dict("list") == {"dose": [20.0, 21.0, 22.0], "focus": [0.0, 0.1, 0.2],
                                          "cd": [45.0, 41.0, 43.0]}
    assert data.warnings == ["3 rows repeated the Dose and Focus of an earlier row; "
                             "repeated rows were averaged into one point"]


def test_rows_of_different_fields_are_not_duplicates():
    frame = generate(fields=2, repeats=2)  # each site measured twice, two fields
    data = FemData.from_frame(frame)
    assert data.duplicates_averaged == 153 * 2
    assert len(data.frame) == 153 * 2
    assert sorted(data.frame["field"].unique()) == [1, 2]


def test_parquet_by_magic_bytes_and_by_name(tmp_path):
    frame = generate(noise_sigma=0.2, seed=4)
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    from_bytes = read_fem(buffer.getvalue())
    path = tmp_path / "fem.parquet"
    frame.to_parquet(path, index=False)
    from_path = read_fem(path)
    np.testing.assert_array_equal(from_bytes.frame["cd"], from_path.frame["cd"])
    assert np.sort(from_bytes.frame["cd"]).tolist() == np.sort(frame["CD"]).tolist()


def test_damaged_parquet():
    problems = problems_of(b"PAR1 this is not really parquet")
    assert problems[0].startswith("not a readable Parquet file")


def test_file_object_and_path_give_the_same_frame(tmp_path):
    path = tmp_path / "fem.csv"
    generate(noise_sigma=0.2, seed=5).to_csv(path, index=False)
    with path.open("rb") as handle:
        from_handle = read_fem(handle)
    pd.testing.assert_frame_equal(from_handle.frame, read_fem(path).frame)


def test_from_frame_numbers_rows_like_an_export():
    frame = pd.DataFrame({"Dose": [20.0, -1.0, 22.0], "Focus": [0.0, 0.1, "n/a"],
                          "CD": [45.0, 44.0, 43.0]})
    with pytest.raises(FemValidationError) as caught:
        FemData.from_frame(frame)
    assert [p.to_dict() for p in caught.value.problems] == [
        {"row": 3, "column": "Dose", "message": "dose must be positive, got -1"},
        {"row": 4, "column": "Focus", "message": "missing value"},
    ]


def test_problem_formatting():
    assert str(Problem(None, None, "the file is empty")) == "the file is empty"
    problem = Problem(4, None, "expected 3 fields, found 4")
    assert str(problem) == "row 4: expected 3 fields, found 4"
    error = FemValidationError([Problem(7, "Dose", "'abc' is not a number")])
    assert error.report() == ("invalid FEM data (1 problem):\n"
                              "  row 7, column Dose: 'abc' is not a number")
