"""Graded: ex04_sanitize, file names, free text, identifiers and HTML output."""

import pytest
from markupsafe import Markup

HINT = (
    "Normalise (NFKC) and drop Cc/Cf characters first, keep only the last path component "
    "(split on / and \\), let werkzeug's secure_filename do the ASCII part, then add what it "
    "does not do: leading dashes, device names on every OS, length, the empty result."
)


def filename_cases(ex, cases):
    for given, expected in cases:
        got = ex.safe_filename(given)
        assert got == expected, f"safe_filename({given!r}) -> {got!r}, expected {expected!r}"


def refused(function, *args):
    """The ValueError that ``function(*args)`` raises; a failure naming the call if none."""
    try:
        function(*args)
    except ValueError as exc:
        return exc
    return pytest.fail(f"{function.__name__}{args!r} accepted")


@pytest.mark.points(2)
def test_path_tricks_leave_only_a_plain_name(ex):
    filename_cases(ex, [
        ("fem_W01.csv", "fem_W01.csv"),
        ("../../etc/passwd", "passwd"),
        ("....//....//etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("C:\\Users\\kim\\fem run 1.csv", "fem_run_1.csv"),
        ("/var/data/FEM-2024.parquet", "FEM-2024.parquet"),
        ("runs/W01.csv", "W01.csv"),
    ])
    for hopeless in ("", "..", "....", "/", "uploads/", "\\", "\u202e", "./.", "-"):
        assert isinstance(refused(ex.safe_filename, hopeless), ex.UnsafeName), hopeless


@pytest.mark.points(2)
def test_dotfiles_dashes_and_device_names(ex):
    filename_cases(ex, [
        (".env", "env"),
        ("..bashrc", "bashrc"),
        ("-rf.csv", "rf.csv"),
        ("--help", "help"),
        ("_-.hidden.csv", "hidden.csv"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("Com1.csv", "_Com1.csv"),
        ("LPT9", "_LPT9"),
        ("aux.tar.gz", "_aux.tar.gz"),
        ("CONFIG.csv", "CONFIG.csv"),
        ("console.log", "console.log"),
        ("COM10.csv", "COM10.csv"),
        ("LPT10.txt", "LPT10.txt"),
        ("fem.-rf", "fem.-rf"),
    ])


@pytest.mark.points(2)
def test_unicode_controls_and_length(ex):
    filename_cases(ex, [
        ("\uff46\uff45\uff4d.csv", "fem.csv"),  # fullwidth
        ("r\u00e9sum\u00e9.csv", "resume.csv"),
        ("report\u202egpj.exe", "reportgpj.exe"),  # right-to-left override shows "exe.jpg"
        ("fem\n\t.csv", "fem.csv"),
        ("a\x00b.csv", "ab.csv"),
        ("zero\u200bwidth.csv", "zerowidth.csv"),
        ("\ufb01le.csv", "file.csv"),  # ligature
    ])
    long_name = ex.safe_filename("a" * 300 + ".csv")
    assert long_name == "a" * 96 + ".csv", long_name
    assert ex.safe_filename("b" * 30 + ".parquet", max_length=20) == "b" * 12 + ".parquet"
    assert ex.safe_filename("c" * 150) == "c" * 100
    assert ex.safe_filename("d" * 100) == "d" * 100
    assert len(ex.safe_filename("e" * 98 + ".csv")) == 100
    # no room for the stem: cut plainly rather than leave a dotfile such as ".csvx"
    assert ex.safe_filename("abcdefgh.csvx", max_length=5) == "abcde"


@pytest.mark.points(2)
def test_clean_text_removes_invisible_characters(ex):
    assert ex.clean_text("  \ufb01ne focus\r\nsecond\rthird\n ") == "fine focus\nsecond\nthird"
    assert ex.clean_text("tab\tkept\nline") == "tab\tkept\nline"
    sneaky = "a\u202eb\u2066c\u2069d\u200be\ufeff\x07f\x1b[31mg"
    assert ex.clean_text(sneaky) == "abcdef[31mg"
    assert ex.clean_text("x" * 10 + "\u200b" * 10, max_length=10) == "x" * 10
    assert ex.clean_text("x" * 2000) == "x" * 2000
    assert isinstance(refused(ex.clean_text, "x" * 2001), ex.UnsafeText)
    assert isinstance(refused(ex.clean_text, "x" * 11, 10), ex.UnsafeText)


@pytest.mark.points(2)
def test_identifiers_are_normalised_and_confusables_refused(ex):
    wafer = r"W[0-9]{2}"
    product = r"[\w-]{1,40}"  # \w alone would let Cyrillic letters through
    assert ex.normalize_identifier("\uff37\uff10\uff11", wafer) == "W01"  # fullwidth
    assert ex.normalize_identifier("P45-logic", product) == "P45-logic"
    error = refused(ex.normalize_identifier, "P45-l\u043egic", product)  # Cyrillic o
    assert isinstance(error, ex.UnsafeName)
    assert "CYRILLIC SMALL LETTER O" in str(error), str(error)
    assert "5" in str(error), str(error)
    greek = refused(ex.normalize_identifier, "\u039f45", product)
    assert "GREEK CAPITAL LETTER OMICRON" in str(greek), str(greek)
    for bad in ("W01\n", "W012", "XW01", "", "W 1"):
        assert isinstance(refused(ex.normalize_identifier, bad, wafer), ex.UnsafeName), bad


@pytest.mark.points(2)
def test_note_html_escapes_everything(ex):
    html = ex.note_html('<script>alert("x")</script>\nO\'Neil & co')
    assert isinstance(html, Markup)
    assert str(html) == (
        '<p class="note">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;<br>\n'
        "O&#39;Neil &amp; co</p>"
    ), str(html)
    trusted_looking = Markup("<img src=x onerror=alert(1)>")
    assert str(ex.note_html(trusted_looking)) == (
        '<p class="note">&lt;img src=x onerror=alert(1)&gt;</p>'
    ), "a Markup from a client is still text"
    assert str(ex.note_html("")) == '<p class="note"></p>'
